//! Reconciling the export with the target: read the values the target holds for the
//! mapped targets, planned periods and org units in scope, and classify each key as
//! new, changed, unchanged or stale (in the target but no longer exported).

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::catalog::Catalog;
use crate::config::Stale;
use crate::dhis2::data::{DataValue, ReadQuery, read_values};
use crate::dhis2::pool::map_bounded;
use crate::dhis2::{Client, RemoteError};
use crate::idscheme::IdScheme;
use crate::job::Job;
use crate::model::Identifiable;

use super::plan::Plan;
use super::values::{is_numeric_type, is_zero, same_value};
use super::verify::{Exported, Key};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    New,
    Changed,
    Unchanged,
    Stale,
}

/// One key and what the transfer does to it.
#[derive(Debug, Clone)]
pub struct Change {
    pub key: Key,
    pub mapping: usize,
    pub class: Class,
    /// The stored value, if any.
    pub old: Option<String>,
    /// The value the target gets: the exported one, for a stale key what the policy
    /// writes (or `None`).
    pub new: Option<String>,
    /// The row to import, under the job's id schemes. For a stale key, the value the
    /// `stale` policy writes (`"0"`), or none when it deletes.
    pub row: DataValue,
}

/// The org units whose stored values a mapping may touch: those its own program (or
/// `sync.org_units`) reports from, and those it exported values for. Values of other
/// org units, even for the same data element, are not the job's to judge stale.
pub type Scope = HashMap<usize, BTreeSet<usize>>;

pub fn scope(cx: &Job<'_>, mappings: &[usize], exported: &[Exported]) -> Scope {
    let mut out: Scope = mappings
        .iter()
        .map(|&m| (m, cx.units.targets_of(m).iter().copied().collect()))
        .collect();
    for e in exported {
        if let Some(ous) = out.get_mut(&e.mapping) {
            ous.insert(e.key.ou);
        }
    }
    out
}

/// Every org unit of a scope.
pub fn scope_units(scope: &Scope) -> BTreeSet<usize> {
    scope.values().flatten().copied().collect()
}

