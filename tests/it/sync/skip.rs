//! A package with some broken mappings: refused by default, the transferable part
//! moved with `--skip-invalid` (or `sync.on_error = "skip"`), and an untransferable
//! mapping never sent, whatever level the job gives the rule that reports it.

use serde_json::Value;

use super::{Env, Run, hmis, key};
use crate::support::fake::Version;
use crate::support::{read, repo};

/// The sync fixture with three defects: the female cases PI targets a data element the
/// target lacks (T2A003), the deaths PI sends COC `MALE` to a data element of the
/// default combo (T2A005), and facility 2 is not assigned the monthly data set (T2A013).
fn broken(v: Version) -> Env {
    let mut tracker: Value =
        serde_json::from_str(&read(&repo("tests/fixtures/sync/tracker.json"))).expect("json");
    let pis = tracker["programIndicators"]
        .as_array_mut()
        .expect("programIndicators");
    pis[1]["attributeValues"][0]["value"] = Value::from("MAL_CASES_F");
    pis[2]["aggregateExportCategoryOptionCombo"] = Value::from("MALE");
    let mut target = hmis();
    target["dataSets"][0]["organisationUnits"]
        .as_array_mut()
        .expect("organisationUnits")
        .retain(|o| o["id"] != "ouFacilit02");
    let env = Env::with_both(v, |b| b.metadata(tracker), |b| b.metadata(target));
    env.seed();
    env
}

/// Only what every mapping and org unit allows: male cases at facility 1, the weekly
/// tests. Never the deaths under `MALE`, never anything at facility 2's monthly set.
fn transferable(env: &Env) {
    let stored = env.target.stored();
    let expected = [
        key("deCases0001", "202401", "ouFacilit01", "cocMale0001"),
        key("deTestsW001", "2024W6", "ouFacilit03", super::DEFAULT),
    ];
    assert_eq!(
        stored.keys().cloned().collect::<Vec<_>>(),
        expected.to_vec(),
        "{stored:?}"
    );
}

fn not_transferred(report: &Value) -> Vec<(String, String)> {
    report["notTransferred"]
        .as_array()
        .expect("notTransferred")
        .iter()
        .map(|n| {
            (
                n["programIndicator"]["id"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                n["rule"]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn run_with_report(env: &Env, args: &[&str]) -> (Run, Value) {
    let path = env.dir.path().join("report.json");
    let _ = std::fs::remove_file(&path);
    let path_arg = path.to_string_lossy().into_owned();
    let mut all = vec!["--report", path_arg.as_str()];
    all.extend_from_slice(args);
    let run = env.run(&all);
    let report = serde_json::from_str(&read(&path)).expect("run report");
    (run, report)
}

#[test]
fn by_default_a_package_with_errors_writes_nothing() {
    let env = broken(Version::V241);
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outcome(), "check-failed");
    let codes: Vec<&str> = run.event("check-errors").expect("errors")["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["T2A003", "T2A005", "T2A013"]);
    let refused = run.event("refused").expect("refused");
    assert_eq!(refused["skippable"], true);
    assert!(env.target.writes().is_empty());
}

#[test]
fn skip_invalid_moves_the_transferable_part_and_exits_1() {
    for v in [Version::V241, Version::V243] {
        let env = broken(v);
        let (run, report) = run_with_report(&env, &["--yes", "--skip-invalid"]);
        assert_eq!(run.code, 1, "{v:?}: {}", run.stderr);
        assert_eq!(run.outcome(), "synced", "{v:?}");
        transferable(&env);
        let skip = run.event("skip-invalid").expect("skip-invalid");
        assert_eq!(skip["programIndicators"], 2, "{skip}");
        assert_eq!(
            not_transferred(&report),
            [
                ("piCasesF001".into(), "unknown-data-element".into()),
                (
                    "piDeaths001".into(),
                    "category-option-combo-not-in-combo".into()
                ),
                ("piCasesM001".into(), "unassigned-org-unit".into()),
            ],
            "{v:?}"
        );
        let left_out = run.event("left-out").expect("left-out");
        assert_eq!(left_out["values"], 1);
        assert_eq!(left_out["orgUnits"][0], "ouFacilit02");
        assert_eq!(report["exitCode"], 1);
        // The second run finds nothing to change, and still says what it leaves out.
        let again = env.run(&["--yes", "--skip-invalid"]);
        assert_eq!(again.code, 1, "{v:?}: {}", again.stderr);
        assert_eq!(again.outcome(), "nothing-to-change");
        assert_eq!(again.event("end").expect("end")["notTransferred"], 3);
    }
}

#[test]
fn on_error_skip_in_the_job_does_the_same() {
    let env = broken(Version::V243);
    env.job("on_error = \"skip\"");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    transferable(&env);
}

#[test]
fn demoting_a_rule_opens_the_gate_but_never_sends_an_untransferable_mapping() {
    let env = broken(Version::V241);
    env.job(
        "[rules]\nunknown-data-element = \"off\"\ncategory-option-combo-not-in-combo = \"warning\"\nunassigned-org-unit = \"warning\"",
    );
    let (run, report) = run_with_report(&env, &["--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outcome(), "synced");
    // The deaths never land under `MALE` in a data element of the default combo.
    transferable(&env);
    assert_eq!(not_transferred(&report).len(), 3);
}

#[test]
fn errors_about_the_whole_job_cannot_be_skipped() {
    let env = broken(Version::V241);
    // An attribute the source does not have: mapping-attribute-missing names no PI.
    env.job("[mapping]\nattribute = \"noSuchAttr1\"");
    let run = env.run(&["--yes", "--skip-invalid"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outcome(), "check-failed");
    let refused = run.event("refused").expect("refused");
    assert_eq!(refused["skippable"], false, "{refused}");
    assert!(env.target.writes().is_empty());
}

#[test]
fn a_log_for_cron_prints_each_error_once_and_no_table_of_rules() {
    let env = broken(Version::V241);
    let out = crate::support::t2a_process()
        .args([
            "sync",
            "--skip-invalid",
            "--yes",
            "--as-of",
            "2024-02-15",
            "--config",
        ])
        .arg(&env.job)
        .env("T2A_SOURCE_TOKEN", crate::support::fake::TOKEN_V2)
        .env("T2A_TARGET_TOKEN", crate::support::fake::TOKEN_V2)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for code in ["T2A003", "T2A005", "T2A013"] {
        assert_eq!(
            stdout.matches(&format!("── {code} ")).count(),
            1,
            "{code} once: {stdout}"
        );
    }
    assert!(
        !stdout.contains("T2A001"),
        "no table of every rule: {stdout}"
    );
    assert!(
        !stdout.contains("check failed"),
        "the run goes on: {stdout}"
    );
    assert_eq!(stderr.matches("check: 5 mappings, 3 errors").count(), 1);
    let end = stderr.lines().last().unwrap_or("");
    assert!(
        end.contains("synced; 3 program indicators not (fully) transferred"),
        "{stderr}"
    );
}
