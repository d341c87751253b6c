//! Running a parsed command line: the commands, output and exit codes.

use std::io::{IsTerminal, Write};

use clap::CommandFactory;

use crate::check;
use crate::cli::{
    CheckArgs, Cli, ColorChoice, Command, ExplainArgs, RulesArgs, SideArg, SnapshotArgs, SyncArgs,
    TextFormat,
};
use crate::config::{Config, EndpointConfig};
use crate::dhis2::Side;
use crate::dhis2::metadata::Needs;
use crate::diagnostic::Level;
use crate::error::Error;
use crate::location::Location;
use crate::model::write_snapshot;
use crate::report::{self, HumanOptions};
use crate::rule_id;
use crate::rules::{self, RULES};

/// Exit code for a check with error-level findings.
pub const EXIT_FINDINGS: u8 = 1;

/// Output settings for human text.
pub fn human_options(color: ColorChoice, stream_is_terminal: bool) -> HumanOptions {
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stream_is_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w: &usize| w >= 40)
        .unwrap_or(100);
    HumanOptions {
        color,
        unicode: true,
        width,
        ..HumanOptions::default()
    }
}

/// Run a command; `Ok` carries the exit code (0 or 1).
pub fn run(cli: Cli) -> Result<u8, Error> {
    let out_tty = std::io::stdout().is_terminal();
    let human = human_options(cli.color, out_tty);
    match cli.command {
        Command::Check(args) => run_check(args, &human),
        Command::Sync(args) => run_sync(args, human),
        Command::Snapshot(args) => run_snapshot(args),
        Command::Rules(args) => run_rules(args),
        Command::Explain(args) => run_explain(args),
        Command::ExplainPi(args) => run_explain_pi(args),
        Command::Init(args) => run_init(args),
        Command::Graph(args) => run_graph(args),
        Command::Coverage(args) => run_coverage(args, &human),
        Command::Diff(args) => run_diff(args),
        Command::Fix(args) => run_fix(args),
        Command::Mapping(crate::cli::MappingCommand::Export(args)) => run_mapping_export(args),
        Command::Mapping(crate::cli::MappingCommand::Apply(args)) => run_mapping_apply(args),
        Command::Completions(args) => {
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut crate::cli::Cli::command(), "t2a", &mut out);
            print(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(crate::cli::Cli::command())
                .render(&mut out)
                .map_err(|error| Error::Write {
                    path: "stdout".into(),
                    error,
                })?;
            print(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
    }
}

fn print(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`t2a check | head`) is not an error of the check.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write {
            path: "stdout".into(),
            error: e,
        }),
        _ => Ok(()),
    }
}

/// The job config: the file if given, then the flags on top.
/// The name of a job config found by discovery.
pub const DISCOVERED: &str = "t2a.toml";

/// `t2a.toml` in the current folder or the nearest parent that has one.
fn discover() -> Option<std::path::PathBuf> {
    let here = std::env::current_dir().ok()?;
    here.ancestors()
        .map(|dir| dir.join(DISCOVERED))
        .find(|p| p.is_file())
}

