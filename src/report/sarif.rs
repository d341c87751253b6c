//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps).
//! Rule metadata comes from the rule pages; each result is located in the metadata file
//! (line, column) and names its object logically (`programIndicator/UID`); a stable
//! fingerprint (rule and object ids, not the message) lets a server track a finding
//! across runs.

use serde_json::{Value, json};

use super::Report;
use super::spans::Place;
use crate::diagnostic::Severity;
use crate::rules::RULES;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Where the rule pages are published (the crate's repository), if known.
fn help_uri(name: &str) -> Option<String> {
    let repo = env!("CARGO_PKG_REPOSITORY");
    (!repo.is_empty()).then(|| format!("{repo}/blob/main/rules/{name}.md"))
}

fn rules() -> Vec<Value> {
    RULES
        .iter()
        .map(|r| {
            let mut rule = json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.doc()},
                "help": {"text": r.doc(), "markdown": r.page()},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"tags": ["dhis2", "mapping"]},
            });
            if let Some(uri) = help_uri(r.name) {
                rule["helpUri"] = Value::from(uri);
            }
            rule
        })
        .collect()
}

fn result(report: &Report, i: usize, place: Option<&Place>) -> Value {
    let f = &report.findings[i];
    let rule_index = RULES.iter().position(|r| r.code == f.rule.code);
    let logical: Vec<Value> = f
        .objects
        .iter()
        .take(1)
        .map(|o| {
            json!({
                "name": if o.name.is_empty() { &o.id } else { &o.name },
                "fullyQualifiedName": format!("{}/{}", o.kind, o.id),
                "kind": "object",
            })
        })
        .collect();
    let mut location = json!({ "logicalLocations": logical });
    if let (None, Some(url)) = (place, super::spans::resource(report, f)) {
        location["physicalLocation"] = json!({"artifactLocation": {"uri": url}});
    }
    if let Some(p) = place {
        location["physicalLocation"] = json!({
            "artifactLocation": {"uri": p.file.to_string_lossy().replace('\\', "/")},
            "region": {"startLine": p.line, "startColumn": p.column, "charLength": p.len},
        });
    }
    json!({
        "ruleId": f.rule.code,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": format!("{}\nhelp: {}", f.message, f.full_help())},
        "locations": [location],
        "partialFingerprints": {"t2a/objects/v1": f.fingerprint()},
        "properties": {
            "rule": f.rule.name,
            "objects": f.objects,
        },
    })
}

pub fn render(report: &Report, places: &[Option<Place>]) -> String {
    let mut results: Vec<Value> = (0..report.findings.len())
        .map(|i| result(report, i, places.get(i).and_then(Option::as_ref)))
        .collect();
    for u in &report.unused_ignores {
        let mut location = json!({});
        if let Some(file) = u.file() {
            location["physicalLocation"] = json!({
                "artifactLocation": {"uri": file.to_string_lossy().replace('\\', "/")},
                "region": {"startLine": u.line, "startColumn": u.column},
            });
        }
        results.push(json!({
            "ruleId": "unused-ignore",
            "level": "warning",
            "message": {"text": format!("{}\nhelp: {}", u.message(), super::suppress::UnusedIgnore::HELP)},
            "locations": [location],
        }));
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "t2a",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules(),
            }},
            "results": results,
            "properties": {
                "source": report.source,
                "target": report.target,
                "mappings": report.mappings,
                "suppressed": report.suppressed,
            },
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
