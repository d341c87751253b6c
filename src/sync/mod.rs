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
pub mod freshness;
pub mod import;
pub mod issue;
pub mod journal;
pub mod log;
pub mod lookups;
pub mod notify;
pub mod plan;
pub mod preview;
pub mod reconcile;
pub mod run_report;
pub mod transfer;
pub mod values;
pub mod verify;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::check::{Pair, check_with_context, load_pair};
use crate::config::{Config, Stale, StaleAnalytics};
use crate::diagnostic::Severity;
use crate::error::Error;
use crate::job::Job;
use crate::report::{self, Format, HumanOptions};

use issue::SyncIssue;
use log::{Log, LogFormat};

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
}

/// Run a sync; the exit code, or an error for usage and remote failures.
pub fn sync(config: &Config, opts: &Options) -> Result<u8, Error> {
    let mut log = Log::new(opts.format);
    let mut rep = Map::new();
    rep.insert(
        "tool".into(),
        json!({"name": "t2a", "version": env!("CARGO_PKG_VERSION")}),
    );
    rep.insert("job".into(), json!(opts.job));
    rep.insert("started".into(), json!(jiff::Timestamp::now().to_string()));
    log.event(
        "start",
        json!({"job": opts.job, "dryRun": opts.dry_run, "out": opts.out, "from": opts.from}),
        format!("job {} started", opts.job),
    );
    let pair = match load_pair(config) {
        Ok(p) => p,
        Err(e) => {
            finish(
                config,
                opts,
                &mut log,
                rep,
                None,
                None,
                Outcome::Failed,
                Some(&e),
            );
            return Err(e);
        }
    };
    rep.insert("source".into(), json!(pair.report_sides.0));
    rep.insert("target".into(), json!(pair.report_sides.1));
    let mut changes = None;
    let result = steps(config, opts, &pair, &mut log, &mut rep, &mut changes);
    let report_values = changes
        .as_mut()
        .map(|c: &mut transfer::Changes| &mut c.report);
    let (outcome, error) = match &result {
        Ok(outcome) => (*outcome, None),
        Err(e) => (Outcome::Failed, Some(e)),
    };
    finish(
        config,
        opts,
        &mut log,
        rep,
        report_values,
        Some(&pair),
        outcome,
        error,
    );
    result.map(Outcome::exit_code)
}

/// Log the end, write the run report (`values`: the changed values of the run), send
/// the message.
#[allow(clippy::too_many_arguments)]
fn finish(
    config: &Config,
    opts: &Options,
    log: &mut Log,
    mut rep: Map<String, Value>,
    values: Option<&mut journal::Journal<String>>,
    pair: Option<&Pair>,
    outcome: Outcome,
    error: Option<&Error>,
) {
    let duration_ms = log.elapsed_ms() as u64;
    let error_text = error.map(|e| e.to_string());
    log.event(
        "end",
        json!({"outcome": outcome, "exitCode": outcome.exit_code(), "durationMs": duration_ms, "error": error_text}),
        format!("{} in {:.1} s", outcome_text(outcome), duration_ms as f64 / 1000.0),
    );
    rep.insert("finished".into(), json!(jiff::Timestamp::now().to_string()));
    rep.insert("durationMs".into(), json!(duration_ms));
    rep.insert("outcome".into(), json!(outcome));
    rep.insert(
        "exitCode".into(),
        json!(error.map_or(outcome.exit_code(), Error::exit_code)),
    );
    rep.insert("error".into(), json!(error_text));

    if notify::wanted(config, outcome) {
        let subject = format!("t2a sync {}: {}", opts.job, outcome_text(outcome));
        let text = message_text(&rep, error_text.as_deref());
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
        log.event(
            "notify",
            json!({"sent": sent.is_ok(), "error": sent.err()}),
            line,
        );
    }
    rep.insert("events".into(), Value::Array(log.events().to_vec()));
    if let Some(path) = report_path(config, opts) {
        let written = std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))
            .and_then(|()| run_report::write(&path, &rep, values));
        match written {
            Ok(()) => {
                if opts.format == LogFormat::Human {
                    let _ = writeln!(
                        std::io::stderr(),
                        "t2a sync: run report written to {}",
                        path.display()
                    );
                }
            }
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
        Outcome::Failed => "failed",
    }
}

