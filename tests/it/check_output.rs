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
