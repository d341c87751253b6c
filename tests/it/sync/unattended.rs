//! Runs nobody watches: stopped by Ctrl-C or SIGTERM, resumed, locked against a second
//! run of the job, with reports that never overwrite each other and a log that cron
//! can mail.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Env;
use crate::support::fake::{FaultKind, Version};
use crate::support::t2a_process;

fn reports(env: &Env) -> PathBuf {
    env.dir.path().join("t2a-reports")
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn journal_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("journal")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn a_stop_during_the_import_ends_between_payloads_and_resume_lands_the_rest() {
    for v in [Version::V241, Version::V243] {
        let env = Env::new(v);
        env.seed();
        env.job("import_chunk = 1");
        // Five payloads of one value each in the dry run, then the import: SIGTERM
        // arrives while the import's first payload is answered.
        env.target
            .fault_after("POST", "/api/dataValueSets", FaultKind::Terminate, 5, 1);
        let run = env.run_stopped(&["--yes"]);
        assert_eq!(run.code, 130, "{v:?}: {}", run.stderr);
        let end = run.event("end").expect("end");
        assert_eq!(end["outcome"], "interrupted");
        let message = end["message"].as_str().unwrap_or("");
        assert!(
            message.contains("interrupted after writing 1 of 5 values"),
            "{message}"
        );
        assert!(message.contains("--resume"), "{message}");
        let stored = env.target.stored();
        assert_eq!(stored.len(), 1, "{v:?}: one payload landed");
        let expected = env.expected();
        assert!(stored.iter().all(|(k, val)| expected.get(k) == Some(val)));

        // The journal has each payload's answer; the report and the values are kept.
        let journal = files_ending(&reports(&env), ".journal.jsonl");
        assert_eq!(journal.len(), 1);
        let chunks: Vec<Value> = journal_lines(&journal[0])
            .into_iter()
            .filter(|e| e["event"] == "chunk")
            .collect();
        assert_eq!(
            chunks.len(),
            6,
            "{v:?}: five dry-run payloads and one import"
        );
        assert_eq!(chunks[5]["dryRun"], false);
        assert_eq!(chunks[5]["values"], 1);
        assert!(Path::new(end["report"].as_str().unwrap_or("")).exists());
        assert_eq!(files_ending(&reports(&env), ".values.json").len(), 1);

        let resumed = env.run(&["--yes", "--resume"]);
        assert_eq!(resumed.code, 0, "{v:?}: {}", resumed.stderr);
        assert!(resumed.event("resume").is_some());
        assert_eq!(
            resumed.tally()[..3],
            [4, 0, 1],
            "{v:?}: what landed is unchanged"
        );
        assert_eq!(env.target.stored(), expected, "{v:?}");
        assert!(
            files_ending(&reports(&env), ".values.json").is_empty(),
            "values are not kept after a run that ended well"
        );
        let again = env.run(&["--yes", "--resume"]);
        assert_eq!(again.code, 2, "nothing left to resume");
        let error = again.event("end").expect("end")["error"].to_string();
        assert!(error.contains("nothing to resume"), "{error}");
    }
}

#[test]
fn after_a_stop_a_plain_run_finds_what_landed_unchanged() {
    let env = Env::new(Version::V238);
    env.seed();
    env.job("import_chunk = 2");
    env.target
        .fault_after("POST", "/api/dataValueSets", FaultKind::Terminate, 3, 1);
    let run = env.run_stopped(&["--yes"]);
    assert_eq!(run.code, 130, "{}", run.stderr);
    let landed = env.target.stored().len();
    assert!((1..5).contains(&landed), "{landed}");
    let rerun = env.run(&["--yes"]);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert_eq!(rerun.tally()[2], landed as u64);
    assert_eq!(env.target.stored(), env.expected());
}

#[test]
fn a_stop_before_any_write_says_nothing_was_written() {
    let env = Env::new(Version::V241);
    env.seed();
    // One export request at a time, so that the stop comes between two of them.
    env.job_sides("concurrency = 1", "", "");
    env.source
        .fault("GET", "analytics/dataValueSet", FaultKind::Terminate, 1);
    let run = env.run_stopped(&["--yes"]);
    assert_eq!(run.code, 130, "{}", run.stderr);
    let end = run.event("end").expect("end");
    assert_eq!(end["message"], "interrupted: nothing written");
    assert!(env.target.writes().is_empty());
    assert!(
        env.source
            .requests()
            .iter()
            .filter(|r| r.path.contains("analytics/dataValueSet"))
            .count()
            == 1,
        "the second export request is never sent"
    );
    let resume = env.run(&["--yes", "--resume"]);
    assert_eq!(resume.code, 2, "no values were kept to resume from");
}

#[test]
fn a_second_run_of_the_job_is_refused_and_a_lock_left_behind_is_taken_over() {
    let env = Env::new(Version::V241);
    env.seed();
    let dir = reports(&env);
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("malaria.lock");
    let holder = r#"{"pid":31337,"started":"2024-02-15T02:00:00Z","host":"hmis-sync"}"#;
    std::fs::write(&path, holder).expect("lock file");
    {
        let held = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .expect("open lock");
        held.try_lock().expect("lock");
        let run = env.run(&["--yes"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        let error = run.event("end").expect("end")["error"].to_string();
        assert!(error.contains("pid 31337"), "{error}");
        assert!(error.contains("2024-02-15T02:00:00Z"), "{error}");
        assert!(env.source.requests().is_empty(), "nothing was asked");
    }
    // Its holder is gone (the OS lock with it), the file still names it.
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stale = run.event("stale-lock").expect("warned");
    assert_eq!(stale["holder"]["pid"], 31337);
    assert_eq!(env.target.stored(), env.expected());
    assert_eq!(
        std::fs::read_to_string(&path).expect("lock"),
        "",
        "released"
    );
}

/// Every key of a JSON value, recursively.
fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.push(k.clone());
                keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[test]
fn runs_never_overwrite_each_others_reports_and_keys_have_one_style() {
    let env = Env::new(Version::V243);
    env.seed();
    let first = env.run(&["--yes"]);
    let second = env.run(&["--yes"]);
    let third = env.run(&["--yes"]);
    let paths: Vec<String> = [&first, &second, &third]
        .iter()
        .map(|r| {
            r.event("end").expect("end")["report"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(files_ending(&reports(&env), ".json").len(), 3, "{paths:?}");
    assert!(paths[0] != paths[1] && paths[1] != paths[2], "{paths:?}");
    for (run, path) in [&first, &second, &third].iter().zip(&paths) {
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("report")).expect("json");
        let mut all = Vec::new();
        keys(&report, &mut all);
        run.events.iter().for_each(|e| keys(e, &mut all));
        let odd: Vec<&String> = all
            .iter()
            .filter(|k| k.contains('_') || k.contains('-') || k.starts_with(char::is_uppercase))
            .collect();
        assert!(odd.is_empty(), "keys not in camelCase: {odd:?}");
    }
}

#[test]
fn quiet_prints_the_outcome_line_only() {
    let env = Env::new(Version::V241);
    env.seed();
    let out = t2a_process()
        .args(["sync", "-q", "--yes", "--as-of", "2024-02-15", "--config"])
        .arg(&env.job)
        .env("T2A_SOURCE_TOKEN", crate::support::fake::TOKEN_V2)
        .env("T2A_TARGET_TOKEN", crate::support::fake::TOKEN_V2)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout.is_empty(), "no preview");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("t2a sync: synced in "), "{stderr}");
    assert!(lines[0].contains("run report"), "{stderr}");
    assert_eq!(env.target.stored(), env.expected());
}

fn registrations(env: &Env) -> Vec<(String, String, String)> {
    env.target
        .with_data(|d| d.registrations.keys().cloned().collect())
}

#[test]
fn a_resumed_run_completes_the_data_sets_of_what_landed_before_too() {
    let whole = Env::new(Version::V241);
    whole.seed();
    whole.job("complete_data_sets = true");
    assert_eq!(whole.run(&["--yes"]).code, 0);
    let expected = registrations(&whole);
    assert!(expected.len() >= 2, "{expected:?}");

    let env = Env::new(Version::V241);
    env.seed();
    env.job("complete_data_sets = true\nimport_chunk = 1");
    // Four of five payloads land before the stop; the resume sends the last.
    env.target
        .fault_after("POST", "/api/dataValueSets", FaultKind::Terminate, 8, 1);
    assert_eq!(env.run_stopped(&["--yes"]).code, 130);
    assert_eq!(env.target.stored().len(), 4);
    assert!(
        registrations(&env).is_empty(),
        "the stop came before completion"
    );
    // A dry run of the resume changes nothing and keeps the run resumable.
    let dry = env.run(&["--yes", "--resume", "--dry-run"]);
    assert_eq!(dry.outcome(), "dry-run", "{}", dry.stderr);
    let resumed = env.run(&["--yes", "--resume"]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(registrations(&env), expected);
    assert_eq!(env.target.stored(), env.expected());
}

#[test]
fn an_import_that_fails_halfway_reports_what_landed_and_resume_finishes_it() {
    let env = Env::new(Version::V243);
    env.seed();
    env.job_with("retries = 1", "import_chunk = 1");
    // The dry run and the first payload pass; then the proxy fails for good.
    env.target
        .fault_after("POST", "/api/dataValueSets", FaultKind::Proxy(502), 6, 100);
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let end = run.event("end").expect("end");
    let message = end["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("failed after writing 1 of 5 values"),
        "{message}"
    );
    assert_eq!(
        run.event("import").expect("import recorded")["values"]["new"],
        1
    );
    assert_eq!(env.target.stored().len(), 1);
    env.target.clear_faults();
    let resumed = env.run(&["--yes", "--resume"]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(resumed.tally()[..3], [4, 0, 1]);
    assert_eq!(env.target.stored(), env.expected());
}

#[test]
fn the_message_of_an_interrupted_run_is_still_sent() {
    let env = Env::new(Version::V241);
    env.seed();
    env.job("import_chunk = 1\nnotify = \"failure\"\nnotify_users = [\"usrDataMgr1\"]");
    env.target
        .fault_after("POST", "/api/dataValueSets", FaultKind::Terminate, 5, 1);
    let run = env.run_stopped(&["--yes"]);
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert_eq!(
        run.event("notify").expect("notify")["sent"],
        true,
        "{}",
        run.stderr
    );
    let subject = env
        .target
        .with_data(|d| d.messages.first().map(|m| m["subject"].to_string()));
    assert!(subject.unwrap_or_default().contains("interrupted"));
}
