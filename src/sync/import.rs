//! Importing the changes, one payload per data set in chunks (a server-side dry run
//! first), reading either answer shape, and tracing each conflict back to the program
//! indicators behind it: by the arguments 2.43 names, the `indexes` the server gives
//! (2.37+), or the object it names (2.36). What was sent is counted from the run's own
//! classification: 2.43 counts every write as `updated`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dhis2::data::{DataValue, ImportOptions, Payload, Registration, complete, import};
use crate::dhis2::import::{Conflict, ImportCount, ImportSummary};
use crate::dhis2::{Client, RemoteError, Version};
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
    /// What was sent, by the run's own classification.
    pub values: Sent,
    /// What the server counted (2.43: every write is `updated`, §12.1).
    pub import_count: Counts,
    /// Values the server rejected or flagged, summed over conflicts.
    pub conflicts: usize,
    pub issues: Vec<SyncIssue>,
    /// Set when the server aborted an import as a whole.
    pub aborted: Option<String>,
    pub requests: usize,
    /// A stop was asked for (Ctrl-C, SIGTERM): the payloads after `requests` were not
    /// sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

/// One payload's answer, for the run's journal.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Chunk {
    /// 1-based, in sending order.
    pub seq: usize,
    pub dry_run: bool,
    pub data_set: Option<String>,
    pub strategy: &'static str,
    pub values: usize,
    pub import_count: Counts,
    pub conflicts: usize,
    /// Values sent so far in this import (dry run or not).
    pub done: usize,
}

/// The values sent: new, changed, stale ones written (set to zero) and deleted.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Sent {
    pub new: u64,
    pub changed: u64,
    pub zeroed: u64,
    pub deleted: u64,
}

