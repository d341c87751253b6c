//! `t2a sync` end to end: two fake DHIS2 instances, the source answering the analytics
//! export from a table of PI values (§4.2), the target validating and storing imports
//! (§6), on 2.36, 2.38, 2.41 and 2.43.

mod disaggregated;
mod expressions;
mod faults;
mod file;
mod skip;
mod unattended;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::support::fake::{self, Builder, FakeDhis2, Version};
use crate::support::{repo, t2a_process};

const AS_OF: &str = "2024-02-15";
const DEFAULT: &str = "cocDefault1";

struct Env {
    version: Version,
    source: FakeDhis2,
    target: FakeDhis2,
    dir: tempfile::TempDir,
    job: PathBuf,
}

struct Run {
    code: i32,
    events: Vec<Value>,
    stderr: String,
}

impl Run {
    fn of(out: &std::process::Output) -> Run {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let events = stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\nstdout: {stdout}"))
            })
            .collect();
        Run {
            code: out.status.code().unwrap_or(-1),
            events,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn event(&self, name: &str) -> Option<&Value> {
        self.events.iter().rev().find(|e| e["event"] == name)
    }

    /// Reconciliation counts: new, changed, unchanged, stale.
    fn tally(&self) -> [u64; 4] {
        let r = self.event("reconcile").cloned().unwrap_or_default();
        ["new", "changed", "unchanged", "stale"].map(|k| r[k].as_u64().unwrap_or(u64::MAX))
    }

    fn outcome(&self) -> &str {
        self.event("end")
            .and_then(|e| e["outcome"].as_str())
            .unwrap_or("")
    }
}

fn key(de: &str, pe: &str, ou: &str, coc: &str) -> (String, String, String, String, String) {
    (de.into(), pe.into(), ou.into(), coc.into(), DEFAULT.into())
}

impl Env {
    fn new(version: Version) -> Env {
        Env::with(version, |b| {
            b.metadata_file(&repo("tests/fixtures/sync/tracker.json"))
        })
    }

    /// With a source built by `source` (to vary its metadata).
    fn with(version: Version, source: impl FnOnce(Builder) -> Builder) -> Env {
        Env::with_both(version, source, |b| {
            b.metadata_file(&repo("tests/fixtures/sync/hmis.json"))
        })
    }

    /// With both sides built by the caller.
    fn with_both(
        version: Version,
        source: impl FnOnce(Builder) -> Builder,
        target: impl FnOnce(Builder) -> Builder,
    ) -> Env {
        let source = source(Builder::new(version)).start();
        let target = target(Builder::new(version).context_path("/hmis")).start();
        let dir = tempfile::tempdir().expect("tempdir");
        let job = dir.path().join("malaria.toml");
        let env = Env {
            version,
            source,
            target,
            dir,
            job,
        };
        env.job("");
        env
    }

    /// Rewrite the job with extra `[sync]` lines.
    fn job(&self, sync: &str) {
        self.job_with("", sync);
    }

    /// Rewrite the job with extra `[target]` and `[sync]` lines. Retries wait a
    /// millisecond, not seconds.
    fn job_with(&self, target: &str, sync: &str) {
        self.job_sides("", target, sync);
    }

    /// Rewrite the job with extra `[source]`, `[target]` and `[sync]` lines.
    fn job_sides(&self, source: &str, target: &str, sync: &str) {
        std::fs::write(
            &self.job,
            format!(
                "[source]\nurl = \"{}\"\nretry_backoff = \"1ms\"\n{source}\n[target]\nurl = \"{}\"\nretry_backoff = \"1ms\"\n{target}\n[sync]\nlookback = 1\nanalytics_poll = \"1ms\"\n{sync}\n",
                self.source.url, self.target.url
            ),
        )
        .expect("write job");
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_on(AS_OF, args)
    }

    /// Run as of another day.
    fn run_on(&self, as_of: &str, args: &[&str]) -> Run {
        let out = self.command(as_of, args).output().expect("run t2a sync");
        Run::of(&out)
    }

