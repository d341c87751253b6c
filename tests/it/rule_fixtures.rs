//! One fixture pair per rule (tests/fixtures/rules/<name>/, or one folder per case),
//! with positive and negative cases; the exact JSON report is snapshotted. Each case
//! runs its rule alone (every other rule off), so a new rule never changes the fixtures
//! of another.

use std::path::{Path, PathBuf};

use t2a::rules::RULES;

use crate::support::{check_report_with, repo};

const FIXTURES: &str = "tests/fixtures/rules";

/// The cases of a rule: the rule folder itself, or each of its sub-folders.
fn cases(rule: &str) -> Vec<(String, PathBuf)> {
    let dir = repo(FIXTURES).join(rule);
    if dir.join("source.json").is_file() {
        return vec![(String::new(), dir)];
    }
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("no fixtures for rule {rule} in {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().join("source.json").is_file() || is_record_case(&e.path()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    out
}

/// A record job's case: a job config whose `[source]` is a record source, no metadata
/// pair.
fn is_record_case(dir: &Path) -> bool {
    !dir.join("source.json").is_file() && dir.join("job.toml").is_file()
}

/// A record job's report, the records read too (`check --with-data`), run from the
/// crate root so that the paths it prints are the same on every machine.
fn record_report(dir: &Path, rules: &[String]) -> (String, serde_json::Value) {
    let job = dir.join("job.toml");
    let rel_job = PathBuf::from(rel(&job));
    let mut cfg = t2a::app::job_config(Some(&rel_job), None, None, rules).expect("config");
    cfg.with_data = true;
    let report = t2a::check::check(&cfg).expect("check");
    let text = t2a::report::render(&report, t2a::report::Format::Json, &Default::default());
    let value = serde_json::from_str(&text).expect("json report");
    (text, value)
}

fn rel(p: &Path) -> String {
    p.strip_prefix(repo("")).unwrap_or(p).display().to_string()
}

/// Check every case of a rule; each report holds findings of this rule only, at least
/// one case fires it, and each report matches its snapshot.
fn check_rule(name: &str) {
    let rule = RULES.iter().find(|r| r.name == name).expect("rule exists");
    let others: Vec<String> = RULES
        .iter()
        .filter(|r| r.name != name)
        .map(|r| format!("{}=off", r.name))
        .collect();
    let mut fired = 0;
    for (case, dir) in cases(name) {
        let job = dir.join("job.toml");
        let config = job.is_file().then_some(job.as_path());
        let (text, report) = if is_record_case(&dir) {
            record_report(&dir, &others)
        } else {
            check_report_with(
                config,
                &rel(&dir.join("source.json")),
                Some(&rel(&dir.join("target.json"))),
                &others,
            )
        };
        for d in report["diagnostics"].as_array().expect("diagnostics") {
            assert_eq!(
                d["code"], rule.code,
                "{name}/{case}: a finding of another rule: {d:#}"
            );
            // A finding at the rule's own severity (informational notes of a warning or
            // error rule do not count).
            if d["severity"] == rule.severity.as_str() {
                fired += 1;
            }
        }
        let snapshot = if case.is_empty() {
            name.to_string()
        } else {
            format!("{name}__{case}")
        };
        // The report text itself: key order is part of the contract.
        insta::assert_snapshot!(snapshot, text);
    }
    assert!(fired > 0, "no case of {name} fires the rule");
}

macro_rules! rule_tests {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_rule($name);
            }
        )*

        /// Every rule has fixtures (and a test above), and every fixture folder is a rule.
        #[test]
        fn every_rule_has_fixtures() {
            let tested = [$($name),*];
            for r in RULES {
                assert!(tested.contains(&r.name), "rule {} has no fixture test", r.name);
            }
            for entry in std::fs::read_dir(repo(FIXTURES)).expect("fixtures") {
                let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
                assert!(tested.contains(&name.as_str()), "fixture folder {name} is no rule");
            }
            // No snapshot outlives its case.
            let mut expected: Vec<String> = Vec::new();
            for name in tested {
                for (case, _) in cases(name) {
                    expected.push(if case.is_empty() { name.to_string() } else { format!("{name}__{case}") });
                }
            }
            for entry in std::fs::read_dir(repo("tests/it/snapshots")).expect("snapshots") {
                let file = entry.expect("entry").file_name().to_string_lossy().into_owned();
                if let Some(snap) = file.strip_prefix("it__rule_fixtures__").and_then(|f| f.strip_suffix(".snap")) {
                    assert!(expected.iter().any(|e| e == snap), "unreferenced snapshot {file}");
                }
            }
        }
    };
}

rule_tests! {
    mapping_attribute_missing => "mapping-attribute-missing",
    mapping_attribute_misconfigured => "mapping-attribute-misconfigured",
    unknown_data_element => "unknown-data-element",
    unknown_category_option_combo => "unknown-category-option-combo",
    category_option_combo_not_in_combo => "category-option-combo-not-in-combo",
    missing_category_option_combo => "missing-category-option-combo",
    duplicate_target => "duplicate-target",
    unknown_attribute_option_combo => "unknown-attribute-option-combo",
    data_element_not_in_data_set => "data-element-not-in-data-set",
    period_type_mismatch => "period-type-mismatch",
    conflicting_period_types => "conflicting-period-types",
    unknown_org_unit => "unknown-org-unit",
    unassigned_org_unit => "unassigned-org-unit",
    stale_analytics => "stale-analytics",
    value_type_mismatch => "value-type-mismatch",
    non_integer_export => "non-integer-export",
    negative_or_zero_rejected => "negative-or-zero-rejected",
    zero_not_stored => "zero-not-stored",
    not_aggregate_domain => "not-aggregate-domain",
    target_without_code => "target-without-code",
    incomplete_disaggregation => "incomplete-disaggregation",
    unmapped_program_indicator => "unmapped-program-indicator",
    mixed_id_schemes => "mixed-id-schemes",
    expiry_window => "expiry-window",
    exchange_mismatch => "exchange-mismatch",
    disaggregation_mapping_invalid => "disaggregation-mapping-invalid",
    disaggregation_combo_mismatch => "disaggregation-combo-mismatch",
    tolerated_trailing_text => "tolerated-trailing-text",
    invalid_expression => "invalid-expression",
    unknown_reference => "unknown-reference",
    wrong_analytics_type_item => "wrong-analytics-type-item",
    aggregation_type_mismatch => "aggregation-type-mismatch",
    org_unit_field_invalid => "org-unit-field-invalid",
    event_type_counts_enrollments => "event-type-counts-enrollments",
    cumulative_boundary => "cumulative-boundary",
    duplicate_disaggregation => "duplicate-disaggregation",
    inconsistent_disaggregation => "inconsistent-disaggregation",
    stage_value_semantics => "stage-value-semantics",
    unknown_reference_value => "unknown-reference-value",
    unknown_source_field => "unknown-source-field",
    unmapped_location => "unmapped-location",
    overlapping_disaggregation => "overlapping-disaggregation",
    category_option_not_covered => "category-option-not-covered",
    records_not_aggregated => "records-not-aggregated",
    record_period_type_mismatch => "record-period-type-mismatch",
    restricted_source_visibility => "restricted-source-visibility",
    discarded_cases_counted => "discarded-cases-counted",
    duplicate_records => "duplicate-records",
}
