//! `t2a sync`: the gated, verifiable transfer from tracker to aggregate.
//!
//! 1. check both sides: any error-level finding stops the run, nothing is written;
//! 2. analytics freshness: run the source's analytics tables, or judge their age;
//! 3. plan the periods of each data element's period type;
//! 4. export program indicator values in bounded requests (or read `--from`);
//! 5. verify every value (leaks, duplicates, value types, org units, periods);
//! 6. reconcile with the target: new, changed, unchanged, stale; preview;
//! 7. a server-side dry run, then the import of what changes (or `--out` a file);
//! 8. complete data sets; 9. log, run report, message.

pub mod export;
pub mod file;
pub mod freshness;
mod gate;
pub mod import;
pub mod issue;
pub mod journal;
mod lifecycle;
pub mod lock;
pub mod log;
pub mod lookups;
pub mod notify;
mod outcome;
pub mod plan;
pub mod preview;
mod read;
pub mod reconcile;
pub mod report;
pub mod runs;
pub mod skip;
pub mod transfer;
pub mod values;
pub mod verify;
mod write;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;
use serde_json::{Value, json};

use crate::check::{Pair, check_with_context, load_pair};
use crate::config::{Config, OnError, Stale, StaleAnalytics};
use crate::error::Error;
use crate::job::Job;
use crate::report::{self as check_report, Format, HumanOptions};
use crate::rule_id::RuleId;

use issue::SyncIssue;
use log::{Log, LogFormat};
use lookups::Lookups;
use plan::Plan;
use report::{
    AnalyticsStep, CheckStep, CheckSummary, ExportStep, ImportStep, LeftOutValues, NotTransferred,
    NotTransferredPi, OutStep, PlanGroup, PlanStep, ReconcileStep, RuleRef, RunReport, SkippedPi,
    Start, VerifyStep,
};
use transfer::{Changes, Collected};

pub use outcome::Outcome;
use outcome::outcome_text;

/// What the command line asks of a run.
#[derive(Debug, Clone)]
pub struct Options {
    pub dry_run: bool,
    pub yes: bool,
    pub out: Option<PathBuf>,
    pub from: Option<PathBuf>,
    /// Plan as of this day instead of today.
    pub as_of: Option<Date>,
    pub format: LogFormat,
    /// A terminal to ask for confirmation on (and to draw progress on).
    pub interactive: bool,
    /// `--report`: replaces `sync.report`.
    pub report: Option<PathBuf>,
    pub job: String,
    pub human: HumanOptions,
    /// `-q`: print only the outcome line.
    pub quiet: bool,
    /// `--resume [JOURNAL]`: continue an interrupted run (the newest of the job when
    /// no journal is given).
    pub resume: Option<Option<PathBuf>>,
}

/// Run a sync; the exit code, or an error for usage and remote failures.
pub fn sync(config: &Config, opts: &Options) -> Result<u8, Error> {
    let mut run = Run {
        config,
        opts,
        log: Log::new(opts.format).outcome_only(opts.quiet),
        report: RunReport::new(&opts.job),
        changes: None,
        excluded: Vec::new(),
        as_of: None,
        from: opts.from.clone(),
        files: None,
        _lock: None,
        resumed: None,
    };
    run.record(Start {
        job: opts.job.clone(),
        dry_run: opts.dry_run,
        out: opts.out.clone(),
        from: opts.from.clone(),
    });
    if let Err(e) = run.begin() {
        run.finish(None, Outcome::Failed, Some(&e));
        return Err(e);
    }
    let pair = match load_pair(config) {
        Ok(p) => p,
        Err(e) => {
            run.finish(None, Outcome::Failed, Some(&e));
            return Err(e);
        }
    };
    run.report.source = Some(pair.report_sides.0.clone());
    run.report.target = Some(pair.report_sides.1.clone());
    let result = run.steps(&pair);
    let (outcome, error) = match &result {
        Ok(outcome) => (*outcome, None),
        Err(e) => (Outcome::Failed, Some(e)),
    };
    run.finish(Some(&pair), outcome, error);
    result.map(|o| run.exit_code(o))
}

