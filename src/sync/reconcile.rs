//! Reconciling the export with the target: read the values the target holds for the
//! mapped targets, planned periods and org units in scope, and classify each key as
//! new, changed, unchanged or stale (in the target but no longer exported).
//!
//! Work goes bucket by bucket (values spread by org unit, see `journal::Buckets`): a
//! bucket's exported values and the target's stored values for its org units are all
//! that is in memory at once.

use std::collections::BTreeSet;

use compact_str::CompactString;
use fixedbitset::FixedBitSet;
use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::config::Stale;
use crate::dhis2::RemoteError;
use crate::dhis2::data::{DataValue, ReadQuery};
use crate::dhis2::pool::for_each_bounded;
use crate::dhis2::rows::for_each_row;
use crate::error::Error;
use crate::job::Job;

use super::journal::{Fields, Record};
use super::lookups::{Key, Lookups, combo_part};
use super::plan::Plan;
use super::values::{is_numeric_type, is_zero, same_value};
use super::verify::Exported;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    New,
    Changed,
    Unchanged,
    Stale,
}

/// One key and what the transfer does to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub key: Key,
    pub mapping: u32,
    pub class: Class,
    /// The stored value, if any.
    pub old: Option<CompactString>,
    /// The value the target gets: the exported one; for a stale key what the `stale`
    /// policy writes (`"0"`), or none when it deletes or leaves the value.
    pub new: Option<CompactString>,
}

impl Record for Change {
    fn encode(&self, out: &mut Vec<u8>) {
        self.key.encode(out);
        out.extend_from_slice(&self.mapping.to_le_bytes());
        out.push(self.class as u8);
        // `old` with its length (u32::MAX: none), then `new` (a flag, then the rest).
        match &self.old {
            Some(o) => {
                out.extend_from_slice(&(o.len() as u32).to_le_bytes());
                out.extend_from_slice(o.as_bytes());
            }
            None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
        }
        match &self.new {
            Some(n) => {
                out.push(1);
                out.extend_from_slice(n.as_bytes());
            }
            None => out.push(0),
        }
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut f = Fields(bytes);
        let key = Key::decode(&mut f)?;
        let mapping = f.u32()?;
        let class = match f.u8()? {
            0 => Class::New,
            1 => Class::Changed,
            2 => Class::Unchanged,
            3 => Class::Stale,
            _ => return None,
        };
        let old = match f.u32()? {
            u32::MAX => None,
            n => Some(f.text(n as usize)?.into()),
        };
        let new = match f.u8()? {
            0 => None,
            _ => Some(f.rest()?.into()),
        };
        Some(Change {
            key,
            mapping,
            class,
            old,
            new,
        })
    }
}

/// Where the target's stored values come from (a live instance, or a benchmark).
pub trait Store: Sync {
    /// The body of `GET /api/dataValueSets` for a query, and the URL it came from.
    fn read(&self, query: &ReadQuery) -> Result<(String, bytes::Bytes), RemoteError>;
    /// Requests in flight at once.
    fn concurrency(&self) -> usize;
    /// Read and hand the body to `read`, which starts afresh on each call: a remote
    /// store fetches again when the body does not read (an answer cut off).
    fn read_with(
        &self,
        query: &ReadQuery,
        read: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), RemoteError> {
        let (url, body) = self.read(query)?;
        read(&body).map_err(|message| RemoteError::BadResponse { url, message })
    }
}

impl Store for crate::dhis2::Client {
    fn read(&self, query: &ReadQuery) -> Result<(String, bytes::Bytes), RemoteError> {
        crate::dhis2::data::read_body(self, query)
    }

    fn read_with(
        &self,
        query: &ReadQuery,
        read: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), RemoteError> {
        self.get_with("dataValueSets.json", &query.params(), read)
            .map(drop)
    }

    fn concurrency(&self) -> usize {
        self.opts.concurrency
    }
}

/// Whether a target up to 2.42 drops a zero for this data element (`zeroIsSignificant`
/// false on a numeric type not averaged, §6.4); 2.43 stores zeros (§12.4).
fn zero_dropped(t: &Catalog, de: usize) -> bool {
    let d = &t.data_elements[de];
    is_numeric_type(d.value_type.as_deref())
        && d.zero_is_significant != Some(true)
        && !matches!(
            d.aggregation_type.as_deref(),
            Some("AVERAGE" | "AVERAGE_SUM_ORG_UNIT")
        )
}

/// One period group of the plan, as the stored-value reads need it.
struct GroupReads {
    periods: Vec<String>,
    data_sets: Vec<String>,
    /// The unit sets of the group's mappings.
    sets: Vec<usize>,
    mappings: FxHashSet<u32>,
    ptype: crate::period::PeriodType,
}

