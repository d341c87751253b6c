use crate::diagnostic::{FieldSpan, Finding, ObjectRef};
use crate::expr::facts;
use crate::job::Job;
use crate::job::expressions::BoundaryForm;
use crate::model::{Identifiable, ProgramIndicator};

declare_rule! {
    /// ## What it does
    /// Checks the items of each in-scope program indicator against its analytics type
    /// (`../shared/reference/pi-expressions.md` §5, §8). An ENROLLMENT PI may not use
    /// `V{event_count}` or `V{scheduled_event_count}` (the enrollment table has no such
    /// column), `V{program_stage_id}` or `V{program_stage_name}` (always `''` there),
    /// `V{value_count}` / `V{zero_pos_value_count}` when its expression reads `#{…}`
    /// (columns the enrollment table lacks), or a `SCHEDULED_DATE` boundary; an EVENT
    /// PI may not have a `PS_EVENTDATE:` boundary (DHIS2 does not handle it there).
    ///
    /// ## Why is this bad?
    /// The PI validates in the editor, then fails in analytics: an SQL error or an
    /// assertion, or a condition on `''` that is never true. Its values silently do not
    /// arrive.
    ///
    /// ## How to fix
    /// Count events with an EVENT PI (or `d2:count(#{stage.dataElement})` in an
    /// ENROLLMENT one); bound an EVENT PI by `EVENT_DATE`; or change the analytics type.
    ///
    /// ## Example
    /// An ENROLLMENT PI "Visits per client" with expression `V{event_count}`.
    pub static RULE = {
        id: WRONG_ANALYTICS_TYPE_ITEM,
        summary: "a program indicator uses an item its analytics type does not have: an ENROLLMENT PI with V{event_count}, V{program_stage_*} or a SCHEDULED_DATE boundary, an EVENT PI with a PS_EVENTDATE boundary",
        check: check,
    }
}

fn is_enrollment(pi: &ProgramIndicator) -> bool {
    pi.analytics_type.as_deref() == Some("ENROLLMENT")
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &cx.texts().pis {
        let pi = &cx.source.program_indicators[t.pi];
        let label = format!("\"{}\" ({})", pi.name(), pi.id);
        let enrollment = is_enrollment(pi);
        let reads_de = t
            .expression
            .as_ref()
            .and_then(|c| c.tree.as_ref())
            .is_some_and(facts::reads_stage_data);
        for (field, text, c) in [
            ("expression", pi.expression.as_deref(), &t.expression),
            ("filter", pi.filter.as_deref(), &t.filter),
        ] {
            let Some(c) = c.as_ref().filter(|c| c.problems.is_empty()) else {
                continue;
            };
            let text = text.unwrap_or("");
            for (v, span) in facts::all_variables(c) {
                let why = match v {
                    "event_count" | "scheduled_event_count" if enrollment => {
                        "the enrollment analytics table has no such column: the query fails"
                    }
                    "program_stage_id" | "program_stage_name" if enrollment => {
                        "in an ENROLLMENT PI it is always '' (no stage)"
                    }
                    "value_count" | "zero_pos_value_count" if enrollment && reads_de => {
                        "it counts the `#{…}` columns of the expression, which the enrollment analytics table does not have: the query fails"
                    }
                    _ => continue,
                };
                out.push(
                    Finding::new(
                        &RULE,
                        format!("the {field} of ENROLLMENT program indicator {label} uses `V{{{v}}}`: {why}"),
                        "count events with an EVENT program indicator, or with `d2:count(#{stage.dataElement})`; or change the analytics type",
                    )
                    .object(ObjectRef::of(pi))
                    .at_field(FieldSpan::new(field, text, span.start, span.end)),
                );
            }
        }
        for b in &t.boundaries {
            let why = match (&b.form, enrollment) {
                (BoundaryForm::Fixed("SCHEDULED_DATE"), true) => {
                    "an ENROLLMENT PI has no scheduled date column: the query fails"
                }
                (BoundaryForm::PsEventDate { .. }, false) => {
                    "DHIS2 handles `PS_EVENTDATE:` boundaries in ENROLLMENT PIs only: the query fails (\"Can not determine boundary type\")"
                }
                _ => continue,
            };
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "analytics period boundary {} of {} program indicator {label} targets `{}`: {why}",
                        b.index + 1,
                        if enrollment { "ENROLLMENT" } else { "EVENT" },
                        b.target
                    ),
                    "bound an EVENT PI by EVENT_DATE (or a date data element), an ENROLLMENT PI by ENROLLMENT_DATE, INCIDENT_DATE or a stage's PS_EVENTDATE",
                )
                .object(ObjectRef::of(pi))
                .at_field(FieldSpan::new(
                    format!("analyticsPeriodBoundaries[{}].boundaryTarget", b.index),
                    &b.target,
                    0,
                    b.target.len(),
                )),
            );
        }
    }
    out
}
