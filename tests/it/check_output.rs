//! What `t2a check` prints, format by format, on one small pair with a defect of each
//! shape: two program indicators naming one missing data element code (one cause), a
//! near miss, a combo mismatch and a warning.

use crate::support::{repo, t2a};

fn run(args: &[&str]) -> (i32, String) {
    let out = t2a()
        .current_dir(repo("tests/fixtures/output"))
        .arg("check")
        .args(args)
        .output()
        .expect("run t2a check");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const PAIR: [&str; 4] = ["--source", "source.json", "--target", "target.json"];
const WARNINGS_ONLY: [&str; 4] = [
    "--source",
    "source-warnings.json",
    "--target",
    "target.json",
];

fn with<'a>(pair: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    pair.iter().chain(more).copied().collect()
}

#[test]
fn human_output_groups_findings_by_cause_and_says_shared_help_once() {
    let (code, text) = run(&PAIR);
    assert_eq!(code, 1);
    insta::assert_snapshot!("human", text);
}

#[test]
fn quiet_prints_the_verdict_only() {
    let (code, text) = run(&with(&PAIR, &["-q"]));
    assert_eq!(code, 1);
    insta::assert_snapshot!("quiet", text);
}

#[test]
fn statistics_lists_every_rule() {
    let (_, text) = run(&with(&WARNINGS_ONLY, &["--statistics"]));
    let table = &text[text.find("┌").unwrap_or(0)..];
    insta::assert_snapshot!("statistics", table);
}

#[test]
fn the_exit_policy_follows_fail_on_and_exit_zero() {
    assert_eq!(run(&WARNINGS_ONLY).0, 0, "warnings pass by default");
    let (code, text) = run(&with(&WARNINGS_ONLY, &["--fail-on", "warning", "-q"]));
    assert_eq!(code, 1);
    insta::assert_snapshot!("fail_on_warning", text);
    assert_eq!(run(&with(&PAIR, &["--exit-zero"])).0, 0);
    assert_eq!(run(&with(&PAIR, &["--exit-zero", "--format", "json"])).0, 0);
}

#[test]
fn concise_lines_point_into_the_metadata_files() {
    let (code, text) = run(&PAIR);
    assert_eq!(code, 1);
    let (_, concise) = run(&with(&PAIR, &["--format", "concise"]));
    insta::assert_snapshot!("concise", concise);
    // Each place is the offending value itself: the PI's mapping attribute value, its
    // category option combo field.
    let source = std::fs::read_to_string(repo("tests/fixtures/output/source.json")).expect("read");
    let line_of = |l: &str| -> String {
        let (_, rest) = l.split_once(':').expect("file:");
        let n: usize = rest
            .split(':')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("line");
        source.lines().nth(n - 1).unwrap_or("").trim().to_string()
    };
    let lines: Vec<&str> = concise.lines().collect();
    assert_eq!(line_of(lines[0]), "\"value\": \"MAL_CASES_CONFIRMED\"");
    let coc = lines.iter().find(|l| l.contains("T2A005")).expect("T2A005");
    assert_eq!(
        line_of(coc),
        "\"aggregateExportCategoryOptionCombo\": \"MALE\""
    );
    assert!(text.contains("MAL_CASES_CONFIRMED"));
}

#[test]
fn github_annotations_are_workflow_commands() {
    let (_, text) = run(&with(&PAIR, &["--format", "github"]));
    insta::assert_snapshot!("github", text);
}

