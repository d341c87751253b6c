//! The values of a run, from export to import, in bounded memory: exported values are
//! verified as they arrive and spread over on-disk buckets by org unit; each bucket is
//! then checked for duplicate keys and reconciled with the target on its own; the
//! changes go to an on-disk journal that the preview, the import, the completion and
//! the run report read in turn.

use std::io::Write;
use std::path::Path;

use serde_json::json;

use crate::error::Error;
use crate::job::Job;

use super::export::{self, Request as ExportRequest, Source};
use super::issue::IssueLog;
use super::journal::{Buckets, Journal};
use super::log::Log;
use super::lookups::Lookups;
use super::plan::Plan;
use super::preview::{Preview, listed};
use super::reconcile::{Change, Class, Reconciler, Store};
use super::verify::{Exported, Request, Verified, Verifier, duplicates};

/// Values a bucket is planned to hold (the export may hold fewer; beyond 256 buckets,
/// 25.6M planned values, buckets hold more).
const BUCKET_VALUES: usize = 100_000;

pub fn journal_error(e: std::io::Error) -> Error {
    Error::usage(
        format!("cannot write or read the run's journal (temporary files): {e}"),
        Some("check that the temporary directory (TMPDIR) is writable and has space".to_string()),
    )
}

/// How many buckets the planned values need: mappings × periods × reporting org units
/// of each period group, a bucket per `BUCKET_VALUES`.
pub fn bucket_count(cx: &Job<'_>, plan: &Plan) -> usize {
    let planned: usize = plan
        .groups
        .iter()
        .map(|g| {
            let units: usize = g
                .mappings
                .iter()
                .map(|&m| cx.units.targets_of(m).len().max(1))
                .sum();
            units.saturating_mul(g.periods.len())
        })
        .sum();
    // Each bucket keeps a file open: a few hundred stay well within the usual limits.
    planned.div_ceil(BUCKET_VALUES).clamp(1, 256)
}

/// The export requests of the plan: per period group, every chunk of PIs × periods ×
/// org units. Groups without reporting org units are logged and left out.
pub fn export_requests<'a>(cx: &'a Job<'_>, plan: &Plan, log: &mut Log) -> Requests<'a> {
    let pis = &cx.source.program_indicators;
    let mut requests = Requests {
        count: 0,
        iter: Box::new(std::iter::empty()),
    };
    for g in &plan.groups {
        let mappings: Vec<(usize, String)> = g
            .mappings
            .iter()
            .map(|&m| (m, pis[cx.mappings[m].pi].id.clone()))
            .collect();
        let periods: Vec<String> = g.periods.iter().map(|p| p.iso()).collect();
        let org_units: Vec<&str> = if !cx.units.from_config {
            let mut ous: Vec<&str> = cx
                .units
                .sets_of(g.mappings.iter().copied())
                .iter()
                .flat_map(|&s| cx.units.sets[s].source_ids(cx.source))
                .collect();
            ous.sort_unstable();
            ous.dedup();
            ous
        } else {
            cx.config
                .sync
                .org_units
                .iter()
                .map(|o| o.value.as_str())
                .collect()
        };
        if org_units.is_empty() {
            log.event(
                "skipped",
                json!({"periodType": g.period_type.name(), "reason": "no org unit reports"}),
                format!("not exported: {} program indicators of {} periods: no org unit will report (set sync.org_units, or assign the program)", g.mappings.len(), g.period_type),
            );
            continue;
        }
        let (n, group) = export::requests(
            &mappings,
            &periods,
            &org_units,
            cx.attribute.chosen(),
            &cx.config.mapping.org_unit_id_scheme,
            export::Chunking::default(),
        );
        requests.count += n;
        requests.iter = Box::new(requests.iter.chain(group));
    }
    requests
}

/// The export requests of a run, made as they are sent, and how many there are.
pub struct Requests<'a> {
    pub count: usize,
    pub iter: Box<dyn Iterator<Item = ExportRequest> + Send + 'a>,
}

/// Verified values spread over buckets, and what verification found.
pub struct Collected {
    pub buckets: Buckets<Exported>,
    pub verified: Verified,
    /// Journal unchanged values too (a resumed run completes data sets by all of them).
    pub keep_unchanged: bool,
}

impl Collected {
    pub fn new(buckets: usize) -> Result<Self, Error> {
        Ok(Collected {
            buckets: Buckets::new(buckets).map_err(journal_error)?,
            verified: Verified::default(),
            keep_unchanged: false,
        })
    }

    fn push(&mut self, v: &Exported) -> Result<(), Error> {
        self.buckets
            .push(v.key.ou as usize, v)
            .map_err(journal_error)
    }

    pub fn values(&self) -> usize {
        self.buckets.records()
    }

    /// Export and verify every request into the buckets.
    pub fn export(
        &mut self,
        source: &dyn Source,
        cx: &Job<'_>,
        lk: &Lookups,
        requests: Requests<'_>,
        progress: &(dyn Fn() + Sync),
    ) -> Result<(), Error> {
        export::run(
            source,
            cx,
            lk,
            requests.iter,
            progress,
            &mut |values, verified| {
                self.verified.add(verified);
                for v in &values {
                    self.push(v)?;
                }
                Ok(())
            },
        )
    }

