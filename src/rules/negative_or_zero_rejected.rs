use crate::diagnostic::Finding;
use crate::job::Job;

declare_rule! {
    /// ## What it does
    /// Checks that the target data element's value type accepts what a program
    /// indicator exports: counts and sums are zero or more, without upper bound.
    ///
    /// ## Why is this bad?
    /// DHIS2 checks each value against the value type on import: INTEGER_POSITIVE rejects
    /// 0 (a period without cases), INTEGER_NEGATIVE rejects every count, UNIT_INTERVAL
    /// rejects counts above 1 and PERCENTAGE those above 100 (E7619). The rejected
    /// values leave the old figure in place.
    ///
    /// ## How to fix
    /// Use INTEGER_ZERO_OR_POSITIVE (or NUMBER) for counts; keep UNIT_INTERVAL and
    /// PERCENTAGE for program indicators that compute ratios.
    ///
    /// ## Example
    /// PI "Malaria deaths" (COUNT) targets `MAL_DEATHS`, an INTEGER_POSITIVE: a month
    /// without deaths sends 0 and is rejected.
    pub static RULE = {
        id: NEGATIVE_OR_ZERO_REJECTED,
        summary: "the target data element's value type rejects values the program indicator exports (0 for INTEGER_POSITIVE, counts for INTEGER_NEGATIVE, UNIT_INTERVAL or PERCENTAGE)",
        check: check,
    }
}

/// What the value type rejects of a program indicator's counts, if anything.
fn rejects(value_type: &str, counts: bool) -> Option<&'static str> {
    match value_type {
        "INTEGER_POSITIVE" => Some("0, which a period without events exports"),
        "INTEGER_NEGATIVE" => Some("every value above 0, which is all a count exports"),
        "UNIT_INTERVAL" if counts => Some("counts above 1"),
        "PERCENTAGE" if counts => Some("counts above 100"),
        _ => None,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let (s, t) = (cx.source, cx.target);
    let mut out = Vec::new();
    for m in &cx.mappings {
        let Some(de) = m.target_de else { continue };
        let Some(vt) = t.data_elements[de].value_type.as_deref() else {
            continue;
        };
        let pi = &s.program_indicators[m.pi];
        let counts = matches!(pi.aggregation_type.as_deref(), Some("COUNT" | "SUM"));
        let Some(what) = rejects(vt, counts) else {
            continue;
        };
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "data element `{}` is {vt}, which rejects {what}; fed by {}",
                    m.de,
                    cx.pi_label(m)
                ),
                "use INTEGER_ZERO_OR_POSITIVE or NUMBER for counts and sums (Maintenance > Data element > Value type)",
            )
            .grouped(
                format!("data element `{}` is {vt}, which rejects {what}", m.de),
                cx.pi_label(m),
            )
            .object(cx.pi_ref(m))
            .object(cx.de_ref(de))
            .target(m.target_ref()),
        );
    }
    out
}
