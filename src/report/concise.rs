//! `--format concise`: one line per finding, `file:line:col: CODE message`, as
//! compilers write them (editors and CI problem matchers jump to the place). A finding
//! at no place in a file names its input; warnings and notes say so after the code.

use super::Report;
use super::spans::Place;
use crate::diagnostic::{Finding, Severity};

/// Where a finding stands, as a path prefix.
pub fn prefix(report: &Report, place: Option<&Place>) -> String {
    match place {
        Some(p) => format!("{}:{}:{}", p.file.display(), p.line, p.column),
        None => report.source.location.clone(),
    }
}

/// Where a finding stands: its place in a file, else its API resource, else its input.
pub fn locus(report: &Report, f: &Finding, place: Option<&Place>) -> String {
    match (place, super::spans::resource(report, f)) {
        (None, Some(url)) => url,
        _ => prefix(report, place),
    }
}

fn severity_word(f: &Finding) -> &'static str {
    match f.severity {
        Severity::Error => "",
        Severity::Warning => "(warning) ",
        Severity::Note => "(note) ",
    }
}

pub fn render(report: &Report, places: &[Option<Place>]) -> String {
    let mut out = String::new();
    for (f, place) in report.findings.iter().zip(places) {
        out.push_str(&format!(
            "{}: {} {}{}\n",
            locus(report, f, place.as_ref()),
            f.rule.code,
            severity_word(f),
            f.message.replace('\n', " ")
        ));
    }
    for u in &report.unused_ignores {
        let file = u
            .file()
            .map_or("job config".to_string(), |p| p.display().to_string());
        out.push_str(&format!(
            "{file}:{}:{}: unused-ignore (warning) {}\n",
            u.line,
            u.column,
            u.message()
        ));
    }
    out
}
