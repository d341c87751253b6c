//! A small reader over a spanned TOML tree: typed getters that record every problem
//! with its span (instead of stopping at the first), and unknown keys reported with a
//! "did you mean" against the keys the table accepts.

use std::borrow::Cow;
use std::ops::Range;

use toml_span::value::{Table, Value, ValueInner};

use crate::suggest::did_you_mean;

/// A value with the byte range it came from in the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Range<usize>) -> Self {
        Self { value, span }
    }
}

/// One problem in a config file.
#[derive(Debug, Clone)]
pub struct Issue {
    pub message: String,
    pub span: Range<usize>,
    pub label: String,
    pub help: Option<String>,
}

/// Collects issues while reading, and the spans of secrets that must not be shown.
#[derive(Debug, Default)]
pub struct Issues(pub Vec<Issue>, pub Vec<Range<usize>>);

impl Issues {
    /// Hide a span (a password someone wrote into the file) from every excerpt.
    pub fn redact(&mut self, span: Range<usize>) {
        self.1.push(span);
    }

    pub fn push(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        self.0.push(Issue {
            message: message.into(),
            span,
            label: label.into(),
            help,
        });
    }
}

pub(crate) fn range(span: toml_span::Span) -> Range<usize> {
    span.start..span.end
}

fn type_name(v: &ValueInner<'_>) -> &'static str {
    v.type_str()
}

/// Reads one TOML table whose accepted keys are known up front.
pub struct TableReader<'de> {
    table: Table<'de>,
    span: Range<usize>,
    /// Dotted name of the table for messages (`sync`, `source`); empty for the root.
    path: Cow<'static, str>,
    known: &'static [&'static str],
}

