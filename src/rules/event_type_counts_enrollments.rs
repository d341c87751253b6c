use crate::diagnostic::{FieldSpan, Finding, ObjectRef};
use crate::job::Job;
use crate::period::PeriodType;

declare_rule! {
    /// ## What it does
    /// For mapped EVENT program indicators whose whole expression is
    /// `V{enrollment_count}`, `V{tei_count}` or `V{org_unit_count}`: DHIS2 counts
    /// distinct enrollments (people, org units) per org unit × period cell of the
    /// event table, and the target adds cells up.
    ///
    /// ## Why is this bad?
    /// A person with qualifying events in two months, or at two facilities, is counted
    /// in each: the target's quarterly or district total counts them twice. Often
    /// harmless (one qualifying event per person, as in most WHO packages), hence a
    /// note; raise it per job when the figures must be person counts.
    ///
    /// ## How to fix
    /// Count people with an ENROLLMENT program indicator (its cell is the enrollment),
    /// or accept the double count where one event per person is the rule.
    ///
    /// ## Example
    /// EVENT PI "Clients tested" `V{tei_count}` mapped to a SUM data element of a
    /// monthly data set.
    pub static RULE = {
        id: EVENT_TYPE_COUNTS_ENROLLMENTS,
        summary: "a mapped EVENT program indicator counts distinct enrollments, people or org units per cell, and the target sums the cells: someone with events in two periods or places counts twice",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let texts = cx.texts();
    let t = cx.target;
    let mut out = Vec::new();
    for m in &cx.mappings {
        let Some(de) = m.target_de else { continue };
        let Some(pt) = texts.of(m.pi).filter(|p| p.valid()) else {
            continue;
        };
        let pi = &cx.source.program_indicators[m.pi];
        if pi.analytics_type.as_deref() == Some("ENROLLMENT") {
            continue;
        }
        let Some(var @ ("enrollment_count" | "tei_count" | "org_unit_count")) = pt.whole_variable()
        else {
            continue;
        };
        let d = &t.data_elements[de];
        let sub_yearly = cx.graph.data_sets_of(de).iter().any(|&ds| {
            t.data_sets[ds]
                .period_type
                .as_deref()
                .and_then(|p| p.parse::<PeriodType>().ok())
                .is_some_and(|p| p.is_sub_yearly())
        });
        let over = if d.aggregation_type.as_deref() == Some("SUM") && sub_yearly {
            "summed over periods"
        } else {
            "summed over org units"
        };
        let text = pi.expression.as_deref().unwrap_or("");
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "EVENT program indicator {} counts `V{{{var}}}` per org unit and period, and data element `{}` adds the cells up ({over}): someone with events in two of them counts twice",
                    cx.pi_label(m),
                    m.de
                ),
                "count people with an ENROLLMENT program indicator, or accept the double count where one qualifying event per person is the rule",
            )
            .object(ObjectRef::of(pi))
            .object(cx.de_ref(de))
            .target(m.target_ref())
            .at_field(FieldSpan::new("expression", text, 0, text.len())),
        );
    }
    out
}
