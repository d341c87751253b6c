//! Importing the changes in chunks (a server-side dry run first), reading either answer
//! shape, and tracing each conflict back to the program indicators behind it: by the
//! `indexes` the server gives (2.37+), else by the object it names (2.36).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dhis2::data::{DataValue, ImportOptions, Registration, complete, import};
use crate::dhis2::import::{ImportCount, ImportSummary};
use crate::dhis2::{Client, RemoteError};
use crate::error::Error;
use crate::job::Job;
use crate::model::Identifiable;

use super::issue::{IssueKind, IssueLog, SyncIssue};
use super::journal::Journal;
use super::lookups::{Key, Lookups};
use super::reconcile::{Change, Class};

/// What a change writes: with the job's strategy (new, changed, stale set to zero),
/// with DELETE (stale, deleted), or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Value,
    Delete,
}

/// The write a change makes under the `stale` policy.
pub fn write_of(c: &Change, stale: crate::config::Stale) -> Option<Write> {
    match (c.class, stale) {
        (Class::New | Class::Changed, _) => Some(Write::Value),
        // The change says what the policy does: a value to write, or none to delete.
        (Class::Stale, crate::config::Stale::Zero | crate::config::Stale::Delete) => {
            Some(if c.new.is_some() {
                Write::Value
            } else {
                Write::Delete
            })
        }
        _ => None,
    }
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub import_count: Counts,
    /// Values the server rejected or flagged, summed over conflicts.
    pub conflicts: usize,
    pub issues: Vec<SyncIssue>,
    /// Set when the server aborted an import as a whole.
    pub aborted: Option<String>,
    pub requests: usize,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    pub imported: u64,
    pub updated: u64,
    pub ignored: u64,
    pub deleted: u64,
}

impl From<ImportCount> for Counts {
    fn from(c: ImportCount) -> Self {
        Counts {
            imported: c.imported,
            updated: c.updated,
            ignored: c.ignored,
            deleted: c.deleted,
        }
    }
}

