//! The real WHO packages of ../shared/fixtures/real (skipped with a notice when absent).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::require_real;
use crate::support::check_json;

fn diagnostics<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

fn first_ids(ds: &[&Value]) -> BTreeSet<String> {
    ds.iter()
        .map(|d| d["objects"][0]["id"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn tb_pair_reports_exactly_the_known_defects() {
    let real = require_real!();
    let trk = real.join("tb_cs_agg/TB_CS_TRK_COMPLETE_2.41.json");
    let agg = real.join("tb_cs_agg/TB_AGG_COMPLETE_2.41.json");
    let r = check_json(
        None,
        &trk.display().to_string(),
        Some(&agg.display().to_string()),
    );

    assert_eq!(r["summary"]["mappings"], 191);
    // 31 PIs on 13 unknown DE codes.
    let unknown_de: Vec<&Value> = diagnostics(&r, "T2A003")
        .into_iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(unknown_de.len(), 31);
    // Two renamings of the HMIS explain four of them: `*_CULTURE` -> `*_LCM` ("tested by
    // culture" -> "tested by liquid culture") and `*_NEW_EPISODES` dropped.
    let bulk: Vec<&str> = diagnostics(&r, "T2A003")
        .into_iter()
        .filter(|d| d["severity"] == "note")
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert_eq!(bulk.len(), 2, "{bulk:?}");
    assert!(
        bulk.iter().any(|m| m.contains("`*_CULTURE` → `*_LCM`")),
        "{bulk:?}"
    );
    let codes: BTreeSet<&str> = unknown_de
        .iter()
        .map(|d| d["target"]["dataElement"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(codes.len(), 13, "{codes:?}");
    assert!(codes.contains("TB_COHORT_PCD_RIF_S") && codes.contains("TB_NEW_EPISODES_PBC_Q"));
    assert_eq!(
        unknown_de
            .iter()
            .filter(|d| d["target"]["dataElement"] == "TB_LAB_CULTURE_TESTS_TAT")
            .count(),
        12
    );
    // The unknown COC SUSPECTED_CASES on PKJCjA97d44.
    let unknown_coc = diagnostics(&r, "T2A004");
    assert_eq!(
        first_ids(&unknown_coc),
        BTreeSet::from(["PKJCjA97d44".to_string()])
    );
    assert_eq!(
        unknown_coc[0]["target"]["categoryOptionCombo"],
        "SUSPECTED_CASES"
    );
    // Six PIs whose COCs are not in pDfGbcZXrST's default combo.
    let not_in_combo = diagnostics(&r, "T2A005");
    assert_eq!(
        first_ids(&not_in_combo),
        [
            "IUs0oR3Wv4X",
            "x29Haognj9V",
            "KNlvBJ1fIUD",
            "hI17Y3waYLl",
            "Rj96RpokmPk",
            "Uq9Khrfz1fn"
        ]
        .map(String::from)
        .into()
    );
    assert!(
        not_in_combo
            .iter()
            .all(|d| d["objects"][1]["id"] == "pDfGbcZXrST")
    );
    // DE OPK3y5hsTqf in no data set.
    let orphan = diagnostics(&r, "T2A009");
    assert_eq!(orphan.len(), 1);
    assert!(
        orphan[0]["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .any(|o| o["id"] == "OPK3y5hsTqf")
    );
    // No duplicate targets; gsb37G2FcaT in a Quarterly and a Yearly data set.
    assert!(diagnostics(&r, "T2A007").is_empty());
    let conflicting = diagnostics(&r, "T2A011");
    assert_eq!(conflicting.len(), 1);
    assert!(
        conflicting[0]["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .any(|o| o["id"] == "gsb37G2FcaT")
    );
    // The quarterly exchange sends 5 PIs whose codes the HMIS lacks: one finding.
    let exchange = diagnostics(&r, "T2A023");
    assert_eq!(exchange.len(), 1, "exchange-mismatch");
    assert_eq!(
        exchange[0]["objects"].as_array().map(Vec::len),
        Some(6),
        "the exchange and 5 PIs"
    );
    // Nothing else at error or warning level but two data sets with uncoded objects,
    // and the 7 unknown references of one PI's expression (see
    // `real_package_expressions_parse_and_resolve`).
    assert_eq!(diagnostics(&r, "T2A031").len(), 7);
    assert_eq!(r["summary"]["errors"], 39 + 7);
    assert_eq!(diagnostics(&r, "T2A020").len(), 2, "target-without-code");
    // Three data elements whose option combos are fed by PIs counting different units:
    // the "failed" outcome counts events where its siblings count enrollments (short
    // and long RR-TB regimens), and "PCD new" counts at the event's org unit where
    // its siblings count at the enrollment's.
    let units = diagnostics(&r, "T2A038");
    assert_eq!(units.len(), 3, "inconsistent-disaggregation");
    assert!(units.iter().any(|d| d["message"].as_str().unwrap_or("").contains(
        "count variable: V{enrollment_count} for `TB_CURED`, `TB_DIED`, `TB_CMPL`, `TB_NEVAL`, `TB_LTFU` vs V{event_count} for `TB_FAIL`"
    )));
    assert!(units.iter().any(|d| {
        d["message"]
            .as_str()
            .unwrap_or("")
            .contains("org unit field: ENROLLMENT for `UNKNOWN`, `RECURRENT` vs default for `NEW`")
    }));
    assert_eq!(r["summary"]["warnings"], 4 + 3);
    // Notes: org units are not checkable (one), 3 data elements drop zeros on 2.41,
    // 4 are fed for part of their combo, 64 PIs in scope carry no mapping.
    assert_eq!(diagnostics(&r, "T2A017").len(), 3, "zero-not-stored");
    assert_eq!(
        diagnostics(&r, "T2A021").len(),
        4,
        "incomplete-disaggregation"
    );
    assert_eq!(
        diagnostics(&r, "T2A024").len(),
        64,
        "unmapped-program-indicator"
    );
    // 73 EVENT PIs count enrollments per cell (the WHO pattern, a note).
    assert_eq!(
        diagnostics(&r, "T2A034").len(),
        73,
        "event-type-counts-enrollments"
    );
    // 65 PIs read event values in ways that depend on which events DHIS2 picks.
    assert_eq!(diagnostics(&r, "T2A039").len(), 65, "stage-value-semantics");
    assert_eq!(
        r["summary"]["notes"],
        74 + 73 + 65,
        "with the two bulk-rename notes"
    );
    assert_eq!(diagnostics(&r, "T2A012")[0]["severity"], "note");
}

#[test]
fn covac_pairs_report_no_error() {
    let real = require_real!();
    let agg = real
        .join("covac_eir/CVC_EIR_AGG_2.38.json")
        .display()
        .to_string();
    for trk in ["CVC_EIR_TRK_COMPLETE_2.38.json", "CVC_EIR_T2A_2.38.json"] {
        let src = real.join("covac_eir").join(trk).display().to_string();
        let r = check_json(None, &src, Some(&agg));
        assert_eq!(r["summary"]["errors"], 0, "{trk}: {:#}", r["diagnostics"]);
        assert_eq!(r["summary"]["warnings"], 0, "{trk}");
        assert_eq!(r["summary"]["mappings"], 13, "{trk}");
    }
    // The complete tracker package bundles the aggregate side: one file is both.
    let both = real
        .join("covac_eir/CVC_EIR_TRK_COMPLETE_2.38.json")
        .display()
        .to_string();
    let r = check_json(None, &both, None);
    assert_eq!(r["summary"]["errors"], 0);
    assert_eq!(r["summary"]["mappings"], 13);
}

/// The TB pair as a person reads it: one section per rule, the 31 unknown-DE findings
/// grouped by their 13 codes, the shared help once (423 lines before grouping).
#[test]
fn tb_pair_human_report_groups_by_cause() {
    let real = require_real!();
    let out = crate::support::t2a()
        .current_dir(real.join("tb_cs_agg"))
        .args([
            "check",
            "--source",
            "TB_CS_TRK_COMPLETE_2.41.json",
            "--target",
            "TB_AGG_COMPLETE_2.41.json",
        ])
        .output()
        .expect("run t2a check");
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("tb_human", String::from_utf8_lossy(&out.stdout));
}

/// Every PI of the real packages parses and takes only what PIs take on its version;
/// the one real reference defect is TB's "Pending laboratory events", whose
/// condition string reads seven results of the diagnostic stage from the monitoring
/// stage.
#[test]
fn real_package_expressions_parse_and_resolve() {
    let real = require_real!();
    let tb = check_json(
        None,
        &real
            .join("tb_cs_agg/TB_CS_TRK_COMPLETE_2.41.json")
            .display()
            .to_string(),
        Some(
            &real
                .join("tb_cs_agg/TB_AGG_COMPLETE_2.41.json")
                .display()
                .to_string(),
        ),
    );
    assert!(
        diagnostics(&tb, "T2A030").is_empty(),
        "{:#?}",
        diagnostics(&tb, "T2A030")
    );
    assert!(diagnostics(&tb, "T2A026").is_empty());
    let refs = diagnostics(&tb, "T2A031");
    assert_eq!(
        first_ids(&refs),
        BTreeSet::from(["uv4nAIX2U4s".to_string()])
    );
    let des: BTreeSet<&str> = refs
        .iter()
        .filter_map(|d| d["objects"].as_array()?.last()?["id"].as_str())
        .collect();
    assert_eq!(
        des,
        BTreeSet::from([
            "CxjSGmVSIrD",
            "Lr8yX1aTLf4",
            "TPeXlGuQWUQ",
            "Zd7703kfnOC",
            "bNGqfxvPbPo",
            "lmXKhJA5nk1",
            "z0j1fZQHoSB"
        ])
    );
    for d in &refs {
        assert_eq!(d["field"]["name"], "expression");
        assert!(
            d["message"]
                .as_str()
                .unwrap_or("")
                .contains("is not in stage \"Monitoring laboratory results\"")
        );
    }
    for (trk, agg) in [
        (
            "covac_eir/CVC_EIR_TRK_COMPLETE_2.38.json",
            Some("covac_eir/CVC_EIR_AGG_2.38.json"),
        ),
        (
            "covac_eir/CVC_EIR_T2A_2.38.json",
            Some("covac_eir/CVC_EIR_AGG_2.38.json"),
        ),
        ("covac_eir/CVC_EIR_TRK_COMPLETE_2.38.json", None),
    ] {
        let agg = agg.map(|a| real.join(a).display().to_string());
        let r = check_json(None, &real.join(trk).display().to_string(), agg.as_deref());
        for code in ["T2A030", "T2A031", "T2A026"] {
            assert!(
                diagnostics(&r, code).is_empty(),
                "{trk} {code}: {:#?}",
                diagnostics(&r, code)
            );
        }
    }
}
