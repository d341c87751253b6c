//! What reading the records found, for the data rules (T2A042, T2A043, T2A045,
//! T2A046, T2A049): the aggregation's drops, a Go.Data read's counts, repeated ids,
//! line-list values outside a column's `allowed`, and how many dates were midnight.

use std::collections::BTreeMap;

use super::aggregate::{Aggregates, Dropped};
use super::godata::client::ReadCheck;

#[derive(Debug, Default)]
pub struct RecordData {
    pub aggregates: Aggregates,
    /// A Go.Data read: counts before and after, records read, ids seen twice.
    pub read: Option<ReadCheck>,
    /// Line lists: rows whose `id_column` value came before (count, first ids).
    pub duplicates: Dropped,
    /// Line lists without an `id_column`: duplicates cannot be told.
    pub no_id_column: bool,
    /// Line lists: (column, value) outside the column's `allowed`.
    pub outside_allowed: BTreeMap<(String, String), Dropped>,
    /// Go.Data: the period dates read, and those not at midnight in the configured zone.
    pub dates: u64,
    pub dates_off_midnight: u64,
    /// Per block: its fields do not hold up (a field the source lacks, a period that is
    /// no date), so it read nothing; the data rules leave it to `unknown-source-field`.
    pub unsound: Vec<bool>,
}

/// Ids seen so far, to tell repeated ones: a 64-bit hash per id, not the id, so the
/// check costs about 16 bytes a record whatever the ids' length (the one part of a
/// read that grows with the records; without an `id_column` there is none).
#[derive(Default)]
pub struct SeenIds(std::collections::HashSet<u64, foldhash::fast::FixedState>);

impl SeenIds {
    /// Whether the id came before (then counted as a duplicate).
    pub fn repeated(&mut self, id: &str, data: &mut RecordData) -> bool {
        use std::hash::BuildHasher;
        use std::hash::Hasher;
        let mut h = foldhash::fast::FixedState::with_seed(0x7432_6161).build_hasher();
        h.write(id.as_bytes());
        if self.0.insert(h.finish()) {
            return false;
        }
        data.duplicates.records += 1;
        if data.duplicates.examples.0.len() < 3 {
            data.duplicates.examples.0.push(id.into());
        }
        true
    }
}

impl RecordData {
    pub fn outside(&mut self, column: &str, value: &str, id: Option<&str>) {
        let d = self
            .outside_allowed
            .entry((column.to_string(), value.to_string()))
            .or_default();
        d.records += 1;
        if let Some(id) = id
            && d.examples.0.len() < 3
        {
            d.examples.0.push(id.into());
        }
    }
}