    /// Run with the source's and target's `Terminate` faults stopping this process.
    fn run_stopped(&self, args: &[&str]) -> Run {
        let child = self
            .command(AS_OF, args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start t2a sync");
        self.source.set_client_pid(child.id());
        self.target.set_client_pid(child.id());
        let out = child.wait_with_output().expect("run t2a sync");
        Run::of(&out)
    }

    /// `t2a sync --format json` of the job, with the credentials of the version.
    fn command(&self, as_of: &str, args: &[&str]) -> std::process::Command {
        let mut cmd = t2a_process();
        cmd.args(["sync", "--format", "json", "--as-of", as_of, "--config"])
            .arg(&self.job)
            .args(args);
        for side in ["SOURCE", "TARGET"] {
            if self.version >= Version::V238 {
                let token = if self.version >= Version::V241 {
                    fake::TOKEN_V2
                } else {
                    fake::TOKEN_V1
                };
                cmd.env(format!("T2A_{side}_TOKEN"), token);
            } else {
                cmd.env(format!("T2A_{side}_USERNAME"), fake::USER)
                    .env(format!("T2A_{side}_PASSWORD"), fake::PASSWORD);
            }
        }
        cmd
    }

    /// PI values for January 2024 (monthly) and 2024W6 (weekly, the last complete week
    /// on 2024-02-15).
    fn seed(&self) {
        let s = &self.source;
        s.set_pi_value("piCasesM001", "202401", "ouFacilit01", 5.0);
        s.set_pi_value("piCasesF001", "202401", "ouFacilit01", 7.0);
        s.set_pi_value("piCasesM001", "202401", "ouFacilit02", 3.0);
        s.set_pi_value("piDeaths001", "202401", "ouFacilit02", 2.0);
        s.set_pi_value("piTestsW001", "2024W6", "ouFacilit03", 11.0);
        // Outside the plan: never transferred.
        s.set_pi_value("piCasesM001", "202312", "ouFacilit01", 99.0);
        s.set_pi_value("piAvgAge001", "202401", "ouFacilit01", 23.5);
    }

    fn expected(&self) -> BTreeMap<(String, String, String, String, String), String> {
        BTreeMap::from([
            (
                key("deCases0001", "202401", "ouFacilit01", "cocMale0001"),
                "5".into(),
            ),
            (
                key("deCases0001", "202401", "ouFacilit01", "cocFemale01"),
                "7".into(),
            ),
            (
                key("deCases0001", "202401", "ouFacilit02", "cocMale0001"),
                "3".into(),
            ),
            // Analytics rendered "2.0" (no decimals on the PI); stored as "2".
            (
                key("deDeaths001", "202401", "ouFacilit02", DEFAULT),
                "2".into(),
            ),
            (
                key("deTestsW001", "2024W6", "ouFacilit03", DEFAULT),
                "11".into(),
            ),
        ])
    }
}

#[test]
fn clean_sync_lands_exactly_the_expected_values_on_every_version() {
    for v in Version::ALL {
        let env = Env::new(v);
        env.seed();
        let run = env.run(&["--yes"]);
        assert_eq!(run.code, 0, "{v:?}: {}", run.stderr);
        assert_eq!(run.outcome(), "synced", "{v:?}");
        assert_eq!(env.target.stored(), env.expected(), "{v:?}");
        let import = run.event("import").expect("import event");
        // Our own counts; the target's split differs: 2.43 counts every write `updated`.
        assert_eq!(import["values"]["new"], 5, "{v:?}");
        let (imported, updated) = if v >= Version::V243 { (0, 5) } else { (5, 0) };
        assert_eq!(import["importCount"]["imported"], imported, "{v:?}");
        assert_eq!(import["importCount"]["updated"], updated, "{v:?}");
        assert_eq!(import["conflicts"], 0);

        // Weekly and monthly data elements got their own periods, and the export used
        // the id-scheme parameter of the source's version.
        let exports: Vec<_> = env
            .source
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("dataValueSet.json"))
            .collect();
        assert_eq!(exports.len(), 2, "{v:?}: one request per period type");
        let monthly = exports
            .iter()
            .find(|r| r.query.contains("pe%3A202401"))
            .expect("monthly request");
        assert!(monthly.query.contains("piCasesM001") && !monthly.query.contains("piTestsW001"));
        let weekly = exports
            .iter()
            .find(|r| r.query.contains("pe%3A2024W6"))
            .expect("weekly request");
        assert!(weekly.query.contains("piTestsW001") && !weekly.query.contains("piDeaths001"));
        let item_param = if v >= Version::V241 {
            "outputDataItemIdScheme"
        } else {
            "outputIdScheme"
        };
        assert!(
            monthly.query.contains(item_param),
            "{v:?}: {}",
            monthly.query
        );
        // Unmapped PIs are never asked for.
        assert!(exports.iter().all(|r| !r.query.contains("piAvgAge001")));
        // A dry run, then the import: one payload per data set (monthly, weekly) each.
        let posts: Vec<_> = env.target.writes();
        assert_eq!(posts.len(), 4, "{v:?}: {posts:?}");
        assert!(posts[..2].iter().all(|p| p.query.contains("dryRun=true")));
        assert!(posts[2..].iter().all(|p| p.query.contains("dryRun=false")));
        assert!(
            posts[2].query.contains("dataElementIdScheme=CODE")
                && posts[2].query.contains("orgUnitIdScheme=UID")
        );
    }
}

