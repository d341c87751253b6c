//! The command line: help, exit codes, and a clear diagnostic for every bad input.

use crate::support::{read, repo, t2a};

fn stderr(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

fn stdout(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

/// A config file in a temporary folder.
fn job(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("job.toml");
    std::fs::write(&path, text).expect("write job");
    (dir, path)
}

#[test]
fn help_is_stable() {
    let out = t2a().arg("--help").assert().success();
    insta::assert_snapshot!("help", stdout(&out));
    let out = t2a().args(["check", "--help"]).assert().success();
    insta::assert_snapshot!("check_help", stdout(&out));
}

#[test]
fn usage_errors_exit_2() {
    let out = t2a().assert().code(2);
    assert!(stderr(&out).contains("Usage: t2a"));
    let out = t2a()
        .args(["check", "--format", "xml", "--source", "x.json"])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("invalid value 'xml'"));
    let out = t2a().arg("check").assert().code(2);
    assert!(stderr(&out).contains("no source given"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--source"));
}

#[test]
fn missing_file_is_named() {
    let out = t2a()
        .args(["check", "--source", "no/such/file.json"])
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(
        err.contains("cannot read metadata file `no/such/file.json`"),
        "{err}"
    );
    assert!(err.contains("help:"), "{err}");
    let out = t2a()
        .args(["check", "--source", "snapshots"])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("cannot read metadata file `snapshots`"));
}

#[test]
fn invalid_json_points_at_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"dataElements\": [\n    {\"id\": \"a\",}\n  ]\n}\n",
    )
    .expect("write");
    let out = t2a().args(["check", "--source"]).arg(&bad).assert().code(2);
    let err = stderr(&out);
    assert!(err.contains("is not valid JSON"), "{err}");
    assert!(err.contains("line 3, column 16"), "{err}");
    assert!(err.contains("bad.json:3:16"), "{err}");
    assert!(
        err.contains("{\"id\": \"a\",}"),
        "the snippet is shown: {err}"
    );

    std::fs::write(&bad, "{\"programIndicators\": {\"id\": \"x\"}}").expect("write");
    let out = t2a().args(["check", "--source"]).arg(&bad).assert().code(2);
    let err = stderr(&out);
    assert!(
        err.contains("is not a DHIS2 metadata file: invalid type: map, expected a sequence"),
        "{err}"
    );
}

#[test]
fn unknown_config_key_gets_did_you_mean_at_its_position() {
    let (_dir, path) =
        job("[source]\nfile = \"x.json\"\n\n[mapping]\natribute = \"vudyDP7jUy5\"\n");
    let out = t2a()
        .args(["check", "--config"])
        .arg(&path)
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(
        err.contains("unknown key `atribute` in `[mapping]`"),
        "{err}"
    );
    assert!(err.contains("did you mean `attribute`?"), "{err}");
    assert!(err.contains("job.toml:5:1"), "{err}");
}

#[test]
fn config_errors_are_all_reported_at_once() {
    let (_dir, path) = job(
        "[source]\nurl = \"https://admin:district@hmis.example.org\"\n[sync]\nperiod_type = \"Montly\"\nstale = \"purge\"\n",
    );
    let out = t2a()
        .args(["check", "--config"])
        .arg(&path)
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(err.contains("3 problems"), "{err}");
    assert!(
        err.contains("credentials never go on the command line or into the config"),
        "{err}"
    );
    assert!(err.contains("did you mean \"Monthly\"?"), "{err}");
    assert!(err.contains("use one of: report, zero, delete"), "{err}");
    assert!(
        !err.contains("district"),
        "the password is not echoed back: {err}"
    );
}

#[test]
fn missing_config_file_exits_2() {
    let out = t2a()
        .args(["check", "--config", "nope.toml"])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("cannot read config file `nope.toml`"));
}

#[test]
fn config_naming_a_program_the_source_lacks_points_at_it() {
    let (_dir, path) = job(&format!(
        "[source]\nfile = \"{}\"\n[mapping]\nprograms = [\"lR8acRYSi4M\", \"zzzzzzzzzzz\"]\n",
        repo("snapshots/demo/tracker.json").display()
    ));
    let out = t2a()
        .args(["check", "--config"])
        .arg(&path)
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(
        err.contains("program `zzzzzzzzzzz` in `mapping.programs` does not exist in the source"),
        "{err}"
    );
    assert!(err.contains("job.toml:4:29"), "{err}");
}

#[test]
fn credentials_on_the_command_line_are_refused() {
    let out = t2a()
        .args([
            "check",
            "--source",
            "https://admin:district@play.dhis2.org/dev",
        ])
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(
        err.contains("credentials never go on the command line"),
        "{err}"
    );
    assert!(!err.contains("district"), "{err}");
    let out = t2a()
        .args(["check", "--source", "https://play.dhis2.org"])
        .env("T2A_SOURCE_USERNAME", "admin")
        .assert()
        .code(2);
    assert!(stderr(&out).contains("T2A_SOURCE_USERNAME is set but T2A_SOURCE_PASSWORD is not"));
}

