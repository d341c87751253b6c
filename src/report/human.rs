//! `--format human`: miette diagnostics grouped by rule, then a summary table.

use std::fmt;

use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{Cell, CellAlignment, Table};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

use super::{Counts, Report};
use crate::diagnostic::{Finding, Severity};
use crate::input::SideInfo;
use crate::rules::RULES;

/// How many objects a finding lists before "… and N more".
const MAX_OBJECTS: usize = 8;

#[derive(Debug, Clone)]
pub struct HumanOptions {
    pub color: bool,
    pub unicode: bool,
    pub width: usize,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            unicode: true,
            width: 100,
        }
    }
}

/// A finding as a miette diagnostic.
struct Shown<'a> {
    finding: &'a Finding,
    text: String,
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Shown<'_> {}

impl Diagnostic for Shown<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{} {}",
            self.finding.rule.code, self.finding.rule.name
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.finding.help))
    }
}

fn shown(f: &Finding) -> Shown<'_> {
    let mut text = f.message.clone();
    // A single object is already named in the message.
    let listed = if f.objects.len() > 1 {
        &f.objects[..]
    } else {
        &[]
    };
    for o in listed.iter().take(MAX_OBJECTS) {
        text.push_str(&format!("\n  - {o}"));
    }
    if listed.len() > MAX_OBJECTS {
        text.push_str(&format!(
            "\n  - … and {} more",
            f.objects.len() - MAX_OBJECTS
        ));
    }
    Shown { finding: f, text }
}

fn handler(opts: &HumanOptions) -> GraphicalReportHandler {
    let theme = match (opts.unicode, opts.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, _) => GraphicalTheme::none(),
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false)
}

fn counts_text(c: Counts) -> String {
    let part = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    format!(
        "{}, {}, {}",
        part(c.errors, "error", "errors"),
        part(c.warnings, "warning", "warnings"),
        part(c.notes, "note", "notes")
    )
}

fn side_line(label: &str, s: &SideInfo) -> String {
    match &s.dhis2_version {
        Some(v) => format!("{label}: {} ({}, DHIS2 {v})", s.location, s.kind),
        None => format!("{label}: {} ({})", s.location, s.kind),
    }
}

pub fn render(report: &Report, opts: &HumanOptions) -> String {
    let mut out = findings(report, opts);
    summary(report, opts, &mut out);
    out
}

/// The findings, one header per rule that fired (what `sync` prints of a check).
pub fn findings(report: &Report, opts: &HumanOptions) -> String {
    let h = handler(opts);
    let mut out = String::new();
    for rule in RULES {
        let group: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| std::ptr::eq(f.rule, rule.id))
            .collect();
        if group.is_empty() {
            continue;
        }
        let rule_line = format!(
            "{} {} ({})",
            rule.code,
            rule.name,
            counts_text(Counts::of(group.iter().copied()))
        );
        let bar = if opts.unicode { "──" } else { "--" };
        out.push_str(&format!("{bar} {rule_line} {bar}\n\n"));
        for f in group {
            let mut s = String::new();
            // Rendering into a String cannot fail.
            let _ = h.render_report(&mut s, &shown(f));
            out.push_str(&s);
            out.push('\n');
        }
    }
    out
}

/// The sides, the table of rules and the verdict.
fn summary(report: &Report, opts: &HumanOptions, out: &mut String) {
    out.push_str(&side_line("source", &report.source));
    out.push('\n');
    out.push_str(&side_line("target", &report.target));
    out.push_str("\n\n");

    let mut table = Table::new();
    table.load_preset(if opts.unicode {
        UTF8_FULL_CONDENSED
    } else {
        ASCII_MARKDOWN
    });
    table.set_header(["code", "rule", "errors", "warnings", "notes"]);
    for rule in RULES {
        let c = Counts::of(
            report
                .findings
                .iter()
                .filter(|f| std::ptr::eq(f.rule, rule.id)),
        );
        let off = report.off.contains(&rule.code);
        let n = |v: usize| {
            let text = if off {
                "off".to_string()
            } else {
                v.to_string()
            };
            Cell::new(text).set_alignment(CellAlignment::Right)
        };
        table.add_row(vec![
            Cell::new(rule.code),
            Cell::new(rule.name),
            n(c.errors),
            n(c.warnings),
            n(c.notes),
        ]);
    }
    let total = report.counts();
    let n = |v: usize| Cell::new(v).set_alignment(CellAlignment::Right);
    table.add_row(vec![
        Cell::new("total"),
        Cell::new(format!("{} mappings checked", report.mappings)),
        n(total.errors),
        n(total.warnings),
        n(total.notes),
    ]);
    out.push_str(&table.to_string());
    out.push('\n');
    let verdict = if total.errors > 0 {
        "check failed"
    } else {
        "check passed"
    };
    out.push_str(&format!(
        "\n{verdict}: {} mappings checked, {}\n",
        report.mappings,
        counts_text(total)
    ));
}
