//! `--format github`: GitHub Actions workflow commands, one per finding
//! (`::error file=…,line=…,col=…,title=…::message`), which the pull request shows as
//! annotations on the metadata file's lines.

use super::Report;
use super::spans::Place;
use crate::diagnostic::Severity;

/// A workflow command's message: `%`, CR and LF escaped.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report, places: &[Option<Place>]) -> String {
    let mut out = String::new();
    for (f, place) in report.findings.iter().zip(places) {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = Vec::new();
        if let Some(p) = place {
            props.push(format!("file={}", property(&p.file.to_string_lossy())));
            props.push(format!("line={}", p.line));
            props.push(format!("col={}", p.column));
        }
        props.push(format!(
            "title={}",
            property(&format!("{} {}", f.rule.code, f.rule.name))
        ));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            data(&format!("{}\nhelp: {}", f.message, f.full_help()))
        ));
    }
    for u in &report.unused_ignores {
        let file = u.file().map_or(String::new(), |p| {
            format!("file={},", property(&p.to_string_lossy()))
        });
        out.push_str(&format!(
            "::warning {file}line={},col={},title=unused-ignore::{}\n",
            u.line,
            u.column,
            data(&format!(
                "{}\nhelp: {}",
                u.message(),
                super::suppress::UnusedIgnore::HELP
            ))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_properties_are_escaped_as_github_reads_them() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
