use std::collections::{BTreeMap, BTreeSet};

use super::Context;
use super::help::{list_some, plural};
use crate::diagnostic::{Finding, ObjectRef};
use crate::model::Identifiable;

/// How many org units a message names before "and N more".
const SHOWN: usize = 5;

declare_rule! {
    /// ## What it does
    /// Checks that every org unit that will report a data element (see
    /// `unknown-org-unit` for which org units those are) is assigned to at least one
    /// data set holding that data element in the target. One finding per data set,
    /// listing the org units missing from it.
    ///
    /// ## Why is this bad?
    /// Unless the target runs with `strictOrganisationUnits`, DHIS2 stores the values
    /// anyway: they are invisible in the data entry form of the facility, excluded
    /// from completeness and reporting rates, and cannot be approved or locked.
    ///
    /// ## How to fix
    /// Assign the data set to the org units in the target (Maintenance > Data set >
    /// Organisation units), or take the org units out of the program / `sync.org_units`.
    ///
    /// ## Example
    /// Ten facilities run the TB programme but the data set "TB - Notifications
    /// (Quarterly)" is assigned to eight of them.
    pub static RULE = {
        code: "T2A013",
        name: "unassigned-org-unit",
        severity: Error,
        summary: "an org unit that will report resolves in the target but is not assigned to any data set that holds the target data element",
        check: check,
    }
}

#[derive(Default)]
struct Gap {
    org_units: BTreeSet<usize>,
    data_elements: BTreeSet<usize>,
}

fn check(cx: &Context<'_>) -> Vec<Finding> {
    if cx.reporting.skip.is_some() {
        return Vec::new();
    }
    let t = cx.target;
    let mut gaps: BTreeMap<usize, Gap> = BTreeMap::new();
    for de in cx.graph.data_elements() {
        let data_sets = cx.graph.data_sets_of(de);
        if data_sets.is_empty() {
            continue;
        }
        let units: BTreeSet<usize> = cx
            .graph
            .mappings_of(de)
            .into_iter()
            .flat_map(|m| cx.graph.reporting_units_of(m))
            .collect();
        for ou in units {
            if data_sets.iter().any(|&ds| cx.graph.is_assigned(ds, ou)) {
                continue;
            }
            for &ds in &data_sets {
                let gap = gaps.entry(ds).or_default();
                gap.org_units.insert(ou);
                gap.data_elements.insert(de);
            }
        }
    }
    gaps.into_iter()
        .map(|(ds, gap)| {
            let d = &t.data_sets()[ds];
            let ous: Vec<ObjectRef> = gap
                .org_units
                .iter()
                .map(|&o| ObjectRef::of(&t.organisation_units()[o]))
                .collect();
            let names: Vec<String> = ous.iter().map(|o| format!("\"{}\" ({})", o.name, o.id)).collect();
            let des: Vec<String> = gap
                .data_elements
                .iter()
                .map(|&de| {
                    let e = &t.data_elements()[de];
                    format!("`{}`", e.code().unwrap_or(e.id()))
                })
                .collect();
            Finding::new(
                &RULE,
                format!(
                    "{} that will report {} {} not assigned to data set \"{}\" ({}): {}",
                    plural(ous.len(), "org unit", "org units"),
                    list_some(&des, SHOWN),
                    if ous.len() == 1 { "is" } else { "are" },
                    d.name(),
                    d.id(),
                    list_some(&names, SHOWN)
                ),
                "assign the data set to these org units in the target (Maintenance > Data set > Organisation units), or take them out of the program's org units / `sync.org_units`",
            )
            .object(ObjectRef::of(d))
            .objects(ous)
            .objects(gap.data_elements.iter().map(|&de| cx.de_ref(de)))
        })
        .collect()
}
