use std::collections::BTreeMap;

use super::records::{godata_ref, ids, record_job, records_do};
use crate::diagnostic::Finding;
use crate::job::Job;
use crate::source::godata::locations::{Link, LocationIndex};
use crate::source::godata::model::Outbreak;

declare_rule! {
    /// ## What it does
    /// Checks that the places records come from resolve to target org units.
    ///
    /// For Go.Data, with the outbreak read: every location in the outbreak's scope
    /// (its `locationIds` and their descendants) at or below its reporting level must
    /// resolve to one org unit under `[source.org_units] match`, itself or (with
    /// `roll_up`) through its nearest mapped ancestor. A location whose identifiers
    /// name two org units is ambiguous; one whose parent chain ends at a root below the
    /// tree's top level is an orphan (as a converter makes when a parent org unit has
    /// no code), and nothing under it can roll up. One diagnostic per top-most
    /// unmapped location, with the number of locations under it.
    ///
    /// With the records read (`check --with-data`, `sync`): every location value of a
    /// record in the planned periods that resolves to nothing (a deleted location, one
    /// missing from `/api/locations`, or, for a line list, an org unit value that is no
    /// code, UID or table entry), with the number of records and up to three ids.
    ///
    /// Once an org unit is found, `unknown-org-unit` and `unassigned-org-unit` judge it.
    ///
    /// ## Why is this bad?
    /// The cases of an unmapped location are dropped: the districts around it report
    /// complete figures, and its own figures are silently low.
    ///
    /// ## How to fix
    /// Give the location an identifier with the org unit's code (or a row in the
    /// location table), or its parent one and keep `roll_up = true`.
    ///
    /// ## Example
    /// A village imported from a GIS source (`SN001023001000000000`) has no DHIS2 code
    /// and its district has none either: its cases reach no org unit.
    pub static RULE = {
        id: UNMAPPED_LOCATION,
        summary: "a place records come from resolves to no target org unit",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(g) = rj.side.godata.as_ref()
        && let Some(o) = &g.meta.outbreak
    {
        out.extend(static_findings(&g.locations, o));
    }
    out.extend(data_findings(cx));
    out
}

/// `…_ADMIN_LEVEL_3` → 3.
fn level(id: Option<&str>) -> Option<u32> {
    id?.rsplit('_').next()?.parse().ok()
}

fn static_findings(index: &LocationIndex, o: &Outbreak) -> Vec<Finding> {
    let locs = &index.locations;
    let reporting = level(o.reporting_geographical_level_id.as_deref());
    let top = locs
        .iter()
        .filter(|l| l.parent_location_id.is_none())
        .filter_map(|l| level(l.geographical_level_id.as_deref()))
        .min();
    let scope: Vec<usize> = (0..locs.len())
        .filter(|&i| {
            o.location_ids.is_empty()
                || o.location_ids.contains(&locs[i].id)
                || index
                    .ancestors(i)
                    .iter()
                    .any(|&a| o.location_ids.contains(&locs[a].id))
        })
        .filter(|&i| {
            let l = level(locs[i].geographical_level_id.as_deref());
            reporting.is_none_or(|r| l.is_none_or(|l| l >= r))
        })
        .collect();
    let unmapped = |i: usize| index.links[i].org_unit().is_none();
    let mut out = Vec::new();
    for &i in &scope {
        if !unmapped(i) {
            continue;
        }
        // Only the top-most: an unmapped parent in scope speaks for its children.
        if index
            .ancestors(i)
            .iter()
            .any(|&a| scope.contains(&a) && unmapped(a))
        {
            continue;
        }
        let under = scope
            .iter()
            .filter(|&&j| j != i && index.ancestors(j).contains(&i))
            .count();
        let l = &locs[i];
        let chain = index.ancestors(i);
        let root = chain.last().copied().unwrap_or(i);
        let orphan = top.is_some_and(|t| {
            level(locs[root].geographical_level_id.as_deref()).is_some_and(|r| r > t)
        });
        let name = l.name.as_deref().unwrap_or("");
        let (message, help) = match &index.links[i] {
            Link::Ambiguous(ous) => (
                format!("location \"{name}\" ({}) has identifiers naming {} org units", l.id, ous.len()),
                "keep one identifier per location that names a DHIS2 org unit, or map it in a location table".to_string(),
            ),
            _ if orphan => (
                format!(
                    "location \"{name}\" ({}) resolves to no org unit, and its parent chain ends at \"{}\" ({}), a root below the tree's top: nothing under it can roll up{}",
                    l.id,
                    locs[root].name.as_deref().unwrap_or(""),
                    locs[root].id,
                    if under > 0 { format!(" ({under} locations under it)") } else { String::new() }
                ),
                "give the root its parent location (the converter leaves it out when the parent org unit has no code), or map these locations in a table".to_string(),
            ),
            _ => (
                format!(
                    "location \"{name}\" ({}) resolves to no target org unit, itself or through its parents{}",
                    l.id,
                    if under > 0 { format!(" ({under} locations under it)") } else { String::new() }
                ),
                "give it (or a parent) an identifier holding the org unit's code, or a row in the location table".to_string(),
            ),
        };
        out.push(Finding::new(&RULE, message, help).object(godata_ref(
            "goDataLocation",
            &l.id,
            l.name.as_deref(),
        )));
    }
    out
}

fn data_findings(cx: &Job<'_>) -> Vec<Finding> {
    let Some(data) = cx.record_data else {
        return Vec::new();
    };
    // Per location value, over the blocks.
    let mut by_value: BTreeMap<&str, (u64, Vec<compact_str::CompactString>, Vec<usize>)> =
        BTreeMap::new();
    for ((block, value), d) in &data.aggregates.unmapped {
        let e = by_value.entry(value.as_str()).or_default();
        e.0 = e.0.max(d.records);
        for id in &d.examples.0 {
            if e.1.len() < 3 && !e.1.contains(id) {
                e.1.push(id.clone());
            }
        }
        e.2.push(*block as usize);
    }
    let known = |v: &str| {
        cx.records
            .and_then(|r| r.godata.as_ref())
            .is_some_and(|g| g.locations.get(v).is_some())
    };
    by_value
        .into_iter()
        .map(|(value, (n, examples, blocks))| {
            let what = match cx.config.records {
                Some(crate::config::records::RecordSource::LineList(_)) => format!("org unit value \"{value}\""),
                _ if known(value) => format!("location {value}"),
                _ => format!("location {value}, unknown to the locations read (deleted, or outside the list)"),
            };
            let object = match cx.config.records {
                Some(crate::config::records::RecordSource::LineList(ref l)) => {
                    godata_ref("lineListColumn", &l.org_units.column.value, None)
                }
                _ => godata_ref("goDataLocation", value, None),
            };
            let mut f = Finding::new(
                &RULE,
                format!("{} from {what}, which resolves to no org unit{}", records_do(n, "of the planned periods comes", "of the planned periods come"), ids(&examples)),
                "map the location (an identifier with the org unit's code, a table row), or correct the records",
            )
            .object(object);
            for b in blocks {
                f = f.object(crate::source::side::RecordSide::block_ref(cx.config, b));
            }
            f
        })
        .collect()
}
