use super::records::{godata_ref, record_job};
use crate::diagnostic::{Finding, Severity};
use crate::job::Job;
use crate::period::Period;

declare_rule! {
    /// ## What it does
    /// Checks what limits the Go.Data account's view of the outbreak. An outbreak the
    /// account cannot see (403, or not among its `outbreakIds`), an unknown or deleted
    /// outbreak, or a name that matches none or several, is an error. An outbreak with
    /// `applyGeographicRestrictions: true` is a warning: case reads and counts are
    /// narrowed to the account's team locations, so the figures depend on who runs the
    /// job. A note says when the job's periods fall wholly outside the outbreak's
    /// `startDate`–`endDate`.
    ///
    /// ## Why is this bad?
    /// A restricted account reads part of the outbreak without any error: districts
    /// outside its teams report zero.
    ///
    /// ## How to fix
    /// Use an account with `disregardGeographicRestrictions`, give it access to the
    /// outbreak, or correct `[source] outbreak`.
    ///
    /// ## Example
    /// The outbreak restricts by geography and the API user belongs to the team of one
    /// region.
    pub static RULE = {
        id: RESTRICTED_SOURCE_VISIBILITY,
        summary: "the Go.Data account cannot see the outbreak, or sees only part of it",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let (Some(g), Some(src)) = (rj.side.godata.as_ref(), rj.godata()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let outbreak_span = match &src.outbreak {
        Some(
            crate::config::records::OutbreakRef::Id(s)
            | crate::config::records::OutbreakRef::Name(s),
        ) => s.span.clone(),
        None => src.span.clone(),
    };
    let id = src.outbreak_id().unwrap_or("");
    if let Some(problem) = &g.meta.outbreak_problem {
        let mut f = Finding::new(
            &RULE,
            format!("the outbreak cannot be read: {problem}"),
            "check `[source] outbreak` and that the account may read it (outbreak_view, case_list, and the outbreak among its outbreaks)",
        )
        .object(godata_ref("goDataOutbreak", id, None));
        f.severity = Severity::Error;
        f.fixed = true;
        f.config_span = Some(outbreak_span.clone());
        out.push(f);
        return out;
    }
    let Some(o) = &g.meta.outbreak else {
        return out;
    };
    let obj = godata_ref("goDataOutbreak", &o.id, o.name.as_deref());
    if o.deleted == Some(true) {
        let mut f = Finding::new(
            &RULE,
            format!("outbreak {} is deleted", o.id),
            "point `[source] outbreak` at the current outbreak",
        )
        .object(obj.clone());
        f.severity = Severity::Error;
        f.fixed = true;
        f.config_span = Some(outbreak_span);
        out.push(f);
        return out;
    }
    if o.apply_geographic_restrictions == Some(true) {
        let mut f = Finding::new(
            &RULE,
            format!("outbreak \"{}\" applies geographic restrictions: the account reads only the cases of its teams' locations (and those without a residence)", o.name.as_deref().unwrap_or(&o.id)),
            "run the job with an account that has disregardGeographicRestrictions, or check that its teams cover the whole outbreak",
        )
        .object(obj.clone());
        f.config_span = Some(outbreak_span.clone());
        out.push(f);
    }
    let day = |s: &Option<String>| {
        s.as_deref()
            .and_then(|d| crate::source::linelist::iso_day(d, &src.timezone.tz))
    };
    let (start, end) = (day(&o.start_date), day(&o.end_date));
    let periods: Vec<Period> = cx
        .config
        .sync
        .periods
        .iter()
        .filter_map(|p| Period::parse(&p.value))
        .collect();
    if !periods.is_empty()
        && periods
            .iter()
            .all(|p| start.is_some_and(|s| p.end < s) || end.is_some_and(|e| p.start > e))
    {
        let mut f = Finding::note(
            &RULE,
            format!(
                "the job's periods all fall outside the outbreak's dates ({} to {})",
                start.map_or("?".into(), |d| d.to_string()),
                end.map_or("open".into(), |d| d.to_string())
            ),
            "check `[sync] periods`: they will hold no cases",
        )
        .object(obj);
        f.config_span = cx.config.sync.periods.first().map(|p| p.span.clone());
        out.push(f);
    }
    out
}
