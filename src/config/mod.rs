//! The TOML job config: parsed with spans, then validated; every problem is reported
//! at its line and column, all of them at once.

pub mod blocks;
pub mod ignore;
pub mod records;
pub(crate) mod sync;
mod walk;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

pub use sync::{
    ImportStrategy, Notify, NotifyInstance, OnError, Stale, StaleAnalytics, SyncConfig,
};
pub use walk::Spanned;
use walk::{Issue, Issues, TableReader, entry_string};

use crate::diagnostic::Level;
use crate::idscheme::{IdScheme, is_uid};
use crate::location::Location;

/// A config file's text, kept so that later checks (e.g. a configured program missing
/// from the source) can point into it.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    pub path: PathBuf,
    pub text: Arc<String>,
}

impl ConfigSource {
    pub fn named(&self) -> NamedSource<String> {
        NamedSource::new(self.path.display().to_string(), self.text.as_ref().clone())
            .with_language("toml")
    }
}

/// One side of the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointConfig {
    pub location: Location,
    /// Environment variable names that hold credentials (defaults: `T2A_<SIDE>_TOKEN`,
    /// `T2A_<SIDE>_USERNAME`, `T2A_<SIDE>_PASSWORD`).
    pub token_env: Option<String>,
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    /// HTTP tuning for an instance; defaults when unset.
    pub tuning: Tuning,
    /// The DHIS2 version of a metadata file that does not say (version-aware rules).
    pub dhis2_version: Option<crate::dhis2::Version>,
}

/// HTTP tuning of one instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tuning {
    /// Items per page of metadata lists.
    pub page_size: Option<u64>,
    /// Requests in flight at once.
    pub concurrency: Option<u64>,
    /// Seconds before a request is abandoned.
    pub timeout: Option<u64>,
    /// Extra attempts after a connection failure, timeout, 429/502/503/504 or a body
    /// that does not read.
    pub retries: Option<u64>,
    /// Wait before the first retry (doubled each time, with jitter).
    pub retry_backoff: Option<std::time::Duration>,
    /// No retry starts later than this after a request's first attempt.
    pub retry_deadline: Option<std::time::Duration>,
    /// Plain `http://` to a host that is not this machine is allowed.
    pub allow_insecure_http: bool,
}

impl EndpointConfig {
    pub fn at(location: Location) -> Self {
        EndpointConfig {
            location,
            token_env: None,
            username_env: None,
            password_env: None,
            tuning: Tuning::default(),
            dhis2_version: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MappingConfig {
    pub attribute: Option<Spanned<String>>,
    pub programs: Vec<Spanned<String>>,
    pub program_indicator_groups: Vec<Spanned<String>>,
    pub data_element_id_scheme: IdScheme,
    pub category_option_combo_id_scheme: IdScheme,
    pub org_unit_id_scheme: IdScheme,
}

impl Default for MappingConfig {
    fn default() -> Self {
        MappingConfig {
            attribute: None,
            programs: Vec::new(),
            program_indicator_groups: Vec::new(),
            data_element_id_scheme: IdScheme::Code,
            category_option_combo_id_scheme: IdScheme::Code,
            org_unit_id_scheme: IdScheme::Uid,
        }
    }
}

/// A validated job config.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub file: Option<ConfigSource>,
    pub source: Option<EndpointConfig>,
    pub target: Option<EndpointConfig>,
    pub mapping: MappingConfig,
    pub sync: SyncConfig,
    /// Rule levels by rule code.
    pub rules: Vec<(&'static str, Level)>,
    /// Known findings accepted on purpose (`[[ignore]]`).
    pub ignores: Vec<ignore::Ignore>,
    /// A record source (`[source] kind = "godata" | "linelist"`) instead of a DHIS2
    /// source; its values come from `aggregates`.
    pub records: Option<records::RecordSource>,
    pub aggregates: Vec<blocks::AggregateBlock>,
    /// `check --with-data`: read the records too, for the data rules.
    pub with_data: bool,
}

/// A config that could not be read or is invalid.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file `{}`: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("invalid config `{}`: {}", path.display(), plural(issues.len(), "problem"))]
    Invalid {
        path: PathBuf,
        src: NamedSource<String>,
        issues: Vec<ConfigIssue>,
    },
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(match self {
            ConfigError::Io { .. } => "t2a::config::unreadable",
            ConfigError::Invalid { .. } => "t2a::config::invalid",
        }))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            ConfigError::Io { .. } => Some(Box::new("check the path given to --config")),
            ConfigError::Invalid { .. } => None,
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            ConfigError::Invalid { src, .. } => Some(src),
            ConfigError::Io { .. } => None,
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        match self {
            ConfigError::Invalid { issues, .. } => {
                Some(Box::new(issues.iter().map(|i| i as &dyn Diagnostic)))
            }
            ConfigError::Io { .. } => None,
        }
    }
}

