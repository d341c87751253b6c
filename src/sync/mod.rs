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
pub mod import;
pub mod issue;
pub mod journal;
pub mod lock;
pub mod log;
pub mod lookups;
pub mod notify;
pub mod plan;
pub mod preview;
pub mod reconcile;
pub mod report;
pub mod runs;
pub mod skip;
pub mod transfer;
pub mod values;
pub mod verify;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::{Value, json};

use crate::check::{Pair, check_with_context, load_pair};
use crate::config::{Config, OnError, Stale, StaleAnalytics};
use crate::diagnostic::Severity;
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

/// How a run ended. Names are stable (JSON log and run report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Values were imported.
    Synced,
    /// The target already holds every value.
    NothingToChange,
    /// `--dry-run`: the server-side dry run passed; nothing written.
    DryRun,
    /// `--out`: the verified values were written to a file.
    Written,
    CheckFailed,
    AnalyticsStale,
    AnalyticsFailed,
    VerifyFailed,
    Conflicts,
    /// The user answered no at the confirmation.
    Declined,
    /// Ctrl-C or SIGTERM: stopped between requests (`--resume` continues).
    Interrupted,
    /// A remote or input failure.
    Failed,
}

impl Outcome {
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            Outcome::Synced | Outcome::NothingToChange | Outcome::DryRun | Outcome::Written
        )
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Synced | Outcome::NothingToChange | Outcome::DryRun | Outcome::Written => 0,
            Outcome::Failed => 3,
            Outcome::Interrupted => crate::interrupt::EXIT_INTERRUPTED,
            _ => 1,
        }
    }
}

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

    /// Before anything is read: the job's lock, the run to resume, the run's files
    /// (the journal from here on).
    fn begin(&mut self) -> Result<(), Error> {
        let (config, opts) = (self.config, self.opts);
        let dir = state_dir(config);
        let lock = lock::JobLock::acquire(&dir, &opts.job)?;
        if let Some(w) = lock.stale_warning() {
            self.log
                .event("stale-lock", json!({"holder": lock.stale}), w);
        }
        self._lock = Some(lock);
        if let Some(given) = &opts.resume {
            let resumed = runs::to_resume(&dir, &opts.job, given.as_deref())?;
            self.log.event(
                "resume",
                json!({"journal": resumed.files.journal, "started": resumed.started, "outcome": resumed.outcome, "sent": resumed.sent}),
                format!(
                    "resuming the run of {} ({}; {} values sent then): importing its verified values, as planned then",
                    resumed.started.as_deref().unwrap_or("an unknown time"),
                    resumed.outcome.as_deref().unwrap_or("it never ended"),
                    resumed.sent
                ),
            );
            self.from = Some(resumed.files.values.clone());
            self.resumed = Some(resumed.files);
        }
        let time = jiff::ZonedDateTime::now()
            .strftime("%Y%m%dT%H%M%S")
            .to_string();
        let Some(at) = report_at(config, opts, &time) else {
            return Ok(());
        };
        let files = runs::RunFiles::reserve(&dir, &opts.job, &time, &at).map_err(|e| {
            Error::usage(
                format!(
                    "cannot create the run's journal in `{}`: {e}",
                    dir.display()
                ),
                Some("check that the reports folder is writable (sync.report)".to_string()),
            )
        })?;
        let journal = std::fs::OpenOptions::new()
            .append(true)
            .open(&files.journal)
            .map_err(|e| Error::Write {
                path: files.journal.clone(),
                error: e,
            })?;
        self.log.journal_to(journal);
        self.files = Some(files);
        Ok(())
    }

    /// The steps, in order; each ends the run where it must.
    fn steps(&mut self, pair: &Pair) -> Result<Outcome, Error> {
        let config = self.config;
        let (cx, check) = check_with_context(config, pair)?;
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
        match &from {
            Some(path) => self.read_file(&cx, &lk, &plan, path, &mut collected)?,
            None => self.export(&cx, &lk, &plan, source, &mut collected)?,
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

    /// Step 8: complete the data sets the values went into (`complete_data_sets`).
    fn complete(
        &mut self,
        tgt: &crate::input::Remote,
        cx: &Job<'_>,
        lk: &Lookups,
    ) -> Result<(), Error> {
        let sync = &self.config.sync;
        if !sync.complete_data_sets {
            return Ok(());
        }
        let min = sync.complete_min_values;
        let journal = self.journal()?;
        let c = import::complete_data_sets(&tgt.client, cx, lk, journal, min)?;
        self.record(c);
        Ok(())
    }

    /// Before the first write: the verified values, as `--out` writes them, beside the
    /// journal, for `--resume` (removed when the run ends well).
    fn keep_values(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        collected: &mut Collected,
    ) -> Result<(), Error> {
        let Some(files) = &self.files else {
            return Ok(());
        };
        let record = plan.record(cx, self.as_of.unwrap_or_else(today));
        let provenance = file::Provenance::new(cx, &self.opts.job, record);
        let path = files.values.clone();
        let values = collected.write_file(cx, lk, &path, &provenance)?;
        self.log
            .event("values-kept", json!({"path": path, "values": values}), "");
        // A resumed run's kept values replace those of the run it resumes: one run of
        // the chain is resumable at a time.
        if let Some(r) = &self.resumed {
            let _ = std::fs::remove_file(&r.values);
        }
        Ok(())
    }

    /// The journal of the run's changes (there once reconciled).
    fn journal(&mut self) -> Result<&mut journal::Journal<reconcile::Change>, Error> {
        self.changes
            .as_mut()
            .map(|c| &mut c.journal)
            .ok_or_else(|| Error::usage("the run has no reconciled changes to import", None))
    }

    /// Step 1: the check gates everything; `Some` ends the run. With
    /// `on_error = "skip"`, the program indicators its errors name are left out instead,
    /// unless an error concerns the whole job.
    fn check(&mut self, cx: &Job<'_>, check: &crate::report::Report) -> Option<Outcome> {
        let counts = check.counts();
        let diagnostics = serde_json::from_str::<Value>(&check_report::render(
            check,
            Format::Json,
            &self.opts.human,
        ))
        .ok()
        .and_then(|v| v.get("diagnostics").cloned())
        .unwrap_or(Value::Null);
        self.record(CheckStep {
            summary: CheckSummary {
                errors: counts.errors,
                warnings: counts.warnings,
                notes: counts.notes,
                mappings: check.mappings,
            },
            diagnostics,
        });
        if counts.errors == 0 {
            return None;
        }
        self.print_errors(check);
        let ex = skip::exclusions(cx, &check.findings);
        if self.config.sync.on_error == OnError::Refuse {
            self.log.event(
                "refused",
                json!({"errors": counts.errors, "skippable": ex.blocking.is_empty()}),
                if ex.blocking.is_empty() {
                    "nothing written: the check found errors; fix them, or leave out the program indicators they name with --skip-invalid (sync.on_error = \"skip\")"
                } else {
                    "nothing written: the check found errors"
                },
            );
            return Some(Outcome::CheckFailed);
        }
        if !ex.blocking.is_empty() {
            let rules: Vec<&str> = ex.blocking.iter().map(|f| f.rule.name).collect();
            self.log.event(
                "refused",
                json!({"errors": counts.errors, "skippable": false, "blocking": rules}),
                format!(
                    "nothing written: errors of {} concern the whole job, and skipping program indicators cannot get past them",
                    unique(&rules).join(", ")
                ),
            );
            return Some(Outcome::CheckFailed);
        }
        self.log.event(
            "skip-invalid",
            json!({"programIndicators": ex.excluded(), "orgUnitErrors": ex.org_units}),
            format!(
                "skipping what the errors name: {} program indicators left out{}; the rest is transferred",
                ex.excluded(),
                if ex.org_units > 0 {
                    ", values at the org units named are left out"
                } else {
                    ""
                }
            ),
        );
        self.excluded = ex.by_mapping;
        None
    }

    /// The check's errors, once, grouped by rule (warnings stay in the run report).
    fn print_errors(&mut self, check: &crate::report::Report) {
        let errors: Vec<crate::diagnostic::Finding> = check
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .cloned()
            .collect();
        match self.opts.format {
            LogFormat::Human => {
                let errors_only = crate::report::Report::new(
                    check.source.clone(),
                    check.target.clone(),
                    check.mappings,
                    errors,
                    check.off.clone(),
                );
                self.log.print_human(&crate::report::human::findings(
                    &errors_only,
                    &self.opts.human,
                ));
            }
            LogFormat::Json => {
                let diags: Vec<Value> = errors
                    .iter()
                    .map(|f| json!({"code": f.rule.code, "rule": f.rule.name, "message": f.message, "help": f.help, "objects": f.objects}))
                    .collect();
                self.log
                    .event("check-errors", json!({"diagnostics": diags}), "");
            }
        }
    }

    /// The instances the run exports from and imports into, as far as it needs them.
    fn remotes<'p>(
        &self,
        pair: &'p Pair,
    ) -> Result<
        (
            Option<&'p crate::input::Remote>,
            Option<&'p crate::input::Remote>,
        ),
        Error,
    > {
        let source = pair.source_remote.as_ref();
        let target = pair.target_remote();
        if self.from.is_none() && source.is_none() {
            return Err(Error::usage(
                "the sync exports from a DHIS2 instance, but the source is a file",
                Some("give the source as a URL (`[source] url = ...` or --source), or import a verified file with --from".to_string()),
            ));
        }
        if self.opts.out.is_none() && target.is_none() {
            return Err(Error::usage(
                "the sync imports into a DHIS2 instance, but the target is a file",
                Some(
                    "give the target as a URL, or write the verified values to a file with --out"
                        .to_string(),
                ),
            ));
        }
        Ok((source, target))
    }

    /// Step 2: run analytics, or judge the age of the last run. `Some` ends the run.
    fn analytics(
        &mut self,
        src: &crate::input::Remote,
        pair: &Pair,
    ) -> Result<Option<Outcome>, Error> {
        let (s, opts) = (&self.config.sync, self.opts);
        // A dry run starts nothing on the servers: it judges the last analytics run instead.
        if s.run_analytics && opts.dry_run {
            self.log.event(
                "analytics-skipped",
                json!({"reason": "dry run"}),
                "dry run: analytics not started; judging the last run instead",
            );
        }
        if s.run_analytics && !opts.dry_run {
            self.log.event(
                "analytics-start",
                json!({}),
                "running analytics tables on the source",
            );
            let pb = if opts.interactive && opts.format == LogFormat::Human {
                ProgressBar::new_spinner()
            } else {
                ProgressBar::hidden()
            };
            let run = freshness::run(&src.client, s, &|m| {
                pb.set_message(format!("analytics: {m}"));
                pb.tick();
            })?;
            pb.finish_and_clear();
            let (outcome, message, ok) = match &run {
                freshness::Run::Done(m) => (None, format!("analytics done: {m}"), true),
                freshness::Run::Failed(m) => (
                    Some(Outcome::AnalyticsFailed),
                    format!("analytics failed: {m}"),
                    false,
                ),
                freshness::Run::TimedOut => (
                    Some(Outcome::AnalyticsFailed),
                    format!(
                        "analytics did not finish within {}",
                        freshness::human(s.analytics_timeout)
                    ),
                    false,
                ),
            };
            self.record(AnalyticsStep::Ran {
                ran: true,
                ok,
                message,
            });
            return Ok(outcome);
        }
        let system = pair.source.system.clone().unwrap_or_default();
        let age = system.analytics_age();
        let too_old = age.is_none_or(|a| a > s.analytics_max_age);
        let age_text = age.map_or("never (or unknown)".to_string(), freshness::human);
        self.record(AnalyticsStep::Judged {
            ran: false,
            last_analytics_table_success: system.last_analytics_table_success.clone(),
            age_seconds: age.map(|a| a.as_secs()),
            too_old,
            line: format!("analytics tables last ran {age_text} ago"),
        });
        // The rule's level decides: `[rules] stale-analytics = "off"` judges nothing.
        let off = crate::rule_id::STALE_ANALYTICS.level(&self.config.rules)
            == crate::diagnostic::Level::Off;
        if !too_old || off {
            return Ok(None);
        }
        let line = format!(
            "the source's analytics tables last ran {age_text} ago, longer than sync.analytics_max_age ({}); values may be out of date",
            freshness::human(s.analytics_max_age)
        );
        self.log.event(
            "stale-analytics",
            json!({"code": "T2A025", "rule": "stale-analytics", "ageSeconds": age.map(|a| a.as_secs()), "refused": s.analytics_stale == StaleAnalytics::Refuse}),
            format!("warning[T2A025 stale-analytics]: {line}"),
        );
        Ok((s.analytics_stale == StaleAnalytics::Refuse).then_some(Outcome::AnalyticsStale))
    }

    /// What a `--from` file records of how it was made; its id schemes must be the
    /// job's.
    fn provenance(
        &mut self,
        cx: &Job<'_>,
        path: &std::path::Path,
    ) -> Result<Option<file::Provenance>, Error> {
        let f = std::fs::File::open(path)
            .map_err(|e| Error::usage(format!("cannot read `{}`: {e}", path.display()), None))?;
        let provenance = file::provenance(std::io::BufReader::new(f))
            .map_err(|e| not_a_data_value_set(path, &e))?;
        let Some(p) = provenance else {
            self.log.event(
                "from-unplanned",
                json!({"path": path}),
                format!(
                    "{} records no plan (not written by `t2a sync --out`): verifying against a fresh plan",
                    path.display()
                ),
            );
            return Ok(None);
        };
        if let Some(diff) = p.schemes.differences(&file::Schemes::of(cx)) {
            return Err(Error::usage(
                format!(
                    "`{}` was written with other id schemes than the job has now ({diff})",
                    path.display()
                ),
                Some(
                    "set the job's [mapping] id schemes back, or write the file again with --out"
                        .to_string(),
                ),
            ));
        }
        Ok(Some(p))
    }

    /// Step 3: the periods each mapping transfers: planned now, or as a `--from` file
    /// records.
    fn plan(&mut self, cx: &Job<'_>, provenance: Option<&file::Provenance>) -> Result<Plan, Error> {
        let config = self.config;
        let plan = match provenance {
            Some(p) => {
                let as_of = p.plan.as_of.parse::<Date>().map_err(|e| {
                    Error::usage(
                        format!("the file's plan has an invalid day `{}`: {e}", p.plan.as_of),
                        None,
                    )
                })?;
                if self.opts.as_of.is_some_and(|d| d != as_of) {
                    self.log.event(
                        "as-of-ignored",
                        json!({"asOf": as_of.to_string()}),
                        format!("--as-of ignored: the file was planned as of {as_of}, and is verified against that plan"),
                    );
                }
                self.as_of = Some(as_of);
                Plan::from_record(cx, &p.plan, &self.excluded).map_err(|e| {
                    Error::usage(
                        format!("the file's plan does not fit the job any more: {e}"),
                        Some("write the file again with `t2a sync --out`".to_string()),
                    )
                })?
            }
            None => {
                let as_of = self.opts.as_of.unwrap_or_else(today);
                self.as_of = Some(as_of);
                // Validated when the config was read (`--period` is folded into it).
                let specs: Vec<String> = config
                    .sync
                    .periods
                    .iter()
                    .map(|p| p.value.clone())
                    .collect();
                plan::plan(
                    cx,
                    &plan::Request {
                        periods: &specs,
                        period_type: config.sync.period_type.as_ref().map(|p| p.value),
                        lookback: config.sync.lookback.unwrap_or(1),
                        include_current: config.sync.include_current,
                        as_of,
                        excluded: &self.excluded,
                    },
                )
            }
        };
        let as_of = self.as_of.unwrap_or_else(today);
        let skipped: Vec<SkippedPi> = plan
            .skipped
            .iter()
            .map(|s| SkippedPi {
                program_indicator: cx.pi_ref(&cx.mappings[s.mapping]),
                reason: s.reason.clone(),
                rule: s.rule.map(RuleRef::from),
            })
            .collect();
        for s in &skipped {
            if let Some(rule) = s.rule {
                self.report.not_transferred.push(NotTransferredPi {
                    program_indicator: s.program_indicator.clone(),
                    rule,
                    reason: s.reason.clone(),
                });
            }
        }
        self.record(PlanStep {
            as_of: as_of.to_string(),
            groups: plan
                .groups
                .iter()
                .map(|g| PlanGroup {
                    period_type: g.period_type.name(),
                    periods: g.periods.iter().map(|p| p.iso()).collect(),
                    program_indicators: g.mappings.len(),
                })
                .collect(),
            skipped: skipped.clone(),
        });
        for (s, skipped) in plan.skipped.iter().zip(skipped) {
            self.record(NotTransferred {
                skipped,
                label: cx.pi_label(&cx.mappings[s.mapping]),
            });
        }
        Ok(plan)
    }

    /// Step 4: export every request, verified into buckets as it comes.
    fn export(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        source: Option<&crate::input::Remote>,
        collected: &mut Collected,
    ) -> Result<(), Error> {
        let Some(src) = source else {
            return Ok(());
        };
        let requests = transfer::export_requests(cx, plan, &mut self.log);
        let n = requests.count;
        let pb = bar(self.opts, n, "export");
        let remote = export::Remote {
            client: &src.client,
            version: src.version,
        };
        collected.export(&remote, cx, lk, requests, &|| pb.inc(1))?;
        pb.finish_and_clear();
        self.record(ExportStep {
            requests: Some(n),
            path: None,
            rows: collected.verified.rows,
        });
        Ok(())
    }

    /// Step 4, `--from`: read a file written by `--out`, verified as an export is.
    fn read_file(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        path: &std::path::Path,
        collected: &mut Collected,
    ) -> Result<(), Error> {
        let file = std::fs::File::open(path)
            .map_err(|e| Error::usage(format!("cannot read `{}`: {e}", path.display()), None))?;
        let rows = collected
            .file(cx, lk, plan, std::io::BufReader::new(file))?
            .map_err(|e| not_a_data_value_set(path, &e))?;
        self.record(ExportStep {
            requests: None,
            path: Some(path.to_path_buf()),
            rows,
        });
        Ok(())
    }

    /// Steps 5–6: verification, then reconciliation bucket by bucket (keys with two
    /// values are found per bucket: before reconciling each, or all of them when the
    /// export already has problems to list). `None`: verification failed.
    fn verify_and_reconcile(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        store: Option<&dyn reconcile::Store>,
        pair: &Pair,
        collected: &mut Collected,
    ) -> Result<Option<Changes>, Error> {
        let values = collected.values();
        let mut verified = std::mem::take(&mut collected.verified);
        let changes = if verified.issues.is_empty() {
            match collected.reconcile(cx, lk, plan, store, pair.target_version())? {
                Ok(changes) => Some(changes),
                Err(duplicates) => {
                    verified.issues.extend(duplicates);
                    None
                }
            }
        } else {
            collected.check_duplicates(cx, lk)?;
            verified
                .issues
                .extend(std::mem::take(&mut collected.verified.issues));
            None
        };
        let issues = verified.issues.into_sorted();
        let left_out = self.left_out(cx, std::mem::take(&mut verified.left_out));
        let failed = !issues.is_empty();
        if failed {
            print_issues(
                &self.log,
                "The export failed verification; nothing was written",
                &issues,
            );
        }
        self.record(VerifyStep {
            values,
            skipped_zeros: verified.skipped_zeros,
            empty: verified.empty,
            issues,
            of_skipped: verified.of_skipped,
            left_out,
        });
        Ok(changes.filter(|_| !failed))
    }

    /// Values left out for their org units: logged per PI, and listed as not
    /// transferred.
    fn left_out(
        &mut self,
        cx: &Job<'_>,
        gaps: std::collections::BTreeMap<(u32, verify::OrgUnitGap), verify::LeftOut>,
    ) -> Vec<LeftOutValues> {
        let mut out = Vec::new();
        for ((m, gap), l) in gaps {
            let mapping = &cx.mappings[m as usize];
            let entry = LeftOutValues {
                program_indicator: cx.pi_ref(mapping),
                rule: gap.rule().into(),
                values: l.values,
                org_units: l.org_units.into_iter().collect(),
                more_org_units: l.more_org_units,
                label: cx.pi_label(mapping),
            };
            self.report.not_transferred.push(NotTransferredPi {
                program_indicator: entry.program_indicator.clone(),
                rule: entry.rule,
                reason: entry.reason(),
            });
            self.record(entry.clone());
            out.push(entry);
        }
        out
    }

    /// The preview: counts per data set and period, and the values that change.
    fn preview(&mut self, cx: &Job<'_>, changes: &Changes) {
        let stale_policy = match self.config.sync.stale {
            Stale::Report => "report",
            Stale::Zero => "zero",
            Stale::Delete => "delete",
        };
        self.record(ReconcileStep {
            totals: changes.preview.tally,
            by_data_set_period: changes.preview.by_data_set_json(cx),
            stale_policy,
        });
        self.log
            .print_human(&changes.preview.human(cx, stale_policy));
    }

    /// Step 7a: ask, unless `--yes` or `--dry-run`. `Some` ends the run.
    fn confirm(&self, to_write: usize, pair: &Pair) -> Result<Option<Outcome>, Error> {
        let opts = self.opts;
        if opts.yes || opts.dry_run {
            return Ok(None);
        }
        if !opts.interactive {
            return Err(Error::usage(
                format!("refusing to write {to_write} values without confirmation: no terminal to ask on"),
                Some("pass --yes to import unattended, or --dry-run to stop after the server-side dry run".to_string()),
            ));
        }
        let asked = confirm(&format!(
            "Import {to_write} values into {}? [y/N] ",
            pair.report_sides.1.location
        ));
        Ok(match asked {
            None => Some(Outcome::Interrupted),
            Some(false) => Some(Outcome::Declined),
            Some(true) => None,
        })
    }

    /// Step 7b: the server-side dry run, then the import. `Some` ends the run.
    fn import(
        &mut self,
        tgt: &crate::input::Remote,
        cx: &Job<'_>,
        lk: &Lookups,
        to_write: usize,
    ) -> Result<Option<Outcome>, Error> {
        let dry = self.send(tgt, cx, lk, to_write, true)?;
        if dry.interrupted {
            return Ok(Some(Outcome::Interrupted));
        }
        if self.failed(&dry) {
            print_issues(
                &self.log,
                "The server-side dry run reported conflicts; nothing was written",
                &with_abort(&dry),
            );
            return Ok(Some(Outcome::Conflicts));
        }
        if self.opts.dry_run {
            return Ok(Some(Outcome::DryRun));
        }
        let done = self.send(tgt, cx, lk, to_write, false)?;
        if done.interrupted {
            return Ok(Some(Outcome::Interrupted));
        }
        if self.failed(&done) {
            print_issues(
                &self.log,
                "The import reported conflicts",
                &with_abort(&done),
            );
            return Ok(Some(Outcome::Conflicts));
        }
        Ok(None)
    }

    fn send(
        &mut self,
        tgt: &crate::input::Remote,
        cx: &Job<'_>,
        lk: &Lookups,
        to_write: usize,
        dry_run: bool,
    ) -> Result<import::Outcome, Error> {
        let what = if dry_run { "server dry run" } else { "import" };
        let pb = bar(self.opts, to_write, what);
        let how = import::How {
            version: tgt.version,
            dry_run,
            chunk: self.config.sync.import_chunk as usize,
        };
        let journal = self
            .changes
            .as_mut()
            .map(|c| &mut c.journal)
            .ok_or_else(|| Error::usage("the run has no reconciled changes to import", None))?;
        let log = &mut self.log;
        let (outcome, failed) = import::run(&tgt.client, cx, lk, journal, how, &mut |chunk| {
            pb.set_position(chunk.done as u64);
            log.journal("chunk", json!(chunk));
        });
        pb.finish_and_clear();
        // Recorded even when it failed halfway: what landed before is in the report.
        self.record(ImportStep {
            dry_run,
            outcome: outcome.clone(),
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(outcome),
        }
    }

    /// What an interrupted run had written, and how to go on.
    /// What a run that stopped short (interrupted, or failed during the import) had
    /// written, and how to go on.
    fn stopped_text(&self, outcome: Outcome) -> String {
        let how = outcome_text(outcome);
        let sent = self.report.import.as_ref().map_or(0, |o| {
            o.values.new + o.values.changed + o.values.zeroed + o.values.deleted
        });
        if sent == 0 {
            return format!("{how}: nothing written");
        }
        let of = self
            .changes
            .as_ref()
            .map_or(String::new(), |c| format!(" of {}", c.writes + c.deletes));
        let resume = if self.files.is_some() {
            "; `t2a sync --resume` imports the rest (a plain run is safe too)"
        } else {
            "; run the sync again to import the rest"
        };
        format!("{how} after writing {sent}{of} values{resume}")
    }

    fn failed(&self, out: &import::Outcome) -> bool {
        out.aborted.is_some() || out.conflicts as u64 > self.config.sync.max_conflicts
    }

    /// Log the end, send the message, write the run report.
    fn finish(&mut self, pair: Option<&Pair>, outcome: Outcome, error: Option<&Error>) {
        let outcome = if error.is_some_and(Error::is_interrupted) {
            Outcome::Interrupted
        } else {
            outcome
        };
        let duration_ms = self.log.elapsed_ms() as u64;
        let error_text = error.map(|e| e.to_string());
        let help = error.and_then(|e| miette::Diagnostic::help(e).map(|h| h.to_string()));
        let exit_code = error.map_or(self.exit_code(outcome), Error::exit_code);
        let not_transferred = self.report.not_transferred.len();
        let retried = |r: Option<&crate::input::Remote>| {
            r.map(|r| r.client.retries()).filter(|l| l.count > 0)
        };
        self.report.retries = report::Retried {
            source: retried(pair.and_then(|p| p.source_remote.as_ref())),
            target: retried(pair.and_then(Pair::target_remote)),
        };
        if let Some(line) = self.report.retries.line() {
            self.log.event("retries", json!(self.report.retries), line);
        }
        if let Some(text) = self.report.not_transferred_summary() {
            self.log.event(
                "not-transferred",
                json!({"programIndicators": not_transferred}),
                text,
            );
        }
        let partial = if not_transferred > 0 && !outcome.is_failure() {
            format!("; {not_transferred} program indicators not (fully) transferred")
        } else {
            String::new()
        };
        let text = match outcome {
            Outcome::Interrupted | Outcome::Failed => self.stopped_text(outcome),
            o => outcome_text(o).to_string(),
        };
        let report_file = self.files.as_ref().map(|f| f.report.clone());
        let report_note = report_file
            .as_ref()
            .map_or(String::new(), |p| format!("; run report {}", p.display()));
        self.log.event(
            "end",
            json!({"outcome": outcome, "exitCode": exit_code, "notTransferred": not_transferred, "durationMs": duration_ms, "error": error_text, "help": help, "report": report_file, "message": text}),
            format!(
                "{text}{partial} in {:.1} s{report_note}",
                duration_ms as f64 / 1000.0
            ),
        );
        let r = &mut self.report;
        r.finished = Some(jiff::Timestamp::now().to_string());
        r.duration_ms = Some(duration_ms);
        r.outcome = Some(outcome);
        r.exit_code = Some(exit_code);
        r.error = error_text;
        r.help = help;
        let config = self.config;
        if notify::wanted(config, outcome) && pair.is_none() {
            self.log.event(
                "notify",
                json!({"sent": false, "error": "the run ended before the instances were read"}),
                "message not sent: the run ended before the instances were read",
            );
        } else if notify::wanted(config, outcome) {
            // The one request made after a stop: the message says the run was stopped.
            crate::interrupt::allow_last_requests();
            let subject = format!("t2a sync {}: {}", self.opts.job, outcome_text(outcome));
            let text = self.report.summary_text();
            let sent = notify::send(
                config,
                pair.and_then(|p| p.source_remote.as_ref()),
                pair.and_then(Pair::target_remote),
                &subject,
                &text,
            );
            let line = match &sent {
                Ok(()) => "message sent".to_string(),
                Err(e) => format!("could not send the message: {e}"),
            };
            self.log.event(
                "notify",
                json!({"sent": sent.is_ok(), "error": sent.err()}),
                line,
            );
        }
        self.report.events = self.log.events().to_vec();
        let Some(files) = self.files.clone() else {
            return;
        };
        // The kept values serve `--resume` only after a run that stopped short.
        if !matches!(outcome, Outcome::Interrupted | Outcome::Failed) {
            let _ = std::fs::remove_file(&files.values);
        }
        // What it resumed is done only when everything landed; else it stays for another
        // `--resume` (unless this run kept the values anew: see `keep_values`).
        if let (Some(r), Outcome::Synced | Outcome::NothingToChange) = (&self.resumed, outcome) {
            let _ = std::fs::remove_file(&r.values);
        }
        let path = files.report;
        let values = self.changes.as_mut().map(|c| &mut c.report);
        let written = std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))
            .and_then(|()| self.report.write(&path, values));
        match written {
            Ok(()) => {}
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "t2a sync: cannot write the run report {}: {e}",
                    path.display()
                );
            }
        }
    }
}