pub fn job_config(
    config: Option<&std::path::Path>,
    source: Option<&str>,
    target: Option<&str>,
    rule_flags: &[String],
) -> Result<Config, Error> {
    // Without --config, --source or --target: the job config of this folder or a
    // parent (`t2a.toml`), as ruff and cargo find theirs.
    let found = match (config, source, target) {
        (None, None, None) => discover(),
        _ => None,
    };
    let config = config.or(found.as_deref());
    let mut cfg = match config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    // A flag replaces the location; the config's credential variables and tuning stay.
    let place = |flag: &str, text: &str, old: Option<&EndpointConfig>| {
        let (location, note) = Location::parse_flag(text)
            .map_err(|e| Error::usage(format!("invalid --{flag}: {e}"), None))?;
        if let Some(note) = note {
            let _ = writeln!(std::io::stderr(), "t2a: --{flag} {note}");
        }
        Ok::<_, Error>(match old {
            Some(old) => EndpointConfig {
                location,
                ..old.clone()
            },
            None => EndpointConfig::at(location),
        })
    };
    if let Some(s) = source {
        cfg.source = Some(place("source", s, cfg.source.as_ref())?);
    }
    if let Some(t) = target {
        cfg.target = Some(place("target", t, cfg.target.as_ref())?);
    } else if source.is_some() && config.is_none() {
        // With only --source, the same instance or file is the target.
        cfg.target = None;
    }
    for flag in rule_flags {
        let Some((name, level)) = flag.split_once('=') else {
            return Err(Error::usage(
                format!("invalid --rule `{flag}`: expected NAME=LEVEL"),
                Some(format!(
                    "e.g. --rule duplicate-target=warning; levels: {}",
                    Level::FORMS
                )),
            ));
        };
        let code = rule_id::lookup(name.trim())
            .map(|id| id.code)
            .map_err(|suggestion| {
                Error::usage(
                    format!("unknown rule `{name}` in --rule"),
                    Some(match suggestion {
                        Some(s) => format!("did you mean `{s}`? (`t2a rules` lists them)"),
                        None => "`t2a rules` lists the rule names".into(),
                    }),
                )
            })?;
        let level: Level = level.trim().parse().map_err(|()| {
            Error::usage(
                format!("unknown level `{level}` in --rule {flag}"),
                Some(format!("use {}", Level::FORMS)),
            )
        })?;
        cfg.rules.push((code, level));
    }
    Ok(cfg)
}