#[test]
fn exit_codes_follow_the_findings() {
    let fixtures = "tests/fixtures/rules";
    // Clean: 0.
    let d = format!("{fixtures}/mapping-attribute-misconfigured/well-configured");
    t2a()
        .args([
            "check",
            "--source",
            &format!("{d}/source.json"),
            "--target",
            &format!("{d}/target.json"),
        ])
        .assert()
        .code(0);
    // A warning only: 0.
    let d = format!("{fixtures}/data-element-not-in-data-set");
    let out = t2a()
        .args([
            "check",
            "--source",
            &format!("{d}/source.json"),
            "--target",
            &format!("{d}/target.json"),
        ])
        .assert()
        .code(0);
    assert!(stdout(&out).contains("check passed: 3 mappings checked, 0 errors, 1 warning"));
    // Raised to error: 1.
    t2a()
        .args([
            "check",
            "--source",
            &format!("{d}/source.json"),
            "--target",
            &format!("{d}/target.json"),
        ])
        .args(["--rule", "data-element-not-in-data-set=error"])
        .assert()
        .code(1);
}

#[test]
fn rules_can_be_turned_off_by_name_or_code() {
    let out = t2a()
        .args([
            "check",
            "--config",
            "snapshots/demo/job.toml",
            "--format",
            "json",
        ])
        .args(["--rule", "T2A003=off", "--rule", "duplicate-target=warning"])
        .assert()
        .code(1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or(""))
        .collect();
    assert!(!codes.contains(&"T2A003"));
    let dup = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "T2A007")
        .expect("duplicate-target");
    assert_eq!(dup["severity"], "warning");
    assert_eq!(report["summary"]["errors"], 6);
    assert_eq!(report["summary"]["warnings"], 2);

    let out = t2a()
        .args([
            "check",
            "--config",
            "snapshots/demo/job.toml",
            "--rule",
            "duplicate-targets=off",
        ])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("did you mean `duplicate-target`?"));
    let out = t2a()
        .args([
            "check",
            "--config",
            "snapshots/demo/job.toml",
            "--rule",
            "duplicate-target",
        ])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("expected NAME=LEVEL"));
}

#[test]
fn human_report_is_stable() {
    let out = t2a()
        .args(["check", "--config", "snapshots/demo/job.toml"])
        .env("COLUMNS", "100")
        .assert()
        .code(1);
    insta::assert_snapshot!("demo_human", stdout(&out));
    assert!(stderr(&out).is_empty());
}

#[test]
fn json_goes_to_stdout_alone() {
    let out = t2a()
        .args([
            "check",
            "--config",
            "snapshots/demo/job.toml",
            "--format",
            "json",
        ])
        .assert()
        .code(1);
    assert!(stderr(&out).is_empty());
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(report["tool"]["name"], "t2a");
    // Keys in the order of the contract.
    let text = stdout(&out);
    let pos = |k: &str| text.find(&format!("\"{k}\"")).expect(k);
    assert!(
        pos("tool") < pos("source")
            && pos("source") < pos("target")
            && pos("target") < pos("summary")
    );
    assert!(pos("summary") < pos("diagnostics"));
}

#[test]
fn rules_and_explain() {
    let out = t2a().args(["rules", "--format", "json"]).assert().success();
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    // Every catalogue entry of rules.md: T2A001-T2A028 and T2A030-T2A049.
    assert_eq!(list.as_array().expect("list").len(), 48);
    assert_eq!(list[6]["name"], "duplicate-target");

    let out = t2a().args(["explain", "T2A007"]).assert().success();
    assert_eq!(stdout(&out), read(&repo("rules/duplicate-target.md")));
    let out = t2a()
        .args(["explain", "duplicate-target"])
        .assert()
        .success();
    assert!(stdout(&out).contains("## Why is this bad?"));
    // A catalogued rule not implemented yet, while there is one.
    if let Some(planned) = t2a::rules::planned().next() {
        let out = t2a().args(["explain", planned.name]).assert().code(2);
        assert!(stderr(&out).contains("not implemented yet"));
    }
    let out = t2a().args(["explain", "duplicat-target"]).assert().code(2);
    assert!(stderr(&out).contains("did you mean `duplicate-target`?"));
}

#[test]
fn snapshot_of_a_file_keeps_what_the_checks_need() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("snap.json");
    let out = t2a()
        .args([
            "snapshot",
            "--instance",
            "snapshots/demo/hmis.json",
            "--out",
        ])
        .arg(&out_path)
        .assert()
        .success();
    assert!(stderr(&out).contains("8 data elements"), "{}", stderr(&out));
    let snap: serde_json::Value = serde_json::from_str(&read(&out_path)).expect("json");
    assert_eq!(snap["dataSets"].as_array().expect("dataSets").len(), 2);
    let err = t2a()
        .args([
            "snapshot",
            "--instance",
            "snapshots/demo/hmis.json",
            "--out",
            "/no/such/dir/x.json",
        ])
        .assert()
        .code(2);
    assert!(stderr(&err).contains("cannot write `/no/such/dir/x.json`"));
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = t2a().args(["completions", shell]).assert().success();
        let text = stdout(&out);
        for word in [
            "check",
            "sync",
            "snapshot",
            "fail-on",
            "skip-invalid",
            "resume",
        ] {
            assert!(text.contains(word), "{shell} completes {word}");
        }
    }
    let out = t2a().arg("man").assert().success();
    insta::assert_snapshot!("man", stdout(&out));
}
