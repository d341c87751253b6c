//! `--format human`: one section per rule that fired, findings of one cause shown
//! together (one missing code, the program indicators that name it), the help they
//! share said once; then the sides, a table of the rules that fired, and the verdict.

use std::fmt;

use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{Cell, CellAlignment, Table};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

use super::spans::Place;
use super::{Counts, Report};
use crate::diagnostic::{Finding, Severity};
use crate::input::SideInfo;
use crate::rules::RULES;

/// How many objects a finding lists before "… and N more".
const MAX_OBJECTS: usize = 8;
/// How many items a group of findings lists before "… and N more".
const MAX_ITEMS: usize = 25;

#[derive(Debug, Clone)]
pub struct HumanOptions {
    pub color: bool,
    pub unicode: bool,
    pub width: usize,
    /// `--statistics`: the table lists every rule, not only those that fired.
    pub statistics: bool,
    /// `-q`: the verdict line only.
    pub quiet: bool,
    /// `--fail-on`: the least severity that fails the check.
    pub fail_on: Severity,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            unicode: true,
            width: 100,
            statistics: false,
            quiet: false,
            fail_on: Severity::Error,
        }
    }
}

/// One diagnostic of a section: a finding, or a group of findings of one cause. The
/// section's header names the rule, so the diagnostic does not repeat it.
struct Shown {
    severity: Severity,
    text: String,
    help: Option<String>,
    /// The file around the finding's place, and what stands there.
    snippet: Option<(super::snippet::Snippet, &'static str)>,
}

impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Shown {}

impl Diagnostic for Shown {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_deref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.snippet
            .as_ref()
            .map(|(s, _)| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let (s, label) = self.snippet.as_ref()?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some((*label).to_string()), s.span),
        )))
    }
}

/// The places of a report's findings, and the files' text to show around them.
#[derive(Default)]
pub struct Places<'a> {
    report: Option<&'a Report>,
    by_finding: std::collections::HashMap<*const Finding, &'a Place>,
    files: std::collections::HashMap<std::path::PathBuf, Option<memmap2::Mmap>>,
}

impl<'a> Places<'a> {
    fn new(report: &'a Report, places: &'a [Option<Place>]) -> Self {
        let by_finding = report
            .findings
            .iter()
            .zip(places)
            .filter_map(|(f, p)| Some((f as *const Finding, p.as_ref()?)))
            .collect();
        Places {
            report: Some(report),
            by_finding,
            files: Default::default(),
        }
    }

    /// The API resource of a finding's object over HTTP.
    fn resource(&self, f: &Finding) -> Option<String> {
        super::spans::resource(self.report?, f)
    }

    fn of(&self, f: &Finding) -> Option<&'a Place> {
        self.by_finding.get(&(f as *const Finding)).copied()
    }

    fn snippet(&mut self, p: &Place) -> Option<super::snippet::Snippet> {
        let map = self.files.entry(p.file.clone()).or_insert_with(|| {
            let file = std::fs::File::open(&p.file).ok()?;
            // SAFETY: read only while the report is rendered; a file changed meanwhile
            // shows other text around the place, nothing worse.
            unsafe { memmap2::Mmap::map(&file) }.ok()
        });
        super::snippet::Snippet::around(p, map.as_ref()?)
    }
}

/// The findings of one rule, by cause: a group per shared cause, the largest first (the
/// fix that clears most), else in order of first appearance; a finding without a cause
/// is a group of its own.
fn by_cause<'a>(findings: &[&'a Finding]) -> Vec<Vec<&'a Finding>> {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for &f in findings {
        let same = f.group.as_ref().and_then(|g| {
            groups.iter().position(|other| {
                other[0].group.as_ref().map(|o| &o.cause) == Some(&g.cause)
                    && other[0].severity == f.severity
            })
        });
        match same {
            Some(i) => groups[i].push(f),
            None => groups.push(vec![f]),
        }
    }
    // Stable: equal sizes keep their order.
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    groups
}