fn run_check(args: CheckArgs, human: &HumanOptions) -> Result<u8, Error> {
    let cfg = job_config(
        args.job.config.as_deref(),
        args.job.source.as_deref(),
        args.job.target.as_deref(),
        &args.rules,
    )?;
    let mut cfg = insecure(cfg, &args.job);
    cfg.with_data = args.with_data;
    let pair = crate::input::load_pair(&cfg)?;
    let (cx, mut report) = check::check_with_context(&cfg, &pair)?;
    let fixes = args.fix.then(|| crate::mapping::fix::fixes(&cx, false));
    if let Some(path) = &args.write_baseline {
        let n = report::suppress::write_baseline(&report, path)?;
        let _ = writeln!(
            std::io::stderr(),
            "t2a check: {n} findings recorded in {}; `--baseline {}` reports only new ones",
            path.display(),
            path.display()
        );
        return Ok(0);
    }
    if let Some(path) = &args.baseline {
        report::suppress::apply_baseline(&mut report, path)?;
    }
    if let Some(previous) = &args.previous_target {
        explain_renames(&cfg, &mut report, previous)?;
    }
    let human = HumanOptions {
        quiet: args.quiet,
        statistics: args.statistics,
        fail_on: match args.fail_on {
            crate::cli::FailOn::Error => crate::diagnostic::Severity::Error,
            crate::cli::FailOn::Warning => crate::diagnostic::Severity::Warning,
        },
        ..human.clone()
    };
    let text = crate::timing::phase("render", || report::render(&report, args.format, &human));
    print(&text)?;
    if let Some(fixes) = &fixes {
        let out = std::path::Path::new("t2a-fixes.json");
        write_changes(&cfg, &pair, fixes, out, "fix", false)?;
    }
    Ok(if report.fails(human.fail_on) && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// The job's world and its check, for the views.
fn job_and_check<R>(
    job: &crate::cli::JobArgs,
    view: impl FnOnce(&crate::job::Job<'_>, &report::Report) -> Result<R, Error>,
) -> Result<R, Error> {
    with_pair(job, |_, _, cx, report| view(cx, report))
}

/// The job's world with its pair, for the commands that write changes.
fn with_pair<R>(
    job: &crate::cli::JobArgs,
    then: impl FnOnce(
        &Config,
        &crate::input::Pair,
        &crate::job::Job<'_>,
        &report::Report,
    ) -> Result<R, Error>,
) -> Result<R, Error> {
    let cfg = job_config(
        job.config.as_deref(),
        job.source.as_deref(),
        job.target.as_deref(),
        &[],
    )?;
    let cfg = insecure(cfg, job);
    let pair = crate::input::load_pair(&cfg)?;
    let (cx, report) = check::check_with_context(&cfg, &pair)?;
    then(&cfg, &pair, &cx, &report)
}

/// List the changes, then write them as a metadata file of the affected PIs.
fn write_changes(
    cfg: &Config,
    pair: &crate::input::Pair,
    changes: &[crate::mapping::change::Change],
    out: &std::path::Path,
    what: &str,
    apply: bool,
) -> Result<u8, Error> {
    let mut err = std::io::stderr();
    if changes.is_empty() {
        let _ = writeln!(err, "t2a: {what}: nothing to change");
        return Ok(0);
    }
    let _ = writeln!(
        err,
        "t2a: {what}: {}",
        crate::rules::help::plural(changes.len(), "change", "changes")
    );
    for c in changes {
        let _ = writeln!(err, "  {}", c.line());
    }
    let Some(source) = cfg.source.as_ref() else {
        return Ok(0);
    };
    let mut ids: Vec<String> = changes
        .iter()
        .map(|c| c.program_indicator.clone())
        .collect();
    ids.dedup();
    let objects =
        crate::mapping::objects::read(&source.location, pair.source_remote.as_ref(), &ids)?;
    let doc = crate::mapping::objects::changed(&objects, changes);
    std::fs::write(
        out,
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n",
    )
    .map_err(|error| Error::Write {
        path: out.to_path_buf(),
        error,
    })?;
    let pis = crate::rules::help::plural(objects.len(), "program indicator", "program indicators");
    if !apply {
        let _ = writeln!(
            err,
            "t2a: {what}: wrote {pis} to {}; import it with the Import/Export app (metadata, strategy UPDATE), or pass --apply; then check again",
            out.display()
        );
        return Ok(0);
    }
    let Some(remote) = pair.source_remote.as_ref() else {
        return Err(Error::usage(
            format!(
                "--apply writes to the source instance, but the source is a file; {} holds the changes",
                out.display()
            ),
            Some(
                "import the file with the Import/Export app, or give the source as a URL"
                    .to_string(),
            ),
        ));
    };
    let checked = crate::dhis2::metadata_import::import(&remote.client, &doc, true)?;
    if checked.status == "ERROR" || !checked.errors.is_empty() {
        let _ = writeln!(
            err,
            "t2a: {what}: the source's validation refused the changes; nothing was written:"
        );
        for e in &checked.errors {
            let _ = writeln!(err, "  {e}");
        }
        return Ok(1);
    }
    let done = crate::dhis2::metadata_import::import(&remote.client, &doc, false)?;
    let _ = writeln!(
        err,
        "t2a: {what}: the source updated {} ({}); check again",
        crate::rules::help::plural(
            done.stats.updated as usize,
            "program indicator",
            "program indicators"
        ),
        done.status
    );
    Ok(u8::from(done.status == "ERROR"))
}

fn run_fix(args: crate::cli::FixArgs) -> Result<u8, Error> {
    with_pair(&args.job, |cfg, pair, cx, _| {
        let changes = crate::mapping::fix::fixes(cx, args.unsafe_fixes);
        write_changes(cfg, pair, &changes, &args.out, "fix", args.apply)
    })
}

fn run_mapping_export(args: crate::cli::MappingExportArgs) -> Result<u8, Error> {
    let text = with_pair(&args.job, |_, _, cx, report| {
        let rows = crate::mapping::sheet::rows(cx, report);
        Ok(crate::mapping::export::render(&rows, args.format))
    })?;
    match &args.out {
        Some(path) => std::fs::write(path, text).map_err(|error| Error::Write {
            path: path.clone(),
            error,
        })?,
        None => print(&text)?,
    }
    Ok(0)
}

fn run_mapping_apply(args: crate::cli::MappingApplyArgs) -> Result<u8, Error> {
    let rows = crate::mapping::sheet::read(&args.sheet)?;
    with_pair(&args.job, |cfg, pair, cx, _| {
        let changes = crate::mapping::sheet::changes(cx, &rows)?;
        write_changes(cfg, pair, &changes, &args.out, "mapping apply", args.apply)
    })
}

fn run_graph(args: crate::cli::GraphArgs) -> Result<u8, Error> {
    let text = job_and_check(&args.job, |cx, report| {
        crate::views::graph::render(cx, report, args.format, args.focus.as_deref()).ok_or_else(
            || {
                Error::usage(
                    format!(
                        "`{}` names no mapped program indicator, data element or data set",
                        args.focus.as_deref().unwrap_or("")
                    ),
                    Some("give the UID or code of an object the mapping reaches".to_string()),
                )
            },
        )
    })?;
    print(&text)?;
    Ok(0)
}

fn run_explain_pi(args: crate::cli::ExplainPiArgs) -> Result<u8, Error> {
    use crate::views::explain_pi;
    let explanation = job_and_check(&args.job, |cx, report| {
        let Some((i, _)) = explain_pi::find(cx, &args.pi) else {
            return Err(Error::usage(
                format!("no program indicator `{}` in the source", args.pi),
                Some("give its UID, code or exact name; `t2a mapping export` lists the program indicators in scope".into()),
            ));
        };
        Ok(explain_pi::explain(cx, report, i))
    })?;
    match args.format {
        TextFormat::Human => print(&explain_pi::human(&explanation))?,
        TextFormat::Json => {
            print(&(serde_json::to_string_pretty(&explanation).unwrap_or_default() + "\n"))?
        }
    }
    Ok(0)
}

fn run_coverage(args: crate::cli::CoverageArgs, human: &HumanOptions) -> Result<u8, Error> {
    let cells = job_and_check(&args.job, |cx, _| Ok(crate::views::coverage::cells(cx)))?;
    print(&crate::views::coverage::render(
        &cells,
        args.format,
        human.unicode,
    ))?;
    Ok(0)
}

fn run_diff(args: crate::cli::DiffArgs) -> Result<u8, Error> {
    let side = |text: &str| -> Result<(crate::catalog::Catalog, crate::input::SideInfo), Error> {
        let (location, note) = Location::parse_flag(text)
            .map_err(|e| Error::usage(format!("invalid snapshot `{text}`: {e}"), None))?;
        if let Some(note) = note {
            let _ = writeln!(std::io::stderr(), "t2a: {note}");
        }
        let mut e = EndpointConfig::at(location);
        e.tuning.allow_insecure_http = args.allow_insecure_http;
        crate::input::load_target_side(&e)
    };
    let (old, old_info) = side(&args.old)?;
    let (new, new_info) = side(&args.new)?;
    let changes = crate::views::diff::changes(&old, &new);
    match args.format {
        TextFormat::Human => print(&crate::views::diff::human(
            &changes,
            &old_info.location,
            &new_info.location,
        ))?,
        TextFormat::Json => {
            let doc = serde_json::json!({"old": old_info, "new": new_info, "changes": changes});
            print(&(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"))?;
        }
    }
    Ok(u8::from(!changes.is_empty()))
}

fn run_init(args: crate::cli::InitArgs) -> Result<u8, Error> {
    if args.job.config.is_some() {
        return Err(Error::usage(
            "`t2a init` writes a job config; it reads none",
            Some("give the sides with --source and --target".to_string()),
        ));
    }
    if args.job.source.is_none() {
        return Err(Error::usage(
            "`t2a init` needs the source (and the target, if it is another instance or file)",
            Some("e.g. t2a init --source https://tracker.example.org --target https://hmis.example.org".to_string()),
        ));
    }
    let to_stdout = args.out.as_os_str() == "-";
    if !to_stdout && args.out.exists() && !args.force {
        return Err(Error::usage(
            format!("`{}` exists", args.out.display()),
            Some("pass --force to replace it, or --out another file (\"-\" prints it)".to_string()),
        ));
    }
    let cfg = job_config(
        None,
        args.job.source.as_deref(),
        args.job.target.as_deref(),
        &[],
    )?;
    let cfg = insecure(cfg, &args.job);
    let pair = crate::input::load_pair(&cfg)?;
    let today = jiff::ZonedDateTime::now().date().to_string();
    let elsewhere = args
        .out
        .parent()
        .is_some_and(|p| !p.as_os_str().is_empty() && p != std::path::Path::new("."));
    let text = crate::init::write(&cfg, &pair, &today, elsewhere && !to_stdout);
    if to_stdout {
        print(&text)?;
    } else {
        std::fs::write(&args.out, &text).map_err(|error| Error::Write {
            path: args.out.clone(),
            error,
        })?;
        let _ = writeln!(
            std::io::stderr(),
            "t2a init: wrote {}; check it with `t2a check`",
            args.out.display()
        );
    }
    Ok(0)
}

fn run_sync(args: SyncArgs, human: HumanOptions) -> Result<u8, Error> {
    let mut cfg = job_config(
        args.job.config.as_deref(),
        args.job.source.as_deref(),
        args.job.target.as_deref(),
        &[],
    )?;
    if !args.periods.is_empty() {
        set_periods(&mut cfg, &args.periods)?;
    }
    cfg = insecure(cfg, &args.job);
    if args.skip_invalid {
        cfg.sync.on_error = crate::config::OnError::Skip;
    }
    let as_of = match &args.as_of {
        Some(d) => Some(d.parse::<jiff::civil::Date>().map_err(|e| {
            Error::usage(
                format!("invalid --as-of `{d}`: {e}"),
                Some("write the day as YYYY-MM-DD".to_string()),
            )
        })?),
        None => None,
    };
    let job = cfg
        .file
        .as_ref()
        .and_then(|f| f.path.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sync".to_string());
    let opts = crate::sync::Options {
        dry_run: args.dry_run,
        yes: args.yes,
        out: args.out,
        from: args.from,
        as_of,
        format: match args.format {
            TextFormat::Human => crate::sync::log::LogFormat::Human,
            TextFormat::Json => crate::sync::log::LogFormat::Json,
        },
        interactive: crate::sync::interactive(),
        report: args.report,
        job,
        human,
        quiet: args.quiet,
        resume: args.resume,
    };
    crate::interrupt::install();
    crate::sync::sync(&cfg, &opts)
}

/// `--allow-insecure-http` for both sides.
/// `--previous-target`: an unknown data element or option combo code that an earlier
/// snapshot of the target knew is explained as the rename it is.
fn explain_renames(cfg: &Config, report: &mut report::Report, previous: &str) -> Result<(), Error> {
    let (location, _) = Location::parse_flag(previous)
        .map_err(|e| Error::usage(format!("invalid --previous-target: {e}"), None))?;
    let mut e = EndpointConfig::at(location);
    e.tuning.allow_insecure_http = cfg
        .target
        .as_ref()
        .is_some_and(|t| t.tuning.allow_insecure_http);
    let (old, _) = crate::input::load_target_side(&e)?;
    let now = match &cfg.target {
        Some(t) => crate::input::load_target_side(t)?.0,
        None => return Ok(()),
    };
    let renames = crate::views::diff::renames(&old, &now);
    for f in &mut report.findings {
        let written = f.target.as_ref().and_then(|t| match f.rule.code {
            "T2A003" => t.data_element.clone(),
            "T2A004" => t.category_option_combo.clone(),
            _ => None,
        });
        let Some(written) = written else { continue };
        if let Some((uid, now)) = renames.get(&written) {
            let said = format!("`{written}` was renamed `{now}` (same UID `{uid}`)");
            f.hint = Some(match f.hint.take() {
                Some(h) => format!("{said}; {h}"),
                None => said,
            });
        }
    }
    Ok(())
}

fn insecure(mut cfg: Config, args: &crate::cli::JobArgs) -> Config {
    if args.allow_insecure_http {
        for side in [&mut cfg.source, &mut cfg.target].into_iter().flatten() {
            side.tuning.allow_insecure_http = true;
        }
    }
    cfg
}

/// `--period` replaces the job's periods, for the check (period-type-mismatch) too.
/// Periods of several types are fine: each mapping gets those of its data sets' type.
fn set_periods(cfg: &mut Config, periods: &[String]) -> Result<(), Error> {
    for p in periods {
        let Some(kind) = crate::period::period_spec_type(p) else {
            return Err(Error::usage(
                format!("invalid --period `{p}`: neither an ISO period nor a relative period"),
                Some("write ISO periods like 202401, 2024Q1, 2024W5 or relative ones like LAST_MONTH".to_string()),
            ));
        };
        if let Some(pt) = &cfg.sync.period_type
            && !kind.matches(pt.value)
        {
            return Err(Error::usage(
                format!(
                    "--period `{p}` is {kind} but the job's sync.period_type is {}",
                    pt.value
                ),
                Some("give periods of the job's type, or remove `period_type` from the job to transfer each data set's own type".to_string()),
            ));
        }
    }
    cfg.sync.periods = periods
        .iter()
        .map(|p| crate::config::Spanned::new(p.clone(), 0..0))
        .collect();
    cfg.sync.lookback = None;
    Ok(())
}

fn run_snapshot(args: SnapshotArgs) -> Result<u8, Error> {
    let location = Location::parse(&args.instance, None)
        .map_err(|e| Error::usage(format!("invalid --instance: {e}"), None))?;
    let side = match args.side {
        SideArg::Source => Side::Source,
        SideArg::Target => Side::Target,
    };
    let mut endpoint = EndpointConfig::at(location);
    endpoint.tuning.allow_insecure_http = args.allow_insecure_http;
    let loaded = crate::input::load(side, &endpoint, Needs::BOTH)?;
    write_snapshot(&loaded.metadata, &args.out).map_err(|error| Error::Write {
        path: args.out.clone(),
        error,
    })?;
    let m = &loaded.metadata;
    fn count<T>(v: &Option<Vec<T>>) -> usize {
        v.as_ref().map_or(0, Vec::len)
    }
    let n = |c: usize| c.to_string();
    eprintln!(
        "wrote {} ({} program indicators, {} data elements, {} option combos, {} data sets, {} org units{})",
        args.out.display(),
        n(count(&m.program_indicators)),
        n(count(&m.data_elements)),
        n(count(&m.category_option_combos)),
        n(count(&m.data_sets)),
        n(count(&m.organisation_units)),
        loaded
            .info
            .dhis2_version
            .as_deref()
            .map(|v| format!(", DHIS2 {v}"))
            .unwrap_or_default()
    );
    Ok(0)
}

fn run_rules(args: RulesArgs) -> Result<u8, Error> {
    match args.format {
        TextFormat::Json => {
            #[derive(serde::Serialize)]
            struct R {
                code: &'static str,
                name: &'static str,
                severity: &'static str,
                summary: &'static str,
                implemented: bool,
            }
            let mut list: Vec<R> = RULES
                .iter()
                .map(|r| R {
                    code: r.code,
                    name: r.name,
                    severity: r.severity.as_str(),
                    summary: r.summary,
                    implemented: true,
                })
                .collect();
            list.extend(rules::planned().map(|id| R {
                code: id.code,
                name: id.name,
                severity: "",
                summary: "",
                implemented: false,
            }));
            let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
            text.push('\n');
            print(&text)?;
        }
        TextFormat::Human => {
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            table.set_header(["code", "name", "severity", "fires when"]);
            for r in RULES {
                table.add_row([r.code, r.name, r.severity.as_str(), r.summary]);
            }
            let planned: Vec<String> = rules::planned()
                .map(|id| format!("{} {}", id.code, id.name))
                .collect();
            print(&format!(
                "{table}\n\nPlanned (names reserved, levels may be set already): {}\n`t2a explain NAME` prints a rule's documentation.\n",
                planned.join(", ")
            ))?;
        }
    }
    Ok(0)
}

fn run_explain(args: ExplainArgs) -> Result<u8, Error> {
    if let Some(rule) = rules::find(&args.rule) {
        print(&rule.page())?;
        return Ok(0);
    }
    match rule_id::lookup(&args.rule).map(|id| id.code) {
        Ok(code) => Err(Error::usage(
            format!(
                "rule {} `{}` is in the catalogue but not implemented yet",
                code, args.rule
            ),
            Some("`t2a rules` lists the implemented rules".to_string()),
        )),
        Err(suggestion) => Err(Error::usage(
            format!("unknown rule `{}`", args.rule),
            Some(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "`t2a rules` lists the rules".into(),
            }),
        )),
    }
}