/// Classifies the values of each bucket against what the target stores.
pub struct Reconciler<'a> {
    cx: &'a Job<'a>,
    lk: &'a Lookups,
    stale: Stale,
    buckets: usize,
    groups: Vec<GroupReads>,
    /// Per unit set: its target org units, as a bitset.
    units: Vec<FixedBitSet>,
    /// The target stores zeros of every data element (2.43+).
    zeros_stored: bool,
}

impl<'a> Reconciler<'a> {
    pub fn new(
        cx: &'a Job<'a>,
        lk: &'a Lookups,
        plan: &Plan,
        stale: Stale,
        buckets: usize,
        target: Option<crate::dhis2::Version>,
    ) -> Self {
        let t = cx.target;
        let groups = plan
            .groups
            .iter()
            .map(|g| {
                let mut data_sets: BTreeSet<String> = BTreeSet::new();
                for &m in &g.mappings {
                    if let Some(de) = cx.mappings[m].target_de {
                        for ds in cx.graph.data_sets_of(de) {
                            data_sets.insert(t.data_sets[ds].id.clone());
                        }
                    }
                }
                let sets = cx.units.sets_of(g.mappings.iter().copied());
                GroupReads {
                    periods: g.periods.iter().map(|p| p.iso()).collect(),
                    data_sets: data_sets.into_iter().collect(),
                    sets,
                    mappings: g.mappings.iter().map(|&m| m as u32).collect(),
                    ptype: g.period_type,
                }
            })
            .collect();
        let n = t.organisation_units.len();
        let units = cx
            .units
            .sets
            .iter()
            .map(|s| {
                let mut bits = FixedBitSet::with_capacity(n);
                bits.extend(s.resolved.iter().copied());
                bits
            })
            .collect();
        Reconciler {
            cx,
            lk,
            stale,
            buckets: buckets.max(1),
            groups,
            units,
            zeros_stored: target.is_some_and(|v| v.at_least(43)),
        }
    }

    /// The stored-value reads of a bucket: per group, its data sets and periods, and the
    /// bucket's org units in scope (chunked so URLs stay short).
    fn queries(&self, bucket: usize, values: &[Exported]) -> Vec<ReadQuery> {
        let t = self.cx.target;
        let mut out = Vec::new();
        for g in &self.groups {
            if g.data_sets.is_empty() || g.periods.is_empty() {
                continue;
            }
            let mut ous: BTreeSet<usize> = BTreeSet::new();
            for &s in &g.sets {
                ous.extend(
                    self.cx.units.sets[s]
                        .resolved
                        .iter()
                        .copied()
                        .filter(|ou| ou % self.buckets == bucket),
                );
            }
            ous.extend(
                values
                    .iter()
                    .filter(|v| {
                        g.mappings.contains(&v.mapping) && self.lk.ptype(v.key.period) == g.ptype
                    })
                    .map(|v| v.key.ou as usize),
            );
            let ids: Vec<String> = ous
                .iter()
                .map(|&o| t.organisation_units[o].id.to_string())
                .collect();
            for chunk in ids.chunks(100) {
                out.push(ReadQuery {
                    data_sets: g.data_sets.clone(),
                    periods: g.periods.clone(),
                    org_units: chunk.to_vec(),
                });
            }
        }
        out
    }

    /// Classify one bucket: its exported values (sorted by key) against the target's
    /// stored values, read from `store`; `emit` gets the changes in key order.
    pub fn bucket(
        &self,
        store: &dyn Store,
        bucket: usize,
        values: &[Exported],
        emit: &mut dyn FnMut(&Change) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let queries = self.queries(bucket, values);
        // Org units a mapping exported values for outside its reporting units: in scope.
        let extra: FxHashSet<(u32, u32)> = values
            .iter()
            .filter(|v| !self.in_units(v.mapping as usize, v.key.ou as usize))
            .map(|v| (v.mapping, v.key.ou))
            .collect();
        // Mostly the exported keys, stored before.
        let mut stored: Vec<(Key, u32, CompactString)> = Vec::with_capacity(values.len());
        // Each body is read on the worker that fetched it; the keys come back.
        for_each_bounded(
            queries,
            store.concurrency(),
            |q| -> Result<Vec<(Key, u32, CompactString)>, RemoteError> {
                let mut found = Vec::new();
                store.read_with(&q, &mut |body| {
                    found.clear();
                    for_each_row(body, |row| found.extend(self.stored(&row, &extra)))
                        .map(drop)
                        .map_err(|e| format!("unreadable data values: {e}"))
                })?;
                Ok(found)
            },
            |found| {
                stored.extend(found);
                Ok(())
            },
        )?;
        self.classify(values, stored, emit)
    }

    fn in_units(&self, mapping: usize, ou: usize) -> bool {
        self.cx.units.by_mapping[mapping].is_some_and(|s| self.units[s].contains(ou))
    }

