//! `t2a explain-pi`: how DHIS2 will compute one program indicator, in words: what one
//! row is, what the expression counts on it, which rows the filter and boundaries
//! keep, how rows add up, where they are counted, where the value goes, and what the
//! check says about it. What an implementer reads when two figures disagree.

use serde::Serialize;

use crate::job::Job;
use crate::job::expressions::BoundaryForm;
use crate::model::{AnalyticsPeriodBoundary, Identifiable, ProgramIndicator};
use crate::report::Report;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    pub id: String,
    pub name: String,
    pub program: String,
    pub analytics_type: String,
    /// What one row of the computation is.
    pub row: String,
    pub expression: String,
    /// What the expression gives per row (or per cell, for the count variables).
    pub computes: String,
    pub filter: Option<String>,
    pub boundaries: Vec<String>,
    pub aggregation: String,
    pub counted_at: String,
    pub target: Option<String>,
    pub findings: Vec<String>,
    /// The DHIS2 version the explanation follows.
    pub version: String,
}

/// Find the PI by UID, code or exact name.
pub fn find<'a>(cx: &'a Job<'_>, key: &str) -> Option<(usize, &'a ProgramIndicator)> {
    let pis = &cx.source.program_indicators;
    pis.iter()
        .enumerate()
        .find(|(_, p)| p.id == key)
        .or_else(|| {
            pis.iter()
                .enumerate()
                .find(|(_, p)| p.code.as_deref() == Some(key))
        })
        .or_else(|| pis.iter().enumerate().find(|(_, p)| p.name() == key))
}

