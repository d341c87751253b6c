use super::records::{block_finding, record_job};
use crate::diagnostic::Finding;
use crate::job::Job;
use crate::model::Identifiable;
use crate::period::PeriodType;

declare_rule! {
    /// ## What it does
    /// Checks that a block's periods are those of the data set(s) holding its data
    /// element: a `period_type` pinned on the block must be the type of one of them,
    /// and when they are of several types the block must pin one
    /// (`conflicting-period-types` reports the data sets themselves). With the records
    /// read, a warning says when most period dates of a Go.Data source are not at
    /// midnight in the configured `timezone`: date-only fields are stored as midnight
    /// in the server's zone, so the zone is probably wrong and every day shifts.
    ///
    /// ## Why is this bad?
    /// Values of another period type are rejected by the import, or land in periods no
    /// data entry screen shows. A wrong zone moves the cases of the first or last day
    /// of a week into the next or previous week.
    ///
    /// ## How to fix
    /// Remove or correct `period_type`; set `[source] timezone` to the Go.Data server's
    /// (its `timezone` setting).
    ///
    /// ## Example
    /// The reference job files one day's count as a daily period (`20201219`) for a
    /// weekly report.
    pub static RULE = {
        id: RECORD_PERIOD_TYPE_MISMATCH,
        summary: "a block's period type is not its data set's, or the source's zone seems wrong",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let t = cx.target;
    let mut out = Vec::new();
    for (bi, (b, bound)) in rj.blocks.iter().zip(&rj.side.binding.blocks).enumerate() {
        let Some(de) = bound.de else { continue };
        let mut types: Vec<(PeriodType, String)> = t
            .memberships(de)
            .iter()
            .filter_map(|m| {
                let ds = &t.data_sets[m.data_set];
                let pt = ds.period_type.as_deref()?.parse::<PeriodType>().ok()?;
                Some((pt, ds.name().to_string()))
            })
            .collect();
        types.sort();
        types.dedup_by(|a, b| a.0 == b.0);
        let names = || {
            types
                .iter()
                .map(|(p, n)| format!("{p} (\"{n}\")"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &b.period_type {
            Some(pin) if !types.is_empty() && !types.iter().any(|(p, _)| *p == pin.value) => out.push(block_finding(
                &RULE,
                cx,
                bi,
                pin.span.clone(),
                format!("block \"{}\" pins period type {}, but its data element's data sets are {}", b.name, pin.value, names()),
                "remove `period_type` (the data set decides), or pin the type of one of the data sets",
            )),
            None if types.len() > 1 => out.push(block_finding(
                &RULE,
                cx,
                bi,
                b.data_element.span.clone(),
                format!("block \"{}\": its data element sits in data sets of several period types ({}); the block must choose one", b.name, names()),
                "add `period_type = \"…\"` to the block",
            )),
            _ => {}
        }
    }
    if let (Some(data), Some(g)) = (cx.record_data, rj.godata())
        && data.dates >= 5
        && data.dates_off_midnight * 2 > data.dates
    {
        let mut f = Finding::new(
            &RULE,
            format!(
                "{} of {} period dates are not at midnight in {}: the Go.Data server's zone is probably another, and days shift",
                data.dates_off_midnight, data.dates, g.timezone.name
            ),
            "set `[source] timezone` to the Go.Data server's `timezone` setting (Go.Data stores a date-only field as midnight there)",
        );
        f.severity = crate::diagnostic::Severity::Warning;
        f.fixed = true;
        f.config_span = Some(g.span.clone());
        out.push(f);
    }
    out
}
