use std::collections::{BTreeMap, BTreeSet, HashMap};

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use super::help::{list_some, plural};
use crate::catalog::{Catalog, IdIndex};
use crate::diagnostic::{Finding, ObjectRef};
use crate::job::Job;
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
    /// In a record job (Go.Data, line lists) the blocks report from their data sets'
    /// org units; with the records read, the rule names each org unit records land at
    /// that no data set of the block's data element is assigned to, with the number of
    /// records and up to three ids. Those records are not sent.
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
        id: UNASSIGNED_ORG_UNIT,
        summary: "an org unit that will report resolves in the target but is not assigned to any data set that holds the target data element",
        check: check,
    }
}

#[derive(Default)]
struct Gap {
    org_units: BTreeSet<usize>,
    data_elements: BTreeSet<usize>,
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    // A record job's blocks report from their data sets' org units by construction;
    // what is judged is where the records land.
    if cx.records.is_some() {
        return record_findings(cx);
    }
    if cx.units.skip.is_some() {
        return Vec::new();
    }
    let t = cx.target;
    // Data elements share their reporting units (one set per program) and their data
    // sets: each set × data sets combination is computed once, in parallel.
    let mut uses: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    for de in cx.graph.data_elements() {
        let data_sets = cx.graph.data_sets_of(de);
        if data_sets.is_empty() {
            continue;
        }
        let sets = cx.units.sets_of(cx.graph.mappings_of(de));
        uses.extend(sets.into_iter().map(|set| (de, set, data_sets.clone())));
    }
    let combos: BTreeSet<(usize, &[usize])> =
        uses.iter().map(|(_, set, ds)| (*set, &ds[..])).collect();
    let indexes: HashMap<usize, IdIndex> = combos
        .iter()
        .map(|&(set, _)| set)
        .collect::<BTreeSet<_>>()
        .into_par_iter()
        .map(|set| {
            let units = &cx.units.sets[set].resolved;
            let ids = units.iter().map(|&ou| t.organisation_units[ou].id.as_str());
            (set, IdIndex::build(ids))
        })
        .collect();
    let missing: HashMap<(usize, &[usize]), Vec<usize>> = combos
        .into_par_iter()
        .map(|(set, data_sets)| {
            let units = &cx.units.sets[set].resolved;
            (
                (set, data_sets),
                unassigned(t, units, &indexes[&set], data_sets),
            )
        })
        .collect();
    let mut gaps: BTreeMap<usize, Gap> = BTreeMap::new();
    for (de, set, data_sets) in &uses {
        let missing = &missing[&(*set, &data_sets[..])];
        if missing.is_empty() {
            continue;
        }
        for &ds in data_sets {
            let gap = gaps.entry(ds).or_default();
            gap.org_units.extend(missing.iter().copied());
            gap.data_elements.insert(*de);
        }
    }
    gaps.into_iter()
        .map(|(ds, gap)| {
            let d = &t.data_sets[ds];
            let ous: Vec<ObjectRef> = gap
                .org_units
                .iter()
                .map(|&o| ObjectRef::of(&t.organisation_units[o]))
                .collect();
            let names: Vec<String> = ous.iter().map(|o| format!("\"{}\" ({})", o.name, o.id)).collect();
            let des: Vec<String> = gap
                .data_elements
                .iter()
                .map(|&de| {
                    let e = &t.data_elements[de];
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

/// The org units of `units` (target indices, indexed by id in `ids`) that none of
/// `data_sets` is assigned to. Scans the data sets' references against the units asked
/// about, rather than resolving every reference of a national data set in the whole
/// hierarchy.
fn unassigned(t: &Catalog, units: &[usize], ids: &IdIndex, data_sets: &[usize]) -> Vec<usize> {
    let mut assigned = FixedBitSet::with_capacity(units.len());
    for &ds in data_sets {
        for id in t.data_sets[ds].organisation_units.iter() {
            if let Some(k) = ids.get(id) {
                assigned.insert(k);
            }
        }
    }
    units
        .iter()
        .enumerate()
        .filter(|(k, _)| !assigned.contains(*k))
        .map(|(_, &ou)| ou)
        .collect()
}

/// Record jobs, with the records read: the org units records land at that the block's
/// data element's data sets are not assigned to (their records are not sent).
fn record_findings(cx: &Job<'_>) -> Vec<Finding> {
    use crate::source::aggregate::Drop;
    let Some(data) = cx.record_data else {
        return Vec::new();
    };
    let t = cx.target;
    let mut out = Vec::new();
    let mut drops: Vec<_> = data.aggregates.dropped.iter().collect();
    drops.sort_by(|a, b| a.0.cmp(b.0));
    for ((block, why), d) in drops {
        let Drop::UnassignedOrgUnit(ou) = why else {
            continue;
        };
        let Some(b) = cx.config.aggregates.get(*block as usize) else {
            continue;
        };
        let o = &t.organisation_units[*ou as usize];
        let mut f = Finding::new(
            &RULE,
            format!(
                "block \"{}\": {} of the planned periods {} from org unit \"{}\" ({}), which no data set of data element `{}` is assigned to; {} not sent{}",
                b.name,
                crate::rules::records::records(d.records),
                if d.records == 1 { "comes" } else { "come" },
                o.name(),
                o.id(),
                b.data_element.value,
                if d.records == 1 { "it is" } else { "they are" },
                crate::rules::records::ids(&d.examples.0),
            ),
            "assign the data set to the org unit in the target, or map the records' places to an assigned org unit",
        )
        .object(crate::source::side::RecordSide::block_ref(cx.config, *block as usize))
        .object(ObjectRef::of(o));
        f.config_span = Some(b.data_element.span.clone());
        out.push(f);
    }
    out
}