impl<'de> TableReader<'de> {
    /// `None` (with an issue) when the value is not a table.
    pub fn new(
        value: Value<'de>,
        path: &'static str,
        known: &'static [&'static str],
        issues: &mut Issues,
    ) -> Option<Self> {
        Self::named(value, Cow::Borrowed(path), known, issues)
    }

    /// A table whose name is made at run time (`aggregate[2].categories.SEX`).
    pub fn named(
        mut value: Value<'de>,
        path: Cow<'static, str>,
        known: &'static [&'static str],
        issues: &mut Issues,
    ) -> Option<Self> {
        let span = range(value.span);
        match value.take() {
            ValueInner::Table(table) => Some(Self {
                table,
                span,
                path,
                known,
            }),
            other => {
                issues.push(
                    span,
                    format!("`{path}` must be a table, found a {}", type_name(&other)),
                    "expected a table",
                    Some(format!("write it as a section: `[{path}]`")),
                );
                None
            }
        }
    }

    /// Where the table is (its header, or the whole inline table).
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    fn key_name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub fn take(&mut self, key: &'static str) -> Option<Value<'de>> {
        debug_assert!(self.known.contains(&key), "{key} not declared as known");
        self.table.remove(key)
    }

    pub fn string(&mut self, key: &'static str, issues: &mut Issues) -> Option<Spanned<String>> {
        let v = self.take(key)?;
        self.as_string(key, v, issues)
    }

    fn as_string(&self, key: &str, v: Value<'de>, issues: &mut Issues) -> Option<Spanned<String>> {
        string_value(
            &self.key_name(key),
            v,
            "put the value in double quotes",
            issues,
        )
    }

    pub fn bool(&mut self, key: &'static str, issues: &mut Issues) -> Option<Spanned<bool>> {
        let mut v = self.take(key)?;
        let span = range(v.span);
        match v.take() {
            ValueInner::Boolean(b) => Some(Spanned::new(b, span)),
            other => {
                issues.push(
                    span,
                    format!(
                        "`{}` must be true or false, found a {}",
                        self.key_name(key),
                        type_name(&other)
                    ),
                    "expected a boolean",
                    Some("write `true` or `false` without quotes".into()),
                );
                None
            }
        }
    }

    /// A non-negative integer not above `max`.
    pub fn uint(
        &mut self,
        key: &'static str,
        max: u64,
        issues: &mut Issues,
    ) -> Option<Spanned<u64>> {
        let mut v = self.take(key)?;
        let span = range(v.span);
        match v.take() {
            ValueInner::Integer(i) if i >= 0 && (i as u64) <= max => {
                Some(Spanned::new(i as u64, span))
            }
            ValueInner::Integer(i) => {
                issues.push(
                    span,
                    format!("`{}` is {i}, out of range", self.key_name(key)),
                    format!("expected 0 to {max}"),
                    None,
                );
                None
            }
            other => {
                issues.push(
                    span,
                    format!(
                        "`{}` must be a whole number, found a {}",
                        self.key_name(key),
                        type_name(&other)
                    ),
                    "expected a number",
                    None,
                );
                None
            }
        }
    }

    /// An array of strings (a single string is accepted as a one-element array).
    pub fn strings(
        &mut self,
        key: &'static str,
        issues: &mut Issues,
    ) -> Option<Spanned<Vec<Spanned<String>>>> {
        let mut v = self.take(key)?;
        let span = range(v.span);
        match v.take() {
            ValueInner::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(s) = self.as_string(key, item, issues) {
                        out.push(s);
                    }
                }
                Some(Spanned::new(out, span))
            }
            ValueInner::String(s) => Some(Spanned::new(
                vec![Spanned::new(s.into_owned(), span.clone())],
                span,
            )),
            other => {
                issues.push(
                    span,
                    format!(
                        "`{}` must be a list of strings, found a {}",
                        self.key_name(key),
                        type_name(&other)
                    ),
                    "expected a list",
                    Some(format!("write it as `{key} = [\"...\", \"...\"]`")),
                );
                None
            }
        }
    }

    /// A list of UIDs; each malformed one is an issue (which fails the whole config).
    pub fn uids(
        &mut self,
        key: &'static str,
        what: &str,
        issues: &mut Issues,
    ) -> Vec<Spanned<String>> {
        let Some(list) = self.strings(key, issues) else {
            return Vec::new();
        };
        for s in &list.value {
            if !crate::idscheme::is_uid(&s.value) {
                issues.push(
                    s.span.clone(),
                    format!("`{}` is not a {what} UID", s.value),
                    "expected an 11-character UID",
                    Some("UIDs are 11 characters: a letter, then letters or digits (see the Maintenance app)".into()),
                );
            }
        }
        list.value
    }

    /// The name of an environment variable that holds a secret (never the secret).
    pub fn env_var(&mut self, key: &'static str, issues: &mut Issues) -> Option<String> {
        let s = self.string(key, issues)?;
        let ok = !s.value.is_empty()
            && s.value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            issues.push(
                s.span,
                format!("`{}` must name an environment variable", self.key_name(key)),
                "not a variable name",
                Some("use letters, digits and underscores, e.g. \"HMIS_TOKEN\"; the secret itself never goes into the config".into()),
            );
            return None;
        }
        Some(s.value)
    }

    /// One of a fixed set of names (case-insensitive), with a "did you mean" otherwise.
    pub fn choice<T: Copy>(
        &mut self,
        key: &'static str,
        choices: &[(&'static str, T)],
        issues: &mut Issues,
    ) -> Option<T> {
        let s = self.string(key, issues)?;
        if let Some((_, v)) = choices
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&s.value))
        {
            return Some(*v);
        }
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        let help = match did_you_mean(&s.value, names.iter().copied()) {
            Some(n) => format!("did you mean \"{n}\"?"),
            None => format!("use one of: {}", names.join(", ")),
        };
        issues.push(
            s.span,
            format!("`{}` cannot be \"{}\"", self.key_name(key), s.value),
            "unknown value",
            Some(help),
        );
        None
    }

    /// A duration such as "30s", "15m", "24h" or "2d".
    pub fn duration(
        &mut self,
        key: &'static str,
        issues: &mut Issues,
    ) -> Option<std::time::Duration> {
        let s = self.string(key, issues)?;
        let parsed = s
            .value
            .parse::<jiff::SignedDuration>()
            .ok()
            .or_else(|| {
                // Whole days, which friendly durations leave to calendar spans.
                let days: i64 = s.value.trim().strip_suffix('d')?.trim().parse().ok()?;
                days.checked_mul(86_400)
                    .map(jiff::SignedDuration::from_secs)
            })
            .filter(|d| !d.is_negative())
            .and_then(|d| std::time::Duration::try_from(d).ok());
        if parsed.is_none() {
            issues.push(
                s.span,
                format!(
                    "`{}` is not a duration: \"{}\"",
                    self.key_name(key),
                    s.value
                ),
                "expected a duration",
                Some("write it like \"90s\", \"15m\", \"24h\" or \"2d\"".into()),
            );
        }
        parsed
    }

    /// The remaining entries, for tables with free keys (like `[rules]`).
    pub fn drain(&mut self) -> Vec<(Spanned<String>, Value<'de>)> {
        std::mem::take(&mut self.table)
            .into_iter()
            .map(|(k, v)| (Spanned::new(k.name.into_owned(), range(k.span)), v))
            .collect()
    }

    /// Report every key nobody asked for.
    pub fn finish(self, issues: &mut Issues) {
        let path = self.path;
        let known = self.known;
        for (key, _) in self.table {
            let name: Cow<'_, str> = key.name;
            let help = match did_you_mean(&name, known.iter().copied()) {
                Some(s) => Some(format!("did you mean `{s}`?")),
                None => Some(format!("accepted keys: {}", known.join(", "))),
            };
            let where_ = if path.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in `[{path}]`")
            };
            issues.push(
                range(key.span),
                format!("unknown key `{name}` {where_}"),
                "unknown key",
                help,
            );
        }
    }
}

/// A string value, or an issue naming `name` with `help`.
fn string_value(
    name: &str,
    mut v: Value<'_>,
    help: &str,
    issues: &mut Issues,
) -> Option<Spanned<String>> {
    let span = range(v.span);
    match v.take() {
        ValueInner::String(s) => Some(Spanned::new(s.into_owned(), span)),
        other => {
            issues.push(
                span,
                format!("`{name}` must be a string, found a {}", type_name(&other)),
                "expected a string",
                Some(help.to_string()),
            );
            None
        }
    }
}

/// Read a rule level from a free-form entry of `[rules]`.
pub fn entry_string(key: &str, v: Value<'_>, issues: &mut Issues) -> Option<Spanned<String>> {
    string_value(
        key,
        v,
        "write the level in quotes: \"error\", \"warning\", \"note\" or \"off\"",
        issues,
    )
}