    /// Verify a `dataValues` file (written by `--out`) into the buckets, as if every
    /// mapping of the plan had asked for it; the file is read as it comes.
    pub fn file(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        input: impl std::io::Read,
    ) -> Result<Result<usize, serde_json::Error>, Error> {
        // The PIs left out for a defect first: a planned one sending the same target
        // wins. Their values are counted, never sent.
        let all: Vec<usize> = plan
            .skipped
            .iter()
            .filter(|s| s.is_defect())
            .map(|s| s.mapping)
            .chain(plan.groups.iter().flat_map(|g| g.mappings.iter().copied()))
            .collect();
        let request = Request::new(cx, lk, &all);
        let mut verifier = Verifier::new(cx, lk);
        let mut failed: Option<Error> = None;
        let rows = crate::dhis2::rows::for_each_row_in(input, |row| {
            verifier.check(&request, &row, &mut |v| {
                if failed.is_none()
                    && let Err(e) = self.push(&v)
                {
                    failed = Some(e);
                }
            })
        });
        self.verified.add(verifier.out);
        match failed {
            Some(e) => Err(e),
            None => Ok(rows),
        }
    }

    /// The one check that needs all values of a key at once: a key with two values.
    pub fn check_duplicates(&mut self, cx: &Job<'_>, lk: &Lookups) -> Result<(), Error> {
        let mut issues = IssueLog::default();
        for journal in &mut self.buckets.journals {
            let mut values = journal.read_all().map_err(journal_error)?;
            duplicates(cx, lk, &mut values, &mut issues);
        }
        self.verified.issues.extend(issues);
        Ok(())
    }

    /// Reconcile bucket by bucket with the target (or, without one, take every value as
    /// new), journal the changes and build the preview as they go. Each bucket is first
    /// checked for keys with two values (it is sorted for both anyway): those are
    /// problems of the export, and end the reconciliation (`Ok(Err(..))`) after the
    /// remaining buckets are checked too, so that every such problem is listed.
    pub fn reconcile(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        store: Option<&dyn Store>,
        target: Option<crate::dhis2::Version>,
    ) -> Result<Result<Changes, IssueLog>, Error> {
        let stale = cx.config.sync.stale;
        let reconciler = Reconciler::new(cx, lk, plan, stale, self.buckets.len(), target);
        let mut out = Changes::new(self.keep_unchanged)?;
        let mut problems = IssueLog::default();
        for (b, journal) in self.buckets.journals.iter_mut().enumerate() {
            let mut values = journal.read_all().map_err(journal_error)?;
            duplicates(cx, lk, &mut values, &mut problems);
            if !problems.is_empty() {
                continue;
            }
            let mut emit = |c: &Change| out.push(cx, lk, c);
            match store {
                Some(store) => reconciler.bucket(store, b, &values, &mut emit)?,
                None => {
                    for e in values {
                        emit(&Change {
                            key: e.key,
                            mapping: e.mapping,
                            class: Class::New,
                            old: None,
                            new: Some(e.value),
                        })?;
                    }
                }
            }
        }
        Ok(if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        })
    }

    /// Write the verified values as a dataValueSet file (for the Import/Export app, or a
    /// later `--from`), bucket by bucket.
    pub fn write_file(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        path: &Path,
        provenance: &super::file::Provenance,
    ) -> Result<usize, Error> {
        let failed = |error| Error::Write {
            path: path.to_path_buf(),
            error,
        };
        let file = std::fs::File::create(path).map_err(failed)?;
        let mut out = std::io::BufWriter::new(file);
        let mut n = 0;
        out.write_all(b"{\n  \"t2a\": ").map_err(failed)?;
        serde_json::to_writer(&mut out, provenance).map_err(|e| failed(e.into()))?;
        out.write_all(b",\n  \"dataValues\": [").map_err(failed)?;
        for journal in &mut self.buckets.journals {
            let mut values = journal.read_all().map_err(journal_error)?;
            values.sort_unstable_by_key(|v| v.key);
            for v in &values {
                let row = super::reconcile::row(cx, lk, &v.key, v.mapping as usize, Some(&v.value));
                out.write_all(if n == 0 { b"\n    " } else { b",\n    " })
                    .map_err(failed)?;
                serde_json::to_writer(&mut out, &row).map_err(|e| failed(e.into()))?;
                n += 1;
            }
        }
        out.write_all(b"\n  ]\n}\n").map_err(failed)?;
        out.flush().map_err(failed)?;
        Ok(n)
    }
}

/// The changes of a run: on disk, with their preview and what the import will send.
pub struct Changes {
    /// The changes that write (a value, or a deletion): what the import sends.
    pub journal: Journal<Change>,
    /// The run report's list of values that are not unchanged, rendered.
    pub report: Journal<String>,
    pub preview: Preview,
    /// Values the import writes with the job's strategy, and deletes.
    pub writes: usize,
    pub deletes: usize,
    keep_unchanged: bool,
}

impl Changes {
    fn new(keep_unchanged: bool) -> Result<Self, Error> {
        Ok(Changes {
            journal: Journal::new().map_err(journal_error)?,
            report: Journal::new().map_err(journal_error)?,
            preview: Preview::default(),
            writes: 0,
            deletes: 0,
            keep_unchanged,
        })
    }

    fn push(&mut self, cx: &Job<'_>, lk: &Lookups, c: &Change) -> Result<(), Error> {
        self.preview.add(cx, lk, c);
        if c.class != Class::Unchanged {
            let listed = listed(cx, lk, c);
            self.report
                .push_bytes(|out| {
                    // Writing into a Vec fails only on a serializer bug: list what was written.
                    let _ = serde_json::to_writer(out, &listed);
                })
                .map_err(journal_error)?;
        }
        match super::import::write_of(c, cx.config.sync.stale) {
            Some(super::import::Write::Value) => self.writes += 1,
            Some(super::import::Write::Delete) => self.deletes += 1,
            None if self.keep_unchanged && c.class == Class::Unchanged => {}
            None => return Ok(()),
        }
        self.journal.push(c).map_err(journal_error)
    }
}