/// One problem at one spot of a config file.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
pub struct ConfigIssue {
    pub message: String,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    #[help]
    pub help: Option<String>,
    /// 1-based line and column of the span start (for messages and tests).
    pub line: usize,
    pub column: usize,
}

impl ConfigIssue {
    fn from_issue(text: &str, issue: Issue) -> Self {
        let (line, column) = line_col(text, issue.span.start);
        ConfigIssue {
            message: issue.message,
            span: SourceSpan::from(issue.span.start..issue.span.end.max(issue.span.start)),
            label: issue.label,
            help: issue.help,
            line,
            column,
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, column)
}

pub(crate) const ROOT_KEYS: &[&str] = &[
    "source",
    "target",
    "mapping",
    "sync",
    "rules",
    "ignore",
    "aggregate",
];
pub(crate) const ENDPOINT_KEYS: &[&str] = &[
    "kind",
    "url",
    "file",
    "token_env",
    "username_env",
    "password_env",
    "page_size",
    "concurrency",
    "timeout",
    "retries",
    "retry_backoff",
    "retry_deadline",
    "allow_insecure_http",
    "dhis2_version",
];
pub(crate) const MAPPING_KEYS: &[&str] = &[
    "attribute",
    "programs",
    "program_indicator_groups",
    "data_element_id_scheme",
    "category_option_combo_id_scheme",
    "org_unit_id_scheme",
];
impl Config {
    /// Read and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        Config::parse(path, text)
    }

    /// Validate config text; `path` names the file and anchors relative paths.
    pub fn parse(path: &Path, text: String) -> Result<Config, ConfigError> {
        let mut issues = Issues::default();
        let base_dir = path.parent().map(Path::to_path_buf);
        let config = match toml_span::parse(&text) {
            Ok(root) => read_root(root, base_dir.as_deref(), &mut issues),
            Err(e) => {
                let message = e.to_string();
                issues.push(
                    e.span.start..e.span.end,
                    format!("not valid TOML: {message}"),
                    "here",
                    Some("see https://toml.io for the syntax".into()),
                );
                None
            }
        };
        match config {
            Some(mut c) if issues.0.is_empty() => {
                c.file = Some(ConfigSource {
                    path: path.to_path_buf(),
                    text: Arc::new(text),
                });
                Ok(c)
            }
            _ => {
                let text = redacted(text, &issues.1);
                let issues = issues
                    .0
                    .into_iter()
                    .map(|i| ConfigIssue::from_issue(&text, i))
                    .collect();
                Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    src: NamedSource::new(path.display().to_string(), text).with_language("toml"),
                    issues,
                })
            }
        }
    }
}

/// The user:password part of a URL (byte range within it), if any.
fn userinfo_span(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://")? + 3;
    let end = start + url[start..].find('@')?;
    let host_end = url[start..].find('/').map_or(url.len(), |i| start + i);
    (end < host_end).then_some(start..end)
}

