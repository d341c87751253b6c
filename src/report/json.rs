//! `--format json`: the report contract of design/README.md.

use serde::Serialize;

use super::Report;
use crate::diagnostic::{ObjectRef, TargetRef};
use crate::input::SideInfo;

#[derive(Serialize)]
struct Json<'a> {
    tool: Tool,
    source: &'a SideInfo,
    target: &'a SideInfo,
    summary: Summary,
    diagnostics: Vec<Diagnostic<'a>>,
    /// Additions to the contract, present only when used: findings left out by
    /// `[[ignore]]` and the baseline, and ignore entries that matched nothing.
    #[serde(skip_serializing_if = "is_zero")]
    suppressed: super::suppress::Suppressed,
    #[serde(rename = "unusedIgnores", skip_serializing_if = "Vec::is_empty")]
    unused_ignores: Vec<Unused<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    hints: &'a [String],
}

fn is_zero(s: &super::suppress::Suppressed) -> bool {
    s.total() == 0
}

#[derive(Serialize)]
struct Unused<'a> {
    rule: &'static str,
    code: &'static str,
    severity: &'static str,
    message: String,
    reason: &'a str,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
    mappings: usize,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    rule: &'static str,
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    help: String,
    objects: &'a [ObjectRef],
    target: Option<&'a TargetRef>,
    /// Where in a text field of the first object (expression rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a crate::diagnostic::FieldSpan>,
}

pub fn render(report: &Report) -> String {
    let c = report.counts();
    let doc = Json {
        tool: Tool {
            name: "t2a",
            version: env!("CARGO_PKG_VERSION"),
        },
        source: &report.source,
        target: &report.target,
        summary: Summary {
            errors: c.errors,
            warnings: c.warnings,
            notes: c.notes,
            mappings: report.mappings,
        },
        diagnostics: report
            .findings
            .iter()
            .map(|f| Diagnostic {
                rule: f.rule.name,
                code: f.rule.code,
                severity: f.severity.as_str(),
                message: &f.message,
                help: f.full_help(),
                objects: &f.objects,
                target: f.target.as_ref(),
                field: f.field.as_ref(),
            })
            .collect(),
        suppressed: report.suppressed,
        hints: &report.hints,
        unused_ignores: report
            .unused_ignores
            .iter()
            .map(|u| Unused {
                rule: u.ignore.rule.name,
                code: u.ignore.rule.code,
                severity: "warning",
                message: u.message(),
                reason: &u.ignore.reason,
                line: u.line,
                column: u.column,
            })
            .collect(),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