#[test]
fn a_second_run_changes_nothing() {
    for v in [Version::V236, Version::V241, Version::V243] {
        let env = Env::new(v);
        env.seed();
        assert_eq!(env.run(&["--yes"]).code, 0);
        let writes_before = env.target.writes().len();
        let run = env.run(&["--yes"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.outcome(), "nothing-to-change", "{v:?}");
        assert_eq!(run.tally()[..3], [0, 0, 5]);
        assert_eq!(
            env.target.writes().len(),
            writes_before,
            "no POST when nothing changes"
        );
        assert_eq!(env.target.stored(), env.expected());
    }
}

#[test]
fn a_corrected_tracker_value_updates_the_target() {
    for v in [Version::V241, Version::V243] {
        corrected_value_updates(v);
    }
}

fn corrected_value_updates(v: Version) {
    let env = Env::new(v);
    env.seed();
    assert_eq!(env.run(&["--yes"]).code, 0);
    env.source
        .set_pi_value("piCasesM001", "202401", "ouFacilit01", 6.0);
    let report = env.dir.path().join("run.json");
    let run = env.run(&["--yes", "--report", report.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.tally()[..3], [0, 1, 4]);
    let import = run.event("import").expect("import");
    assert_eq!(import["importCount"]["updated"], 1, "{v:?}");
    assert_eq!(import["values"]["changed"], 1, "{v:?}");
    let mut want = env.expected();
    want.insert(
        key("deCases0001", "202401", "ouFacilit01", "cocMale0001"),
        "6".into(),
    );
    assert_eq!(env.target.stored(), want);
    // The run report shows old -> new and the PI behind it.
    let report: Value = serde_json::from_str(&crate::support::read(&report)).expect("report JSON");
    let changed = &report["reconcile"]["values"][0];
    assert_eq!(
        (changed["old"].as_str(), changed["new"].as_str()),
        (Some("5"), Some("6"))
    );
    assert_eq!(changed["programIndicator"], "piCasesM001");
    assert_eq!(report["outcome"], "synced");
}

#[test]
fn values_that_disappeared_follow_the_stale_policy() {
    for v in [Version::V238, Version::V243] {
        stale_policy(v);
    }
}

fn stale_policy(v: Version) {
    let env = Env::new(v);
    env.seed();
    env.source
        .set_pi_value("piSevere001", "202401", "ouFacilit01", 4.0);
    assert_eq!(env.run(&["--yes"]).code, 0);
    // Deaths and severe cases fall to nothing in the tracker: analytics has no rows.
    env.source
        .remove_pi_value("piDeaths001", "202401", "ouFacilit02");
    env.source
        .remove_pi_value("piSevere001", "202401", "ouFacilit01");
    let deaths = key("deDeaths001", "202401", "ouFacilit02", DEFAULT);
    let severe = key("deSevere001", "202401", "ouFacilit01", DEFAULT);

    // report: listed, left alone.
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.event("reconcile").expect("reconcile")["stale"], 2);
    assert_eq!(run.outcome(), "nothing-to-change");
    assert_eq!(
        env.target.stored().get(&deaths).map(String::as_str),
        Some("2")
    );

    // zero: a zero where zero is significant; for the other, a target up to 2.42 drops
    // the value, 2.43 stores the zero (§12.4).
    env.job("stale = \"zero\"");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stored = env.target.stored();
    assert_eq!(stored.get(&severe).map(String::as_str), Some("0"));
    let zero = (v >= Version::V243).then_some("0");
    assert_eq!(stored.get(&deaths).map(String::as_str), zero, "{v:?}");
    // A second run leaves the zeros as they are.
    let run = env.run(&["--yes"]);
    assert_eq!(run.outcome(), "nothing-to-change", "{v:?}: {}", run.stderr);

    // delete: gone.
    env.source
        .set_pi_value("piDeaths001", "202401", "ouFacilit02", 2.0);
    assert_eq!(env.run(&["--yes"]).code, 0);
    env.source
        .remove_pi_value("piDeaths001", "202401", "ouFacilit02");
    env.job("stale = \"delete\"");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.event("import").expect("import")["importCount"]["deleted"],
        2
    );
    let stored = env.target.stored();
    assert_eq!(stored.get(&deaths), None);
    assert_eq!(stored.get(&severe), None, "the stale zero is deleted too");
}