fn message_text(rep: &Map<String, Value>, error: Option<&str>) -> String {
    let mut lines = Vec::new();
    if let Some(e) = error {
        lines.push(format!("Error: {e}"));
    }
    for key in ["check", "reconcile", "dryRun", "import", "verify"] {
        if let Some(v) = rep.get(key) {
            let short = match key {
                "reconcile" => v.get("totals").cloned().unwrap_or(Value::Null),
                "verify" => json!(
                    v.get("issues")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len)
                ),
                "check" => v.get("summary").cloned().unwrap_or(Value::Null),
                _ => v.get("importCount").cloned().unwrap_or(Value::Null),
            };
            lines.push(format!("{key}: {short}"));
        }
    }
    lines.join("\n")
}

/// Where the run report goes: `--report`, else `sync.report` (empty: none), else
/// `t2a-reports/{job}-{time}.json` beside the config file.
fn report_path(config: &Config, opts: &Options) -> Option<PathBuf> {
    if let Some(p) = &opts.report {
        return Some(p.clone());
    }
    let template = config
        .sync
        .report
        .as_deref()
        .unwrap_or("t2a-reports/{job}-{time}.json");
    if template.is_empty() {
        return None;
    }
    let time = jiff::ZonedDateTime::now()
        .strftime("%Y%m%dT%H%M%S")
        .to_string();
    let path = PathBuf::from(
        template
            .replace("{job}", &opts.job)
            .replace("{time}", &time),
    );
    // Relative to the config file, like its other paths.
    Some(match config.file.as_ref().and_then(|f| f.path.parent()) {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path,
    })
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

fn steps(
    config: &Config,
    opts: &Options,
    pair: &Pair,
    log: &mut Log,
    rep: &mut Map<String, Value>,
    report_values: &mut Option<transfer::Changes>,
) -> Result<Outcome, Error> {
    // 1. The check gates everything.
    let (cx, check) = check_with_context(config, pair)?;
    let counts = check.counts();
    rep.insert(
        "check".into(),
        json!({"summary": {"errors": counts.errors, "warnings": counts.warnings, "notes": counts.notes, "mappings": check.mappings},
               "diagnostics": serde_json::from_str::<Value>(&report::render(&check, Format::Json, &opts.human)).ok()
                   .and_then(|v| v.get("diagnostics").cloned())}),
    );
    log.event(
        "check",
        json!({"errors": counts.errors, "warnings": counts.warnings, "notes": counts.notes, "mappings": check.mappings}),
        format!(
            "check: {} mappings, {} errors, {} warnings, {} notes",
            check.mappings, counts.errors, counts.warnings, counts.notes
        ),
    );
    if counts.errors > 0 {
        match opts.format {
            LogFormat::Human => {
                log.print_human(&report::render(&check, Format::Human, &opts.human))
            }
            LogFormat::Json => {
                let diags: Vec<Value> = check
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(|f| json!({"code": f.rule.code, "rule": f.rule.name, "message": f.message, "help": f.help, "objects": f.objects}))
                    .collect();
                log.event("check-errors", json!({"diagnostics": diags}), "");
            }
        }
        return Ok(Outcome::CheckFailed);
    }

    let source = pair.source_remote.as_ref();
    let target = pair.target_remote();
    if opts.from.is_none() && source.is_none() {
        return Err(Error::usage(
            "the sync exports from a DHIS2 instance, but the source is a file",
            Some("give the source as a URL (`[source] url = ...` or --source), or import a verified file with --from".to_string()),
        ));
    }
    if opts.out.is_none() && target.is_none() {
        return Err(Error::usage(
            "the sync imports into a DHIS2 instance, but the target is a file",
            Some(
                "give the target as a URL, or write the verified values to a file with --out"
                    .to_string(),
            ),
        ));
    }

    // 2. Analytics freshness.
    if let (Some(src), None) = (source, &opts.from)
        && let Some(outcome) = analytics(config, opts, src, pair, log, rep)?
    {
        return Ok(outcome);
    }

    // 3. Plan.
    let as_of = opts
        .as_of
        .unwrap_or_else(|| jiff::ZonedDateTime::now().date());
    // Validated when the config was read (`--period` is folded into it).
    let specs: Vec<String> = config
        .sync
        .periods
        .iter()
        .map(|p| p.value.clone())
        .collect();
    let plan = plan::plan(
        &cx,
        &plan::Request {
            periods: &specs,
            period_type: config.sync.period_type.as_ref().map(|p| p.value),
            lookback: config.sync.lookback.unwrap_or(1),
            include_current: config.sync.include_current,
            as_of,
        },
    );
    let plan_json: Vec<Value> = plan
        .groups
        .iter()
        .map(|g| json!({"periodType": g.period_type.name(), "periods": g.periods.iter().map(|p| p.iso()).collect::<Vec<_>>(), "programIndicators": g.mappings.len()}))
        .collect();
    let skipped_json: Vec<Value> = plan
        .skipped
        .iter()
        .map(
            |s| json!({"programIndicator": cx.pi_ref(&cx.mappings[s.mapping]), "reason": s.reason}),
        )
        .collect();
    let plan_line = plan
        .groups
        .iter()
        .map(|g| {
            let isos: Vec<String> = g.periods.iter().map(|p| p.iso()).collect();
            format!(
                "{} PIs × {} {}",
                g.mappings.len(),
                g.period_type,
                isos.join(",")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    log.event(
        "plan",
        json!({"asOf": as_of.to_string(), "groups": plan_json, "skipped": skipped_json}),
        format!(
            "plan as of {as_of}: {}",
            if plan_line.is_empty() {
                "nothing to transfer".into()
            } else {
                plan_line
            }
        ),
    );
    for s in &plan.skipped {
        log.event(
            "skipped",
            json!({"programIndicator": cx.pi_ref(&cx.mappings[s.mapping]), "reason": s.reason}),
            format!(
                "not transferred: {}: {}",
                cx.pi_label(&cx.mappings[s.mapping]),
                s.reason
            ),
        );
    }
    rep.insert(
        "plan".into(),
        json!({"asOf": as_of.to_string(), "groups": plan_json, "skipped": skipped_json}),
    );

    // 4–5. Export (or read the file) and verify, into buckets on disk.
    let lk = lookups::Lookups::new(&cx, &plan);
    let mut collected = transfer::Collected::new(transfer::bucket_count(&cx, &plan))?;
    match &opts.from {
        Some(path) => from_file(&cx, &lk, &plan, path, &mut collected, log)?,
        None => export(&cx, &lk, &plan, source, opts, &mut collected, log)?,
    }
    let values = collected.values();
    let mut verified = std::mem::take(&mut collected.verified);
    // Keys with two values are found per bucket: before reconciling each (all of them,
    // when the export already has problems to list).
    let store = target.map(|t| &t.client as &dyn reconcile::Store);
    let changes = if verified.issues.is_empty() {
        match collected.reconcile(&cx, &lk, &plan, store, pair.target_version())? {
            Ok(changes) => Some(changes),
            Err(duplicates) => {
                verified.issues.extend(duplicates);
                None
            }
        }
    } else {
        collected.check_duplicates(&cx, &lk)?;
        verified
            .issues
            .extend(std::mem::take(&mut collected.verified.issues));
        None
    };
    let issues = verified.issues.into_sorted();
    rep.insert(
        "export".into(),
        json!({"values": values, "skippedZeros": verified.skipped_zeros, "empty": verified.empty}),
    );
    rep.insert("verify".into(), json!({ "issues": issues }));
    log.event(
        "verify",
        json!({"values": values, "issues": issues.len(), "skippedZeros": verified.skipped_zeros}),
        format!(
            "verify: {values} values, {} problems{}",
            issues.len(),
            if verified.skipped_zeros > 0 {
                format!(
                    ", {} zeros left out (positive-integer data elements cannot hold 0)",
                    verified.skipped_zeros
                )
            } else {
                String::new()
            }
        ),
    );
    let Some(changes) = changes.filter(|_| issues.is_empty()) else {
        print_issues(
            log,
            "The export failed verification; nothing was written",
            &issues,
        );
        return Ok(Outcome::VerifyFailed);
    };

    // 6. Preview (--out with a file target: every verified value is new).
    let tally = changes.preview.tally;
    let stale_policy = match config.sync.stale {
        Stale::Report => "report",
        Stale::Zero => "zero",
        Stale::Delete => "delete",
    };
    let by_data_set = changes.preview.by_data_set_json(&cx);
    let mut reconcile_event = tally.json();
    reconcile_event["byDataSetPeriod"] = by_data_set.clone();
    rep.insert(
        "reconcile".into(),
        json!({"totals": tally.json(), "byDataSetPeriod": by_data_set}),
    );
    log.event(
        "reconcile",
        reconcile_event,
        format!(
            "reconcile: {} new, {} changed, {} unchanged, {} stale (stale = \"{stale_policy}\")",
            tally.new, tally.changed, tally.unchanged, tally.stale
        ),
    );
    log.print_human(&changes.preview.human(&cx, stale_policy));
    let to_write = changes.writes + changes.deletes;
    let changes = report_values.insert(changes);

    if let Some(path) = &opts.out {
        let n = collected.write_file(&cx, &lk, path)?;
        log.event(
            "out",
            json!({"path": path, "values": n}),
            format!("wrote {n} verified values to {}", path.display()),
        );
        return Ok(Outcome::Written);
    }
    drop(collected);
    let Some(tgt) = target else {
        return Ok(Outcome::Written);
    };
    if to_write == 0 {
        return Ok(Outcome::NothingToChange);
    }

    // 7. Confirm, dry run, import.
    if !opts.yes && !opts.dry_run {
        if !opts.interactive {
            return Err(Error::usage(
                format!("refusing to write {to_write} values without confirmation: no terminal to ask on"),
                Some("pass --yes to import unattended, or --dry-run to stop after the server-side dry run".to_string()),
            ));
        }
        if !confirm(&format!(
            "Import {to_write} values into {}? [y/N] ",
            pair.report_sides.1.location
        )) {
            return Ok(Outcome::Declined);
        }
    }
    let mut send = |log: &mut Log,
                    rep: &mut Map<String, Value>,
                    dry_run: bool|
     -> Result<import::Outcome, Error> {
        let (name, what) = if dry_run {
            ("dry-run", "server dry run")
        } else {
            ("import", "import")
        };
        let pb = bar(opts, to_write, what);
        let out = import::run(
            &tgt.client,
            &cx,
            &lk,
            &mut changes.journal,
            import::How {
                version: tgt.version,
                dry_run,
                chunk: config.sync.import_chunk as usize,
            },
            &|done| pb.set_position(done as u64),
        )?;
        pb.finish_and_clear();
        rep.insert(if dry_run { "dryRun" } else { "import" }.into(), json!(out));
        let (c, v) = (out.import_count, out.values);
        log.event(
            name,
            json!({"values": v, "importCount": c, "conflicts": out.conflicts, "requests": out.requests, "issues": out.issues}),
            format!(
                "{what}: {} new, {} changed, {} set to zero, {} deleted in {} requests; the target counted {} imported, {} updated, {} deleted, {} ignored, {} conflicts",
                v.new, v.changed, v.zeroed, v.deleted, out.requests, c.imported, c.updated, c.deleted, c.ignored, out.conflicts
            ),
        );
        Ok(out)
    };
    let failed = |out: &import::Outcome| {
        out.aborted.is_some() || out.conflicts as u64 > config.sync.max_conflicts
    };
    let with_abort = |out: &import::Outcome| {
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
    };
    let dry = send(log, rep, true)?;
    if failed(&dry) {
        print_issues(
            log,
            "The server-side dry run reported conflicts; nothing was written",
            &with_abort(&dry),
        );
        return Ok(Outcome::Conflicts);
    }
    if opts.dry_run {
        return Ok(Outcome::DryRun);
    }
    let done = send(log, rep, false)?;
    if failed(&done) {
        print_issues(log, "The import reported conflicts", &with_abort(&done));
        return Ok(Outcome::Conflicts);
    }

    // 8. Completeness.
    if config.sync.complete_data_sets {
        let c = import::complete_data_sets(
            &tgt.client,
            &cx,
            &lk,
            &mut changes.journal,
            config.sync.complete_min_values,
        )?;
        rep.insert("complete".into(), json!(c));
        log.event(
            "complete",
            json!(c),
            format!(
                "completed {} data set registrations ({} conflicts)",
                c.registrations, c.conflicts
            ),
        );
    }
    Ok(Outcome::Synced)
}

/// Step 2: run analytics, or judge the age of the last run. `Some` ends the run.
fn analytics(
    config: &Config,
    opts: &Options,
    src: &crate::input::Remote,
    pair: &Pair,
    log: &mut Log,
    rep: &mut Map<String, Value>,
) -> Result<Option<Outcome>, Error> {
    let s = &config.sync;
    // A dry run starts nothing on the servers: it judges the last analytics run instead.
    if s.run_analytics && opts.dry_run {
        log.event(
            "analytics-skipped",
            json!({"reason": "dry run"}),
            "dry run: analytics not started; judging the last run instead",
        );
    }
    if s.run_analytics && !opts.dry_run {
        log.event(
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
        let (outcome, line, ok) = match &run {
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
        rep.insert(
            "analytics".into(),
            json!({"ran": true, "ok": ok, "message": line}),
        );
        log.event(
            "analytics",
            json!({"ran": true, "ok": ok, "message": line}),
            line.clone(),
        );
        return Ok(outcome);
    }
    let system = pair.source.system.clone().unwrap_or_default();
    let age = freshness::age(&system);
    let too_old = age.is_none_or(|a| a > s.analytics_max_age);
    let age_text = age.map_or("never (or unknown)".to_string(), freshness::human);
    rep.insert(
        "analytics".into(),
        json!({"ran": false, "lastAnalyticsTableSuccess": system.last_analytics_table_success, "ageSeconds": age.map(|a| a.as_secs()), "tooOld": too_old}),
    );
    if !too_old {
        log.event(
            "analytics",
            json!({"ageSeconds": age.map(|a| a.as_secs())}),
            format!("analytics tables last ran {age_text} ago"),
        );
        return Ok(None);
    }
    let line = format!(
        "the source's analytics tables last ran {age_text} ago, longer than sync.analytics_max_age ({}); values may be out of date",
        freshness::human(s.analytics_max_age)
    );
    log.event(
        "stale-analytics",
        json!({"code": "T2A025", "rule": "stale-analytics", "ageSeconds": age.map(|a| a.as_secs()), "refused": s.analytics_stale == StaleAnalytics::Refuse}),
        format!("warning[T2A025 stale-analytics]: {line}"),
    );
    Ok((s.analytics_stale == StaleAnalytics::Refuse).then_some(Outcome::AnalyticsStale))
}

fn export(
    cx: &Job<'_>,
    lk: &lookups::Lookups,
    plan: &plan::Plan,
    source: Option<&crate::input::Remote>,
    opts: &Options,
    collected: &mut transfer::Collected,
    log: &mut Log,
) -> Result<(), Error> {
    let Some(src) = source else {
        return Ok(());
    };
    let requests = transfer::export_requests(cx, plan, log);
    let n = requests.count;
    let pb = bar(opts, n, "export");
    let remote = export::Remote {
        client: &src.client,
        version: src.version,
    };
    collected.export(&remote, cx, lk, requests, &|| pb.inc(1))?;
    pb.finish_and_clear();
    let rows = collected.verified.rows;
    log.event(
        "export",
        json!({"requests": n, "rows": rows}),
        format!("export: {rows} rows from {n} requests"),
    );
    Ok(())
}

fn from_file(
    cx: &Job<'_>,
    lk: &lookups::Lookups,
    plan: &plan::Plan,
    path: &std::path::Path,
    collected: &mut transfer::Collected,
    log: &mut Log,
) -> Result<(), Error> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::usage(format!("cannot read `{}`: {e}", path.display()), None))?;
    let n = collected
        .file(cx, lk, plan, std::io::BufReader::new(file))?
        .map_err(|e| {
            Error::usage(
                format!("`{}` is not a dataValueSet JSON: {e}", path.display()),
                Some(
                    "give a file written by `t2a sync --out` (an object with `dataValues`)"
                        .to_string(),
                ),
            )
        })?;
    log.event(
        "from",
        json!({"path": path, "rows": n}),
        format!("read {n} values from {}", path.display()),
    );
    Ok(())
}

fn confirm(question: &str) -> bool {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Whether this process can ask a person.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}