    /// A stored row as a key of this job's, with the mapping that owns it.
    fn stored(
        &self,
        row: &crate::dhis2::rows::Row<'_>,
        extra: &FxHashSet<(u32, u32)>,
    ) -> Option<(Key, u32, CompactString)> {
        if row.deleted == Some(true) {
            return None;
        }
        let t = self.cx.target;
        let combo = |uid: Option<&str>| -> Option<u32> {
            match uid {
                None => Some(0),
                Some(u) => {
                    let i = t.category_option_combos.id(u)?;
                    Some(combo_part((Some(i) != t.default_coc()).then_some(i)))
                }
            }
        };
        let de = t.data_elements.id(&row.data_element)? as u32;
        let (coc, aoc) = (combo(row.coc())?, combo(row.aoc())?);
        let ou = t.organisation_units.id(&row.org_unit)?;
        let m = self.lk.mapping_of((de, coc, aoc))?;
        let period = self
            .lk
            .period(&row.period)
            .filter(|&p| self.lk.is_planned(m, p))?;
        if !self.in_units(m, ou) && !extra.contains(&(m as u32, ou as u32)) {
            return None;
        }
        let key = Key {
            de,
            coc,
            aoc,
            period,
            ou: ou as u32,
        };
        Some((key, m as u32, row.value.as_deref().unwrap_or("").into()))
    }

    /// Exported values (sorted by key) against what the target stores: new, changed,
    /// unchanged; stored values no longer exported are stale. A merge of the two sorted
    /// lists, emitted in key order.
    fn classify(
        &self,
        exported: &[Exported],
        mut stored: Vec<(Key, u32, CompactString)>,
        emit: &mut dyn FnMut(&Change) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let t = self.cx.target;
        // Stable: of two stored values for one key, the later one read counts.
        stored.sort_by_key(|s| s.0);
        let mut stored = stored.into_iter().peekable();
        let mut next_stored = |upto: Option<Key>| {
            // The last stored value of the next key at or below `upto`.
            let (key, m, mut value) = stored.next_if(|s| upto.is_none_or(|u| s.0 <= u))?;
            while let Some((_, _, later)) = stored.next_if(|s| s.0 == key) {
                value = later;
            }
            Some((key, m, value))
        };
        for e in exported {
            let mut old = None;
            while let Some((key, m, value)) = next_stored(Some(e.key)) {
                if key == e.key {
                    old = Some(value);
                    break;
                }
                self.emit_stale(key, m, value, emit)?;
            }
            let class = match &old {
                None if is_zero(&e.value)
                    && !self.zeros_stored
                    && zero_dropped(t, e.key.de as usize) =>
                {
                    Class::Unchanged
                }
                None => Class::New,
                Some(o) if same_value(o, &e.value) => Class::Unchanged,
                Some(_) => Class::Changed,
            };
            emit(&Change {
                key: e.key,
                mapping: e.mapping,
                class,
                old,
                new: Some(e.value.clone()),
            })?;
        }
        while let Some((key, m, value)) = next_stored(None) {
            self.emit_stale(key, m, value, emit)?;
        }
        Ok(())
    }

    /// A stored value no longer exported, by the `stale` policy.
    fn emit_stale(
        &self,
        key: Key,
        mapping: u32,
        old: CompactString,
        emit: &mut dyn FnMut(&Change) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let t = self.cx.target;
        // Already what `stale = "zero"` makes of it: nothing to do, run after run.
        if self.stale == Stale::Zero && is_zero(&old) {
            return Ok(());
        }
        let ou_scheme = &self.cx.config.mapping.org_unit_id_scheme;
        if ou_scheme
            .identifier(&t.organisation_units[key.ou as usize])
            .is_none()
        {
            return Ok(());
        }
        // "zero" writes 0 where the data element can hold it; where it cannot
        // (positive integers), the value is deleted instead.
        let new = (self.stale == Stale::Zero
            && t.data_elements[key.de as usize].value_type.as_deref() != Some("INTEGER_POSITIVE"))
        .then(|| "0".into());
        emit(&Change {
            key,
            mapping,
            class: Class::Stale,
            old: Some(old),
            new,
        })
    }
}

/// The row a change imports, under the job's id schemes (identifiers as the export
/// wrote them).
pub fn row<'a>(
    cx: &'a Job<'_>,
    lk: &'a Lookups,
    key: &Key,
    mapping: usize,
    value: Option<&'a str>,
) -> DataValue<'a> {
    let m = &cx.mappings[mapping];
    let ou = &cx.target.organisation_units[key.ou as usize];
    let (coc, aoc) = cx.written_combos(m, key.coc(), key.aoc());
    DataValue {
        data_element: &m.de,
        period: &lk.isos[key.period as usize],
        org_unit: cx
            .config
            .mapping
            .org_unit_id_scheme
            .identifier(ou)
            .unwrap_or(&ou.id),
        category_option_combo: coc,
        attribute_option_combo: aoc,
        value,
    }
}
