//! `--out` then `--from` on another day: the file records the plan it was made with
//! (and the id schemes of its values), and `--from` verifies against that plan.

use serde_json::Value;

use super::Env;
use crate::support::fake::Version;
use crate::support::read;

const LATER: &str = "2024-05-10";

fn written(env: &Env) -> std::path::PathBuf {
    let file = env.dir.path().join("values.json");
    let run = env.run(&["--out", file.to_str().expect("path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    file
}

fn edit(file: &std::path::Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&read(file)).expect("json");
    f(&mut v);
    std::fs::write(file, v.to_string()).expect("write");
}

#[test]
fn the_file_records_its_plan_and_from_follows_it_on_another_day() {
    for v in [Version::V241, Version::V243] {
        let env = Env::new(v);
        env.seed();
        let file = written(&env);
        let rec: Value = serde_json::from_str(&read(&file)).expect("json");
        let t2a = &rec["t2a"];
        assert_eq!(t2a["job"], "malaria");
        assert_eq!(t2a["plan"]["asOf"], "2024-02-15");
        assert_eq!(t2a["schemes"]["dataElement"], "CODE");
        let groups: Vec<(&str, &Value)> = t2a["plan"]["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| (g["periodType"].as_str().unwrap_or(""), &g["periods"]))
            .collect();
        assert_eq!(groups.len(), 2, "{groups:?}");
        // Three months later a fresh plan would ask for April and week 18; the file's
        // plan (January, week 6) decides.
        let path = file.to_str().expect("path");
        let run = env.run_on(LATER, &["--yes", "--from", path]);
        assert_eq!(run.code, 0, "{v:?}: {}", run.stderr);
        assert_eq!(env.target.stored(), env.expected(), "{v:?}");
        assert_eq!(run.event("plan").expect("plan")["asOf"], "2024-02-15");
        assert!(run.event("as-of-ignored").is_some());
    }
}

#[test]
fn a_file_without_a_plan_is_verified_against_a_fresh_one() {
    let env = Env::new(Version::V241);
    env.seed();
    let file = written(&env);
    edit(&file, |v| {
        v.as_object_mut().expect("object").remove("t2a");
    });
    let path = file.to_str().expect("path");
    let run = env.run_on(LATER, &["--yes", "--from", path]);
    assert!(run.event("from-unplanned").is_some());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outcome(), "verify-failed");
    let issues = &run.event("verify").expect("verify")["issues"];
    // Every January value is outside the fresh plan: one problem per PI and period.
    assert_eq!(issues, 4);
    assert!(env.target.writes().is_empty());
    // As of the day it was written, the fresh plan is the same: it lands.
    let run = env.run(&["--yes", "--from", path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(env.target.stored(), env.expected());
}

#[test]
fn a_file_the_job_cannot_follow_is_refused() {
    let env = Env::new(Version::V241);
    env.seed();
    let file = written(&env);
    let path = file.to_str().expect("path");
    // Other id schemes in the job than in the file.
    env.job("[mapping]\norg_unit_id_scheme = \"CODE\"");
    let run = env.run_on(LATER, &["--yes", "--from", path]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("org_unit_id_scheme: UID in the file, CODE in the job"),
        "{}",
        run.stderr
    );
    // A program indicator the job does not map.
    env.job("");
    edit(&file, |v| {
        v["t2a"]["plan"]["groups"][0]["programIndicators"]
            .as_array_mut()
            .expect("programIndicators")
            .push(Value::from("piGone00001"));
    });
    let run = env.run_on(LATER, &["--yes", "--from", path]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`piGone00001`"), "{}", run.stderr);
    assert!(env.target.writes().is_empty());
}

#[test]
fn values_of_a_pi_the_job_now_leaves_out_are_counted_never_sent() {
    let env = Env::new(Version::V243);
    env.seed();
    let file = written(&env);
    let path = file.to_str().expect("path");
    // Now the job transfers months only: the weekly PI is a period-type-mismatch error,
    // which --skip-invalid leaves out, also from the file's plan.
    env.job("period_type = \"Monthly\"");
    let run = env.run_on(LATER, &["--yes", "--skip-invalid", "--from", path]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outcome(), "synced");
    let stored = env.target.stored();
    assert_eq!(stored.len(), 4, "{stored:?}");
    assert!(!stored.keys().any(|k| k.0 == "deTestsW001"));
    assert_eq!(run.event("verify").expect("verify")["ofSkipped"], 1);
}