impl Sent {
    fn add(&mut self, class: Class, deleting: bool) {
        match (class, deleting) {
            (_, true) => self.deleted += 1,
            (Class::New, _) => self.new += 1,
            (Class::Changed, _) => self.changed += 1,
            (Class::Stale, _) => self.zeroed += 1,
            (Class::Unchanged, _) => {}
        }
    }
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

/// The rows of a payload a conflict concerns: on 2.43 those its arguments name (a group
/// conflict lists every index of the group, the arguments the culprits: DEs, org units,
/// periods, combos, by UID); else its indexes (2.37+); else the rows with a field equal
/// to its object (2.36).
fn concerned(conflict: &Conflict, rows: &[DataValue<'_>], uids: &[[&str; 4]]) -> Vec<usize> {
    let args = conflict.args();
    if !args.is_empty() {
        let hit: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                uids.get(i)
                    .is_some_and(|u| u.iter().any(|id| args.contains(id)))
                    || args.contains(&rows[i].period)
            })
            .collect();
        if !hit.is_empty() {
            return hit;
        }
    }
    if !conflict.indexes.is_empty() {
        return conflict.values().filter(|&i| i < rows.len()).collect();
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

/// Each conflict of a payload as a problem, with the program indicators of the values
/// it concerns; and how many values the conflicts concern.
fn trace(
    cx: &Job<'_>,
    summary: &ImportSummary,
    rows: &[DataValue<'_>],
    changes: &[Change],
) -> (usize, Vec<SyncIssue>) {
    let t = cx.target;
    let uids: Vec<[&str; 4]> = changes
        .iter()
        .map(|c| {
            let combo =
                |i: Option<usize>| i.map_or("", |i| t.category_option_combos[i].id.as_str());
            [
                t.data_elements[c.key.de as usize].id.as_str(),
                t.organisation_units[c.key.ou as usize].id.as_str(),
                combo(c.key.coc()),
                combo(c.key.aoc()),
            ]
        })
        .collect();
    let mut total = 0;
    let mut issues = Vec::new();
    for c in &summary.conflicts {
        let rows_hit = concerned(c, rows, &uids);
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
            .map(|&i| cx.pi_ref(&cx.mappings[changes[i].mapping as usize]))
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
        payload: &Payload<'_>,
        opts: &ImportOptions,
    ) -> Result<ImportSummary, RemoteError>;
}

impl Importer for Client {
    fn import(
        &self,
        payload: &Payload<'_>,
        opts: &ImportOptions,
    ) -> Result<ImportSummary, RemoteError> {
        import(self, payload, opts)
    }
}

/// How an import is sent.
#[derive(Debug, Clone, Copy)]
pub struct How {
    /// The target's version (2.43 reads the AOC scheme from the payload).
    pub version: Option<Version>,
    /// A server-side dry run.
    pub dry_run: bool,
    /// Values per request at most.
    pub chunk: usize,
}

/// Values held for payloads at most, over all data sets, before the fullest is sent
/// even if shorter than a chunk (keeps memory bounded with many data sets).
const HELD: usize = 50_000;

/// Import the changes of the journal: first every value to write (the job's strategy),
/// then every value to delete (DELETE); one payload per data set, chunked; one request
/// at a time (parallel imports contend for the same rows on the server).
/// `progress` gets each payload's answer. A stop asked for (Ctrl-C) ends it between
/// payloads. A failure comes with the outcome so far: the payloads before it landed.
pub fn run(
    target: &dyn Importer,
    cx: &Job<'_>,
    lk: &Lookups,
    changes: &mut Journal<Change>,
    how: How,
    progress: &mut dyn FnMut(&Chunk),
) -> (Outcome, Option<Error>) {
    let mut sender = Sender {
        target,
        cx,
        lk,
        version: how.version,
        dry_run: how.dry_run,
        out: Outcome::default(),
        counts: ImportCount::default(),
        issues: IssueLog::default(),
        done: 0,
        progress,
    };
    let failed = send_all(&mut sender, changes, how.chunk.max(1)).err();
    (sender.finish(), failed)
}

fn send_all(
    sender: &mut Sender<'_>,
    changes: &mut Journal<Change>,
    chunk: usize,
) -> Result<(), Error> {
    let (cx, lk) = (sender.cx, sender.lk);
    let stale = cx.config.sync.stale;
    let strategy = cx.config.sync.import_strategy.as_str();
    for (write, strategy) in [(Write::Value, strategy), (Write::Delete, "DELETE")] {
        let mut held: BTreeMap<Option<usize>, Vec<Change>> = BTreeMap::new();
        let mut holding = 0;
        for c in changes.iter().map_err(journal_error)? {
            let c = c.map_err(journal_error)?;
            if write_of(&c, stale) != Some(write) {
                continue;
            }
            let ds = data_set_of(cx, lk, c.mapping as usize, &c.key);
            let list = held.entry(ds).or_default();
            list.push(c);
            holding += 1;
            let full = if list.len() >= chunk {
                Some(ds)
            } else if holding >= HELD {
                held.iter().max_by_key(|(_, l)| l.len()).map(|(ds, _)| *ds)
            } else {
                None
            };
            if let Some(ds) = full {
                let batch = held.remove(&ds).unwrap_or_default();
                holding -= batch.len();
                sender.send(ds, &batch, strategy)?;
                if sender.stopped() {
                    return Ok(());
                }
            }
        }
        for (ds, batch) in held {
            sender.send(ds, &batch, strategy)?;
            if sender.stopped() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Sends payloads and adds up their answers.
struct Sender<'a> {
    target: &'a dyn Importer,
    cx: &'a Job<'a>,
    lk: &'a Lookups,
    version: Option<Version>,
    dry_run: bool,
    out: Outcome,
    counts: ImportCount,
    issues: IssueLog,
    done: usize,
    progress: &'a mut dyn FnMut(&Chunk),
}

impl Sender<'_> {
    fn stopped(&self) -> bool {
        self.out.aborted.is_some() || self.out.interrupted
    }

    fn send(
        &mut self,
        ds: Option<usize>,
        changes: &[Change],
        strategy: &'static str,
    ) -> Result<(), Error> {
        if crate::interrupt::requested() {
            self.out.interrupted = true;
            return Ok(());
        }
        let (cx, lk) = (self.cx, self.lk);
        let m = &cx.config.mapping;
        let opts = ImportOptions {
            data_element_scheme: m.data_element_id_scheme.clone(),
            category_option_combo_scheme: m.category_option_combo_id_scheme.clone(),
            org_unit_scheme: m.org_unit_id_scheme.clone(),
            strategy,
            dry_run: self.dry_run,
        };
        let rows: Vec<DataValue<'_>> = changes
            .iter()
            .map(|c| super::reconcile::row(cx, lk, &c.key, c.mapping as usize, c.new.as_deref()))
            .collect();
        let payload = Payload {
            data_set: ds.map(|ds| cx.target.data_sets[ds].id.as_str()),
            attribute_option_combo_id_scheme: self
                .version
                .is_some_and(|v| v.at_least(43))
                .then(|| m.category_option_combo_id_scheme.to_string()),
            data_values: &rows,
        };
        let summary = match self.target.import(&payload, &opts) {
            Ok(s) => s,
            // The stop came before the request, or while waiting to repeat it: counted
            // as not sent (a payload whose answer was lost may have landed; sending it
            // again, on resume, changes nothing).
            Err(RemoteError::Interrupted { .. }) => {
                self.out.interrupted = true;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        self.out.requests += 1;
        self.counts.add(summary.import_count);
        for c in changes {
            self.out.values.add(c.class, strategy == "DELETE");
        }
        let (n, found) = trace(cx, &summary, &rows, changes);
        self.out.conflicts += n;
        for i in found {
            self.issues.push(i);
        }
        self.done += rows.len();
        (self.progress)(&Chunk {
            seq: self.out.requests,
            dry_run: self.dry_run,
            data_set: payload.data_set.map(str::to_string),
            strategy,
            values: rows.len(),
            import_count: summary.import_count.into(),
            conflicts: n,
            done: self.done,
        });
        if summary.aborted() {
            self.out.aborted = Some(
                summary
                    .description
                    .clone()
                    .unwrap_or_else(|| "the import was aborted".into()),
            );
        }
        Ok(())
    }

    fn finish(mut self) -> Outcome {
        self.out.import_count = self.counts.into();
        self.out.issues = self.issues.into_sorted();
        self.out
    }
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
        // Unchanged values are in the journal only for a resumed run: they landed in
        // the run it resumes, which did not get to complete their data sets.
        if !matches!(c.class, Class::New | Class::Changed | Class::Unchanged) {
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
        assert_eq!(concerned(&c, &rows, &[]), vec![1]);
        let c = Conflict {
            object: Some("A".into()),
            ..Conflict::default()
        };
        assert_eq!(concerned(&c, &rows, &[]), vec![0, 2]);
    }
}