/// One run: the job, the log and the report it feeds.
struct Run<'a> {
    config: &'a Config,
    opts: &'a Options,
    log: Log,
    report: RunReport,
    /// The run's changes, once reconciled (the report lists them).
    changes: Option<Changes>,
    /// Per mapping: the rule of the error that leaves it out (`on_error = "skip"`).
    excluded: Vec<Option<&'static RuleId>>,
    /// The day the run is planned for, once planned.
    as_of: Option<Date>,
    /// The values file imported instead of an export: `--from`, or the one a resumed
    /// run kept.
    from: Option<PathBuf>,
    /// The run's report, journal and kept values (none when reports are off).
    files: Option<runs::RunFiles>,
    /// Held for the whole run.
    _lock: Option<lock::JobLock>,
    /// The files of the run this one resumes.
    resumed: Option<runs::RunFiles>,
}

impl Run<'_> {
    /// A run that moved less than everything (for a defect) exits 1, so CI notices.
    fn exit_code(&self, outcome: Outcome) -> u8 {
        match outcome.exit_code() {
            0 if !self.report.not_transferred.is_empty() => 1,
            code => code,
        }
    }

    fn record<S: report::Step>(&mut self, step: S) {
        self.report.record(&mut self.log, step);
    }

    /// The steps, in order; each ends the run where it must.
    fn steps(&mut self, pair: &Pair) -> Result<Outcome, Error> {
        let config = self.config;
        let (mut cx, check) = check_with_context(config, pair)?;
        if let Some(outcome) = self.check(&cx, &check) {
            return Ok(outcome);
        }
        let (source, target) = self.remotes(pair)?;
        let from = self.from.clone();
        if let (Some(src), None) = (source, &from)
            && let Some(outcome) = self.analytics(src, pair)?
        {
            return Ok(outcome);
        }
        let provenance = match &from {
            Some(path) => self.provenance(&cx, path)?,
            None => None,
        };
        let plan = self.plan(&cx, provenance.as_ref())?;
        let lk = Lookups::new(&cx, &plan);
        let mut collected = Collected::new(transfer::bucket_count(&cx, &plan))?;
        collected.keep_unchanged = self.resumed.is_some() && config.sync.complete_data_sets;
        match (&from, &pair.records) {
            (Some(path), _) => self.read_file(&cx, &lk, &plan, path, &mut collected)?,
            (None, Some(side)) => {
                self.records(&cx, &lk, &plan, side, &mut collected)?;
                cx.record_data = side.data.get();
                if let Some(outcome) = self.data_gate(&cx, &check, side) {
                    return Ok(outcome);
                }
            }
            (None, None) => self.export(&cx, &lk, &plan, source, &mut collected)?,
        }
        let store = target.map(|t| &t.client as &dyn reconcile::Store);
        let Some(changes) =
            self.verify_and_reconcile(&cx, &lk, &plan, store, pair, &mut collected)?
        else {
            return Ok(Outcome::VerifyFailed);
        };
        self.preview(&cx, &changes);
        let to_write = changes.writes + changes.deletes;
        self.changes = Some(changes);
        if let Some(path) = &self.opts.out {
            let record = plan.record(&cx, self.as_of.unwrap_or_else(today));
            let provenance = file::Provenance::new(&cx, &self.opts.job, record);
            let values = collected.write_file(&cx, &lk, path, &provenance)?;
            self.record(OutStep {
                path: path.clone(),
                values,
            });
            return Ok(Outcome::Written);
        }
        let Some(tgt) = target else {
            return Ok(Outcome::Written);
        };
        if to_write == 0 {
            // A resumed run whose values all landed before still owes their completion.
            if self.resumed.is_some() && !self.opts.dry_run {
                self.complete(tgt, &cx, &lk)?;
            }
            return Ok(Outcome::NothingToChange);
        }
        if let Some(outcome) = self.confirm(to_write, pair)? {
            return Ok(outcome);
        }
        if !self.opts.dry_run {
            self.keep_values(&cx, &lk, &plan, &mut collected)?;
        }
        drop(collected);
        if let Some(outcome) = self.import(tgt, &cx, &lk, to_write)? {
            return Ok(outcome);
        }
        self.complete(tgt, &cx, &lk)?;
        Ok(Outcome::Synced)
    }

    /// The journal of the run's changes (there once reconciled).
    fn journal(&mut self) -> Result<&mut journal::Journal<reconcile::Change>, Error> {
        self.changes
            .as_mut()
            .map(|c| &mut c.journal)
            .ok_or_else(|| Error::usage("the run has no reconciled changes to import", None))
    }
}

fn today() -> Date {
    jiff::ZonedDateTime::now().date()
}

/// A progress bar on a terminal, nothing elsewhere.
fn bar(opts: &Options, len: usize, what: &str) -> ProgressBar {
    if !opts.interactive || opts.format != LogFormat::Human || len < 2 {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_string());
    pb
}

/// Whether this process can ask a person.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}
