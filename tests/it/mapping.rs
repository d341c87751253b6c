//! Mappings as code: `t2a mapping export` / `apply` and `t2a fix`. Their metadata
//! files hold the affected program indicators whole, only the mapping fields changed;
//! imported (merged here as an import would), the findings they fix are gone.

use std::path::Path;

use serde_json::Value;

use crate::require_real;
use crate::support::{read, repo, t2a};

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = t2a().current_dir(dir).args(args).output().expect("run t2a");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The source with the PIs of `changes` replaced by id, as an import with strategy
/// UPDATE leaves it.
fn imported(source: &Path, changes: &Path, into: &Path) {
    let mut src: Value = serde_json::from_str(&read(source)).expect("source");
    let ch: Value = serde_json::from_str(&read(changes)).expect("changes");
    let new = ch["programIndicators"]
        .as_array()
        .expect("programIndicators");
    for pi in src["programIndicators"]
        .as_array_mut()
        .expect("programIndicators")
    {
        if let Some(n) = new.iter().find(|n| n["id"] == pi["id"]) {
            *pi = n.clone();
        }
    }
    std::fs::write(into, src.to_string()).expect("write");
}

fn codes_of(dir: &Path, args: &[&str]) -> Vec<(String, String)> {
    let out = t2a().current_dir(dir).args(args).output().expect("check");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["objects"][0]["id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_sheet_exported_and_applied_unedited_changes_nothing_on_the_real_packages() {
    let real = require_real!();
    for (src, tgt) in [
        (
            "tb_cs_agg/TB_CS_TRK_COMPLETE_2.41.json",
            "tb_cs_agg/TB_AGG_COMPLETE_2.41.json",
        ),
        (
            "covac_eir/CVC_EIR_TRK_COMPLETE_2.38.json",
            "covac_eir/CVC_EIR_AGG_2.38.json",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (s, t) = (
            real.join(src).display().to_string(),
            real.join(tgt).display().to_string(),
        );
        for format in ["csv", "json"] {
            let sheet = format!("sheet.{format}");
            let (code, err) = run(
                dir.path(),
                &[
                    "mapping", "export", "--source", &s, "--target", &t, "--format", format,
                    "--out", &sheet,
                ],
            );
            assert_eq!(code, 0, "{err}");
            let (code, err) = run(
                dir.path(),
                &["mapping", "apply", &sheet, "--source", &s, "--target", &t],
            );
            assert_eq!(code, 0, "{err}");
            assert_eq!(
                err, "t2a: mapping apply: nothing to change\n",
                "{src} {format}"
            );
            assert!(!dir.path().join("t2a-mapping-changes.json").exists());
        }
    }
}

#[test]
fn an_edited_sheet_changes_only_the_mapping_fields_and_the_check_agrees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for f in ["tracker.json", "hmis.json", "job.toml"] {
        std::fs::copy(repo("snapshots/demo").join(f), d.join(f)).expect("copy");
    }
    let (code, err) = run(
        d,
        &[
            "mapping",
            "export",
            "--config",
            "job.toml",
            "--out",
            "sheet.csv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // The reviewer corrects the Penta 3 code in the spreadsheet.
    let sheet = read(&d.join("sheet.csv")).replace(",EPI_PENTA3_DOSES,", ",EPI_PENTA_3_DOSES,");
    std::fs::write(d.join("sheet.csv"), sheet).expect("edit");
    let (code, err) = run(
        d,
        &["mapping", "apply", "sheet.csv", "--config", "job.toml"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("`EPI_PENTA3_DOSES` → `EPI_PENTA_3_DOSES` (sheet)"),
        "{err}"
    );
    let changes: Value =
        serde_json::from_str(&read(&d.join("t2a-mapping-changes.json"))).expect("json");
    let pis = changes["programIndicators"]
        .as_array()
        .expect("programIndicators");
    assert_eq!(pis.len(), 1);
    // The whole object as the source holds it, the attribute value alone changed.
    let source: Value = serde_json::from_str(&read(&d.join("tracker.json"))).expect("json");
    let mut before = source["programIndicators"]
        .as_array()
        .expect("pis")
        .iter()
        .find(|p| p["id"] == pis[0]["id"])
        .cloned()
        .expect("the PI");
    for av in before["attributeValues"]
        .as_array_mut()
        .expect("attributeValues")
    {
        if av["value"] == "EPI_PENTA3_DOSES" {
            av["value"] = Value::from("EPI_PENTA_3_DOSES");
        }
    }
    assert_eq!(pis[0], before);
    imported(
        &d.join("tracker.json"),
        &d.join("t2a-mapping-changes.json"),
        &d.join("tracker.json"),
    );
    let after = codes_of(d, &["check", "--config", "job.toml", "--format", "json"]);
    assert!(!after.iter().any(|(c, _)| c == "T2A003"), "{after:?}");
}

#[test]
fn fix_writes_the_safe_fixes_and_the_check_then_passes_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for f in ["tracker.json", "hmis.json", "job.toml"] {
        std::fs::copy(repo("snapshots/demo").join(f), d.join(f)).expect("copy");
    }
    let before = codes_of(d, &["check", "--config", "job.toml", "--format", "json"]);
    let (code, err) = run(d, &["fix", "--config", "job.toml"]);
    assert_eq!(code, 0, "{err}");
    // Safe: `age_lt_1y` differs from the combo's `AGE_LT_1Y` only in case; the Penta 3
    // near miss is a character apart, which is a guess, not a fix.
    insta::assert_snapshot!("fix_demo", err);
    imported(
        &d.join("tracker.json"),
        &d.join("t2a-fixes.json"),
        &d.join("tracker.json"),
    );
    let after = codes_of(d, &["check", "--config", "job.toml", "--format", "json"]);
    assert!(before.contains(&("T2A004".to_string(), "QjVDZRucq2z".to_string())));
    assert!(!after.iter().any(|(c, _)| c == "T2A004"), "{after:?}");
    assert!(
        after.iter().any(|(c, _)| c == "T2A003"),
        "the unsafe one is left"
    );
    let (_, again) = run(d, &["fix", "--config", "job.toml"]);
    assert_eq!(again, "t2a: fix: nothing to change\n");
}

/// `--apply` sends the fixes to the source instance after a validation run; the next
/// check over HTTP no longer has the finding.
#[test]
fn fix_apply_updates_the_source_instance_and_the_next_check_is_clean_of_it() {
    use crate::support::fake::{self, Builder, Version};
    for v in [Version::V236, Version::V241, Version::V243] {
        let source = Builder::new(v)
            .metadata_file(&repo("snapshots/demo/tracker.json"))
            .start();
        let target = Builder::new(v)
            .metadata_file(&repo("snapshots/demo/hmis.json"))
            .start();
        let dir = tempfile::tempdir().expect("tempdir");
        let creds = |cmd: &mut assert_cmd::Command| {
            for side in ["SOURCE", "TARGET"] {
                cmd.env(format!("T2A_{side}_USERNAME"), fake::USER)
                    .env(format!("T2A_{side}_PASSWORD"), fake::PASSWORD);
            }
        };
        let mut cmd = t2a();
        cmd.current_dir(dir.path()).args([
            "fix",
            "--apply",
            "--source",
            &source.url,
            "--target",
            &target.url,
        ]);
        creds(&mut cmd);
        let out = cmd.output().expect("fix");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{v:?}: {err}");
        assert!(
            err.contains("the source updated 1 program indicator (OK)"),
            "{v:?}: {err}"
        );
        // A validation run, then the import.
        let posts: Vec<String> = source
            .writes()
            .into_iter()
            .filter(|r| r.path.ends_with("/api/metadata"))
            .map(|r| r.query)
            .collect();
        assert_eq!(posts.len(), 2, "{v:?}: {posts:?}");
        assert!(posts[0].contains("importMode=VALIDATE") && posts[1].contains("importMode=COMMIT"));
        let stored = source.shared.store.read().expect("store").collections["programIndicators"]
            .iter()
            .find(|p| p["id"] == "QjVDZRucq2z")
            .cloned()
            .expect("the PI");
        assert_eq!(
            stored["aggregateExportCategoryOptionCombo"], "AGE_LT_1Y",
            "{v:?}"
        );
        let mut check = t2a();
        check.args([
            "check",
            "--format",
            "json",
            "--source",
            &source.url,
            "--target",
            &target.url,
        ]);
        creds(&mut check);
        let out = check.output().expect("check");
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        let codes: Vec<&str> = report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter_map(|d| d["code"].as_str())
            .collect();
        assert!(!codes.contains(&"T2A004"), "{v:?}: {codes:?}");
    }
}

#[test]
fn check_fix_reports_and_writes_the_same_fixes_as_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for f in ["tracker.json", "hmis.json", "job.toml"] {
        std::fs::copy(repo("snapshots/demo").join(f), d.join(f)).expect("copy");
    }
    let out = t2a()
        .current_dir(d)
        .args(["check", "--config", "job.toml", "--fix", "-q"])
        .output()
        .expect("check --fix");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the findings still fail the check"
    );
    let with_check = read(&d.join("t2a-fixes.json"));
    std::fs::remove_file(d.join("t2a-fixes.json")).expect("remove");
    let (code, _) = run(d, &["fix", "--config", "job.toml"]);
    assert_eq!(code, 0);
    assert_eq!(with_check, read(&d.join("t2a-fixes.json")));
}
