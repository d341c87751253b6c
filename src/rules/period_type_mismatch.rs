use std::collections::BTreeMap;

use crate::diagnostic::{Finding, TargetRef};
use crate::job::Job;
use crate::job::PeriodOrigin;
use crate::model::Identifiable;
use crate::period::{PeriodType, RelativeType};

declare_rule! {
    /// ## What it does
    /// Compares the period type the job transfers with the period types of the data
    /// sets holding each target data element. The job's period type is
    /// `sync.period_type`, or the type of its `sync.periods`; without either, the
    /// period type of the relative periods of the source's aggregate data exchanges
    /// that export the program indicator. Fires when that type is the type of none of
    /// the data element's data sets. Periods of several types (`--period 202402
    /// --period 2024Q1`) are a choice: each mapping takes those of its data sets' type,
    /// and one with none of its type is not planned, which this rule does not report.
    ///
    /// ## Why is this bad?
    /// Unless the target runs with `strictPeriods`, DHIS2 stores monthly values in a
    /// quarterly data element without complaint. They show in no data entry form, are
    /// counted twice or not at all by analytics, and block nothing, so nobody notices.
    ///
    /// ## How to fix
    /// Transfer the period type of the data set (one job per period type), or move the
    /// data element into a data set of the transferred period type.
    ///
    /// ## Example
    /// ```toml
    /// [sync]
    /// period_type = "Monthly"   # ANC_1ST_VISIT is in a Quarterly data set
    /// ```
    pub static RULE = {
        id: PERIOD_TYPE_MISMATCH,
        summary: "the period type the job transfers differs from the period type of the data set(s) holding the data element",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    // Periods of several types let each mapping take its own: a mapping with none of
    // its type is not planned, which is no defect.
    let job = &cx.config.sync;
    let choice = job.period_type.is_none() && job.period_types().len() > 1;
    let mut out = Vec::new();
    for de in cx.graph.data_elements() {
        let data_sets = cx.graph.data_sets_of(de);
        let ds_types: Vec<PeriodType> = data_sets
            .iter()
            .filter_map(|&ds| t.data_sets[ds].period_type.as_deref()?.parse().ok())
            .collect();
        if ds_types.is_empty() {
            continue;
        }
        // (transferred type, origin) -> mappings
        let mut off: BTreeMap<(String, String), (RelativeType, PeriodOrigin, Vec<usize>)> =
            BTreeMap::new();
        for mi in cx.graph.mappings_of(de) {
            for (rt, origin) in cx.period_types(&cx.mappings[mi]) {
                if ds_types.iter().any(|&dt| rt.matches(dt))
                    || (choice && origin == PeriodOrigin::Job)
                {
                    continue;
                }
                let key = (rt.to_string(), format!("{origin:?}"));
                off.entry(key)
                    .or_insert_with(|| (rt, origin, Vec::new()))
                    .2
                    .push(mi);
            }
        }
        for (_, (rt, origin, ms)) in off {
            let (pis, names) = cx.pis_of(&ms);
            let sets: Vec<String> = data_sets
                .iter()
                .map(|&ds| {
                    let d = &t.data_sets[ds];
                    format!(
                        "\"{}\" ({})",
                        d.name(),
                        d.period_type.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            let (whose, fix, exchange) = match &origin {
                PeriodOrigin::Job => (
                    "the job transfers".to_string(),
                    "set `sync.period_type` (or `sync.periods`) to the data set's period type, one job per period type, or move the data element into a data set of the transferred type",
                    None,
                ),
                PeriodOrigin::Exchange(ex) => (
                    format!(
                        "aggregate data exchange \"{}\" ({}) transfers",
                        ex.name, ex.id
                    ),
                    "change the exchange's periods to the data set's period type, or move the data element into a data set of the exchange's period type",
                    Some(ex.clone()),
                ),
            };
            let de_obj = &t.data_elements[de];
            let mut f = Finding::new(
                &RULE,
                format!(
                    "{whose} {rt} periods, but data element `{}` is in {}; fed by {}",
                    de_obj.code().unwrap_or(de_obj.id()),
                    sets.join(", "),
                    names.join(", ")
                ),
                fix,
            )
            .objects(pis)
            .object(cx.de_ref(de))
            .objects(data_sets.iter().map(|&ds| cx.data_set_ref(ds)));
            match exchange {
                Some(ex) => f = f.object(ex),
                // The job's own periods: the finding is about its config.
                None => f.config_key = Some("sync.period_type"),
            }
            out.push(f.target(TargetRef {
                data_element: Some(cx.mappings[ms[0]].de.clone()),
                ..Default::default()
            }));
        }
    }
    out
}