fn not_a_data_value_set(path: &std::path::Path, e: &serde_json::Error) -> Error {
    Error::usage(
        format!("`{}` is not a dataValueSet JSON: {e}", path.display()),
        Some("give a file written by `t2a sync --out` (an object with `dataValues`)".to_string()),
    )
}

fn today() -> Date {
    jiff::ZonedDateTime::now().date()
}

/// Each name once, in first-seen order.
fn unique<'s>(names: &[&'s str]) -> Vec<&'s str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(n) {
            out.push(n);
        }
    }
    out
}

/// The problems of an import, the abort first.
fn with_abort(out: &import::Outcome) -> Vec<SyncIssue> {
    let mut issues = out.issues.clone();
    if let Some(a) = &out.aborted {
        issues.insert(
            0,
            SyncIssue::new(
                issue::IssueKind::ImportConflict,
                format!("the target aborted the import: {a}"),
                "see the target's server log",
            ),
        );
    }
    issues
}

fn outcome_text(o: Outcome) -> &'static str {
    match o {
        Outcome::Synced => "synced",
        Outcome::NothingToChange => "nothing to change",
        Outcome::DryRun => "dry run passed, nothing written",
        Outcome::Written => "verified values written to file",
        Outcome::CheckFailed => "check failed, nothing written",
        Outcome::AnalyticsStale => "analytics too old, nothing written",
        Outcome::AnalyticsFailed => "analytics run failed, nothing written",
        Outcome::VerifyFailed => "export failed verification, nothing written",
        Outcome::Conflicts => "import conflicts",
        Outcome::Declined => "declined, nothing written",
        Outcome::Interrupted => "interrupted",
        Outcome::Failed => "failed",
    }
}

