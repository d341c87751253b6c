use super::help::plural;
use crate::diagnostic::Finding;
use crate::job::Job;

declare_rule! {
    /// ## What it does
    /// Checks that every mapped target data element sits in at least one data set of
    /// the target. One finding per data element, naming the program indicators that
    /// feed it.
    ///
    /// ## Why is this bad?
    /// A data element outside every data set has no period type, no org unit
    /// assignment and no completeness. DHIS2 then accepts values for any period type
    /// and any org unit without complaint, nobody sees them in a data entry form, and
    /// the transfer cannot be checked for period or org-unit mistakes.
    ///
    /// ## How to fix
    /// Add the data element to the data set it reports in (Maintenance > Data set), or
    /// remove the mapping if the figure is not collected any more.
    ///
    /// ## Example
    /// PI `LBh1bwnxBOU` targets `TB_TX_RIF_S_Q`, which no TB HMIS data set holds.
    pub static RULE = {
        id: DATA_ELEMENT_NOT_IN_DATA_SET,
        summary: "the target data element is in no data set of the target",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    cx.graph
        .data_elements()
        .into_iter()
        .filter(|&de| cx.graph.data_sets_of(de).is_empty())
        .map(|de| {
            let ms = cx.graph.mappings_of(de);
            let (pis, names) = cx.pis_of(&ms);
            let first = &cx.mappings[ms[0]];
            Finding::new(
                &RULE,
                format!(
                    "data element `{}` is in no data set of the target; fed by {}: {}",
                    first.de,
                    plural(pis.len(), "program indicator", "program indicators"),
                    names.join(", ")
                ),
                "add the data element to the data set it is reported in, so that period type, org unit assignment and completeness apply; or remove the mapping",
            )
            .objects(pis)
            .object(cx.de_ref(de))
            .target(crate::diagnostic::TargetRef {
                data_element: Some(first.de.clone()),
                ..Default::default()
            })
        })
        .collect()
}
