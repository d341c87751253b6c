//! Command-line interface (clap). Exit codes: 0 no error-level finding, 1 error-level
//! findings, 2 bad usage/config/input, 3 a remote failed.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "t2a",
    version,
    about = "Check and transfer the mapping from DHIS2 program indicators to aggregate data elements",
    long_about = "t2a checks the mapping between program indicators of a DHIS2 tracker instance (the source) \
and the aggregate data elements of an HMIS instance (the target), and finds every defect before any data moves.\n\n\
Credentials come from environment variables only: T2A_SOURCE_TOKEN (personal access token) or \
T2A_SOURCE_USERNAME + T2A_SOURCE_PASSWORD; likewise T2A_TARGET_*.",
    after_help = "Exit codes: 0 no error-level finding, 1 error-level findings, 2 bad usage, config or input, 3 a remote failed."
)]
pub struct Cli {
    /// When to use colour in human output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the mapping and print every defect
    Check(CheckArgs),
    /// Transfer program indicator values to the aggregate instance, when the check passes
    Sync(SyncArgs),
    /// Write the metadata the checks need as a DHIS2 metadata JSON file
    Snapshot(SnapshotArgs),
    /// List the rules
    Rules(RulesArgs),
    /// Print the documentation of a rule
    Explain(ExplainArgs),
    /// How DHIS2 will compute one program indicator, in words, with its findings
    ExplainPi(ExplainPiArgs),
    /// Write a commented job config from what the instances (or files) hold
    Init(InitArgs),
    /// Draw the mapping (PIs -> data elements -> data sets), defects marked
    Graph(GraphArgs),
    /// Every data element x option combo of the fed data sets, with the PIs feeding it
    Coverage(CoverageArgs),
    /// What changed between two snapshots of the target that mappings feel
    Diff(DiffArgs),
    /// Write the changes that resolve findings as a metadata file of the affected PIs
    Fix(FixArgs),
    /// The mappings as a sheet: export it, or apply an edited one
    #[command(subcommand)]
    Mapping(MappingCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(CompletionsArgs),
    /// Print the man page (roff)
    Man,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub job: JobArgs,

    /// Where to write the config ("-": standard output)
    #[arg(long, value_name = "FILE", default_value = "t2a.toml")]
    pub out: PathBuf,

    /// Replace an existing file
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ExplainPiArgs {
    /// The program indicator: UID, code or name
    #[arg(value_name = "UID|CODE")]
    pub pi: String,

    #[command(flatten)]
    pub job: JobArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub job: JobArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = crate::views::graph::GraphFormat::Dot)]
    pub format: crate::views::graph::GraphFormat,

    /// Only the neighbourhood of one object: a PI, data element or data set (UID or code)
    #[arg(long, value_name = "CODE|UID")]
    pub focus: Option<String>,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    #[command(flatten)]
    pub job: JobArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = crate::views::coverage::CoverageFormat::Table)]
    pub format: crate::views::coverage::CoverageFormat,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier snapshot (metadata file or base URL; T2A_TARGET_* credentials)
    pub old: String,
    /// The later snapshot
    pub new: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,

    /// Allow plain http:// to hosts other than this machine
    #[arg(long)]
    pub allow_insecure_http: bool,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub job: JobArgs,

    /// Also the renamings several unknown codes share (a pattern, not proof)
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Send the changes to the source instance (a validation run first; all or nothing)
    #[arg(long)]
    pub apply: bool,

    /// The metadata file to write (for the Import/Export app)
    #[arg(long, value_name = "FILE", default_value = "t2a-fixes.json")]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// One row per program indicator in scope: the mapping, what it resolves to, the findings
    Export(MappingExportArgs),
    /// Turn an edited sheet into a metadata file of the changed PIs
    Apply(MappingApplyArgs),
}

#[derive(Debug, Args)]
pub struct MappingExportArgs {
    #[command(flatten)]
    pub job: JobArgs,

    /// Sheet format
    #[arg(long, value_enum, default_value_t = crate::mapping::export::SheetFormat::Csv)]
    pub format: crate::mapping::export::SheetFormat,

    /// Write to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MappingApplyArgs {
    /// The edited sheet (CSV or JSON, as exported)
    pub sheet: PathBuf,

    /// Send the changes to the source instance (a validation run first; all or nothing)
    #[arg(long)]
    pub apply: bool,