#[test]
fn sarif_is_sarif_2_1_0_with_rules_locations_and_fingerprints() {
    let (code, text) = run(&with(&PAIR, &["--format", "sarif"]));
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&text).expect("SARIF is JSON");
    // What the SARIF 2.1.0 schema requires of a log, a run, a tool and a result.
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "t2a");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results");
    let (_, json) = super::check_output::run(&with(&PAIR, &["--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(
        Some(results.len()),
        report["diagnostics"].as_array().map(Vec::len),
        "one result per finding"
    );
    for r in results {
        assert!(r["message"]["text"].is_string(), "{r}");
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap_or("")));
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap_or(0) >= 1, "{r}");
        assert!(r["partialFingerprints"]["t2a/objects/v1"].is_string());
    }
    for rule in rules {
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap_or("")
                .starts_with("<!--")
        );
    }
    // The rule metadata is the same every run; the results are the golden part.
    insta::assert_json_snapshot!("sarif_results", results);
}

#[test]
fn junit_has_a_case_per_rule_and_a_failure_per_finding() {
    let (_, text) = run(&with(&PAIR, &["--format", "junit"]));
    // Well-formed XML.
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut cases, mut failures) = (0, 0);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                match e.name().0 {
                    "testcase" => cases += 1,
                    "failure" => failures += 1,
                    _ => {}
                }
            }
            Ok(_) => {}
            Err(e) => panic!("not XML: {e}\n{text}"),
        }
    }
    // One per rule that judges a DHIS2 source (the record rules do not).
    let applicable = t2a::rules::RULES
        .iter()
        .filter(|r| !("T2A040"..="T2A049").contains(&r.code))
        .count();
    assert_eq!(cases, applicable, "one per rule");
    assert_eq!(failures, 4, "the errors; warnings and notes are output");
    insta::assert_snapshot!("junit", text);
}

#[test]
fn ignores_leave_out_what_they_accept_and_report_entries_that_accept_nothing() {
    let (code, text) = run(&["--config", "ignores.toml"]);
    assert_eq!(code, 1, "one error is not accepted");
    let from = text
        .find("── unused")
        .expect("the unused entry is reported");
    insta::assert_snapshot!("ignores_human_tail", &text[from..]);
    let (_, json) = run(&["--config", "ignores.toml", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    insta::assert_json_snapshot!(
        "ignores_json",
        serde_json::json!({
            "summary": doc["summary"],
            "suppressed": doc["suppressed"],
            "unusedIgnores": doc["unusedIgnores"],
            "codes": doc["diagnostics"].as_array().map(|d| d.iter().map(|d| d["code"].clone()).collect::<Vec<_>>()),
        })
    );
    // The unused entry is a warning: it fails a check that fails on warnings.
    let (code, _) = run(&["--config", "ignores.toml", "--fail-on", "warning", "-q"]);
    assert_eq!(code, 1);
}

#[test]
fn an_ignore_without_a_reason_or_with_two_objects_is_a_config_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let job = dir.path().join("job.toml");
    std::fs::write(
        &job,
        "[[ignore]]\nrule = \"unknown-data-element\"\nprogram_indicator = \"piCasesM001\"\n\n[[ignore]]\nrule = \"unknown-data-element\"\nprogram_indicator = \"piCasesM001\"\ndata_element = \"MAL_CASES\"\nreason = \"x\"\n",
    )
    .expect("write");
    let out = t2a()
        .args(["check", "--source"])
        .arg(repo("tests/fixtures/output/source.json"))
        .arg("--config")
        .arg(&job)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gives no reason"), "{err}");
    assert!(err.contains("names 2 objects"), "{err}");
}

#[test]
fn a_baseline_reports_only_new_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("baseline.json");
    let baseline_arg = baseline.to_string_lossy().into_owned();
    // Today: the warning only.
    let (code, _) = run(&with(&WARNINGS_ONLY, &["--write-baseline", &baseline_arg]));
    assert_eq!(code, 0);
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("baseline")).expect("json");
    let today = recorded["findings"].as_array().map_or(0, Vec::len);
    assert!(today >= 1, "{recorded}");
    // Tomorrow the package breaks: only the new findings are reported.
    let (code, text) = run(&with(&PAIR, &["--baseline", &baseline_arg, "-q"]));
    assert_eq!(code, 1);
    insta::assert_snapshot!("baseline_verdict", text);
    let (_, concise) = run(&with(
        &PAIR,
        &["--baseline", &baseline_arg, "--format", "concise"],
    ));
    assert!(
        !concise.contains("T2A009"),
        "the known warning is not reported: {concise}"
    );
    assert_eq!(concise.lines().count(), 4);
}

