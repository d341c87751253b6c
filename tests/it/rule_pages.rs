//! Conventions of the rule registry: unique codes and names, a page per rule in
//! `rules/` generated from the doc comments (stale pages fail; `T2A_BLESS=1` rewrites).

use std::collections::HashSet;

use t2a::rule_id::CATALOGUE;
use t2a::rules::RULES;

use crate::support::repo;

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for (code, name) in CATALOGUE.iter().map(|r| (r.code, r.name)) {
        assert!(codes.insert(code), "duplicate code {code}");
        assert!(names.insert(name), "duplicate name {name}");
        assert!(
            code.len() == 6 && code.starts_with("T2A"),
            "bad code {code}"
        );
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "rule names are kebab-case: {name}"
        );
    }
}

#[test]
fn every_rule_is_documented_in_the_house_style() {
    for r in RULES {
        let doc = r.doc();
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## How to fix",
            "## Example",
        ] {
            assert!(doc.contains(heading), "{} lacks `{heading}`", r.name);
        }
        assert!(
            !r.summary.ends_with('.'),
            "{}: summaries have no trailing period",
            r.name
        );
    }
}

#[test]
fn rule_pages_are_current() {
    let dir = repo("rules");
    let bless = std::env::var_os("T2A_BLESS").is_some();
    if bless {
        std::fs::create_dir_all(&dir).expect("rules/");
    }
    let mut stale = Vec::new();
    for r in RULES {
        let path = dir.join(format!("{}.md", r.name));
        let want = r.page();
        if bless {
            std::fs::write(&path, &want).expect("write page");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale or missing rule pages (run `T2A_BLESS=1 cargo test rule_pages`): {stale:?}"
    );
    for entry in std::fs::read_dir(&dir).expect("rules/") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let rule = name.trim_end_matches(".md");
        assert!(
            name == "README.md" || RULES.iter().any(|r| r.name == rule),
            "rules/{name} belongs to no rule"
        );
    }
}
