//! The demo pair the README's first command checks.

use std::path::Path;

use crate::support::{check_report, t2a};

#[test]
fn demo_report_names_each_deliberate_defect() {
    let (text, report) = check_report(
        Some(Path::new("snapshots/demo/job.toml")),
        "snapshots/demo/tracker.json",
        None,
    );
    let mut got: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["objects"][0]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    let want = [
        ("T2A003", "EPI - Penta 3 doses given <1y"),
        ("T2A004", "EPI - Measles-rubella 1 doses given <1y"),
        ("T2A005", "EPI - Fully immunised children (male)"),
        ("T2A006", "EPI - OPV 0 doses given"),
        ("T2A007", "EPI - Vitamin A supplements 6-11m"),
        ("T2A009", "EPI - Zero-dose children"),
        ("T2A010", "EPI - AEFI cases reported"),
        ("T2A012", "Baoma Station CHP"),
        ("T2A013", "EPI - Monthly immunisation"),
        // The HMIS is 2.40: zeros of these are dropped (zeroIsSignificant false).
        ("T2A017", "EPI - AEFI cases"),
        ("T2A017", "EPI - BCG doses given"),
        ("T2A017", "EPI - Fully immunised children"),
        ("T2A017", "EPI - Measles-rubella 1 doses given"),
        ("T2A017", "EPI - OPV 0 doses given"),
        ("T2A017", "EPI - Vitamin A supplements given"),
        ("T2A017", "EPI - Zero-dose children"),
        // Fed for one age group of two.
        ("T2A021", "EPI - Measles-rubella 1 doses given"),
        ("T2A021", "EPI - Vitamin A supplements given"),
        ("T2A024", "EPI - Average age at BCG (days)"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(report["summary"]["mappings"], 11);
    insta::assert_snapshot!("demo", text);
}

#[test]
fn readme_first_command_prints_the_demo_report() {
    let out = t2a()
        .args(["check", "--config", "snapshots/demo/job.toml"])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("T2A003 unknown-data-element"), "{stdout}");
    assert!(stdout.contains("closest: `EPI_PENTA_3_DOSES`"), "{stdout}");
    assert!(
        stdout.contains("check failed: 11 mappings checked, 8 errors, 1 warning, 10 notes"),
        "{stdout}"
    );
}