#[test]
fn with_only_a_source_that_lacks_the_targets_the_check_asks_for_the_target() {
    let (_, json) = run(&["--source", "source.json", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(
        doc["hints"],
        serde_json::json!([
            "5 of 5 mappings target data elements that source.json does not hold; with only --source it is the target too: was --target forgotten?"
        ])
    );
    // A pair with its target gives no such hint.
    let (_, json) = run(&with(&PAIR, &["--format", "json"]));
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert!(doc.get("hints").is_none(), "{doc}");
}

#[test]
fn a_bare_host_name_is_read_as_a_url_and_says_so() {
    let out = t2a()
        .args(["check", "--source", "hmis.invalid"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(3),
        "a remote that cannot be reached"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines().next(),
        Some("t2a: --source `hmis.invalid` is no file here: reading it as https://hmis.invalid")
    );
    assert!(
        !err.contains("attempts"),
        "an unknown host is not retried: {err}"
    );
}

#[test]
fn the_job_config_of_the_folder_or_a_parent_is_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pair = repo("tests/fixtures/output");
    std::fs::write(
        dir.path().join("t2a.toml"),
        format!(
            "[source]\nfile = {:?}\n[target]\nfile = {:?}\n",
            pair.join("source.json"),
            pair.join("target.json")
        ),
    )
    .expect("write");
    let below = dir.path().join("jobs/malaria");
    std::fs::create_dir_all(&below).expect("mkdir");
    let out = t2a()
        .current_dir(&below)
        .args(["check", "-q"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "check failed: 5 mappings checked, 4 errors, 2 warnings, 3 notes\n"
    );
}

#[test]
fn init_writes_a_config_that_checks_the_pair_it_was_written_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("jobs/malaria.toml");
    std::fs::create_dir_all(out.parent().expect("parent")).expect("mkdir");
    let status = t2a()
        .current_dir(repo("tests/fixtures/output"))
        .args([
            "init",
            "--source",
            "source.json",
            "--target",
            "target.json",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("init");
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("written");
    // The same findings as the pair checked directly.
    let (_, direct) = run(&with(&PAIR, &["--format", "json"]));
    let checked = t2a()
        .args(["check", "--format", "json", "--config"])
        .arg(&out)
        .output()
        .expect("check");
    let codes = |t: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(t).expect("json");
        v["diagnostics"]
            .as_array()
            .map(|d| d.iter().map(|d| d["code"].to_string()).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        codes(&String::from_utf8_lossy(&checked.stdout)),
        codes(&direct)
    );
    // The file as written, with the day and the absolute paths made stable.
    let pair_dir = repo("tests/fixtures/output");
    let stable = text
        .replace(&pair_dir.display().to_string(), "<pair>")
        .lines()
        .map(|l| {
            if l.starts_with("# t2a job config, written") {
                "# t2a job config, written by `t2a init` on <day> …"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("init", stable);
    // It is not overwritten without --force.
    let again = t2a()
        .current_dir(repo("tests/fixtures/output"))
        .args(["init", "--source", "source.json", "--out"])
        .arg(&out)
        .output()
        .expect("init");
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn a_finding_about_the_job_points_into_its_config() {
    let out = t2a()
        .current_dir(repo(
            "tests/fixtures/rules/mapping-attribute-missing/configured-missing",
        ))
        .args([
            "check",
            "--config",
            "job.toml",
            "--source",
            "source.json",
            "--target",
            "target.json",
            "--rule",
            "unmapped-program-indicator=off",
            "--format",
            "concise",
        ])
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "job.toml:3:14: T2A001 the configured mapping attribute attrMissng1 does not exist in the source\n"
    );
}
