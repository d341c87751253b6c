//! The sync's bounded-memory path: values spread over several on-disk buckets give
//! exactly the changes a single bucket gives, and both are what the export and the
//! stored values say they must be (new, changed, unchanged, stale).

use std::collections::BTreeMap;

use serde_json::json;

use t2a::catalog::Catalog;
use t2a::config::{Config, Spanned, Stale};
use t2a::dhis2::RemoteError;
use t2a::dhis2::data::{ExportQuery, ReadQuery};
use t2a::job::Job;
use t2a::model::parse_metadata;
use t2a::period::PeriodType;
use t2a::sync::export::Source;
use t2a::sync::log::Log;
use t2a::sync::lookups::Lookups;
use t2a::sync::plan;
use t2a::sync::reconcile::{Class, Store};
use t2a::sync::transfer::{Collected, export_requests};

const OUS: usize = 30;
const PIS: usize = 6;

fn ou(i: usize) -> String {
    format!("ou{i:09}")
}

fn catalogs() -> (Catalog, Catalog) {
    let ous: Vec<_> = (0..OUS)
        .map(|i| json!({"id": ou(i), "name": ou(i), "level": 1, "path": format!("/{}", ou(i))}))
        .collect();
    let refs: Vec<_> = (0..OUS).map(|i| json!({"id": ou(i)})).collect();
    let source = json!({
        "attributes": [{"id": "attrDeAgg01", "code": "DATA_ELEMENT_AGG", "name": "Data element for aggregate data export", "valueType": "TEXT", "programIndicatorAttribute": true}],
        "programs": [{"id": "prBucket001", "name": "P", "organisationUnits": refs}],
        "programIndicators": (0..PIS).map(|p| json!({
            "id": format!("pi{p:09}"), "name": format!("PI {p}"), "program": {"id": "prBucket001"},
            "aggregateExportCategoryOptionCombo": if p.is_multiple_of(2) { "MALE" } else { "FEMALE" },
            "attributeValues": [{"attribute": {"id": "attrDeAgg01"}, "value": format!("DE_{}", p / 2)}]})).collect::<Vec<_>>(),
        "organisationUnits": ous,
    });
    let target = json!({
        "categoryCombos": [{"id": "ccDefault01", "name": "default"}, {"id": "ccSex000001", "name": "Sex"}],
        "categoryOptionCombos": [
            {"id": "cocDefault1", "name": "default", "categoryCombo": {"id": "ccDefault01"}},
            {"id": "cocMale0001", "name": "Male", "code": "MALE", "categoryCombo": {"id": "ccSex000001"}},
            {"id": "cocFemale01", "name": "Female", "code": "FEMALE", "categoryCombo": {"id": "ccSex000001"}}],
        "dataElements": (0..PIS / 2).map(|d| json!({"id": format!("de{d:09}"), "code": format!("DE_{d}"), "name": format!("DE {d}"),
            "valueType": "INTEGER_ZERO_OR_POSITIVE", "zeroIsSignificant": true, "categoryCombo": {"id": "ccSex000001"}})).collect::<Vec<_>>(),
        "dataSets": [{"id": "dsBucket001", "name": "Monthly", "periodType": "Monthly",
            "dataSetElements": (0..PIS / 2).map(|d| json!({"dataElement": {"id": format!("de{d:09}")}})).collect::<Vec<_>>(),
            "organisationUnits": refs}],
        "organisationUnits": ous,
    });
    let load = |v: &serde_json::Value| {
        Catalog::new(
            parse_metadata(
                std::path::Path::new("x.json"),
                &serde_json::to_vec(v).unwrap(),
            )
            .unwrap(),
        )
    };
    (load(&source), load(&target))
}

/// Value `i` of PI `p` at org unit `o`: exported unless `i % 7 == 3`; stored unless
/// `i % 3 == 0`, with another value when `i % 4 == 1`.
fn index(p: usize, o: usize) -> usize {
    o * PIS + p
}

struct Fake;

impl Source for Fake {
    fn export(&self, q: &ExportQuery) -> Result<(String, bytes::Bytes), RemoteError> {
        let mut rows = Vec::new();
        for o in &q.ou {
            let o: usize = o[2..].parse().unwrap();
            for pi in &q.dx {
                let p: usize = pi[2..].parse().unwrap();
                let i = index(p, o);
                if i % 7 != 3 {
                    rows.push(json!({"dataElement": format!("DE_{}", p / 2), "period": "202401", "orgUnit": ou(o),
                        "categoryOptionCombo": if p.is_multiple_of(2) { "MALE" } else { "FEMALE" }, "value": format!("{i}.0")}));
                }
            }
        }
        Ok((
            "export".into(),
            serde_json::to_vec(&json!({ "dataValues": rows }))
                .unwrap()
                .into(),
        ))
    }

    fn concurrency(&self) -> usize {
        3
    }
}