const REPORT_TEMPLATE: &str = "t2a-reports/{job}-{time}.json";

/// The config file's folder, which relative paths of the job start from.
fn config_dir(config: &Config) -> PathBuf {
    config
        .file
        .as_ref()
        .and_then(|f| f.path.parent())
        .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf)
}

/// Where the run report goes: `--report`, else `sync.report` (empty: none), else
/// `t2a-reports/{job}-{time}.json` beside the config file.
fn report_at(config: &Config, opts: &Options, time: &str) -> Option<runs::ReportAt> {
    if let Some(p) = &opts.report {
        return Some(runs::ReportAt::Exact(p.clone()));
    }
    let template = config.sync.report.as_deref().unwrap_or(REPORT_TEMPLATE);
    if template.is_empty() {
        return None;
    }
    let path = PathBuf::from(template.replace("{job}", &opts.job).replace("{time}", time));
    Some(runs::ReportAt::Template(if path.is_relative() {
        config_dir(config).join(path)
    } else {
        path
    }))
}

/// Where a job's lock and its runs' journals live (see `runs::state_dir`).
fn state_dir(config: &Config) -> PathBuf {
    let template = config.sync.report.as_deref().unwrap_or(REPORT_TEMPLATE);
    runs::state_dir(template, &config_dir(config))
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

fn print_issues(log: &Log, title: &str, issues: &[SyncIssue]) {
    let mut text = format!("\n{title}:\n");
    for i in issues {
        let count = if i.values > 1 {
            format!(" ({} values)", i.values)
        } else {
            String::new()
        };
        text.push_str(&format!("  × {}{count}\n    help: {}\n", i.message, i.help));
    }
    log.print_human(&text);
}

/// Ask on the terminal; `None` when a stop (Ctrl-C) came first. The answer is read on
/// a thread of its own, so that the stop need not wait for a line.
fn confirm(question: &str) -> Option<bool> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut answer = String::new();
        let read = std::io::stdin().lock().read_line(&mut answer);
        let _ = tx.send(read.map(|_| answer));
    });
    loop {
        if crate::interrupt::requested() {
            let _ = writeln!(err);
            return None;
        }
        match rx.recv_timeout(std::time::Duration::from_millis(50)) {
            Ok(Ok(answer)) => {
                return Some(matches!(
                    answer.trim().to_ascii_lowercase().as_str(),
                    "y" | "yes"
                ));
            }
            Ok(Err(_)) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Some(false);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
}

/// Whether this process can ask a person.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}