/// The rows of a chunk a conflict concerns: its indexes (2.37+), else the rows with a
/// field equal to the conflict's object (2.36).
fn concerned(conflict: &crate::dhis2::import::Conflict, rows: &[DataValue<'_>]) -> Vec<usize> {
    if !conflict.indexes.is_empty() {
        return conflict
            .indexes
            .iter()
            .copied()
            .filter(|&i| i < rows.len())
            .collect();
    }
    let Some(object) = conflict.object.as_deref() else {
        return Vec::new();
    };
    rows.iter()
        .enumerate()
        .filter(|(_, r)| {
            r.data_element == object
                || r.org_unit == object
                || r.period == object
                || r.category_option_combo == Some(object)
                || r.attribute_option_combo == Some(object)
                || r.value == Some(object)
        })
        .map(|(i, _)| i)
        .collect()
}

fn trace(
    cx: &Job<'_>,
    summary: &ImportSummary,
    rows: &[DataValue<'_>],
    owners: &[usize],
) -> (usize, Vec<SyncIssue>) {
    let mut total = 0;
    let mut issues = Vec::new();
    for c in &summary.conflicts {
        let rows_hit = concerned(c, rows);
        total += rows_hit.len().max(1);
        let message = match &c.error_code {
            Some(code) => format!("{code}: {}", c.value),
            None => match &c.object {
                Some(o) => format!("{o}: {}", c.value),
                None => c.value.clone(),
            },
        };
        let mut issue = SyncIssue::new(
            IssueKind::ImportConflict,
            format!("the target rejected values: {message}"),
            "fix the cause in the target's metadata or the program indicator named here, then run the sync again",
        );
        issue.values = rows_hit.len().max(1);
        let mut pis: Vec<crate::diagnostic::ObjectRef> = rows_hit
            .iter()
            .map(|&i| cx.pi_ref(&cx.mappings[owners[i]]))
            .collect();
        pis.sort();
        pis.dedup();
        for p in pis {
            issue = issue.object(p);
        }
        issues.push(issue);
    }
    (total, issues)
}

/// Where imports go (a live instance, or a benchmark).
pub trait Importer {
    fn import(
        &self,
        rows: &[DataValue<'_>],
        opts: &ImportOptions,
    ) -> Result<ImportSummary, RemoteError>;
}

impl Importer for Client {
    fn import(
        &self,
        rows: &[DataValue<'_>],
        opts: &ImportOptions,
    ) -> Result<ImportSummary, RemoteError> {
        import(self, rows, opts)
    }
}

/// Import the changes of the journal in chunks: first every value to write (the job's
/// strategy), then every value to delete (DELETE); one request at a time (parallel
/// imports contend for the same rows on the server). `progress(done)` follows the
/// values sent.
pub fn run(
    target: &dyn Importer,
    cx: &Job<'_>,
    lk: &Lookups,
    changes: &mut Journal<Change>,
    dry_run: bool,
    chunk: usize,
    progress: &dyn Fn(usize),
) -> Result<Outcome, Error> {
    let m = &cx.config.mapping;
    let stale = cx.config.sync.stale;
    let mut done = 0;
    let mut out = Outcome::default();
    let mut counts = ImportCount::default();
    let mut issues = IssueLog::default();
    let strategy = cx.config.sync.import_strategy.as_str();
    for (write, strategy) in [(Write::Value, strategy), (Write::Delete, "DELETE")] {
        let opts = ImportOptions {
            data_element_scheme: m.data_element_id_scheme.clone(),
            category_option_combo_scheme: m.category_option_combo_id_scheme.clone(),
            org_unit_scheme: m.org_unit_id_scheme.clone(),
            strategy,
            dry_run,
        };
        let mut chunk_changes: Vec<Change> = Vec::new();
        let mut records = changes.iter().map_err(journal_error)?.peekable();
        while let Some(c) = records.next() {
            let c = c.map_err(journal_error)?;
            if write_of(&c, stale) == Some(write) {
                chunk_changes.push(c);
            }
            if chunk_changes.is_empty()
                || (chunk_changes.len() < chunk.max(1) && records.peek().is_some())
            {
                continue;
            }
            let rows: Vec<DataValue<'_>> = chunk_changes
                .iter()
                .map(|c| {
                    super::reconcile::row(cx, lk, &c.key, c.mapping as usize, c.new.as_deref())
                })
                .collect();
            let owners: Vec<usize> = chunk_changes.iter().map(|c| c.mapping as usize).collect();
            let summary = target.import(&rows, &opts)?;
            out.requests += 1;
            counts.add(summary.import_count);
            let (n, found) = trace(cx, &summary, &rows, &owners);
            out.conflicts += n;
            for i in found {
                issues.push(i);
            }
            done += rows.len();
            progress(done);
            drop(rows);
            chunk_changes.clear();
            if summary.aborted() {
                out.aborted = Some(
                    summary
                        .description
                        .clone()
                        .unwrap_or_else(|| "the import was aborted".into()),
                );
                out.import_count = counts.into();
                out.issues = issues.into_sorted();
                return Ok(out);
            }
        }
    }
    out.import_count = counts.into();
    out.issues = issues.into_sorted();
    Ok(out)
}

fn journal_error(e: std::io::Error) -> Error {
    Error::usage(
        format!("cannot read the run's journal: {e}"),
        Some("check that the temporary directory (TMPDIR) is writable and has space".to_string()),
    )
}

/// The data sets a key reports through: those holding the data element with the
/// period's type, assigned to the org unit, whose attribute combo holds the AOC.
pub fn data_sets_for<'a>(
    cx: &'a Job<'_>,
    lk: &'a Lookups,
    mapping: usize,
    key: &Key,
) -> impl Iterator<Item = usize> + 'a {
    let t = cx.target;
    let ou = key.ou as usize;
    let aoc = key.aoc();
    let aoc_fits = move |ds: usize| match (aoc, t.data_set_combo(ds)) {
        (None, None) => true,
        (None, Some(c)) => t.is_default_combo(c),
        (Some(a), Some(c)) => t.combo_cocs(c).contains(&a),
        (Some(_), None) => false,
    };
    // Data sets are indexed in id order, so these come sorted by id.
    lk.data_sets(mapping, lk.ptype(key.period))
        .iter()
        .copied()
        .filter(move |&ds| t.is_assigned(ds, ou) && aoc_fits(ds))
}

/// The data set a change is shown under in the preview.
pub fn data_set_of(cx: &Job<'_>, lk: &Lookups, mapping: usize, key: &Key) -> Option<usize> {
    data_sets_for(cx, lk, mapping, key).next()
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Completion {
    pub registrations: usize,
    pub import_count: Counts,
    pub conflicts: usize,
}

/// Mark data sets complete for the org unit, period and attribute option combo that
/// received at least `min_values` values in this run.
pub fn complete_data_sets(
    client: &Client,
    cx: &Job<'_>,
    lk: &Lookups,
    changes: &mut Journal<Change>,
    min_values: u64,
) -> Result<Completion, Error> {
    let t = cx.target;
    let mut counts: BTreeMap<(usize, u16, u32, u32), u64> = BTreeMap::new();
    for c in changes.iter().map_err(journal_error)? {
        let c = c.map_err(journal_error)?;
        if !matches!(c.class, Class::New | Class::Changed) {
            continue;
        }
        for ds in data_sets_for(cx, lk, c.mapping as usize, &c.key) {
            *counts
                .entry((ds, c.key.period, c.key.ou, c.key.aoc))
                .or_default() += 1;
        }
    }
    let regs: Vec<Registration> = counts
        .into_iter()
        .filter(|(_, n)| *n >= min_values)
        .map(|((ds, period, ou, aoc), _)| Registration {
            data_set: t.data_sets[ds].id.clone(),
            period: lk.isos[period as usize].clone(),
            organisation_unit: t.organisation_units[ou as usize].id.to_string(),
            attribute_option_combo: aoc
                .checked_sub(1)
                .map(|a| t.category_option_combos[a as usize].id().to_string()),
            completed: true,
            stored_by: "t2a".into(),
        })
        .collect();
    let mut out = Completion {
        registrations: regs.len(),
        ..Completion::default()
    };
    if regs.is_empty() {
        return Ok(out);
    }
    let mut counts = ImportCount::default();
    for chunk in regs.chunks(1000) {
        let s = complete(client, chunk)?;
        counts.add(s.import_count);
        out.conflicts += s.conflicts.len();
    }
    out.import_count = counts.into();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dhis2::import::Conflict;

    fn row<'a>(de: &'a str, ou: &'a str) -> DataValue<'a> {
        DataValue {
            data_element: de,
            period: "202401",
            org_unit: ou,
            category_option_combo: None,
            attribute_option_combo: None,
            value: Some("1"),
        }
    }

    #[test]
    fn conflicts_point_at_rows_by_index_or_object() {
        let rows = vec![row("A", "o1"), row("B", "o2"), row("A", "o3")];
        let c = Conflict {
            indexes: vec![1, 7],
            ..Conflict::default()
        };
        assert_eq!(concerned(&c, &rows), vec![1]);
        let c = Conflict {
            object: Some("A".into()),
            ..Conflict::default()
        };
        assert_eq!(concerned(&c, &rows), vec![0, 2]);
    }
}
