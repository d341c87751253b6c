//! What the client spends per 100k values in a sync: parsing the analytics export,
//! verifying every value, reconciling with the stored values and building the import
//! payload. The servers' own time is not counted.
//!
//! Run: `cargo run --release --example sync_bench [-- VALUES]` (default 100000); peak
//! memory: `/usr/bin/time -v target/release/examples/sync_bench`.

use std::time::Instant;

use serde::Deserialize;
use serde_json::json;

use t2a::catalog::Catalog;
use t2a::config::{Config, Spanned};
use t2a::dhis2::data::DataValue;
use t2a::job::Job;
use t2a::model::parse_metadata;
use t2a::period::PeriodType;
use t2a::sync::{import, plan, reconcile, verify};

const PIS: usize = 50;

fn uid(prefix: char, i: usize) -> String {
    format!("{prefix}{i:010}")
}

#[derive(Deserialize)]
struct Export {
    #[serde(rename = "dataValues")]
    data_values: Vec<DataValue>,
}

fn main() {
    let values: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let ous = values.div_ceil(PIS);
    let ou_ids: Vec<String> = (0..ous).map(|i| uid('o', i)).collect();
    let des = PIS / 2;
    let source = json!({
        "attributes": [{"id": "attrDeAgg01", "code": "DATA_ELEMENT_AGG", "name": "Data element for aggregate data export",
                        "valueType": "TEXT", "programIndicatorAttribute": true}],
        "programs": [{"id": "prBench0001", "name": "Bench", "organisationUnits": ou_ids.iter().map(|o| json!({"id": o})).collect::<Vec<_>>()}],
        "programIndicators": (0..PIS).map(|i| json!({
            "id": uid('p', i), "name": format!("PI {i}"), "program": {"id": "prBench0001"},
            "aggregateExportCategoryOptionCombo": if i % 2 == 0 { "MALE" } else { "FEMALE" },
            "attributeValues": [{"attribute": {"id": "attrDeAgg01"}, "value": format!("DE_{}", i / 2)}]
        })).collect::<Vec<_>>(),
        "organisationUnits": ou_ids.iter().map(|o| json!({"id": o, "name": o, "level": 1, "path": format!("/{o}")})).collect::<Vec<_>>(),
    });
    let target = json!({
        "categoryCombos": [{"id": "ccDefault01", "name": "default"}, {"id": "ccSex000001", "name": "Sex"}],
        "categoryOptionCombos": [
            {"id": "cocDefault1", "name": "default", "categoryCombo": {"id": "ccDefault01"}},
            {"id": "cocMale0001", "name": "Male", "code": "MALE", "categoryCombo": {"id": "ccSex000001"}},
            {"id": "cocFemale01", "name": "Female", "code": "FEMALE", "categoryCombo": {"id": "ccSex000001"}}],
        "dataElements": (0..des).map(|i| json!({"id": uid('d', i), "code": format!("DE_{i}"), "name": format!("DE {i}"),
            "valueType": "INTEGER_ZERO_OR_POSITIVE", "domainType": "AGGREGATE", "categoryCombo": {"id": "ccSex000001"}})).collect::<Vec<_>>(),
        "dataSets": [{"id": "dsBench0001", "name": "Bench monthly", "periodType": "Monthly", "categoryCombo": {"id": "ccDefault01"},
            "dataSetElements": (0..des).map(|i| json!({"dataElement": {"id": uid('d', i)}})).collect::<Vec<_>>(),
            "organisationUnits": ou_ids.iter().map(|o| json!({"id": o})).collect::<Vec<_>>()}],
        "organisationUnits": ou_ids.iter().map(|o| json!({"id": o, "name": o, "level": 1, "path": format!("/{o}")})).collect::<Vec<_>>(),
    });
    let path = std::path::Path::new("bench.json");
    let load = |v: &serde_json::Value| {
        Catalog::new(parse_metadata(path, &serde_json::to_vec(v).expect("json")).expect("metadata"))
    };
    let (src, tgt) = (load(&source), load(&target));
    let mut config = Config::default();
    config.sync.period_type = Some(Spanned::new(PeriodType::Monthly, 0..0));

    let t0 = Instant::now();
    let cx = Job::build(&src, &tgt, &config);
    let findings = t2a::rules::run(&cx, &[]);
    let t_check = t0.elapsed();
    assert!(
        findings
            .iter()
            .all(|f| f.severity != t2a::diagnostic::Severity::Error),
        "the bench job must check clean"
    );
    let periods = vec!["202401".to_string()];
    let p = plan::plan(
        &cx,
        &plan::Request {
            periods: &periods,
            period_type: Some(PeriodType::Monthly),
            lookback: 1,
            include_current: false,
            as_of: jiff::civil::date(2024, 2, 15),
        },
    );

    // The export body as analytics writes it ("12.0" for PIs without decimals: 0).
    let mut text = String::from("{\"dataValues\":[");
    for i in 0..values {
        let pi = i % PIS;
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "{{\"dataElement\":\"DE_{}\",\"period\":\"202401\",\"orgUnit\":\"{}\",\"categoryOptionCombo\":\"{}\",\"value\":\"{}.0\",\"comment\":\"[aggregated]\",\"created\":\"2024-02-03\",\"lastUpdated\":\"2024-02-03\",\"followup\":false}}",
            pi / 2,
            ou_ids[i / PIS],
            if pi.is_multiple_of(2) { "MALE" } else { "FEMALE" },
            i % 97
        ));
    }
    text.push_str("]}");
    let body = text.into_bytes();

    let t1 = Instant::now();
    let export: Export = serde_json::from_slice(&body).expect("export");
    let t_parse = t1.elapsed();

    let t2 = Instant::now();
    let all: Vec<usize> = (0..cx.mappings.len()).collect();
    let mut verifier = verify::Verifier::new(&cx, &p);
    verifier.rows(&all, export.data_values);
    let verified = verifier.out;
    let t_verify = t2.elapsed();
    assert!(verified.issues.is_empty() && verified.values.len() == values);

    // The target holds 80 % of the values, one in ten of them different.
    let stored: Vec<DataValue> = verified
        .values
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 != 0)
        .map(|(i, e)| DataValue {
            // The catalog sorts by id, so index i is data element d{i}.
            data_element: uid('d', e.key.de),
            period: e.key.period.clone(),
            org_unit: tgt.organisation_units[e.key.ou].id.clone(),
            category_option_combo: e.key.coc.map(|c| tgt.category_option_combos[c].id.clone()),
            attribute_option_combo: None,
            value: Some(if i % 10 == 1 {
                "1000".into()
            } else {
                e.row.value.clone().unwrap_or_default()
            }),
            comment: None,
            deleted: None,
        })
        .collect();
    let t3 = Instant::now();
    let scope = reconcile::scope(&cx, &all, &verified.values);
    let changes = reconcile::classify(
        &cx,
        &p,
        &verified.values,
        &stored,
        &scope,
        t2a::config::Stale::Report,
    );
    let t_reconcile = t3.elapsed();

    let t4 = Instant::now();
    let batches = import::batches(&changes, "CREATE_AND_UPDATE", t2a::config::Stale::Report);
    let mut bytes = 0;
    for b in &batches {
        for chunk in b.rows.chunks(5000) {
            bytes += serde_json::to_vec(&json!({ "dataValues": chunk }))
                .expect("payload")
                .len();
        }
    }
    let t_payload = t4.elapsed();

    let total = t_parse + t_verify + t_reconcile + t_payload;
    let per = |d: std::time::Duration| d.as_secs_f64() * 1000.0 * 100_000.0 / values as f64;
    let tally = t2a::sync::preview::Tally::of(&changes);
    println!(
        "values: {values} ({} PIs × {ous} org units × 1 period); check {:.0} ms",
        PIS,
        t_check.as_secs_f64() * 1000.0
    );
    println!(
        "parse export body ({:.1} MB): {:.0} ms per 100k",
        body.len() as f64 / 1e6,
        per(t_parse)
    );
    println!(
        "verify:                         {:.0} ms per 100k",
        per(t_verify)
    );
    println!(
        "reconcile ({} new, {} changed, {} unchanged): {:.0} ms per 100k",
        tally.new,
        tally.changed,
        tally.unchanged,
        per(t_reconcile)
    );
    println!(
        "build import payloads ({:.1} MB): {:.0} ms per 100k",
        bytes as f64 / 1e6,
        per(t_payload)
    );
    println!("client total: {:.0} ms per 100k values", per(total));
}
