//! The views reviewers look at: graph, coverage and diff, and `check --previous-target`.

use serde_json::Value;

use crate::support::{read, repo, t2a};

fn run_in(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = t2a().current_dir(dir).args(args).output().expect("run t2a");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const PAIR: [&str; 4] = ["--source", "source.json", "--target", "target.json"];

#[test]
fn graph_draws_the_mapping_with_its_defects_marked() {
    let dir = repo("tests/fixtures/output");
    let mut args = vec!["graph"];
    args.extend(PAIR);
    let (code, dot) = run_in(&dir, &args);
    assert_eq!(code, 0);
    insta::assert_snapshot!("graph_dot", dot);
    args.extend(["--format", "mermaid", "--focus", "MAL_DEATHS"]);
    let (_, mermaid) = run_in(&dir, &args);
    insta::assert_snapshot!("graph_mermaid_focus", mermaid);
    let (code, _) = run_in(
        &dir,
        &[
            "graph",
            "--source",
            "source.json",
            "--target",
            "target.json",
            "--focus",
            "NOTHING",
        ],
    );
    assert_eq!(code, 2, "a focus that names nothing is an error");
}

#[test]
fn coverage_shows_gaps_and_double_feeds() {
    let (code, csv) = run_in(
        &repo("."),
        &[
            "coverage",
            "--config",
            "snapshots/demo/job.toml",
            "--format",
            "csv",
        ],
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!("coverage_demo_csv", csv);
    let doubles: Vec<&str> = csv.lines().filter(|l| l.contains(",double,")).collect();
    assert_eq!(doubles.len(), 1, "the demo's duplicate target: {csv}");
    let (_, table) = run_in(
        &repo("tests/fixtures/sync"),
        &[
            "coverage",
            "--source",
            "tracker.json",
            "--target",
            "hmis.json",
        ],
    );
    assert!(
        table.ends_with("5 cells: 5 fed, 0 gaps, 0 fed twice or more\n"),
        "{table}"
    );
}

/// The sync fixture's HMIS, changed the way a release changes it.
fn changed_hmis() -> Value {
    let mut h: Value =
        serde_json::from_str(&read(&repo("tests/fixtures/sync/hmis.json"))).expect("json");
    for de in h["dataElements"].as_array_mut().expect("dataElements") {
        if de["id"] == "deCases0001" {
            de["code"] = Value::from("MAL_CASES_CONFIRMED");
        }
    }
    for ds in h["dataSets"].as_array_mut().expect("dataSets") {
        if ds["id"] == "dsWeekly001" {
            ds["periodType"] = Value::from("Monthly");
        }
        if ds["id"] == "dsMonthly01" {
            ds["organisationUnits"]
                .as_array_mut()
                .expect("organisationUnits")
                .retain(|o| o["id"] != "ouFacilit02");
        }
    }
    h
}

#[test]
fn diff_lists_what_mappings_feel_and_check_explains_renames_with_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        repo("tests/fixtures/sync/hmis.json"),
        dir.path().join("old.json"),
    )
    .expect("copy");
    std::fs::copy(
        repo("tests/fixtures/sync/tracker.json"),
        dir.path().join("tracker.json"),
    )
    .expect("copy");
    std::fs::write(dir.path().join("new.json"), changed_hmis().to_string()).expect("write");
    let (code, text) = run_in(dir.path(), &["diff", "old.json", "new.json"]);
    assert_eq!(code, 1, "changes exit 1");
    insta::assert_snapshot!("diff_human", text);
    let (code, _) = run_in(dir.path(), &["diff", "old.json", "old.json"]);
    assert_eq!(code, 0, "no changes exit 0");
    // The tracker still sends MAL_CASES; the earlier snapshot says what happened to it.
    let (_, json) = run_in(
        dir.path(),
        &[
            "check",
            "--source",
            "tracker.json",
            "--target",
            "new.json",
            "--previous-target",
            "old.json",
            "--format",
            "json",
        ],
    );
    let doc: Value = serde_json::from_str(&json).expect("json");
    let help: Vec<&str> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "T2A003")
        .filter_map(|d| d["help"].as_str())
        .collect();
    assert_eq!(help.len(), 2, "both sex PIs");
    for h in help {
        assert!(
            h.starts_with("`MAL_CASES` was renamed `MAL_CASES_CONFIRMED` (same UID `deCases0001`)"),
            "{h}"
        );
    }
}

/// `explain-pi` says how DHIS2 computes a PI: its row, count, rows kept, aggregation,
/// org unit, target and findings.
#[test]
fn explain_pi_says_how_dhis2_computes_a_program_indicator() {
    let dir = "tests/fixtures/rules/inconsistent-disaggregation/units";
    let out = crate::support::t2a()
        .current_dir(crate::support::repo(dir))
        .args([
            "explain-pi",
            "piCasesF001",
            "--source",
            "source.json",
            "--target",
            "target.json",
        ])
        .output()
        .expect("run t2a explain-pi");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    insta::assert_snapshot!("explain_pi", text);
    let json = crate::support::t2a()
        .current_dir(crate::support::repo(dir))
        .args([
            "explain-pi",
            "Cases (male)",
            "--source",
            "source.json",
            "--target",
            "target.json",
            "--format",
            "json",
        ])
        .output()
        .expect("run t2a explain-pi");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["id"], "piCasesM001");
    assert_eq!(v["analyticsType"], "EVENT");
    assert!(
        v["findings"][0]
            .as_str()
            .unwrap_or("")
            .starts_with("T2A038")
    );
    let missing = crate::support::t2a()
        .current_dir(crate::support::repo(dir))
        .args(["explain-pi", "piNotThere1", "--source", "source.json"])
        .output()
        .expect("run t2a explain-pi");
    assert_eq!(missing.status.code(), Some(2));
}