/// The objects every finding of a group names, but its program indicators (each is
/// an item): the data element, the combo, … to open in the Maintenance app.
fn shared_objects<'a>(group: &[&'a Finding]) -> Vec<&'a crate::diagnostic::ObjectRef> {
    group[0]
        .objects
        .iter()
        .filter(|o| o.kind != "programIndicator")
        .filter(|o| group.iter().all(|g| g.objects.contains(o)))
        .take(MAX_OBJECTS)
        .collect()
}

/// Each text once, in order.
fn distinct<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for t in texts {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// A group as one diagnostic; `common` is the help the whole section shares (said once
/// after it, so left out here).
fn shown(group: &[&Finding], common: Option<&str>, places: &mut Places<'_>) -> Shown {
    let f = group[0];
    let mut text;
    if let (1, Some(g)) = (group.len(), &f.group) {
        text = format!("{}: {}", g.cause, g.item);
    } else if group.len() == 1 {
        text = f.message.clone();
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
    } else {
        let cause = f.group.as_ref().map_or(f.message.as_str(), |g| &g.cause);
        text = format!(
            "{cause}: {}",
            crate::rules::help::plural(group.len(), "program indicator", "program indicators")
        );
        for g in group.iter().take(MAX_ITEMS) {
            let item = g.group.as_ref().map_or(g.message.as_str(), |g| &g.item);
            let at = places.of(g).map_or(String::new(), |p| {
                format!(" — {}:{}", p.file.display(), p.line)
            });
            text.push_str(&format!("\n  - {item}{at}"));
        }
        if group.len() > MAX_ITEMS {
            text.push_str(&format!("\n  - … and {} more", group.len() - MAX_ITEMS));
        }
    }
    if f.group.is_some() {
        let shared = shared_objects(group);
        if !shared.is_empty() {
            let names: Vec<String> = shared.iter().map(ToString::to_string).collect();
            text.push_str(&format!("\n  in: {}", names.join(", ")));
        }
    }
    let mut help: Vec<&str> = distinct(group.iter().filter_map(|g| g.hint.as_deref()));
    if common.is_none() {
        let alone = group.len() == 1;
        help.extend(distinct(group.iter().map(|&g| {
            if alone {
                g.help.as_str()
            } else {
                g.help_in_group()
            }
        })));
    }
    let snippet = match (group.len(), places.of(f)) {
        (1, Some(p)) => places.snippet(p).map(|s| (s, p.field.label())),
        _ => None,
    };
    if let (1, None, Some(url)) = (group.len(), &snippet, places.resource(f)) {
        text.push_str(&format!("\n  at {url}"));
    }
    Shown {
        severity: f.severity,
        text,
        help: (!help.is_empty()).then(|| help.join("; ")),
        snippet,
    }
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

pub fn render(report: &Report, opts: &HumanOptions, places: &[Option<Place>]) -> String {
    if opts.quiet {
        return verdict(report, opts);
    }
    let mut out = findings_at(report, opts, &mut Places::new(report, places));
    unused_ignores(report, opts, &mut out);
    for hint in &report.hints {
        let wrap = textwrap::Options::new(opts.width.max(40))
            .initial_indent("help: ")
            .subsequent_indent("      ");
        out.push_str(&textwrap::fill(hint, wrap));
        out.push_str("\n\n");
    }
    summary(report, opts, &mut out);
    out
}

/// The findings, one section per rule that fired (what `sync` prints of a check).
pub fn findings(report: &Report, opts: &HumanOptions) -> String {
    findings_at(report, opts, &mut Places::default())
}

/// The findings, their places shown where known.
fn findings_at(report: &Report, opts: &HumanOptions, places: &mut Places<'_>) -> String {
    let h = handler(opts);
    let mut out = String::new();
    for rule in RULES {
        let of_rule: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| std::ptr::eq(f.rule, rule.id))
            .collect();
        if of_rule.is_empty() {
            continue;
        }
        let bar = if opts.unicode { "──" } else { "--" };
        out.push_str(&format!(
            "{bar} {} {} ({}) {bar}\n\n",
            rule.code,
            rule.name,
            counts_text(Counts::of(of_rule.iter().copied()))
        ));
        let groups = by_cause(&of_rule);
        let helps = distinct(of_rule.iter().map(|f| f.help_in_group()));
        let common = (groups.len() > 1 && helps.len() == 1).then(|| helps[0]);
        for g in &groups {
            // Rendering into a String cannot fail.
            let _ = h.render_report(&mut out, &shown(g, common, places));
            out.push('\n');
        }
        if let Some(help) = common {
            let lead = format!("  help, for all {}: ", of_rule.len());
            let indent = " ".repeat(lead.chars().count());
            let wrap = textwrap::Options::new(opts.width.max(40))
                .initial_indent(&lead)
                .subsequent_indent(&indent);
            out.push_str(&textwrap::fill(help, wrap));
            out.push_str("\n\n");
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
    for rule in RULES
        .iter()
        .filter(|r| !report.inapplicable.contains(&r.code))
    {
        let c = Counts::of(
            report
                .findings
                .iter()
                .filter(|f| std::ptr::eq(f.rule, rule.id)),
        );
        let off = report.off.contains(&rule.code);
        if !opts.statistics && c == Counts::default() && !off {
            continue;
        }
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
    out.push_str("\n\n");
    out.push_str(&verdict(report, opts));
}

/// `check passed|failed: N mappings checked, …`, failed by the `--fail-on` level.
pub fn verdict(report: &Report, opts: &HumanOptions) -> String {
    let total = report.counts();
    let verdict = if report.fails(opts.fail_on) {
        "check failed"
    } else {
        "check passed"
    };
    let s = report.suppressed;
    let mut why = Vec::new();
    if s.by_ignore > 0 {
        why.push(format!("{} by [[ignore]]", s.by_ignore));
    }
    if s.by_baseline > 0 {
        why.push(format!("{} by the baseline", s.by_baseline));
    }
    let suppressed = if why.is_empty() {
        String::new()
    } else {
        format!("; {} suppressed ({})", s.total(), why.join(", "))
    };
    let unused = match report.unused_ignores.len() {
        0 => String::new(),
        n => format!(
            "; {}",
            crate::rules::help::plural(n, "unused ignore", "unused ignores")
        ),
    };
    format!(
        "{verdict}: {} mappings checked, {}{suppressed}{unused}\n",
        report.mappings,
        counts_text(total)
    )
}

/// An unused `[[ignore]]` entry, pointing into the job config.
struct UnusedShown<'a>(
    &'a super::suppress::UnusedIgnore,
    Option<miette::NamedSource<String>>,
);

impl fmt::Debug for UnusedShown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message())
    }
}

impl fmt::Display for UnusedShown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message())
    }
}

impl std::error::Error for UnusedShown<'_> {}

impl Diagnostic for UnusedShown<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Warning)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(super::suppress::UnusedIgnore::HELP))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.1.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.1.as_ref()?;
        let span = self.0.ignore.span.clone();
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(
                Some(format!("accepted because: {}", self.0.ignore.reason)),
                (span.start, span.end.saturating_sub(span.start).min(1)),
            ),
        )))
    }
}

fn unused_ignores(report: &Report, opts: &HumanOptions, out: &mut String) {
    if report.unused_ignores.is_empty() {
        return;
    }
    let bar = if opts.unicode { "──" } else { "--" };
    out.push_str(&format!(
        "{bar} unused [[ignore]] entries ({}) {bar}\n\n",
        crate::rules::help::plural(report.unused_ignores.len(), "warning", "warnings")
    ));
    let h = handler(opts);
    for u in &report.unused_ignores {
        let _ = h.render_report(
            &mut *out,
            &UnusedShown(u, u.config.as_ref().map(|c| c.named())),
        );
        out.push('\n');
    }
}