/// Mask spans byte for byte, so that every other span stays valid.
fn redacted(text: String, spans: &[std::ops::Range<usize>]) -> String {
    if spans.is_empty() {
        return text;
    }
    // Replacing whole characters by as many `*` as they have bytes keeps the text valid
    // UTF-8 and every byte offset in place.
    text.char_indices()
        .map(|(i, c)| {
            if spans.iter().any(|s| s.contains(&i)) {
                "*".repeat(c.len_utf8())
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn read_root(
    root: toml_span::Value<'_>,
    base_dir: Option<&Path>,
    issues: &mut Issues,
) -> Option<Config> {
    let mut t = TableReader::new(root, "", ROOT_KEYS, issues)?;
    let mut c = Config::default();
    if let Some(v) = t.take("source") {
        match records::record_kind(&v) {
            Some(kind) => c.records = records::read_source(v, kind, base_dir, issues),
            None => c.source = read_endpoint(v, "source", base_dir, issues),
        }
    }
    if let Some(v) = t.take("target") {
        c.target = read_endpoint(v, "target", base_dir, issues);
    }
    if let Some(v) = t.take("mapping")
        && let Some(m) = read_mapping(v, issues)
    {
        c.mapping = m;
    }
    if let Some(v) = t.take("sync")
        && let Some(s) = sync::read(v, issues)
    {
        c.sync = s;
    }
    if let Some(v) = t.take("rules") {
        c.rules = read_rules(v, issues);
    }
    if let Some(v) = t.take("ignore") {
        c.ignores = ignore::read(v, issues);
    }
    let aggregate = t.take("aggregate");
    let aggregate_span = aggregate.as_ref().map(|v| v.span);
    if let Some(v) = aggregate {
        c.aggregates = blocks::read_blocks(v, issues);
    }
    t.finish(issues);
    records_fit(&c, aggregate_span.map(|s| s.start..s.end), issues);
    Some(c)
}

/// A record source needs blocks and takes no program indicator keys; blocks need a
/// record source.
fn records_fit(c: &Config, aggregate: Option<std::ops::Range<usize>>, issues: &mut Issues) {
    match (&c.records, aggregate) {
        (None, Some(span)) => issues.push(
            span,
            "`[[aggregate]]` blocks need a record source",
            "no record source",
            Some("set `[source] kind = \"godata\"` or `kind = \"linelist\"`; a DHIS2 source maps program indicators instead".into()),
        ),
        (Some(r), None) => {
            let span = match r {
                records::RecordSource::GoData(g) => g.span.clone(),
                records::RecordSource::LineList(l) => l.span.clone(),
            };
            issues.push(
                span,
                format!("a `{}` source needs at least one `[[aggregate]]` block saying what to count", r.kind()),
                "nothing to aggregate",
                Some("add `[[aggregate]]` with `data_element`, `period` and optionally `where` and `categories`".into()),
            );
        }
        _ => {}
    }
    if c.records.is_some() {
        let pi_only = [
            (
                "mapping.attribute",
                c.mapping.attribute.as_ref().map(|a| a.span.clone()),
            ),
            (
                "mapping.programs",
                c.mapping.programs.first().map(|a| a.span.clone()),
            ),
            (
                "mapping.program_indicator_groups",
                c.mapping
                    .program_indicator_groups
                    .first()
                    .map(|a| a.span.clone()),
            ),
        ];
        for (key, span) in pi_only {
            if let Some(span) = span {
                issues.push(
                    span,
                    format!("`{key}` selects program indicators; a record source has none"),
                    "not for a record source",
                    Some("remove it: the `[[aggregate]]` blocks say what is transferred".into()),
                );
            }
        }
    }
}

fn read_endpoint(
    v: toml_span::Value<'_>,
    side: &'static str,
    base_dir: Option<&Path>,
    issues: &mut Issues,
) -> Option<EndpointConfig> {
    let mut t = TableReader::new(v, side, ENDPOINT_KEYS, issues)?;
    let table_span = t.span();
    if side == "source" {
        let _ = t.choice(
            "kind",
            &[("dhis2", ()), ("godata", ()), ("linelist", ())],
            issues,
        );
    } else if let Some(k) = t.string("kind", issues) {
        issues.push(
            k.span,
            "the target is always a DHIS2 instance; `[target]` takes no `kind`",
            "not for the target",
            None,
        );
    }
    let url = t.string("url", issues);
    let file = t.string("file", issues);
    let token_env = t.env_var("token_env", issues);
    let username_env = t.env_var("username_env", issues);
    let password_env = t.env_var("password_env", issues);
    let positive = |key: &'static str, max: u64, t: &mut TableReader<'_>, issues: &mut Issues| {
        let v = t.uint(key, max, issues)?;
        if v.value == 0 {
            issues.push(
                v.span,
                format!("`{side}.{key}` must be at least 1"),
                "zero",
                None,
            );
            return None;
        }
        Some(v.value)
    };
    let tuning = Tuning {
        page_size: positive("page_size", 100_000, &mut t, issues),
        concurrency: positive("concurrency", 64, &mut t, issues),
        timeout: positive("timeout", 86_400, &mut t, issues),
        retries: t.uint("retries", 20, issues).map(|v| v.value),
        retry_backoff: t.duration("retry_backoff", issues),
        retry_deadline: t.duration("retry_deadline", issues),
        allow_insecure_http: t
            .bool("allow_insecure_http", issues)
            .is_some_and(|b| b.value),
    };
    let dhis2_version = t.string("dhis2_version", issues).and_then(|v| {
        let parsed = crate::dhis2::Version::parse(&v.value);
        if parsed.is_none() {
            issues.push(
                v.span,
                format!(
                    "`{side}.dhis2_version` \"{}\" is not a DHIS2 version",
                    v.value
                ),
                "not a version",
                Some("write it as DHIS2 does, e.g. \"2.41.4\" or \"2.43\"".into()),
            );
        }
        parsed
    });
    t.finish(issues);
    let location = match (url, file) {
        (Some(u), None) => {
            if !u.value.to_ascii_lowercase().starts_with("http") {
                issues.push(
                    u.span.clone(),
                    format!("`{side}.url` must be an http(s) URL"),
                    "not a URL",
                    Some(format!("use `file = \"{}\"` for a metadata file", u.value)),
                );
                return None;
            }
            if let Some(secret) = userinfo_span(&u.value) {
                let start = u.span.start + secret.start;
                issues.redact(start..start + secret.len());
            }
            Location::parse(&u.value, None).map_err(|e| (u.span, e))
        }
        (None, Some(f)) => Location::parse(&f.value, base_dir).map_err(|e| (f.span, e)),
        (Some(_), Some(f)) => Err((
            f.span,
            format!("`[{side}]` has both `url` and `file`; keep one"),
        )),
        (None, None) => {
            issues.push(
                table_span,
                format!("`[{side}]` needs `url` (a DHIS2 base URL) or `file` (a metadata JSON)"),
                "missing url or file",
                None,
            );
            return None;
        }
    };
    match location {
        Ok(location) => Some(EndpointConfig {
            location,
            token_env,
            username_env,
            password_env,
            tuning,
            dhis2_version,
        }),
        Err((span, message)) => {
            issues.push(span, message, "invalid location", None);
            None
        }
    }
}

fn scheme(
    t: &mut TableReader<'_>,
    key: &'static str,
    default: IdScheme,
    issues: &mut Issues,
) -> IdScheme {
    let Some(s) = t.string(key, issues) else {
        return default;
    };
    match s.value.parse::<IdScheme>() {
        Ok(v) => v,
        Err(e) => {
            issues.push(
                s.span,
                format!("`mapping.{key}`: {e}"),
                "invalid id scheme",
                Some(format!("use {}", IdScheme::FORMS)),
            );
            default
        }
    }
}

fn read_mapping(v: toml_span::Value<'_>, issues: &mut Issues) -> Option<MappingConfig> {
    let mut t = TableReader::new(v, "mapping", MAPPING_KEYS, issues)?;
    let mut m = MappingConfig::default();
    if let Some(a) = t.string("attribute", issues) {
        if is_uid(&a.value) {
            m.attribute = Some(a);
        } else {
            issues.push(
                a.span,
                format!(
                    "`mapping.attribute` must be an attribute UID, not `{}`",
                    a.value
                ),
                "expected an 11-character UID",
                Some("leave it out to auto-detect the attribute (code DATA_ELEMENT_AGG)".into()),
            );
        }
    }
    m.programs = t.uids("programs", "program", issues);
    m.program_indicator_groups = t.uids(
        "program_indicator_groups",
        "program indicator group",
        issues,
    );
    m.data_element_id_scheme = scheme(&mut t, "data_element_id_scheme", IdScheme::Code, issues);
    m.category_option_combo_id_scheme = scheme(
        &mut t,
        "category_option_combo_id_scheme",
        IdScheme::Code,
        issues,
    );
    m.org_unit_id_scheme = scheme(&mut t, "org_unit_id_scheme", IdScheme::Uid, issues);
    t.finish(issues);
    Some(m)
}

fn read_rules(v: toml_span::Value<'_>, issues: &mut Issues) -> Vec<(&'static str, Level)> {
    let Some(mut t) = TableReader::new(v, "rules", &[], issues) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in t.drain() {
        let Some(level) = entry_string(&key.value, value, issues) else {
            continue;
        };
        let code = match crate::rule_id::lookup(&key.value) {
            Ok(id) => id.code,
            Err(suggestion) => {
                issues.push(
                    key.span,
                    format!("unknown rule `{}`", key.value),
                    "unknown rule",
                    Some(match suggestion {
                        Some(s) => format!("did you mean `{s}`? (`t2a rules` lists them)"),
                        None => "`t2a rules` lists the rule names".into(),
                    }),
                );
                continue;
            }
        };
        match level.value.parse::<Level>() {
            Ok(l) => out.push((code, l)),
            Err(()) => issues.push(
                level.span,
                format!("unknown level \"{}\" for rule `{}`", level.value, key.value),
                "unknown level",
                Some(format!("use {}", Level::FORMS)),
            ),
        }
    }
    t.finish(issues);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::PeriodType;

    fn parse(text: &str) -> Result<Config, Vec<ConfigIssue>> {
        Config::parse(Path::new("/jobs/job.toml"), text.to_string()).map_err(|e| match e {
            ConfigError::Invalid { issues, .. } => issues,
            ConfigError::Io { .. } => unreachable!(),
        })
    }

    #[test]
    fn full_config_reads() {
        let c = parse(
            r#"
[source]
url = "https://tracker.example.org"
token_env = "TRACKER_PAT"
[target]
file = "hmis.json"
[mapping]
attribute = "vudyDP7jUy5"
programs = ["M3bX9810ASg"]
data_element_id_scheme = "CODE"
category_option_combo_id_scheme = "code"
org_unit_id_scheme = "UID"
[sync]
period_type = "Monthly"
lookback = 3
include_current = false
org_units = ["ImspTQPwCqd", "LEVEL-4"]
import_strategy = "CREATE_AND_UPDATE"
run_analytics = false
stale = "report"
[rules]
incomplete-disaggregation = "off"
T2A009 = "error"
"#,
        )
        .unwrap();
        assert_eq!(
            c.source.as_ref().unwrap().token_env.as_deref(),
            Some("TRACKER_PAT")
        );
        assert_eq!(
            c.target.as_ref().unwrap().location,
            Location::File(PathBuf::from("/jobs/hmis.json"))
        );
        assert_eq!(c.mapping.programs[0].value, "M3bX9810ASg");
        assert_eq!(
            c.sync.period_type.as_ref().unwrap().value,
            PeriodType::Monthly
        );
        assert_eq!(c.sync.lookback, Some(3));
        assert_eq!(c.sync.org_units.len(), 2);
        assert_eq!(
            c.rules,
            vec![
                (
                    "T2A009",
                    Level::Severity(crate::diagnostic::Severity::Error)
                ),
                ("T2A021", Level::Off)
            ]
        );
    }

    #[test]
    fn unknown_keys_get_did_you_mean_with_position() {
        let issues = parse("[mapping]\natribute = \"vudyDP7jUy5\"\n[sinc]\n").unwrap_err();
        assert_eq!(issues.len(), 2, "{issues:?}");
        let a = issues
            .iter()
            .find(|i| i.message.contains("atribute"))
            .unwrap();
        assert_eq!((a.line, a.column), (2, 1));
        assert_eq!(a.help.as_deref(), Some("did you mean `attribute`?"));
        let s = issues.iter().find(|i| i.message.contains("sinc")).unwrap();
        assert_eq!(s.help.as_deref(), Some("did you mean `sync`?"));
    }

    #[test]
    fn every_problem_is_reported() {
        let issues = parse(
            r#"
[mapping]
data_element_id_scheme = "NAME"
programs = ["not-a-uid"]
[sync]
period_type = "Montly"
periods = ["202401", "2024Q1"]
stale = "purge"
lookback = -1
[rules]
duplicate-targets = "error"
unknown-data-element = "fatal"
"#,
        )
        .unwrap_err();
        let messages: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
        assert_eq!(issues.len(), 7, "{messages:#?}");
        let help = |needle: &str| {
            issues
                .iter()
                .find(|i| i.message.contains(needle))
                .and_then(|i| i.help.clone())
                .unwrap_or_default()
        };
        assert_eq!(help("Montly"), "did you mean \"Monthly\"?");
        assert!(help("duplicate-targets").contains("`duplicate-target`"));
        assert!(help("purge").contains("report, zero, delete"));
    }

    #[test]
    fn periods_of_several_types_are_a_choice_unless_the_job_sets_its_type() {
        let c = parse(
            "[sync]\nperiods = [\"202401\", \"2024Q1\", \"LAST_WEEK\"]\non_error = \"skip\"\n",
        )
        .expect("several period types read");
        assert_eq!(c.sync.periods.len(), 3);
        assert_eq!(c.sync.on_error, OnError::Skip);
        let issues = parse(
            "[sync]\nperiod_type = \"Monthly\"\nperiods = [\"202401\", \"2024Q1\", \"2024W2\"]\n",
        )
        .unwrap_err();
        let messages: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "\"2024Q1\" is Quarterly but `sync.period_type` is Monthly",
                "\"2024W2\" is Weekly but `sync.period_type` is Monthly"
            ]
        );
        let issues = parse("[sync]\non_error = \"ignore\"\n").unwrap_err();
        assert!(issues[0].message.contains("on_error"), "{issues:?}");
    }

    #[test]
    fn toml_syntax_error_has_position() {
        let issues = parse("[source\nurl = 1").unwrap_err();
        assert_eq!(issues.len(), 1);
        assert!(issues[0].message.starts_with("not valid TOML"));
        assert_eq!(issues[0].line, 1);
    }

    #[test]
    fn endpoint_needs_exactly_one_location() {
        let issues = parse("[source]\nurl = \"https://a.org\"\nfile = \"x.json\"\n").unwrap_err();
        assert!(issues[0].message.contains("both `url` and `file`"));
        let issues = parse("[source]\ntoken_env = \"X\"\n").unwrap_err();
        assert!(issues[0].message.contains("needs `url`"));
    }
}
