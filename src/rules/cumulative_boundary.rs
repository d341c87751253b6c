use crate::diagnostic::{Finding, ObjectRef};
use crate::expr::facts;
use crate::job::Job;
use crate::job::expressions::{BoundaryForm, PiTexts};
use crate::model::ProgramIndicator;

declare_rule! {
    /// ## What it does
    /// For mapped program indicators whose target data element is SUM: checks that
    /// the PI has a lower time bound, so that each period counts only its own rows
    /// (`../shared/reference/pi-expressions.md` §8). DHIS2 replaces the period filter
    /// by the PI's boundaries, so without an `AFTER_*` boundary each period exports a
    /// running total:
    ///
    /// - an EVENT PI with no `AFTER_*` boundary;
    /// - an ENROLLMENT PI with no `AFTER_*` boundary on a cohort target
    ///   (`ENROLLMENT_DATE`, `INCIDENT_DATE`, `#{…}`, `A{…}`, `PS_EVENTDATE:`), and
    ///   either no `AFTER_*` `EVENT_DATE` boundary or one that restricts nothing
    ///   because neither expression nor filter reads event data.
    ///
    /// A PI that reads `V{analytics_period_start}` / `V{analytics_period_end}` bounds
    /// itself and is not reported.
    ///
    /// ## Why is this bad?
    /// January exports everything up to January, February everything up to February:
    /// the target sums them again for the quarter, and each month's figure grows with
    /// history.
    ///
    /// ## How to fix
    /// Add an `AFTER_START_OF_REPORTING_PERIOD` boundary on the date that places a row
    /// in a period (the event date, or for a cohort the enrollment date).
    ///
    /// ## Example
    /// ENROLLMENT PI "Clients on treatment" with only `BEFORE_END_OF_REPORTING_PERIOD`
    /// on `ENROLLMENT_DATE`, mapped to a SUM data element.
    pub static RULE = {
        id: CUMULATIVE_BOUNDARY,
        summary: "a mapped program indicator feeding a SUM data element has no lower time bound: each period exports a running total, which the target sums again",
        check: check,
    }
}

fn lower(b: &crate::job::expressions::Boundary, pi: &ProgramIndicator) -> bool {
    pi.analytics_period_boundaries
        .as_deref()
        .and_then(|l| l.get(b.index))
        .and_then(|x| x.analytics_period_boundary_type.as_deref())
        .is_some_and(|k| k.starts_with("AFTER_"))
}

fn unbounded(t: &PiTexts, pi: &ProgramIndicator) -> bool {
    let lowers: Vec<&BoundaryForm> = t
        .boundaries
        .iter()
        .filter(|b| lower(b, pi))
        .map(|b| &b.form)
        .collect();
    if pi.analytics_type.as_deref() != Some("ENROLLMENT") {
        return lowers.is_empty();
    }
    let cohort = lowers.iter().any(|f| {
        matches!(
            f,
            BoundaryForm::Fixed("ENROLLMENT_DATE" | "INCIDENT_DATE")
                | BoundaryForm::StageDe { .. }
                | BoundaryForm::Attribute { .. }
                | BoundaryForm::PsEventDate { .. }
        )
    });
    if cohort {
        return false;
    }
    let event_lower = lowers
        .iter()
        .any(|f| matches!(f, BoundaryForm::Fixed("EVENT_DATE")));
    !event_lower || !t.any(&facts::reads_event_data)
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let texts = cx.texts();
    let mut out = Vec::new();
    for m in &cx.mappings {
        let Some(de) = m.target_de else { continue };
        if cx.target.data_elements[de].aggregation_type.as_deref() != Some("SUM") {
            continue;
        }
        let Some(t) = texts.of(m.pi).filter(|t| t.valid()) else {
            continue;
        };
        if super::unknown_reference::has_unknown_reference(cx, t) {
            continue;
        }
        let pi = &cx.source.program_indicators[m.pi];
        // A file without the list says nothing about the bounds.
        if pi.analytics_period_boundaries.is_none() {
            continue;
        }
        let self_bounded = t.any(&|e| {
            matches!(
                e.kind,
                crate::expr::Node::Variable("analytics_period_start" | "analytics_period_end")
            )
        });
        if self_bounded || !unbounded(t, pi) {
            continue;
        }
        let enrollment = pi.analytics_type.as_deref() == Some("ENROLLMENT");
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "{} program indicator {} has no lower time bound, so each period exports a running total, and data element `{}` (SUM) adds those up again",
                    if enrollment { "ENROLLMENT" } else { "EVENT" },
                    cx.pi_label(m),
                    m.de
                ),
                if enrollment {
                    "add an AFTER_START_OF_REPORTING_PERIOD boundary on the date that places an enrollment in a period (ENROLLMENT_DATE, or the stage's PS_EVENTDATE)"
                } else {
                    "add an AFTER_START_OF_REPORTING_PERIOD boundary on EVENT_DATE"
                },
            )
            .object(ObjectRef::of(pi))
            .object(cx.de_ref(de))
            .target(m.target_ref()),
        );
    }
    out
}