    #[command(flatten)]
    pub job: JobArgs,

    /// The metadata file to write (for the Import/Export app)
    #[arg(long, value_name = "FILE", default_value = "t2a-mapping-changes.json")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Where a job's sides are: a config file, and flags that override it.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// TOML job config (see README "Config"); flags override it
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Source (tracker): a DHIS2 base URL or a metadata JSON file
    #[arg(long, value_name = "URL|FILE")]
    pub source: Option<String>,

    /// Target (aggregate): a DHIS2 base URL or a metadata JSON file; defaults to the source
    #[arg(long, value_name = "URL|FILE")]
    pub target: Option<String>,

    /// Allow plain http:// to hosts other than this machine (credentials and data then cross the network unencrypted)
    #[arg(long)]
    pub allow_insecure_http: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub job: JobArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Set a rule's level: NAME=error|warning|note|off (repeatable; NAME may be a code)
    #[arg(long = "rule", value_name = "NAME=LEVEL")]
    pub rules: Vec<String>,

    /// Print only the summary line (human format)
    #[arg(short, long)]
    pub quiet: bool,

    /// List every rule in the summary table, not only those that fired
    #[arg(long)]
    pub statistics: bool,

    /// The least severity that fails the check (exit 1)
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Exit 0 whatever the findings (bad input still exits 2)
    #[arg(long)]
    pub exit_zero: bool,

    /// Report only findings not in this baseline (written by --write-baseline)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<std::path::PathBuf>,

    /// Record today's findings in FILE (then `--baseline FILE` reports only new ones); exits 0
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<std::path::PathBuf>,

    /// Record jobs: read the records too, and run the rules that judge them (dropped
    /// records, unmapped locations, overlaps, duplicates)
    #[arg(long)]
    pub with_data: bool,

    /// An earlier snapshot of the target: explains an unknown code as a rename
    #[arg(long, value_name = "SNAPSHOT")]
    pub previous_target: Option<String>,

    /// Also write the safe fixes of the findings to t2a-fixes.json (as `t2a fix`)
    #[arg(long)]
    pub fix: bool,
}

/// Text for people, or JSON (the formats of `sync` and `rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    Human,
    Json,
}

/// `--fail-on`: which findings fail a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub job: JobArgs,

    /// Period to transfer, ISO (202401, 2024Q1, 2024W5) or relative (LAST_MONTH); repeatable; replaces sync.periods
    #[arg(long = "period", value_name = "ISO|RELATIVE")]
    pub periods: Vec<String>,

    /// Stop after the server-side dry run: nothing is written
    #[arg(long, conflicts_with = "out")]
    pub dry_run: bool,

    /// Leave out the program indicators the check's errors name and transfer the rest (sync.on_error = "skip"); exits 1 when anything was left out
    #[arg(long)]
    pub skip_invalid: bool,

    /// Import without asking (needed when there is no terminal, e.g. cron or CI)
    #[arg(long)]
    pub yes: bool,

    /// Write the verified dataValueSet to FILE instead of importing (for the Import/Export app)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Import a dataValueSet file (as written by --out) instead of exporting, after the same verification
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,

    /// Log format: human lines on stderr, or JSON lines on stdout
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,

    /// Plan periods as of this day (YYYY-MM-DD) instead of today, e.g. to backfill
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Write the run report to FILE (replaces sync.report)
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Continue an interrupted or failed run: import its verified values as planned then (the job's newest run, or the one of JOURNAL)
    #[arg(long, value_name = "JOURNAL", num_args = 0..=1, conflicts_with_all = ["from", "out"])]
    pub resume: Option<Option<PathBuf>>,

    /// Print only the outcome line (for cron); the run report keeps everything
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The instance (base URL) or metadata file to read
    #[arg(long, value_name = "URL|FILE")]
    pub instance: String,

    /// Where to write the snapshot (DHIS2 metadata JSON)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Whose credential variables to use: T2A_SOURCE_* or T2A_TARGET_*
    #[arg(long, value_enum, default_value_t = SideArg::Source)]
    pub side: SideArg,

    /// Allow plain http:// to a host other than this machine
    #[arg(long)]
    pub allow_insecure_http: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SideArg {
    Source,
    Target,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule name or code, e.g. duplicate-target or T2A007
    pub rule: String,
}