/// Read the target's stored values for a group: its data sets, periods and org units
/// (org units chunked so URLs stay short).
pub fn read_stored(
    client: &Client,
    cx: &Job<'_>,
    mappings: &[usize],
    periods: &[String],
    ous: &BTreeSet<usize>,
) -> Result<Vec<DataValue>, RemoteError> {
    let t = cx.target;
    let mut data_sets: BTreeSet<String> = BTreeSet::new();
    for &m in mappings {
        if let Some(de) = cx.mappings[m].target_de {
            for ds in cx.graph.data_sets_of(de) {
                data_sets.insert(t.data_sets[ds].id.clone());
            }
        }
    }
    if data_sets.is_empty() || ous.is_empty() || periods.is_empty() {
        return Ok(Vec::new());
    }
    let ou_ids: Vec<String> = ous
        .iter()
        .map(|&o| t.organisation_units[o].id.clone())
        .collect();
    let queries: Vec<ReadQuery> = ou_ids
        .chunks(100)
        .map(|chunk| ReadQuery {
            data_sets: data_sets.iter().cloned().collect(),
            periods: periods.to_vec(),
            org_units: chunk.to_vec(),
        })
        .collect();
    let results = map_bounded(queries, client.opts.concurrency, |q| {
        read_values(client, &q)
    });
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// An object's identifier under an id scheme (the UID when it lacks the property).
pub fn identifier<T: Identifiable>(o: &T, scheme: &IdScheme) -> Option<String> {
    match scheme {
        IdScheme::Uid => Some(o.id().to_string()),
        IdScheme::Code => o.code().map(str::to_string),
        IdScheme::Attribute(a) => o.attribute_value(a).map(str::to_string),
    }
}

/// Whether the target drops a zero for this data element (`zeroIsSignificant` false on
/// a numeric type not averaged, §6.4).
fn zero_dropped(t: &Catalog, de: usize) -> bool {
    let d = &t.data_elements[de];
    is_numeric_type(d.value_type.as_deref())
        && d.zero_is_significant != Some(true)
        && !matches!(
            d.aggregation_type.as_deref(),
            Some("AVERAGE" | "AVERAGE_SUM_ORG_UNIT")
        )
}

/// Classify the exported values against what the target stores.
pub fn classify(
    cx: &Job<'_>,
    plan: &Plan,
    exported: &[Exported],
    stored: &[DataValue],
    scope: &Scope,
    stale: Stale,
) -> Vec<Change> {
    let t = cx.target;
    // The (DE, COC, AOC) each mapping sends.
    let targets: HashMap<(usize, Option<usize>, Option<usize>), usize> = cx
        .mappings
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.key(t).map(|k| (k, i)))
        .collect();
    let combo = |uid: Option<&str>| -> Option<Option<usize>> {
        match uid {
            None | Some("") => Some(None),
            Some(u) => {
                let i = t.category_option_combos.id(u)?;
                Some(if Some(i) == t.default_coc() {
                    None
                } else {
                    Some(i)
                })
            }
        }
    };
    let mut current: HashMap<Key, (usize, String)> = HashMap::new();
    for v in stored {
        if v.deleted == Some(true) {
            continue;
        }
        let (Some(de), Some(coc), Some(aoc), Some(ou)) = (
            t.data_elements.id(&v.data_element),
            combo(v.category_option_combo.as_deref()),
            combo(v.attribute_option_combo.as_deref()),
            t.organisation_units.id(&v.org_unit),
        ) else {
            continue;
        };
        let Some(&m) = targets.get(&(de, coc, aoc)) else {
            continue;
        };
        let Some(period) =
            crate::period::Period::parse(&v.period).filter(|p| plan.is_planned(m, p))
        else {
            continue;
        };
        if !scope.get(&m).is_some_and(|s| s.contains(&ou)) {
            continue;
        }
        let key = Key {
            de,
            coc,
            aoc,
            period: period.iso(),
            ou,
        };
        current.insert(key, (m, v.value.clone().unwrap_or_default()));
    }

    let mut changes = Vec::with_capacity(exported.len());
    for e in exported {
        let new = e.row.value.clone().unwrap_or_default();
        let old = current.remove(&e.key).map(|(_, v)| v);
        let class = match &old {
            None if is_zero(&new) && zero_dropped(t, e.key.de) => Class::Unchanged,
            None => Class::New,
            Some(o) if same_value(o, &new) => Class::Unchanged,
            Some(_) => Class::Changed,
        };
        changes.push(Change {
            key: e.key.clone(),
            mapping: e.mapping,
            class,
            old,
            new: Some(new),
            row: e.row.clone(),
        });
    }
    // What remains is stored but no longer exported.
    let ou_scheme = &cx.config.mapping.org_unit_id_scheme;
    let mut stale_keys: Vec<(Key, (usize, String))> = current.into_iter().collect();
    stale_keys.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, (m, old)) in stale_keys {
        let mapping = &cx.mappings[m];
        // Already what `stale = "zero"` makes of it: nothing to do, run after run.
        if stale == Stale::Zero && is_zero(&old) {
            continue;
        }
        let Some(org_unit) = identifier(&t.organisation_units[key.ou], ou_scheme) else {
            continue;
        };
        // "zero" writes 0 where the data element can hold it; where it cannot
        // (positive integers), the value is deleted instead.
        let value: Option<String> = (stale == Stale::Zero
            && t.data_elements[key.de].value_type.as_deref() != Some("INTEGER_POSITIVE"))
        .then(|| "0".to_string());
        changes.push(Change {
            row: DataValue {
                data_element: mapping.de.clone(),
                period: key.period.clone(),
                org_unit,
                category_option_combo: mapping.coc.clone(),
                attribute_option_combo: mapping.aoc.clone(),
                value: value.clone(),
                comment: None,
                deleted: None,
            },
            new: value.clone(),
            key,
            mapping: m,
            class: Class::Stale,
            old: Some(old),
        });
    }
    changes.sort_by(|a, b| a.key.cmp(&b.key));
    changes
}
