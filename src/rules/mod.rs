//! The rule registry. A rule is one file: its documentation (the doc comment, which
//! also feeds `t2a explain` and `rules/<name>.md`), its registration and its check.

mod context;
mod help;

pub use context::Context;

use rayon::prelude::*;

use crate::diagnostic::{Finding, Level, Severity};
use crate::suggest::did_you_mean;

/// A rule: identity, default severity, documentation and check.
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// Markdown, from the doc comment.
    doc: &'static str,
    pub check: fn(&Context<'_>) -> Vec<Finding>,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

impl Rule {
    /// The documentation without the one leading space rustdoc keeps per line.
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string()
    }

    /// The level a job gives the rule: the last setting for its code, else its default.
    pub fn level(&self, levels: &[(&'static str, Level)]) -> Level {
        levels
            .iter()
            .rev()
            .find(|(code, _)| *code == self.code)
            .map_or(Level::Severity(self.severity), |(_, l)| *l)
    }

    /// The Markdown page of the rule (`rules/<name>.md`).
    pub fn page(&self) -> String {
        format!(
            "<!-- generated from src/rules by `T2A_BLESS=1 cargo test`; edit the doc comment there -->\n\
             # {code} `{name}`\n\n\
             Default severity: **{sev}**\n\n\
             {summary}\n\n\
             {doc}\n",
            code = self.code,
            name = self.name,
            sev = self.severity,
            summary = capitalise(self.summary),
            doc = self.doc(),
        )
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

/// Declare a rule; the doc comment becomes its documentation.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        pub static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            severity: $sev:ident,
            summary: $summary:literal,
            check: $check:path $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub static $ident: $crate::rules::Rule = $crate::rules::Rule {
            code: $code,
            name: $name,
            severity: $crate::diagnostic::Severity::$sev,
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
            check: $check,
        };
    };
}

mod attribute_option_combo;
mod category_option_combo_not_in_combo;
mod conflicting_period_types;
mod data_element_not_in_data_set;
mod duplicate_target;
mod mapping_attribute_misconfigured;
mod mapping_attribute_missing;
mod missing_category_option_combo;
mod period_type_mismatch;
mod unassigned_org_unit;
mod unknown_category_option_combo;
mod unknown_data_element;
mod unknown_org_unit;

/// Every implemented rule, in code order.
pub static RULES: &[&Rule] = &[
    &mapping_attribute_missing::RULE,
    &mapping_attribute_misconfigured::RULE,
    &unknown_data_element::RULE,
    &unknown_category_option_combo::RULE,
    &category_option_combo_not_in_combo::RULE,
    &missing_category_option_combo::RULE,
    &duplicate_target::RULE,
    &attribute_option_combo::RULE,
    &data_element_not_in_data_set::RULE,
    &period_type_mismatch::RULE,
    &conflicting_period_types::RULE,
    &unknown_org_unit::RULE,
    &unassigned_org_unit::RULE,
];

/// Catalogue entries (rules.md) not implemented yet. Their names are part of the
/// contract already, so a job config may set their level today.
pub static PLANNED: &[(&str, &str)] = &[
    ("T2A014", "value-type-mismatch"),
    ("T2A015", "non-integer-export"),
    ("T2A016", "negative-or-zero-rejected"),
    ("T2A017", "zero-not-stored"),
    ("T2A018", "not-aggregate-domain"),
    ("T2A019", "mixed-id-schemes"),
    ("T2A020", "target-without-code"),
    ("T2A021", "incomplete-disaggregation"),
    ("T2A022", "expiry-window"),
    ("T2A023", "exchange-mismatch"),
    ("T2A024", "unmapped-program-indicator"),
    ("T2A025", "stale-analytics"),
];

/// Find an implemented rule by name or code (case-insensitive code).
pub fn find(name_or_code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.name == name_or_code || r.code.eq_ignore_ascii_case(name_or_code))
}

/// The code of a rule in the catalogue (implemented or planned), or the closest name.
pub fn lookup_code(name_or_code: &str) -> Result<&'static str, Option<&'static str>> {
    if let Some(r) = find(name_or_code) {
        return Ok(r.code);
    }
    if let Some((code, _)) = PLANNED
        .iter()
        .find(|(code, name)| *name == name_or_code || code.eq_ignore_ascii_case(name_or_code))
    {
        return Ok(code);
    }
    let names = RULES
        .iter()
        .map(|r| r.name)
        .chain(PLANNED.iter().map(|(_, n)| *n));
    Err(did_you_mean(name_or_code, names))
}

/// Run every enabled rule (in parallel) and apply the job's levels. The report sorts
/// the findings into the contract's order.
pub fn run(cx: &Context<'_>, levels: &[(&'static str, Level)]) -> Vec<Finding> {
    RULES
        .par_iter()
        .filter_map(|rule| match rule.level(levels) {
            Level::Off => None,
            Level::Severity(sev) => Some((rule, sev)),
        })
        .flat_map_iter(|(rule, sev)| {
            (rule.check)(cx).into_iter().map(move |mut f| {
                if !f.fixed {
                    f.severity = sev;
                }
                f
            })
        })
        .collect()
}