impl Store for Fake {
    fn read(&self, q: &ReadQuery) -> Result<(String, bytes::Bytes), RemoteError> {
        let mut rows = Vec::new();
        for o in &q.org_units {
            let o: usize = o[2..].parse().unwrap();
            for p in 0..PIS {
                let i = index(p, o);
                if !i.is_multiple_of(3) {
                    let v = if i % 4 == 1 { 1000 + i } else { i };
                    rows.push(json!({"dataElement": format!("de{:09}", p / 2), "period": "202401", "orgUnit": ou(o),
                        "categoryOptionCombo": if p.is_multiple_of(2) { "cocMale0001" } else { "cocFemale01" },
                        "attributeOptionCombo": "cocDefault1", "value": v.to_string()}));
                }
            }
        }
        Ok((
            "stored".into(),
            serde_json::to_vec(&json!({ "dataValues": rows }))
                .unwrap()
                .into(),
        ))
    }

    fn concurrency(&self) -> usize {
        2
    }
}

type Row = (
    String,
    String,
    String,
    Class,
    Option<String>,
    Option<String>,
);

/// Run export and reconciliation with `buckets` buckets: the report's rows, sorted.
fn run(src: &Catalog, tgt: &Catalog, buckets: usize) -> Vec<Row> {
    let mut config = Config::default();
    config.sync.period_type = Some(Spanned::new(PeriodType::Monthly, 0..0));
    config.sync.stale = Stale::Zero;
    let cx = Job::build(src, tgt, &config);
    let p = plan::plan(
        &cx,
        &plan::Request {
            periods: &[],
            period_type: Some(PeriodType::Monthly),
            lookback: 1,
            include_current: false,
            as_of: jiff::civil::date(2024, 2, 15),
            excluded: &[],
        },
    );
    let lk = Lookups::new(&cx, &p);
    let mut c = Collected::new(buckets).unwrap();
    assert_eq!(c.buckets.len(), buckets);
    c.export(
        &Fake,
        &cx,
        &lk,
        export_requests(&cx, &p, &mut Log::silent()),
        &|| {},
    )
    .unwrap();
    assert!(c.verified.issues.is_empty());
    let mut changes = c
        .reconcile(&cx, &lk, &p, Some(&Fake), None)
        .unwrap()
        .unwrap();
    let mut rows: Vec<Row> = changes
        .report
        .iter()
        .unwrap()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.unwrap()).unwrap();
            let text = |k: &str| v[k].as_str().map(str::to_string);
            let class = match v["class"].as_str().unwrap() {
                "new" => Class::New,
                "changed" => Class::Changed,
                "stale" => Class::Stale,
                other => panic!("{other}"),
            };
            (
                text("dataElement").unwrap(),
                text("categoryOptionCombo").unwrap(),
                text("orgUnit").unwrap(),
                class,
                text("old"),
                text("new"),
            )
        })
        .collect();
    rows.sort();
    // The import sends exactly the rows that write: here every listed row.
    assert_eq!(changes.writes + changes.deletes, rows.len());
    assert_eq!(changes.journal.len(), rows.len());
    rows
}

#[test]
fn buckets_give_the_changes_of_one_bucket_and_the_expected_ones() {
    let (src, tgt) = catalogs();
    let one = run(&src, &tgt, 1);
    assert_eq!(run(&src, &tgt, 5), one);
    assert_eq!(run(&src, &tgt, 64), one);

    let mut expected: BTreeMap<usize, (Class, Option<String>, Option<String>)> = BTreeMap::new();
    for o in 0..OUS {
        for p in 0..PIS {
            let i = index(p, o);
            let exported = (i % 7 != 3).then(|| i.to_string());
            let stored =
                (!i.is_multiple_of(3)).then(|| if i % 4 == 1 { 1000 + i } else { i }.to_string());
            let class = match (&exported, &stored) {
                (Some(_), None) => Class::New,
                (Some(e), Some(s)) if e != s => Class::Changed,
                (None, Some(_)) => Class::Stale,
                _ => continue,
            };
            let new = match class {
                Class::Stale => Some("0".to_string()),
                _ => exported,
            };
            expected.insert(i, (class, stored, new));
        }
    }
    let mut want: Vec<Row> = expected
        .iter()
        .map(|(&i, (class, old, new))| {
            let (o, p) = (i / PIS, i % PIS);
            let coc = if p.is_multiple_of(2) {
                "MALE"
            } else {
                "FEMALE"
            };
            (
                format!("DE_{}", p / 2),
                coc.to_string(),
                ou(o),
                *class,
                old.clone(),
                new.clone(),
            )
        })
        .collect();
    want.sort();
    assert_eq!(one, want);
    assert!(want.iter().any(|r| r.3 == Class::Stale) && want.iter().any(|r| r.3 == Class::Changed));
}