#[test]
fn a_broken_mapping_writes_nothing() {
    let mut tracker: Value = serde_json::from_str(&crate::support::read(&repo(
        "tests/fixtures/sync/tracker.json",
    )))
    .expect("json");
    tracker["programIndicators"][2]["attributeValues"][0]["value"] = Value::from("MAL_DEATH");
    let env = Env::with(Version::V241, |b| b.metadata(tracker));
    env.seed();
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outcome(), "check-failed");
    let errors = run.event("check-errors").expect("check errors");
    assert_eq!(errors["diagnostics"][0]["code"], "T2A003");
    assert!(env.target.writes().is_empty(), "the target saw no POST");
    assert!(
        !env.source
            .requests()
            .iter()
            .any(|r| r.path.contains("analytics")),
        "nothing was exported"
    );
}

#[test]
fn a_dry_run_writes_nothing() {
    for v in [Version::V241, Version::V243] {
        let env = Env::new(v);
        env.seed();
        let run = env.run(&["--dry-run"]);
        assert_eq!(run.code, 0, "{v:?}: {}", run.stderr);
        assert_eq!(run.outcome(), "dry-run");
        let dry = run.event("dry-run").expect("dry run");
        assert_eq!(dry["values"]["new"], 5, "{v:?}");
        let counted = if v >= Version::V243 {
            "updated"
        } else {
            "imported"
        };
        assert_eq!(dry["importCount"][counted], 5, "{v:?}");
        assert!(env.target.stored().is_empty());
        assert!(
            env.target
                .writes()
                .iter()
                .all(|w| w.query.contains("dryRun=true"))
        );
    }
}

#[test]
fn conflicts_abort_before_the_import_and_name_the_pi() {
    for v in [Version::V236, Version::V241] {
        let env = Env::new(v);
        env.seed();
        // The importing user lacks data write sharing on MAL_DEATHS.
        env.target
            .with_data(|d| d.unwritable.insert("deDeaths001".into()));
        let run = env.run(&["--yes"]);
        assert_eq!(run.code, 1, "{v:?}: {}", run.stderr);
        assert_eq!(run.outcome(), "conflicts");
        let dry = run.event("dry-run").expect("dry run");
        assert_eq!(dry["conflicts"], 1, "{v:?}");
        let issue = &dry["issues"][0];
        assert_eq!(issue["kind"], "import-conflict");
        assert_eq!(
            issue["objects"][0]["id"], "piDeaths001",
            "{v:?}: traced to the PI"
        );
        assert!(env.target.stored().is_empty(), "{v:?}: nothing written");
        assert!(
            env.target
                .writes()
                .iter()
                .all(|w| w.query.contains("dryRun=true"))
        );

        // A conflict budget lets the rest through.
        env.job("max_conflicts = 1");
        let run = env.run(&["--yes"]);
        assert_eq!(run.code, 0, "{v:?}: {}", run.stderr);
        assert_eq!(env.target.stored().len(), 4, "{v:?}");
    }
}

