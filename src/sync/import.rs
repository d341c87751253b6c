//! Importing the changes in chunks (a server-side dry run first), reading either answer
//! shape, and tracing each conflict back to the program indicators behind it: by the
//! `indexes` the server gives (2.37+), else by the object it names (2.36).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dhis2::data::{DataValue, ImportOptions, Registration, complete, import};
use crate::dhis2::import::{ImportCount, ImportSummary};
use crate::dhis2::{Client, RemoteError};
use crate::job::Job;
use crate::model::Identifiable;

use super::issue::{IssueKind, SyncIssue, merge};
use super::reconcile::{Change, Class};

/// Rows to import with one strategy, each with the mapping it came from.
pub struct Batch {
    pub strategy: &'static str,
    pub rows: Vec<DataValue>,
    pub owners: Vec<usize>,
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

/// The batches for a set of changes: new and changed values (and stale ones set to zero)
/// with the job's strategy; stale ones to delete with DELETE.
pub fn batches(
    changes: &[Change],
    strategy: &'static str,
    stale: crate::config::Stale,
) -> Vec<Batch> {
    let mut write = Batch {
        strategy,
        rows: Vec::new(),
        owners: Vec::new(),
    };
    let mut delete = Batch {
        strategy: "DELETE",
        rows: Vec::new(),
        owners: Vec::new(),
    };
    for c in changes {
        match (c.class, stale) {
            (Class::New | Class::Changed, _) => {
                write.rows.push(c.row.clone());
                write.owners.push(c.mapping);
            }
            // The row says what the policy does: a value to write, or none to delete.
            (Class::Stale, crate::config::Stale::Zero | crate::config::Stale::Delete) => {
                let batch = if c.row.value.is_some() {
                    &mut write
                } else {
                    &mut delete
                };
                batch.rows.push(c.row.clone());
                batch.owners.push(c.mapping);
            }
            _ => {}
        }
    }
    [write, delete]
        .into_iter()
        .filter(|b| !b.rows.is_empty())
        .collect()
}

/// The rows of a chunk a conflict concerns: its indexes (2.37+), else the rows with a
/// field equal to the conflict's object (2.36).
fn concerned(conflict: &crate::dhis2::import::Conflict, rows: &[DataValue]) -> Vec<usize> {
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
                || r.category_option_combo.as_deref() == Some(object)
                || r.attribute_option_combo.as_deref() == Some(object)
                || r.value.as_deref() == Some(object)
        })
        .map(|(i, _)| i)
        .collect()
}

fn trace(
    cx: &Job<'_>,
    summary: &ImportSummary,
    rows: &[DataValue],
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

/// Import the batches in chunks, one request at a time (parallel imports contend for
/// the same rows on the server). `progress(done, total)` follows the values sent.
pub fn run(
    client: &Client,
    cx: &Job<'_>,
    batches: &[Batch],
    dry_run: bool,
    chunk: usize,
    progress: &dyn Fn(usize, usize),
) -> Result<Outcome, RemoteError> {
    let m = &cx.config.mapping;
    let total: usize = batches.iter().map(|b| b.rows.len()).sum();
    let mut done = 0;
    let mut out = Outcome::default();
    let mut counts = ImportCount::default();
    for batch in batches {
        let opts = ImportOptions {
            data_element_scheme: m.data_element_id_scheme.clone(),
            category_option_combo_scheme: m.category_option_combo_id_scheme.clone(),
            org_unit_scheme: m.org_unit_id_scheme.clone(),
            strategy: batch.strategy,
            dry_run,
        };
        for (rows, owners) in batch
            .rows
            .chunks(chunk.max(1))
            .zip(batch.owners.chunks(chunk.max(1)))
        {
            let summary = import(client, rows, &opts)?;
            out.requests += 1;
            counts.add(summary.import_count);
            let (n, issues) = trace(cx, &summary, rows, owners);
            out.conflicts += n;
            out.issues.extend(issues);
            done += rows.len();
            progress(done, total);
            if summary.aborted() {
                out.aborted = Some(
                    summary
                        .description
                        .clone()
                        .unwrap_or_else(|| "the import was aborted".into()),
                );
                out.import_count = counts.into();
                out.issues = merge(out.issues);
                return Ok(out);
            }
        }
    }
    out.import_count = counts.into();
    out.issues = merge(out.issues);
    Ok(out)
}

/// The data sets a key reports through: those holding the data element with the
/// period's type, assigned to the org unit, whose attribute combo holds the AOC.
pub fn data_sets_for(cx: &Job<'_>, key: &super::verify::Key) -> Vec<usize> {
    let t = cx.target;
    let Some(ptype) = crate::period::PeriodType::of_iso(&key.period) else {
        return Vec::new();
    };
    let aoc_fits = |ds: usize| {
        let combo = t.data_sets[ds]
            .category_combo
            .as_ref()
            .and_then(|r| t.category_combos.id(&r.id));
        match (key.aoc, combo) {
            (None, None) => true,
            (None, Some(c)) => t.is_default_combo(c),
            (Some(a), Some(c)) => t.combo_cocs(c).contains(&a),
            (Some(_), None) => false,
        }
    };
    let mut sets: Vec<usize> = cx
        .graph
        .data_sets_of(key.de)
        .into_iter()
        .filter(|&ds| t.data_sets[ds].period_type.as_deref() == Some(ptype.name()))
        .filter(|&ds| cx.target.is_assigned(ds, key.ou) && aoc_fits(ds))
        .collect();
    sets.sort_by(|a, b| t.data_sets[*a].id.cmp(&t.data_sets[*b].id));
    sets
}

/// The data set a key is shown under in the preview.
pub fn data_set_of(cx: &Job<'_>, key: &super::verify::Key) -> Option<usize> {
    data_sets_for(cx, key).first().copied()
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
    changes: &[Change],
    min_values: u64,
) -> Result<Completion, RemoteError> {
    let t = cx.target;
    let mut counts: BTreeMap<(usize, String, usize, Option<usize>), u64> = BTreeMap::new();
    for c in changes
        .iter()
        .filter(|c| matches!(c.class, Class::New | Class::Changed))
    {
        for ds in data_sets_for(cx, &c.key) {
            *counts
                .entry((ds, c.key.period.clone(), c.key.ou, c.key.aoc))
                .or_default() += 1;
        }
    }
    let regs: Vec<Registration> = counts
        .into_iter()
        .filter(|(_, n)| *n >= min_values)
        .map(|((ds, period, ou, aoc), _)| Registration {
            data_set: t.data_sets[ds].id.clone(),
            period,
            organisation_unit: t.organisation_units[ou].id.clone(),
            attribute_option_combo: aoc.map(|a| t.category_option_combos[a].id().to_string()),
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

    fn row(de: &str, ou: &str) -> DataValue {
        DataValue {
            data_element: de.into(),
            period: "202401".into(),
            org_unit: ou.into(),
            category_option_combo: None,
            attribute_option_combo: None,
            value: Some("1".into()),
            comment: None,
            deleted: None,
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
