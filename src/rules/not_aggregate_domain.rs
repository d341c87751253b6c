use crate::diagnostic::Finding;
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that each mapped target data element is of the aggregate domain.
    ///
    /// ## Why is this bad?
    /// A data element of `domainType: TRACKER` belongs to programs: it is in no data
    /// entry form, and an aggregate import into it is rejected or lands where no report
    /// reads it.
    ///
    /// ## How to fix
    /// Target the aggregate data element the HMIS reports (often the same name without a
    /// tracker prefix), or create one.
    ///
    /// ## Example
    /// A PI targets `TB_CASE_TYPE`, the tracker data element its own stage records.
    pub static RULE = {
        id: NOT_AGGREGATE_DOMAIN,
        summary: "the target data element's domain type is TRACKER",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    cx.mappings
        .iter()
        .filter_map(|m| {
            let de = m.target_de?;
            (t.data_elements[de].domain_type.as_deref() == Some("TRACKER")).then_some((m, de))
        })
        .map(|(m, de)| {
            let d = &t.data_elements[de];
            Finding::new(
                &RULE,
                format!(
                    "program indicator {} targets data element `{}`, a tracker data element (domain type TRACKER)",
                    cx.pi_label(m),
                    m.de
                ),
                "target an aggregate data element (domain type AGGREGATE) of the HMIS data sets",
            )
            .grouped(
                format!("data element `{}` \"{}\" is a tracker data element (domain type TRACKER)", m.de, d.name()),
                cx.pi_label(m),
            )
            .object(cx.pi_ref(m))
            .object(cx.de_ref(de))
            .target(m.target_ref())
        })
        .collect()
}