#[test]
fn a_uid_leak_is_caught_and_traced() {
    let env = Env::new(Version::V238);
    env.seed();
    env.source
        .with_data(|d| d.leaks.insert("piDeaths001".into()));
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outcome(), "verify-failed");
    let report = &run.events;
    let verify = report
        .iter()
        .find(|e| e["event"] == "verify")
        .expect("verify");
    assert_eq!(verify["issues"], 1);
    assert!(env.target.writes().is_empty());
}

#[test]
fn fractions_for_integer_data_elements_are_refused() {
    let env = Env::new(Version::V241);
    env.seed();
    env.source
        .set_pi_value("piDeaths001", "202401", "ouFacilit01", 2.5);
    let report = env.dir.path().join("run.json");
    let run = env.run(&["--yes", "--report", report.to_str().expect("path")]);
    assert_eq!(run.code, 1);
    assert_eq!(run.outcome(), "verify-failed");
    let r: Value = serde_json::from_str(&crate::support::read(&report)).expect("report");
    let issue = &r["verify"]["issues"][0];
    assert_eq!(issue["kind"], "invalid-value");
    assert_eq!(issue["objects"][0]["id"], "piDeaths001");
    assert!(issue["message"].as_str().unwrap_or("").contains("`2.5`"));
    assert!(env.target.writes().is_empty());
}