pub fn explain(cx: &Job<'_>, report: &Report, index: usize) -> Explanation {
    let s = cx.source;
    let pi = &s.program_indicators[index];
    let v = cx.texts().version;
    let enrollment = pi.analytics_type.as_deref() == Some("ENROLLMENT");
    let program = pi
        .program
        .as_ref()
        .map(|r| match s.programs.get(&r.id) {
            Some(p) => format!("\"{}\" ({})", p.name(), p.id),
            None => format!("`{}`", r.id),
        })
        .unwrap_or_else(|| "(none)".into());
    let texts = cx.texts().of(index);
    let whole = texts.and_then(|t| t.whole_variable());
    let computes = match (whole, enrollment) {
        (Some("event_count"), _) => {
            "1 for each event (from 2.39: each ACTIVE or COMPLETED event)".into()
        }
        (Some("scheduled_event_count"), _) => "1 for each scheduled event".into(),
        (Some("enrollment_count"), false) => {
            "the number of distinct enrollments with events in each org unit × period cell".into()
        }
        (Some("enrollment_count"), true) => "1 for each enrollment".into(),
        (Some("tei_count"), _) => {
            "the number of distinct tracked entities (people) in each org unit × period cell".into()
        }
        (Some("org_unit_count"), _) => "the number of distinct org units in each cell".into(),
        _ => "the expression's value on each row".into(),
    };
    let row = if enrollment {
        "one enrollment in the program; `#{stage.dataElement}` reads the latest event of that stage with a value (within the EVENT_DATE boundaries)".to_string()
    } else {
        "one event of the program; `#{stage.dataElement}` reads that event's value".to_string()
    };
    let boundaries = match &pi.analytics_period_boundaries {
        None => vec!["(not in the file)".to_string()],
        Some(list) if list.is_empty() => vec![
            "none: DHIS2 then drops the period filter, and every period counts all rows ever"
                .to_string(),
        ],
        Some(list) => list.iter().map(|b| boundary(cx, b, v)).collect(),
    };
    let aggregation = match pi.aggregation_type.as_deref() {
        None => "none set, so AVERAGE: rows of a cell are averaged".to_string(),
        Some("SUM") => "SUM: the rows of each org unit × period cell are added up".into(),
        Some("COUNT") => "COUNT: the rows of each cell are counted".into(),
        Some("AVERAGE") => "AVERAGE: the rows of each cell are averaged".into(),
        Some("CUSTOM") => "CUSTOM: the expression aggregates itself".into(),
        Some(other) => other.to_string(),
    };
    let counted_at = match pi.org_unit_field.as_deref().filter(|f| !f.is_empty()) {
        _ if !v.at_least(40) => format!(
            "the {} org unit (DHIS2 {}.{} has no orgUnitField)",
            if enrollment {
                "enrollment's"
            } else {
                "event's"
            },
            v.major,
            v.minor
        ),
        None => format!(
            "the {} org unit (the default)",
            if enrollment {
                "enrollment's"
            } else {
                "event's"
            }
        ),
        Some("ENROLLMENT") => "the org unit of the enrollment".into(),
        Some("REGISTRATION") => "the org unit where the tracked entity was registered".into(),
        Some("OWNER_AT_START") => {
            "the org unit that owned the tracked entity at the start of the period".into()
        }
        Some("OWNER_AT_END") => {
            "the org unit that owned the tracked entity at the end of the period".into()
        }
        Some("EVENT") => "the org unit of the event".into(),
        Some(uid) => match s
            .tracked_entity_attributes
            .get(uid)
            .map(|a| a.name().to_string())
            .or_else(|| s.data_elements.get(uid).map(|d| d.name().to_string()))
        {
            Some(n) => format!("the org unit in \"{n}\" ({uid})"),
            None => format!("the org unit in `{uid}` (unknown)"),
        },
    };
    let target = cx.mappings.iter().find(|m| m.pi == index).map(|m| {
        let t = cx.target;
        let de = match m.target_de {
            Some(d) => format!(
                "data element `{}` \"{}\" (aggregation {})",
                m.de,
                t.data_elements[d].name(),
                t.data_elements[d]
                    .aggregation_type
                    .as_deref()
                    .unwrap_or("?")
            ),
            None => format!("data element `{}` (not in the target)", m.de),
        };
        let sets: Vec<String> = m
            .target_de
            .map(|d| {
                cx.graph
                    .data_sets_of(d)
                    .iter()
                    .map(|&ds| {
                        format!(
                            "\"{}\" ({})",
                            t.data_sets[ds].name(),
                            t.data_sets[ds].period_type.as_deref().unwrap_or("?")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        format!(
            "{de}, category option combo `{}`, attribute option combo `{}`{}",
            m.coc.as_deref().unwrap_or("default"),
            m.aoc.as_deref().unwrap_or("default"),
            if sets.is_empty() {
                String::new()
            } else {
                format!("; data sets {}", sets.join(", "))
            }
        )
    });
    let findings = report
        .findings
        .iter()
        .filter(|f| f.objects.iter().any(|o| o.id == pi.id))
        .map(|f| {
            format!(
                "{} {} ({}): {}",
                f.rule.code,
                f.rule.name,
                f.severity.as_str(),
                f.message
            )
        })
        .collect();
    Explanation {
        id: pi.id.clone(),
        name: pi.name().to_string(),
        program,
        analytics_type: if enrollment { "ENROLLMENT" } else { "EVENT" }.into(),
        row,
        expression: pi.expression.clone().unwrap_or_default(),
        computes,
        filter: pi.filter.clone().filter(|f| !f.trim().is_empty()),
        boundaries,
        aggregation,
        counted_at,
        target,
        findings,
        version: format!(
            "{}.{}{}",
            v.major,
            v.minor,
            if cx.texts().assumed { " (assumed)" } else { "" }
        ),
    }
}

/// A boundary in words: "the event date is on or after the start of the reporting
/// period, moved back 1 year".
fn boundary(cx: &Job<'_>, b: &AnalyticsPeriodBoundary, v: crate::dhis2::Version) -> String {
    let s = cx.source;
    let target = b.boundary_target.as_deref().unwrap_or("");
    let what = match crate::job::expressions::boundary_form(target, v) {
        BoundaryForm::Fixed("EVENT_DATE") => "the event date".to_string(),
        BoundaryForm::Fixed("ENROLLMENT_DATE") => "the enrollment date".to_string(),
        BoundaryForm::Fixed("INCIDENT_DATE") => "the incident date".to_string(),
        BoundaryForm::Fixed("SCHEDULED_DATE") => "the scheduled date".to_string(),
        BoundaryForm::StageDe { stage, de, .. } => format!(
            "\"{}\" of stage \"{}\"",
            s.data_elements.get(&de).map_or(de.as_str(), |d| d.name()),
            s.program_stages
                .get(&stage)
                .map_or(stage.as_str(), |st| st.name())
        ),
        BoundaryForm::Attribute { tea, .. } => format!(
            "attribute \"{}\"",
            s.tracked_entity_attributes
                .get(&tea)
                .map_or(tea.as_str(), |a| a.name())
        ),
        BoundaryForm::PsEventDate { stage, .. } => format!(
            "the date of an event of stage \"{}\"",
            s.program_stages
                .get(&stage)
                .map_or(stage.as_str(), |st| st.name())
        ),
        _ => format!("`{target}` (which DHIS2 cannot resolve)"),
    };
    let when = match b.analytics_period_boundary_type.as_deref().unwrap_or("") {
        "AFTER_START_OF_REPORTING_PERIOD" => "is on or after the start of the reporting period",
        "AFTER_END_OF_REPORTING_PERIOD" => "is on or after the end of the reporting period",
        "BEFORE_START_OF_REPORTING_PERIOD" => "is before the start of the reporting period",
        "BEFORE_END_OF_REPORTING_PERIOD" => "is on or before the end of the reporting period",
        other => return format!("{what}: boundary type `{other}`"),
    };
    let shift = match (b.offset_periods, b.offset_period_type.as_deref()) {
        (Some(n), Some(t)) if n != 0 => format!(
            ", moved {} {} {t} period{}",
            if n < 0 { "back" } else { "forward" },
            n.abs(),
            if n.abs() == 1 { "" } else { "s" }
        ),
        _ => String::new(),
    };
    format!("{what} {when}{shift}")
}

pub fn human(e: &Explanation) -> String {
    let mut out = format!(
        "Program indicator \"{}\" ({}) of program {}\n",
        e.name, e.id, e.program
    );
    let mut line = |k: &str, v: &str| out.push_str(&format!("  {k:<13} {v}\n"));
    line(
        "analytics",
        &format!("{}: one row is {}", e.analytics_type, e.row),
    );
    line("expression", &e.expression);
    line("computes", &e.computes);
    line("filter", e.filter.as_deref().unwrap_or("(none: every row)"));
    for (i, b) in e.boundaries.iter().enumerate() {
        line(if i == 0 { "rows where" } else { "and" }, b);
    }
    line("aggregation", &e.aggregation);
    line("counted at", &e.counted_at);
    line("goes to", e.target.as_deref().unwrap_or("(no mapping)"));
    line("version", &format!("DHIS2 {}", e.version));
    if e.findings.is_empty() {
        line("findings", "none");
    } else {
        for (i, f) in e.findings.iter().enumerate() {
            line(if i == 0 { "findings" } else { "" }, f);
        }
    }
    out
}
