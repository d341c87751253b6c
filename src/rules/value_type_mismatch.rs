use crate::diagnostic::Finding;
use crate::job::Job;
use crate::model::Identifiable;
use crate::sync::values::is_numeric_type;

declare_rule! {
    /// ## What it does
    /// Checks that each mapped target data element has a numeric value type: NUMBER,
    /// an INTEGER type, PERCENTAGE or UNIT_INTERVAL. A program indicator always
    /// computes a number.
    ///
    /// ## Why is this bad?
    /// A TEXT, BOOLEAN, DATE or other non-numeric data element cannot hold the figure:
    /// DHIS2 either rejects each value on import (E7619) or stores a number as text that
    /// no analytics aggregates.
    ///
    /// ## How to fix
    /// Target a numeric data element, or change the data element's value type
    /// (Maintenance > Data element > Value type) before any data is stored in it.
    ///
    /// ## Example
    /// A PI counting cases targets `MAL_CASES_NOTE`, a LONG_TEXT data element.
    pub static RULE = {
        id: VALUE_TYPE_MISMATCH,
        summary: "the target data element's value type cannot hold a program indicator's number",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    cx.mappings
        .iter()
        .filter_map(|m| {
            let de = m.target_de?;
            let vt = t.data_elements[de].value_type.as_deref()?;
            (!is_numeric_type(Some(vt))).then_some((m, de, vt))
        })
        .map(|(m, de, vt)| {
            let d = &t.data_elements[de];
            Finding::new(
                &RULE,
                format!(
                    "program indicator {} computes a number, but data element `{}` holds {vt} values",
                    cx.pi_label(m),
                    m.de
                ),
                "target a numeric data element (NUMBER or an INTEGER type), or change the data element's value type (Maintenance > Data element) before data is stored in it",
            )
            .grouped(
                format!("data element `{}` \"{}\" holds {vt} values, not numbers", m.de, d.name()),
                cx.pi_label(m),
            )
            .object(cx.pi_ref(m))
            .object(cx.de_ref(de))
            .target(m.target_ref())
        })
        .collect()
}