#[test]
fn out_writes_the_verified_set_and_from_imports_it() {
    let env = Env::new(Version::V241);
    env.seed();
    let file = env.dir.path().join("values.json");
    let run = env.run(&["--out", file.to_str().expect("path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outcome(), "written");
    assert!(env.target.writes().is_empty());
    let written: Value = serde_json::from_str(&crate::support::read(&file)).expect("json");
    let values = written["dataValues"].as_array().expect("dataValues");
    assert_eq!(values.len(), 5);
    assert!(
        values
            .iter()
            .any(|v| v["dataElement"] == "MAL_DEATHS" && v["value"] == "2")
    );

    let exports_before = env
        .source
        .requests()
        .iter()
        .filter(|r| r.path.contains("analytics"))
        .count();
    let run = env.run(&["--yes", "--from", file.to_str().expect("path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(env.target.stored(), env.expected());
    let exports_after = env
        .source
        .requests()
        .iter()
        .filter(|r| r.path.contains("analytics"))
        .count();
    assert_eq!(exports_before, exports_after, "--from does not export");
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_written() {
    let env = Env::new(Version::V241);
    env.seed();
    let run = env.run(&[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert!(env.target.stored().is_empty());
    assert!(
        env.target
            .writes()
            .iter()
            .all(|w| w.query.contains("dryRun=true"))
            || env.target.writes().is_empty()
    );
}

#[test]
fn analytics_can_be_run_first_or_judged_by_age() {
    let env = Env::new(Version::V241);
    env.seed();
    env.source
        .with_data(|d| d.last_analytics = "2026-11-20T02:00:00.000".into());
    env.job("analytics_stale = \"refuse\"");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.outcome(), "analytics-stale");
    assert_eq!(
        run.event("stale-analytics").expect("warning")["code"],
        "T2A025"
    );
    assert!(env.target.writes().is_empty());
    // The check's summary counts the rule's warning, beside the fixture's other one
    // (non-integer-export: "Malaria deaths" has no `decimals: 0` on a 2.41 target).
    assert_eq!(run.event("check").expect("check")["warnings"], 2);

    // The rule is one of the registry: turned off, nothing is judged or refused.
    env.job("analytics_stale = \"refuse\"\n[rules]\nstale-analytics = \"off\"");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.event("stale-analytics").is_none());
    assert_eq!(env.target.stored(), env.expected());
    env.target.with_data(|d| d.values.clear());

    env.job("run_analytics = true");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.event("analytics").expect("analytics")["ok"], true);
    assert!(
        env.source
            .writes()
            .iter()
            .any(|w| w.path.ends_with("/api/resourceTables/analytics"))
    );
    assert_eq!(env.target.stored(), env.expected());

    env.source.with_data(|d| d.analytics_fails = true);
    let run = env.run(&["--yes"]);
    assert_eq!(run.outcome(), "analytics-failed");
    assert_eq!(run.code, 1);
}

#[test]
fn data_sets_are_completed_and_failures_are_messaged() {
    let env = Env::new(Version::V241);
    env.seed();
    env.job("complete_data_sets = true\ncomplete_min_values = 2\nnotify = \"always\"\nnotify_users = [\"usrDataMgr1\"]");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Facilities 1 and 2 received 2 monthly values each; facility 3 one weekly value.
    let regs = env
        .target
        .with_data(|d| d.registrations.keys().cloned().collect::<Vec<_>>());
    let reg = |ou: &str| {
        (
            "dsMonthly01".to_string(),
            "202401".to_string(),
            ou.to_string(),
        )
    };
    assert_eq!(regs, vec![reg("ouFacilit01"), reg("ouFacilit02")]);
    let messages = env.target.with_data(|d| d.messages.clone());
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0]["subject"]
            .as_str()
            .unwrap_or("")
            .contains("synced")
    );
    assert_eq!(messages[0]["users"][0]["id"], "usrDataMgr1");

    // On failure only: a conflict run sends one more.
    env.target
        .with_data(|d| d.unwritable.insert("deTestsW001".into()));
    env.source
        .set_pi_value("piTestsW001", "2024W6", "ouFacilit03", 12.0);
    env.job("notify_users = [\"usrDataMgr1\"]\nnotify_user_groups = [\"ugHmisAdm01\"]");
    let run = env.run(&["--yes"]);
    assert_eq!(run.outcome(), "conflicts");
    let messages = env.target.with_data(|d| d.messages.clone());
    assert_eq!(messages.len(), 2);
    assert!(
        messages[1]["subject"]
            .as_str()
            .unwrap_or("")
            .contains("import conflicts")
    );
    assert_eq!(run.event("notify").expect("notify")["sent"], true);
}

#[test]
fn explicit_periods_replace_the_lookback_and_are_checked() {
    let env = Env::new(Version::V241);
    env.seed();
    env.source
        .set_pi_value("piCasesM001", "202312", "ouFacilit01", 4.0);
    // Monthly periods for a job with a weekly data element: period-type-mismatch.
    let run = env.run(&["--yes", "--period", "202312", "--period", "202401"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outcome(), "check-failed");
    let errors = run.event("check-errors").expect("check errors");
    assert_eq!(errors["diagnostics"][0]["code"], "T2A010");
    assert_eq!(errors["diagnostics"][0]["objects"][0]["id"], "piTestsW001");
    assert!(env.target.writes().is_empty());

    // With that rule off, the weekly PI is still never sent, and said so with the rule;
    // the months move, and the run exits 1: not everything moved.
    env.job("[rules]\nperiod-type-mismatch = \"off\"");
    let run = env.run(&["--yes", "--period", "202312", "--period", "202401"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outcome(), "synced");
    let stored = env.target.stored();
    assert_eq!(
        stored
            .get(&key("deCases0001", "202312", "ouFacilit01", "cocMale0001"))
            .map(String::as_str),
        Some("4")
    );
    assert_eq!(
        stored
            .get(&key("deCases0001", "202401", "ouFacilit01", "cocMale0001"))
            .map(String::as_str),
        Some("5")
    );
    assert!(!stored.keys().any(|k| k.0 == "deTestsW001"));
    let skipped: Vec<&Value> = run
        .events
        .iter()
        .filter(|e| e["event"] == "skipped")
        .collect();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["programIndicator"]["id"], "piTestsW001");
    assert_eq!(skipped[0]["rule"]["name"], "period-type-mismatch");
    assert_eq!(run.event("end").expect("end")["notTransferred"], 1);
}

#[test]
fn periods_of_several_types_give_each_mapping_its_own() {
    let env = Env::new(Version::V243);
    env.seed();
    // Months and weeks at once: every PI gets the periods of its data set's type.
    let run = env.run(&["--yes", "--period", "202401", "--period", "2024W6"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(env.target.stored(), env.expected());
    let plan = run.event("plan").expect("plan");
    let types: Vec<&str> = plan["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["periodType"].as_str())
        .collect();
    assert_eq!(types, ["Weekly", "Monthly"]);

    // Months and a quarter: the weekly PI has no period of its type. It is not planned,
    // which is the job's choice, not a defect: no period-type-mismatch, exit 0.
    let run = env.run(&["--yes", "--period", "202401", "--period", "2024Q1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.event("check").expect("check")["errors"], 0);
    let skipped = run.event("skipped").expect("the weekly PI is listed");
    assert_eq!(skipped["programIndicator"]["id"], "piTestsW001");
    assert!(skipped["rule"].is_null(), "{skipped}");
    assert_eq!(run.event("end").expect("end")["notTransferred"], 0);
}

fn hmis() -> Value {
    serde_json::from_str(&crate::support::read(&repo(
        "tests/fixtures/sync/hmis.json",
    )))
    .expect("json")
}

fn store_value(env: &Env, k: (String, String, String, String, String), value: &str) {
    env.target.with_data(|d| {
        d.values.insert(
            k,
            fake::datavalues::Stored {
                value: Some(value.into()),
                comment: None,
                deleted: false,
                created: "2024-01-05".into(),
                last_updated: "2024-01-05".into(),
            },
        )
    });
}

#[test]
fn stale_handling_never_touches_values_the_job_does_not_own() {
    let env = Env::new(Version::V241);
    env.seed();
    // Entered by hand in the HMIS: at the district (no program there), under another
    // attribute option combo, and for another period.
    let district = key("deCases0001", "202401", "ouDistrct01", "cocMale0001");
    let other_aoc = (
        "deDeaths001".to_string(),
        "202401".to_string(),
        "ouFacilit01".to_string(),
        DEFAULT.to_string(),
        "cocMale0001".to_string(),
    );
    let other_period = key("deDeaths001", "202311", "ouFacilit01", DEFAULT);
    store_value(&env, district.clone(), "50");
    store_value(&env, other_aoc.clone(), "9");
    store_value(&env, other_period.clone(), "8");
    env.job("stale = \"delete\"");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.event("reconcile").expect("reconcile")["stale"], 0);
    let stored = env.target.stored();
    for k in [&district, &other_aoc, &other_period] {
        assert!(stored.contains_key(k), "{k:?} survived");
    }
}

#[test]
fn a_data_element_in_weekly_and_monthly_data_sets_moves_both_and_settles() {
    let mut target = hmis();
    target["dataSets"][0]["dataSetElements"]
        .as_array_mut()
        .expect("dataSetElements")
        .push(serde_json::json!({"dataElement": {"id": "deTestsW001"}}));
    let env = Env::with_both(
        Version::V241,
        |b| b.metadata_file(&repo("tests/fixtures/sync/tracker.json")),
        |b| b.metadata(target),
    );
    env.seed();
    env.source
        .set_pi_value("piTestsW001", "202401", "ouFacilit03", 40.0);
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stored = env.target.stored();
    assert_eq!(
        stored
            .get(&key("deTestsW001", "2024W6", "ouFacilit03", DEFAULT))
            .map(String::as_str),
        Some("11")
    );
    assert_eq!(
        stored
            .get(&key("deTestsW001", "202401", "ouFacilit03", DEFAULT))
            .map(String::as_str),
        Some("40")
    );
    let run = env.run(&["--yes"]);
    assert_eq!(
        run.outcome(),
        "nothing-to-change",
        "each period type is reconciled once"
    );
    assert_eq!(run.event("reconcile").expect("reconcile")["unchanged"], 6);
}

#[test]
fn completion_goes_to_every_data_set_the_org_unit_reports_through() {
    let mut target = hmis();
    target["dataSets"].as_array_mut().expect("dataSets").push(serde_json::json!({
        "id": "dsHospMon01", "code": "MAL_HOSP", "name": "Malaria hospital deaths", "periodType": "Monthly",
        "categoryCombo": {"id": "ccDefault01"}, "dataSetElements": [{"dataElement": {"id": "deDeaths001"}}],
        "organisationUnits": [{"id": "ouFacilit02"}]}));
    let env = Env::with_both(
        Version::V241,
        |b| b.metadata_file(&repo("tests/fixtures/sync/tracker.json")),
        |b| b.metadata(target),
    );
    env.seed();
    env.source
        .set_pi_value("piDeaths001", "202401", "ouFacilit01", 1.0);
    env.job("complete_data_sets = true");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let regs = env
        .target
        .with_data(|d| d.registrations.keys().cloned().collect::<Vec<_>>());
    let reg = |ds: &str, pe: &str, ou: &str| (ds.to_string(), pe.to_string(), ou.to_string());
    assert_eq!(
        regs,
        vec![
            reg("dsHospMon01", "202401", "ouFacilit02"),
            reg("dsMonthly01", "202401", "ouFacilit01"),
            reg("dsMonthly01", "202401", "ouFacilit02"),
            reg("dsWeekly001", "2024W6", "ouFacilit03"),
        ],
        "facility 1 reports no hospital deaths: not assigned"
    );
}

#[test]
fn zeroing_stale_values_settles() {
    let env = Env::new(Version::V236);
    env.seed();
    env.source
        .set_pi_value("piSevere001", "202401", "ouFacilit01", 4.0);
    assert_eq!(env.run(&["--yes"]).code, 0);
    env.source
        .remove_pi_value("piSevere001", "202401", "ouFacilit01");
    env.job("stale = \"zero\"");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        env.target
            .stored()
            .get(&key("deSevere001", "202401", "ouFacilit01", DEFAULT))
            .map(String::as_str),
        Some("0")
    );
    let writes = env.target.writes().len();
    let run = env.run(&["--yes"]);
    assert_eq!(run.outcome(), "nothing-to-change");
    assert_eq!(
        env.target.writes().len(),
        writes,
        "a zeroed value is not written again"
    );
}

#[test]
fn a_file_with_deleted_values_is_refused() {
    let env = Env::new(Version::V241);
    let file = env.dir.path().join("values.json");
    std::fs::write(
        &file,
        r#"{"dataValues":[{"dataElement":"MAL_DEATHS","period":"202401","orgUnit":"ouFacilit02","value":"2","deleted":true}]}"#,
    )
    .expect("write");
    let run = env.run(&["--yes", "--from", file.to_str().expect("path")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outcome(), "verify-failed");
    assert!(env.target.writes().is_empty());
}

#[test]
fn values_for_periods_the_target_has_not_opened_are_conflicts() {
    // 2.41 rejects the value (E7641); 2.43 the whole data set group (E8030), whose
    // arguments name the period: traced to the one PI whose value has it.
    for (v, code) in [(Version::V241, "E7641"), (Version::V243, "E8030")] {
        let env = Env::new(v);
        env.seed();
        env.source
            .set_pi_value("piCasesM001", "202402", "ouFacilit01", 1.0);
        // The HMIS lives on the same day; its data sets open no future period, so the
        // running month is closed.
        env.target.with_data(|d| d.today = AS_OF.into());
        env.job("include_current = true");
        let run = env.run(&["--yes"]);
        assert_eq!(run.code, 1, "{v:?}: {}", run.stderr);
        assert_eq!(run.outcome(), "conflicts");
        let dry = run.event("dry-run").expect("dry run");
        assert!(
            dry["issues"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains(code),
            "{v:?}: {dry:#}"
        );
        assert_eq!(
            dry["issues"][0]["objects"][0]["id"], "piCasesM001",
            "{v:?}: {dry:#}"
        );
        assert_eq!(
            dry["issues"][0]["objects"].as_array().map(Vec::len),
            Some(1),
            "{v:?}: {dry:#}"
        );
        assert!(env.target.stored().is_empty());
    }
}

#[test]
fn org_units_can_be_matched_by_code() {
    let env = Env::new(Version::V238);
    env.seed();
    env.job("[mapping]\norg_unit_id_scheme = \"CODE\"");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(env.target.stored(), env.expected());
    let export = env
        .source
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("dataValueSet.json"))
        .expect("export");
    assert!(
        export.query.contains("outputOrgUnitIdScheme=CODE"),
        "{}",
        export.query
    );
    assert!(
        env.target
            .writes()
            .iter()
            .all(|w| w.query.contains("orgUnitIdScheme=CODE"))
    );
}
