//! `[[ignore]]`: a known defect accepted on purpose, so that the check fails only on new
//! ones. Each entry names a rule, one object (program indicator, data element, data set
//! or org unit, by UID or code) and the reason, which is mandatory. An entry that matches
//! nothing is reported, so ignores do not outlive what they were for.

use std::ops::Range;

use toml_span::value::{Value, ValueInner};

use super::walk::{Issues, TableReader};
use crate::rule_id::RuleId;

pub const IGNORE_KEYS: &[&str] = &[
    "rule",
    "program_indicator",
    "data_element",
    "data_set",
    "org_unit",
    "reason",
];

/// The object keys of an entry and the DHIS2 schema name they stand for.
const OBJECTS: &[(&str, &str)] = &[
    ("program_indicator", "programIndicator"),
    ("data_element", "dataElement"),
    ("data_set", "dataSet"),
    ("org_unit", "organisationUnit"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignore {
    pub rule: &'static RuleId,
    /// The config key (`program_indicator`, …) and the DHIS2 kind it names.
    pub key: &'static str,
    pub kind: &'static str,
    /// A UID, or for a data element also its code as the program indicators write it.
    pub object: String,
    pub reason: String,
    /// The entry in the config file.
    pub span: Range<usize>,
}

pub fn read(v: Value<'_>, issues: &mut Issues) -> Vec<Ignore> {
    let mut v = v;
    let span = v.span.start..v.span.end;
    let items = match v.take() {
        ValueInner::Array(items) => items,
        _ => {
            issues.push(
                span,
                "`ignore` must be a list of tables",
                "expected `[[ignore]]` entries",
                Some(
                    "write each entry as a `[[ignore]]` section with rule, object and reason"
                        .into(),
                ),
            );
            return Vec::new();
        }
    };
    items
        .into_iter()
        .filter_map(|item| entry(item, issues))
        .collect()
}

fn entry(item: Value<'_>, issues: &mut Issues) -> Option<Ignore> {
    let mut t = TableReader::new(item, "ignore", IGNORE_KEYS, issues)?;
    let span = t.span();
    let rule = t.string("rule", issues);
    let reason = t.string("reason", issues);
    let mut objects = Vec::new();
    for &(key, kind) in OBJECTS {
        if let Some(v) = t.string(key, issues) {
            objects.push((key, kind, v));
        }
    }
    t.finish(issues);
    let rule = match rule {
        None => {
            issues.push(
                span.clone(),
                "an `[[ignore]]` entry names no rule",
                "no `rule`",
                Some("add `rule = \"unknown-data-element\"` (a name or code; `t2a rules` lists them)".into()),
            );
            None
        }
        Some(r) => match crate::rule_id::lookup(&r.value) {
            Ok(id) => Some(id),
            Err(suggestion) => {
                issues.push(
                    r.span,
                    format!("unknown rule `{}`", r.value),
                    "unknown rule",
                    Some(match suggestion {
                        Some(s) => format!("did you mean `{s}`? (`t2a rules` lists them)"),
                        None => "`t2a rules` lists the rule names".into(),
                    }),
                );
                None
            }
        },
    };
    let reason = match reason.filter(|r| !r.value.trim().is_empty()) {
        Some(r) => Some(r.value),
        None => {
            issues.push(
                span.clone(),
                "an `[[ignore]]` entry gives no reason",
                "no `reason`",
                Some("say why the finding is accepted (`reason = \"retired in the HMIS, see TB-42\"`): the next reader needs it".into()),
            );
            None
        }
    };
    if objects.len() != 1 {
        issues.push(
            span.clone(),
            format!(
                "an `[[ignore]]` entry names {} objects; it names exactly one",
                objects.len()
            ),
            "one of program_indicator, data_element, data_set, org_unit",
            Some("write one entry per object".into()),
        );
        return None;
    }
    let (key, kind, object) = objects.pop()?;
    Some(Ignore {
        rule: rule?,
        key,
        kind,
        object: object.value,
        reason: reason?,
        span,
    })
}
