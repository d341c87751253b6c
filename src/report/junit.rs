//! `--format junit`: JUnit XML for CI test reports (GitLab, Jenkins, Azure): one test
//! case per rule, one failure per finding at or above `--fail-on`; findings below it
//! are the case's output.

use super::Report;
use super::spans::Place;
use crate::diagnostic::Finding;
use crate::rules::RULES;

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn details(report: &Report, f: &Finding, place: Option<&Place>) -> String {
    let mut text = format!(
        "{}: {}\nhelp: {}",
        super::concise::prefix(report, place),
        f.message,
        f.full_help()
    );
    for o in &f.objects {
        text.push_str(&format!("\n- {o}"));
    }
    text
}

pub fn render(
    report: &Report,
    places: &[Option<Place>],
    fail_on: crate::diagnostic::Severity,
) -> String {
    let mut cases = String::new();
    let mut failures = 0;
    let rules: Vec<_> = RULES
        .iter()
        .filter(|r| !report.inapplicable.contains(&r.code))
        .collect();
    for rule in &rules {
        let of_rule: Vec<(usize, &Finding)> = report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| std::ptr::eq(f.rule, rule.id))
            .collect();
        let mut body = String::new();
        let mut out = Vec::new();
        for &(i, f) in &of_rule {
            let text = details(report, f, places.get(i).and_then(Option::as_ref));
            if f.severity <= fail_on {
                failures += 1;
                body.push_str(&format!(
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                    f.severity.as_str(),
                    xml(&f.message),
                    xml(&text)
                ));
            } else {
                out.push(format!("{}: {text}", f.severity.as_str()));
            }
        }
        if report.off.contains(&rule.code) {
            body.push_str("      <skipped message=\"turned off by the job\"/>\n");
        }
        if !out.is_empty() {
            body.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                xml(&out.join("\n\n"))
            ));
        }
        let open = format!(
            "    <testcase classname=\"t2a.{}\" name=\"{} {}\"",
            rule.code,
            rule.code,
            xml(rule.name)
        );
        if body.is_empty() {
            cases.push_str(&format!("{open}/>\n"));
        } else {
            cases.push_str(&format!("{open}>\n{body}    </testcase>\n"));
        }
    }
    if !report.unused_ignores.is_empty() {
        let texts: Vec<String> = report
            .unused_ignores
            .iter()
            .map(|u| {
                let file = u
                    .file()
                    .map_or("job config".into(), |p| p.display().to_string());
                format!("{file}:{}:{}: {}", u.line, u.column, u.message())
            })
            .collect();
        let body = if crate::diagnostic::Severity::Warning <= fail_on {
            failures += texts.len();
            texts
                .iter()
                .map(|t| {
                    format!(
                        "      <failure type=\"warning\" message=\"{}\">{}</failure>\n",
                        xml(t),
                        xml(t)
                    )
                })
                .collect::<String>()
        } else {
            format!(
                "      <system-out>{}</system-out>\n",
                xml(&texts.join("\n"))
            )
        };
        cases.push_str(&format!(
            "    <testcase classname=\"t2a.config\" name=\"unused-ignore\">\n{body}    </testcase>\n"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"t2a\" tests=\"{n}\" failures=\"{failures}\">\n  <testsuite name=\"t2a check: {}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"{}\">\n{cases}  </testsuite>\n</testsuites>\n",
        xml(&report.source.location),
        report.off.len(),
        n = rules.len(),
    )
}
