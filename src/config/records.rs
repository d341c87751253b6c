//! Record sources (`[source] kind = "godata" | "linelist"`) and the `[[aggregate]]`
//! blocks that turn their records into data values (`godata-api.md` §3).
//!
//! The blocks are in `blocks.rs`.
//!
//! Reading only checks shape (keys, types, one location, known choices); whether a
//! field, a reference value or a category exists is for the rules T2A040–T2A049.

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml_span::value::Value;

use super::Spanned;
use super::walk::{Issues, TableReader};

/// Where a job's records come from.
#[derive(Debug, Clone)]
pub enum RecordSource {
    GoData(GoDataSource),
    LineList(LineListSource),
}

impl RecordSource {
    pub fn kind(&self) -> &'static str {
        match self {
            RecordSource::GoData(_) => "godata",
            RecordSource::LineList(_) => "linelist",
        }
    }

    pub fn timezone(&self) -> &Zone {
        match self {
            RecordSource::GoData(g) => &g.timezone,
            RecordSource::LineList(l) => &l.timezone,
        }
    }
}

/// A time zone as configured: its name (for messages) and the zone.
#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    pub tz: jiff::tz::TimeZone,
}

impl Default for Zone {
    fn default() -> Self {
        Zone {
            name: "UTC".into(),
            tz: jiff::tz::TimeZone::UTC,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoDataAuth {
    /// `POST /api/oauth/token`.
    OAuth,
    /// `POST /api/users/login`.
    Login,
}

/// Which outbreak a Go.Data job reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutbreakRef {
    Id(Spanned<String>),
    Name(Spanned<String>),
}

/// A live Go.Data instance, or an export of one.
#[derive(Debug, Clone)]
pub enum GoDataLocation {
    Url {
        url: Spanned<url::Url>,
        auth: GoDataAuth,
        username_env: Option<String>,
        password_env: Option<String>,
        allow_insecure_http: bool,
        timeout: Option<u64>,
        retries: Option<u64>,
    },
    Export {
        cases: Spanned<PathBuf>,
        locations: Option<Spanned<PathBuf>>,
        reference_data: Option<Spanned<PathBuf>>,
        /// The outbreak object (`GET /api/outbreaks/{id}`), for the checks that need it.
        outbreak: Option<Spanned<PathBuf>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClassificationAsOf {
    /// The classification now (Go.Data's screens).
    #[default]
    Current,
    /// The classification in force at the end of the period being computed.
    PeriodEnd,
}

#[derive(Debug, Clone)]
pub struct GoDataSource {
    pub location: GoDataLocation,
    pub outbreak: Option<OutbreakRef>,
    pub timezone: Zone,
    pub page_size: u64,
    pub classification_as_of: ClassificationAsOf,
    /// `age = {0, 0}` with no `dob` is a known age 0 rather than unknown.
    pub zero_age_is_known: bool,
    pub org_units: LocationLink,
    /// The `[source]` table (for findings on the source as a whole).
    pub span: Range<usize>,
}

/// How a Go.Data location becomes a target org unit.
#[derive(Debug, Clone)]
pub struct LocationLink {
    /// `residence`, `hospitalization` or a field path (the default of every block).
    pub from: Spanned<String>,
    pub matching: LocationMatch,
    pub identifier_prefix: Option<String>,
    pub roll_up: bool,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationMatch {
    /// The location id is the org unit UID.
    Id,
    /// `identifiers[].code` is the org unit's code (or its UID).
    Identifier,
    /// A CSV of `location_id,org_unit`.
    Table(Spanned<PathBuf>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineListFormat {
    Csv,
    Json,
    Ndjson,
}

#[derive(Debug, Clone)]
pub struct LineListSource {
    pub path: Spanned<PathBuf>,
    pub format: LineListFormat,
    pub delimiter: u8,
    pub id_column: Option<Spanned<String>>,
    /// strftime patterns, tried in order.
    pub date_formats: Vec<Spanned<String>>,
    pub timezone: Zone,
    pub org_units: ColumnLink,
    /// Declared columns: name and the values it may hold.
    pub columns: Vec<ColumnDecl>,
    pub span: Range<usize>,
}

/// How a line list's org unit column becomes a target org unit.
#[derive(Debug, Clone)]
pub struct ColumnLink {
    pub column: Spanned<String>,
    pub matching: ColumnMatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnMatch {
    Code,
    Uid,
    /// A CSV of `value,org_unit`.
    Table(Spanned<PathBuf>),
}

#[derive(Debug, Clone)]
pub struct ColumnDecl {
    pub name: Spanned<String>,
    pub allowed: Option<Vec<Spanned<String>>>,
}

pub(crate) const GODATA_KEYS: &[&str] = &[
    "kind",
    "url",
    "export",
    "locations",
    "reference_data",
    "outbreak_file",
    "outbreak",
    "outbreak_name",
    "auth",
    "username_env",
    "password_env",
    "timezone",
    "page_size",
    "classification_as_of",
    "zero_age_is_known",
    "allow_insecure_http",
    "timeout",
    "retries",
    "org_units",
];
const GODATA_OU_KEYS: &[&str] = &["from", "match", "identifier_prefix", "table", "roll_up"];
pub(crate) const LINELIST_KEYS: &[&str] = &[
    "kind",
    "path",
    "format",
    "delimiter",
    "id_column",
    "date_formats",
    "timezone",
    "org_units",
    "columns",
];
const LINELIST_OU_KEYS: &[&str] = &["column", "match", "table"];
const COLUMN_KEYS: &[&str] = &["allowed"];
/// The `kind` of a `[source]` table, when it names a record source.
pub fn record_kind(v: &Value<'_>) -> Option<&'static str> {
    match v.as_table()?.get("kind")?.as_str()? {
        k if k.eq_ignore_ascii_case("godata") => Some("godata"),
        k if k.eq_ignore_ascii_case("linelist") => Some("linelist"),
        _ => None,
    }
}

/// Read a `[source]` of a record kind.
pub fn read_source(
    v: Value<'_>,
    kind: &'static str,
    base_dir: Option<&Path>,
    issues: &mut Issues,
) -> Option<RecordSource> {
    let keys = if kind == "godata" {
        GODATA_KEYS
    } else {
        LINELIST_KEYS
    };
    let mut t = TableReader::new(v, "source", keys, issues)?;
    let _ = t.take("kind");
    let out = if kind == "godata" {
        read_godata(&mut t, base_dir, issues).map(RecordSource::GoData)
    } else {
        read_linelist(&mut t, base_dir, issues).map(RecordSource::LineList)
    };
    t.finish(issues);
    out
}

fn path_of(s: Spanned<String>, base_dir: Option<&Path>) -> Spanned<PathBuf> {
    let p = PathBuf::from(&s.value);
    let p = match base_dir {
        Some(b) if p.is_relative() => b.join(p),
        _ => p,
    };
    Spanned::new(p, s.span)
}

fn zone(t: &mut TableReader<'_>, issues: &mut Issues) -> Zone {
    let Some(s) = t.string("timezone", issues) else {
        return Zone::default();
    };
    match jiff::tz::TimeZone::get(&s.value) {
        Ok(tz) => Zone { name: s.value, tz },
        Err(_) => {
            issues.push(
                s.span,
                format!("`source.timezone` \"{}\" is not a known time zone", s.value),
                "unknown zone",
                Some(
                    "use an IANA zone name such as \"UTC\", \"Africa/Nairobi\" or \"Asia/Dhaka\""
                        .into(),
                ),
            );
            Zone::default()
        }
    }
}

fn read_godata(
    t: &mut TableReader<'_>,
    base_dir: Option<&Path>,
    issues: &mut Issues,
) -> Option<GoDataSource> {
    let span = t.span();
    let url = t.string("url", issues);
    let export = t.string("export", issues);
    let locations = t.string("locations", issues).map(|s| path_of(s, base_dir));
    let reference_data = t
        .string("reference_data", issues)
        .map(|s| path_of(s, base_dir));
    let outbreak_file = t
        .string("outbreak_file", issues)
        .map(|s| path_of(s, base_dir));
    let auth = t
        .choice(
            "auth",
            &[("oauth", GoDataAuth::OAuth), ("login", GoDataAuth::Login)],
            issues,
        )
        .unwrap_or(GoDataAuth::OAuth);
    let username_env = t.env_var("username_env", issues);
    let password_env = t.env_var("password_env", issues);
    let allow_insecure_http = t
        .bool("allow_insecure_http", issues)
        .is_some_and(|b| b.value);
    let timeout = t.uint("timeout", 86_400, issues).map(|v| v.value);
    let retries = t.uint("retries", 20, issues).map(|v| v.value);
    let outbreak = match (
        t.string("outbreak", issues),
        t.string("outbreak_name", issues),
    ) {
        (Some(id), None) => Some(OutbreakRef::Id(id)),
        (None, Some(name)) => Some(OutbreakRef::Name(name)),
        (Some(_), Some(name)) => {
            issues.push(
                name.span,
                "`[source]` has both `outbreak` and `outbreak_name`; keep one",
                "second outbreak",
                None,
            );
            None
        }
        (None, None) => None,
    };
    let timezone = zone(t, issues);
    let page_size = match t.uint("page_size", 100_000, issues) {
        Some(v) if v.value == 0 => {
            issues.push(
                v.span,
                "`source.page_size` must be at least 1",
                "zero",
                None,
            );
            1000
        }
        Some(v) => v.value,
        None => 1000,
    };
    let classification_as_of = t
        .choice(
            "classification_as_of",
            &[
                ("current", ClassificationAsOf::Current),
                ("period_end", ClassificationAsOf::PeriodEnd),
            ],
            issues,
        )
        .unwrap_or_default();
    let zero_age_is_known = t.bool("zero_age_is_known", issues).is_some_and(|b| b.value);
    let org_units = match t.take("org_units") {
        Some(v) => read_location_link(v, base_dir, issues)?,
        None => LocationLink {
            from: Spanned::new("residence".into(), span.clone()),
            matching: LocationMatch::Identifier,
            identifier_prefix: None,
            roll_up: true,
            span: span.clone(),
        },
    };
    let location = match (url, export) {
        (Some(u), None) => {
            if reference_data.is_some() || locations.is_some() || outbreak_file.is_some() {
                let s = reference_data
                    .as_ref()
                    .or(locations.as_ref())
                    .or(outbreak_file.as_ref())
                    .map(|s| s.span.clone())
                    .unwrap_or_else(|| u.span.clone());
                issues.push(
                    s,
                    "`locations`, `reference_data` and `outbreak_file` go with `export`: a live Go.Data is asked for them",
                    "only for an export",
                    Some("remove it, or read an export with `export = \"cases.json\"`".into()),
                );
            }
            let parsed = url::Url::parse(u.value.trim_end_matches('/'))
                .ok()
                .filter(|p| matches!(p.scheme(), "http" | "https"));
            let Some(parsed) = parsed else {
                issues.push(
                    u.span,
                    "`source.url` must be the http(s) URL of a Go.Data instance",
                    "not a URL",
                    Some("write the part before /api, e.g. \"https://godata.example.org\"".into()),
                );
                return None;
            };
            GoDataLocation::Url {
                url: Spanned::new(parsed, u.span),
                auth,
                username_env,
                password_env,
                allow_insecure_http,
                timeout,
                retries,
            }
        }
        (None, Some(e)) => {
            if locations.is_none() && !matches!(org_units.matching, LocationMatch::Table(_)) {
                issues.push(
                    e.span.clone(),
                    "a Go.Data export needs `locations`, the GET /api/locations array, to link locations to org units",
                    "no locations file",
                    Some("add `locations = \"locations.json\"`, or link by `org_units.match = \"table\"` with `roll_up = false`".into()),
                );
            }
            GoDataLocation::Export {
                cases: path_of(e, base_dir),
                locations,
                reference_data,
                outbreak: outbreak_file,
            }
        }
        (Some(_), Some(e)) => {
            issues.push(
                e.span,
                "`[source]` has both `url` and `export`; keep one",
                "second location",
                None,
            );
            return None;
        }
        (None, None) => {
            issues.push(
                span,
                "a Go.Data `[source]` needs `url` (the instance) or `export` (a JSON case export)",
                "missing url or export",
                None,
            );
            return None;
        }
    };
    if matches!(location, GoDataLocation::Url { .. }) && outbreak.is_none() {
        issues.push(
            t.span(),
            "a Go.Data `[source]` with a `url` needs `outbreak` (its id) or `outbreak_name`",
            "which outbreak?",
            Some("the outbreak's id is in the address bar of the Go.Data outbreak page".into()),
        );
    }
    Some(GoDataSource {
        location,
        outbreak,
        timezone,
        page_size,
        classification_as_of,
        zero_age_is_known,
        org_units,
        span,
    })
}

fn read_location_link(
    v: Value<'_>,
    base_dir: Option<&Path>,
    issues: &mut Issues,
) -> Option<LocationLink> {
    let mut t = TableReader::new(v, "source.org_units", GODATA_OU_KEYS, issues)?;
    let span = t.span();
    let from = t
        .string("from", issues)
        .unwrap_or_else(|| Spanned::new("residence".into(), span.clone()));
    let table = t.string("table", issues).map(|s| path_of(s, base_dir));
    let matching = match t.string("match", issues) {
        None => LocationMatch::Identifier,
        Some(m) => match m.value.to_ascii_lowercase().as_str() {
            "id" => LocationMatch::Id,
            "identifier" => LocationMatch::Identifier,
            "table" => match table.clone() {
                Some(p) => LocationMatch::Table(p),
                None => {
                    issues.push(
                        m.span,
                        "`match = \"table\"` needs `table`, a CSV of location_id,org_unit",
                        "no table",
                        Some("add `table = \"maps/locations.csv\"`".into()),
                    );
                    LocationMatch::Identifier
                }
            },
            _ => {
                issues.push(
                    m.span,
                    format!("`source.org_units.match` cannot be \"{}\"", m.value),
                    "unknown value",
                    Some("use one of: id, identifier, table".into()),
                );
                LocationMatch::Identifier
            }
        },
    };
    let identifier_prefix = t.string("identifier_prefix", issues).map(|s| s.value);
    let roll_up = t.bool("roll_up", issues).is_none_or(|b| b.value);
    t.finish(issues);
    Some(LocationLink {
        from,
        matching,
        identifier_prefix,
        roll_up,
        span,
    })
}

fn read_linelist(
    t: &mut TableReader<'_>,
    base_dir: Option<&Path>,
    issues: &mut Issues,
) -> Option<LineListSource> {
    let span = t.span();
    let Some(path) = t.string("path", issues) else {
        issues.push(
            span,
            "a line-list `[source]` needs `path` (a .csv, .json or .ndjson file)",
            "missing path",
            None,
        );
        return None;
    };
    let guessed = match Path::new(&path.value)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => Some(LineListFormat::Json),
        Some("ndjson" | "jsonl") => Some(LineListFormat::Ndjson),
        Some("csv" | "txt" | "tsv") => Some(LineListFormat::Csv),
        _ => None,
    };
    let format = t
        .choice(
            "format",
            &[
                ("csv", LineListFormat::Csv),
                ("json", LineListFormat::Json),
                ("ndjson", LineListFormat::Ndjson),
            ],
            issues,
        )
        .or(guessed);
    let Some(format) = format else {
        issues.push(
            path.span.clone(),
            format!("cannot tell the format of `{}` from its name", path.value),
            "unknown format",
            Some("add `format = \"csv\"`, \"json\" or \"ndjson\"".into()),
        );
        return None;
    };
    let delimiter = match t.string("delimiter", issues) {
        None => b',',
        Some(d) => {
            let v = if d.value == "\\t" { "\t" } else { &d.value };
            if v.len() == 1 && v.is_ascii() {
                v.as_bytes()[0]
            } else {
                issues.push(
                    d.span,
                    "`source.delimiter` must be one ASCII character",
                    "not one character",
                    Some("e.g. \",\", \";\" or \"\\t\"".into()),
                );
                b','
            }
        }
    };
    let id_column = t.string("id_column", issues);
    let date_formats = t
        .strings("date_formats", issues)
        .map(|l| l.value)
        .unwrap_or_default();
    for f in &date_formats {
        if !f.value.contains('%') {
            issues.push(
                f.span.clone(),
                format!("date format \"{}\" has no % field", f.value),
                "not a strftime pattern",
                Some("write it like \"%Y-%m-%d\" or \"%d/%m/%Y\"".into()),
            );
        }
    }
    let timezone = zone(t, issues);
    let org_units = match t.take("org_units") {
        Some(v) => read_column_link(v, base_dir, issues)?,
        None => {
            issues.push(
                span,
                "a line-list `[source]` needs `[source.org_units]` with the `column` that names the org unit",
                "no org unit column",
                Some("add `[source.org_units]` with `column = \"district_code\"` and `match = \"code\"`".into()),
            );
            return None;
        }
    };
    let columns = match t.take("columns") {
        Some(v) => read_columns(v, issues),
        None => Vec::new(),
    };
    Some(LineListSource {
        path: path_of(path, base_dir),
        format,
        delimiter,
        id_column,
        date_formats,
        timezone,
        org_units,
        columns,
        span,
    })
}

fn read_column_link(
    v: Value<'_>,
    base_dir: Option<&Path>,
    issues: &mut Issues,
) -> Option<ColumnLink> {
    let mut t = TableReader::new(v, "source.org_units", LINELIST_OU_KEYS, issues)?;
    let span = t.span();
    let column = t.string("column", issues);
    let table = t.string("table", issues).map(|s| path_of(s, base_dir));
    let matching = match t.string("match", issues) {
        None => ColumnMatch::Code,
        Some(m) => match m.value.to_ascii_lowercase().as_str() {
            "code" => ColumnMatch::Code,
            "uid" | "id" => ColumnMatch::Uid,
            "table" => match table {
                Some(p) => ColumnMatch::Table(p),
                None => {
                    issues.push(
                        m.span,
                        "`match = \"table\"` needs `table`, a CSV of value,org_unit",
                        "no table",
                        None,
                    );
                    ColumnMatch::Code
                }
            },
            _ => {
                issues.push(
                    m.span,
                    format!("`source.org_units.match` cannot be \"{}\"", m.value),
                    "unknown value",
                    Some("use one of: code, uid, table".into()),
                );
                ColumnMatch::Code
            }
        },
    };
    t.finish(issues);
    let Some(column) = column else {
        issues.push(
            span,
            "`[source.org_units]` needs `column`",
            "no column",
            None,
        );
        return None;
    };
    Some(ColumnLink { column, matching })
}

fn read_columns(v: Value<'_>, issues: &mut Issues) -> Vec<ColumnDecl> {
    let Some(mut t) = TableReader::new(v, "source.columns", &[], issues) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, v) in t.drain() {
        let path = Cow::Owned(format!("source.columns.{}", name.value));
        let Some(mut c) = TableReader::named(v, path, COLUMN_KEYS, issues) else {
            continue;
        };
        let allowed = c.strings("allowed", issues).map(|l| l.value);
        c.finish(issues);
        out.push(ColumnDecl { name, allowed });
    }
    t.finish(issues);
    out
}
