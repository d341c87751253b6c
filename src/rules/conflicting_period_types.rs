use std::collections::BTreeSet;

use crate::diagnostic::{Finding, TargetRef};
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks whether a mapped target data element sits in data sets of different
    /// period types (say a Quarterly and a Yearly data set).
    ///
    /// ## Why is this bad?
    /// Which periods are valid for the data element is then ambiguous: DHIS2 accepts
    /// both quarterly and yearly values, a transfer may write both, and the yearly
    /// figure is no longer the sum of the quarters that analytics would compute.
    ///
    /// ## How to fix
    /// Keep the data element in data sets of one period type, or make sure the job
    /// transfers only the period type the data element is meant for (one job per
    /// period type).
    ///
    /// ## Example
    /// `gsb37G2FcaT` is in "TB - Notifications (Quarterly)" and "TB - Notifications
    /// (Yearly)".
    pub static RULE = {
        id: CONFLICTING_PERIOD_TYPES,
        summary: "the target data element sits in data sets of different period types",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    cx.graph
        .data_elements()
        .into_iter()
        .filter_map(|de| {
            let data_sets = cx.graph.data_sets_of(de);
            let types: BTreeSet<&str> = data_sets
                .iter()
                .filter_map(|&ds| t.data_sets[ds].period_type.as_deref())
                .collect();
            if types.len() < 2 {
                return None;
            }
            let ms = cx.graph.mappings_of(de);
            let (pis, _) = cx.pis_of(&ms);
            let sets: Vec<String> = data_sets
                .iter()
                .map(|&ds| {
                    let d = &t.data_sets[ds];
                    format!("\"{}\" ({})", d.name(), d.period_type.as_deref().unwrap_or("?"))
                })
                .collect();
            let de_obj = &t.data_elements[de];
            Some(
                Finding::new(
                    &RULE,
                    format!(
                        "data element `{}` sits in data sets of {} period types: {}",
                        de_obj.code().unwrap_or(de_obj.id()),
                        types.len(),
                        sets.join(", ")
                    ),
                    format!(
                        "keep the data element in data sets of one period type, or transfer only one of {} for it (one job per period type)",
                        types.into_iter().collect::<Vec<_>>().join(" / ")
                    ),
                )
                .objects(pis)
                .object(cx.de_ref(de))
                .objects(data_sets.iter().map(|&ds| cx.data_set_ref(ds)))
                .target(TargetRef {
                    data_element: Some(cx.mappings[ms[0]].de.clone()),
                    ..Default::default()
                }),
            )
        })
        .collect()
}
