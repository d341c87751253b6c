use super::version_note::assumed_latest;
use crate::diagnostic::Finding;
use crate::job::Job;
use crate::job::mappings::Mapping;
use crate::sync::values::is_integer_type;

declare_rule! {
    /// ## What it does
    /// Checks that a program indicator feeding an INTEGER-type data element exports
    /// whole numbers: its aggregation type is not AVERAGE (an absent aggregation type is
    /// AVERAGE in analytics), and, for targets up to 2.42, its `decimals` is 0.
    ///
    /// ## Why is this bad?
    /// Analytics rounds a PI's values by its `decimals`: unless it is 0, a whole number
    /// is written `"12.0"`, which imports up to 2.42 reject for INTEGER data elements
    /// (E7619). 2.43 normalises `"12.0"`, but no version accepts a true fraction, and an
    /// average is one.
    ///
    /// This rule is version-aware: the `decimals` case fires only for targets of 2.42
    /// or older. When the target's version is unknown (a file without one), it assumes
    /// the latest and says so in one note.
    ///
    /// ## How to fix
    /// Set `decimals: 0` on the program indicator, and an aggregation type that sums or
    /// counts (SUM, COUNT); or target a NUMBER data element.
    ///
    /// ## Example
    /// PI "Average age of cases" (aggregation AVERAGE) targets `MAL_AGE`, an INTEGER.
    pub static RULE = {
        id: NON_INTEGER_EXPORT,
        summary: "an INTEGER target data element is fed values with decimals (decimals not 0 up to 2.42, or an AVERAGE aggregation)",
        check: check,
    }
}

fn averages(cx: &Job<'_>, m: &Mapping) -> bool {
    let pi = &cx.source.program_indicators[m.pi];
    matches!(
        pi.aggregation_type.as_deref(),
        None | Some("AVERAGE" | "AVERAGE_SUM_ORG_UNIT")
    )
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let (s, t) = (cx.source, cx.target);
    let version = cx.target_version();
    let old_target = version.is_some_and(|v| !v.at_least(43));
    let mut out = Vec::new();
    let mut would = 0;
    for m in &cx.mappings {
        let Some(de) = m.target_de else { continue };
        let vt = t.data_elements[de].value_type.as_deref();
        if !is_integer_type(vt) {
            continue;
        }
        let pi = &s.program_indicators[m.pi];
        let vt = vt.unwrap_or("");
        if averages(cx, m) {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "program indicator {} aggregates by {}, so its values are fractions, but data element `{}` is {vt}",
                        cx.pi_label(m),
                        pi.aggregation_type.as_deref().unwrap_or("AVERAGE (none set)"),
                        m.de
                    ),
                    "give the program indicator an aggregation type that counts or sums (COUNT, SUM), or target a NUMBER data element",
                )
                .grouped(
                    format!("an average is a fraction, and data element `{}` is {vt}", m.de),
                    cx.pi_label(m),
                )
                .object(cx.pi_ref(m))
                .object(cx.de_ref(de))
                .target(m.target_ref()),
            );
        } else if pi.decimals != Some(0) {
            if !old_target {
                would += 1;
                continue;
            }
            let v = version.map(|v| v.to_string()).unwrap_or_default();
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "program indicator {} has decimals {}, so whole numbers export as `12.0`, which DHIS2 {v} rejects for data element `{}` ({vt})",
                        cx.pi_label(m),
                        pi.decimals.map_or("unset".to_string(), |d| d.to_string()),
                        m.de
                    ),
                    "set `decimals: 0` on the program indicator",
                )
                .grouped(
                    format!("program indicators without `decimals: 0` export `12.0`, which DHIS2 {v} rejects for INTEGER data elements"),
                    format!("{} → `{}`", cx.pi_label(m), m.de),
                )
                .object(cx.pi_ref(m))
                .object(cx.de_ref(de))
                .target(m.target_ref()),
            );
        }
    }
    if version.is_none() && would > 0 {
        out.push(assumed_latest(
            &RULE,
            would,
            "program indicator that exports `12.0` to an INTEGER data element",
            "program indicators that export `12.0` to INTEGER data elements",
        ));
    }
    out
}
