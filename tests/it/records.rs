//! Record jobs end to end: a line list or a Go.Data export aggregated by blocks into
//! the fake DHIS2 target (2.41 and 2.43), through the same verify, reconcile, dry run
//! and import as program indicators; reruns, reclassification, deletion, and the
//! defects that must stop a run before anything is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::fake::{self, Builder, FakeDhis2, Version};
use crate::support::{repo, t2a_process};

const AS_OF: &str = "2024-03-20";
const RESIDENCE: &str = "LNG_REFERENCE_DATA_CATEGORY_ADDRESS_TYPE_USUAL_PLACE_OF_RESIDENCE";
const CLASS: &str = "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION_";

/// The seven measles cases of `tests/fixtures/records/cases.csv`: id, sex, age, onset,
/// district, outcome.
const CASES: &[(&str, &str, u32, &str, &str, &str)] = &[
    ("M-001", "F", 3, "2024-03-04", "DIST_A", "alive"),
    ("M-002", "M", 7, "2024-03-05", "DIST_A", "alive"),
    ("M-003", "F", 12, "2024-03-06", "DIST_A", "dead"),
    ("M-004", "M", 2, "2024-03-07", "DIST_B", "alive"),
    ("M-005", "F", 4, "2024-03-12", "DIST_B", "alive"),
    ("M-006", "M", 30, "2024-03-13", "DIST_A", "dead"),
    ("M-007", "F", 1, "2024-03-14", "DIST_A", "alive"),
];

type Key = (String, String, String, String);

/// (DE, period, org unit, COC) UIDs → value, as the fixture's records must land.
fn expected() -> BTreeMap<Key, String> {
    let k = |de: &str, pe: &str, ou: &str, coc: &str| {
        (
            de.to_string(),
            pe.to_string(),
            ou.to_string(),
            coc.to_string(),
        )
    };
    let one = "1".to_string();
    BTreeMap::from([
        (
            k("DeMeasles01", "2024W10", "OuDistA0001", "CkF04000000"),
            one.clone(),
        ),
        (
            k("DeMeasles01", "2024W10", "OuDistA0001", "CkM5P000000"),
            one.clone(),
        ),
        (
            k("DeMeasles01", "2024W10", "OuDistA0001", "CkF5P000000"),
            one.clone(),
        ),
        (
            k("DeMeasles01", "2024W10", "OuDistB0001", "CkM04000000"),
            one.clone(),
        ),
        (
            k("DeMeasles01", "2024W11", "OuDistB0001", "CkF04000000"),
            one.clone(),
        ),
        (
            k("DeMeasles01", "2024W11", "OuDistA0001", "CkM5P000000"),
            one.clone(),
        ),
        (
            k("DeMeasles01", "2024W11", "OuDistA0001", "CkF04000000"),
            one.clone(),
        ),
        (
            k("DeMeaslesD1", "2024W10", "OuDistA0001", "CkDefault01"),
            one.clone(),
        ),
        (
            k("DeMeaslesD1", "2024W11", "OuDistA0001", "CkDefault01"),
            one,
        ),
    ])
}

const BLOCKS: &str = r#"
[[aggregate]]
name = "measles-cases"
data_element = "IDSR_MEASLES_CASES"
period = "PERIOD"
WHERE
[aggregate.categories.SEX]
FEMALE = { SEXFIELD = "F" }
MALE = { SEXFIELD = "M" }

[aggregate.categories.AGE]
AGE_0_4 = { AGEFIELD = { lt = 5 } }
AGE_5P = { AGEFIELD = { gte = 5 } }

[[aggregate]]
name = "measles-deaths"
data_element = "IDSR_MEASLES_DEATHS"
where = { OUTCOME = "dead" }
period = "PERIOD"
"#;

/// How the records are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Csv,
    Json,
    Ndjson,
    GoData,
}

struct Env {
    version: Version,
    target: FakeDhis2,
    dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    events: Vec<Value>,
    stderr: String,
}

impl Run {
    fn event(&self, name: &str) -> Option<&Value> {
        self.events.iter().rev().find(|e| e["event"] == name)
    }

    fn tally(&self) -> [u64; 4] {
        let r = self.event("reconcile").cloned().unwrap_or_default();
        ["new", "changed", "unchanged", "stale"].map(|k| r[k].as_u64().unwrap_or(u64::MAX))
    }
}

fn godata_case(c: &(&str, &str, u32, &str, &str, &str), classification: &str) -> Value {
    let (id, sex, age, onset, district, outcome) = *c;
    let loc = if district == "DIST_A" {
        "loc-dist-a"
    } else {
        "loc-dist-b"
    };
    json!({
        "_id": id, "outbreakId": "ob-1", "firstName": format!("Name of {id}"), "lastName": "Example",
        "classification": format!("{CLASS}{classification}"),
        "gender": if sex == "F" { "LNG_REFERENCE_DATA_CATEGORY_GENDER_FEMALE" } else { "LNG_REFERENCE_DATA_CATEGORY_GENDER_MALE" },
        "age": {"years": age},
        "dateOfOnset": format!("{onset}T00:00:00.000Z"),
        "dateOfReporting": format!("{onset}T00:00:00.000Z"),
        "outcomeId": if outcome == "dead" { "LNG_REFERENCE_DATA_CATEGORY_OUTCOME_DECEASED" } else { "LNG_REFERENCE_DATA_CATEGORY_OUTCOME_ALIVE" },
        "addresses": [{"typeId": RESIDENCE, "locationId": loc, "phoneNumber": format!("+25470{age:07}")}],
        "usualPlaceOfResidenceLocationId": loc,
        "deleted": false
    })
}

impl Env {
    fn new(version: Version) -> Env {
        Env::with_target(version, &repo("tests/fixtures/records/hmis.json"))
    }

    fn with_target(version: Version, metadata: &Path) -> Env {
        let target = Builder::new(version)
            .metadata_file(metadata)
            .context_path("/hmis")
            .start();
        let dir = tempfile::tempdir().expect("tempdir");
        Env {
            version,
            target,
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Write the records in a form, and the job that reads them (extra `[sync]` lines,
    /// a replacement for the cases block's `where`).
    fn job(&self, form: Form, sync: &str, cases_where: &str) -> PathBuf {
        let rows: Vec<_> = CASES.to_vec();
        self.records(form, &rows, &["CONFIRMED"; 7]);
        let (source, fields) = match form {
            Form::GoData => (
                "[source]\nkind = \"godata\"\nexport = \"cases.json\"\nlocations = \"locations.json\"\noutbreak = \"ob-1\"\n".to_string(),
                [("PERIOD", "dateOfOnset"), ("SEXFIELD", "gender"), ("AGEFIELD", "age_years"), ("OUTCOME", "outcomeId"), ("\"F\"", "\"FEMALE\""), ("\"M\"", "\"MALE\""), ("\"dead\"", "\"DECEASED\"")],
            ),
            _ => {
                let file = match form {
                    Form::Csv => "cases.csv",
                    Form::Json => "cases.json",
                    _ => "cases.ndjson",
                };
                (
                    format!("[source]\nkind = \"linelist\"\npath = \"{file}\"\nid_column = \"case_id\"\n[source.org_units]\ncolumn = \"district\"\nmatch = \"code\"\n"),
                    [("PERIOD", "date_onset"), ("SEXFIELD", "sex"), ("AGEFIELD", "age_years"), ("OUTCOME", "outcome"), ("\"F\"", "\"F\""), ("\"M\"", "\"M\""), ("\"dead\"", "\"dead\"")],
                )
            }
        };
        let mut blocks = BLOCKS.to_string();
        for (from, to) in fields {
            blocks = blocks.replace(from, to);
        }
        blocks = blocks.replace("WHERE\n", &format!("{cases_where}\n"));
        let job = format!(
            "{source}\n[target]\nurl = \"{}\"\nretry_backoff = \"1ms\"\n\n[sync]\nperiods = [\"2024W10\", \"2024W11\"]\n{sync}\n{blocks}",
            self.target.url
        );
        let path = self.path("job.toml");
        std::fs::write(&path, job).expect("write job");
        path
    }

    /// The records in a form, with each case's classification (Go.Data).
    fn records(&self, form: Form, rows: &[(&str, &str, u32, &str, &str, &str)], classes: &[&str]) {
        match form {
            Form::Csv => {
                let mut text = String::from(
                    "\u{feff}case_id,patient_name,phone,sex,age_years,date_onset,district,outcome\r\n",
                );
                for (id, sex, age, onset, district, outcome) in rows {
                    text.push_str(&format!("{id},\"Name, of {id}\",+254700{age:06},{sex},{age},{onset},{district},{outcome}\r\n"));
                }
                std::fs::write(self.path("cases.csv"), text).expect("csv");
            }
            Form::Json | Form::Ndjson => {
                let objs: Vec<Value> = rows
                    .iter()
                    .map(|(id, sex, age, onset, district, outcome)| {
                        json!({"case_id": id, "patient_name": format!("Name of {id}"), "sex": sex, "age_years": age, "date_onset": onset, "district": district, "outcome": outcome})
                    })
                    .collect();
                if form == Form::Json {
                    std::fs::write(
                        self.path("cases.json"),
                        serde_json::to_string(&objs).expect("json"),
                    )
                    .expect("json");
                } else {
                    let lines: Vec<String> = objs.iter().map(Value::to_string).collect();
                    std::fs::write(self.path("cases.ndjson"), lines.join("\n")).expect("ndjson");
                }
            }
            Form::GoData => {
                let cases: Vec<Value> = rows
                    .iter()
                    .zip(classes)
                    .map(|(c, cls)| godata_case(c, cls))
                    .collect();
                std::fs::write(
                    self.path("cases.json"),
                    serde_json::to_string(&cases).expect("json"),
                )
                .expect("cases");
                let locations = json!([
                    {"id": "loc-country", "name": "Country", "identifiers": [{"code": "COUNTRY"}], "parentLocationId": null},
                    {"id": "loc-dist-a", "name": "District A", "identifiers": [{"code": "DIST_A"}], "parentLocationId": "loc-country"},
                    {"id": "loc-dist-b", "name": "District B", "identifiers": [{"code": "DIST_B"}], "parentLocationId": "loc-country"}
                ]);
                std::fs::write(self.path("locations.json"), locations.to_string())
                    .expect("locations");
            }
        }
    }

    fn sync(&self, job: &Path, args: &[&str]) -> Run {
        let mut cmd = t2a_process();
        cmd.args([
            "sync", "--format", "json", "--yes", "--as-of", AS_OF, "--config",
        ])
        .arg(job)
        .args(args)
        .current_dir(self.dir.path());
        if self.version >= Version::V238 {
            cmd.env("T2A_TARGET_TOKEN", fake::TOKEN_V2);
        }
        let out = cmd.output().expect("run t2a sync");
        let stdout = String::from_utf8_lossy(&out.stdout);
        Run {
            code: out.status.code().unwrap_or(-1),
            events: stdout
                .lines()
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
                .collect(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The target's values, keyed by UIDs (the default AOC left out).
    fn stored(&self) -> BTreeMap<Key, String> {
        self.target
            .stored()
            .into_iter()
            .map(|((de, pe, ou, coc, _), v)| ((de, pe, ou, coc), v))
            .collect()
    }
}

#[test]
fn a_weekly_sex_by_age_line_list_lands_exactly_and_a_rerun_changes_nothing() {
    for version in [Version::V241, Version::V243] {
        let env = Env::new(version);
        let job = env.job(Form::Csv, "", "");
        let first = env.sync(&job, &[]);
        assert_eq!(
            first.code, 0,
            "{version:?}: {}\n{:#?}",
            first.stderr, first.events
        );
        assert_eq!(first.tally(), [9, 0, 0, 0], "{version:?}");
        assert_eq!(env.stored(), expected(), "{version:?}");
        let records = first.event("records").expect("records event");
        assert_eq!(
            (records["read"].as_u64(), records["aggregated"].as_u64()),
            (Some(7), Some(9))
        );
        // Each value is traced to its block, its options and its records (by id).
        let report = walk(&env.dir.path().join("t2a-reports"))
            .into_iter()
            .find(|p| p.extension().is_some_and(|e| e == "json"))
            .expect("a run report");
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(report).expect("report")).expect("json");
        let traced = report.to_string();
        assert!(
            traced.contains(r#""records":{"block":"measles-cases","ids":["M-001"],"options":["FEMALE","AGE_0_4"],"records":1}"#),
            "provenance in the run report: {traced}"
        );
        let again = env.sync(&job, &[]);
        assert_eq!(again.code, 0, "{version:?}: {}", again.stderr);
        assert_eq!(
            again.tally(),
            [0, 0, 9, 0],
            "{version:?}: a second run changes nothing"
        );
        assert_eq!(env.stored(), expected());
    }
}

#[test]
fn the_same_records_as_csv_json_ndjson_and_a_godata_export_give_the_same_values() {
    let env = Env::new(Version::V241);
    let mut files = Vec::new();
    for form in [Form::Csv, Form::Json, Form::Ndjson, Form::GoData] {
        let job = env.job(
            form,
            "",
            if form == Form::GoData {
                "where = { classification = \"CONFIRMED\" }"
            } else {
                ""
            },
        );
        let out = env.path(&format!("{form:?}.json"));
        let run = env.sync(&job, &["--out", out.to_str().expect("path")]);
        assert_eq!(run.code, 0, "{form:?}: {}\n{:#?}", run.stderr, run.events);
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("out")).expect("json");
        let mut values: Vec<(String, String, String, String, String)> = v["dataValues"]
            .as_array()
            .expect("values")
            .iter()
            .map(|d| {
                let s = |k: &str| d[k].as_str().unwrap_or("").to_string();
                (
                    s("dataElement"),
                    s("period"),
                    s("orgUnit"),
                    s("categoryOptionCombo"),
                    s("value"),
                )
            })
            .collect();
        values.sort();
        files.push((form, values));
    }
    assert_eq!(files[0].1.len(), 9);
    for (form, values) in &files[1..] {
        assert_eq!(
            values, &files[0].1,
            "{form:?} gives other values than the CSV"
        );
    }
    // No person's name or phone number in any output or report.
    for entry in walk(env.dir.path()) {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("cases") || name == "job.toml" || name == "locations.json" {
            continue;
        }
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        assert!(
            !text.contains("Name of") && !text.contains("+2547"),
            "{} holds personal data",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_reclassified_case_moves_its_count_and_a_deleted_case_lowers_its_cell() {
    let env = Env::new(Version::V243);
    let job = env.job(
        Form::GoData,
        "stale = \"delete\"",
        "where = { classification = \"CONFIRMED\" }",
    );
    assert_eq!(env.sync(&job, &[]).code, 0);
    assert_eq!(env.stored(), expected());
    // M-002 (male, 7, W10, district A) is reclassified as not a case.
    let mut classes = ["CONFIRMED"; 7];
    classes[1] = "NOT_A_CASE_DISCARDED";
    env.records(Form::GoData, CASES, &classes);
    let run = env.sync(&job, &[]);
    assert_eq!(run.code, 0, "{}\n{:#?}", run.stderr, run.events);
    let mut want = expected();
    want.remove(&(
        "DeMeasles01".into(),
        "2024W10".into(),
        "OuDistA0001".into(),
        "CkM5P000000".into(),
    ));
    assert_eq!(
        env.stored(),
        want,
        "the reclassified case's cell is cleared"
    );
    // M-006 (male, 30, W11, district A, dead) is deleted: its case and death cells drop.
    let rows: Vec<_> = CASES.iter().filter(|c| c.0 != "M-006").copied().collect();
    env.records(
        Form::GoData,
        &rows,
        &[
            "CONFIRMED",
            "NOT_A_CASE_DISCARDED",
            "CONFIRMED",
            "CONFIRMED",
            "CONFIRMED",
            "CONFIRMED",
        ],
    );
    let run = env.sync(&job, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    want.remove(&(
        "DeMeasles01".into(),
        "2024W11".into(),
        "OuDistA0001".into(),
        "CkM5P000000".into(),
    ));
    want.remove(&(
        "DeMeaslesD1".into(),
        "2024W11".into(),
        "OuDistA0001".into(),
        "CkDefault01".into(),
    ));
    assert_eq!(env.stored(), want);
}

#[test]
fn an_unmapped_location_or_overlapping_age_bands_write_nothing() {
    let env = Env::new(Version::V241);
    let job = env.job(Form::Csv, "", "");
    let mut rows: Vec<_> = CASES.to_vec();
    rows.push(("M-008", "F", 9, "2024-03-06", "DIST_NOWHERE", "alive"));
    env.records(Form::Csv, &rows, &[]);
    let run = env.sync(&job, &[]);
    assert_eq!(run.code, 1, "{}\n{:#?}", run.stderr, run.events);
    assert_eq!(
        run.event("refused").map(|e| e["stage"].clone()),
        Some(json!("records"))
    );
    assert!(
        env.target.writes().is_empty(),
        "nothing reaches the target: {:?}",
        env.target.writes()
    );
    assert!(env.stored().is_empty());

    let job = env.job(Form::Csv, "", "");
    let text = std::fs::read_to_string(&job).expect("job").replace(
        "AGE_0_4 = { age_years = { lt = 5 } }",
        "AGE_0_4 = { age_years = { lte = 5 } }",
    );
    std::fs::write(&job, text).expect("job");
    let run = env.sync(&job, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let errors = run.event("check-errors").expect("the check's errors");
    assert_eq!(errors["diagnostics"][0]["code"], "T2A043", "{errors:#}");
    assert!(env.target.writes().is_empty());
}

/// The README's record jobs are valid configs.
#[test]
fn the_readme_record_jobs_read() {
    let readme = std::fs::read_to_string(repo("README.md")).expect("README");
    let mut found = 0;
    for block in readme.split("```toml\n").skip(1) {
        let text = block.split("```").next().unwrap_or("");
        if !text.contains("kind = \"godata\"") && !text.contains("kind = \"linelist\"") {
            continue;
        }
        found += 1;
        let c = t2a::config::Config::parse(Path::new("/jobs/job.toml"), text.to_string())
            .unwrap_or_else(|e| panic!("a README job does not read: {e:?}\n{text}"));
        assert!(c.records.is_some() && !c.aggregates.is_empty());
    }
    assert_eq!(found, 2, "a line-list job and a Go.Data job");
}

/// A live Go.Data (the fake) with the fixture's seven cases.
fn live_godata() -> crate::support::godata::FakeGoData {
    use crate::support::godata::{FakeGoData, GoDataVersion};
    let cases: Vec<Value> = CASES
        .iter()
        .map(|c| {
            let mut v = godata_case(c, "CONFIRMED");
            let id = v["_id"].take();
            let o = v.as_object_mut().expect("object");
            o.remove("_id");
            o.insert("id".into(), id);
            v
        })
        .collect();
    FakeGoData::builder()
        .version(GoDataVersion::V2_50_2)
        .outbreak(json!({"id": "ob-1", "name": "Measles 2024", "locationIds": [], "deleted": false}))
        .cases(cases)
        .locations(vec![
            json!({"id": "loc-country", "name": "Country", "identifiers": [{"code": "COUNTRY"}], "parentLocationId": null}),
            json!({"id": "loc-dist-a", "name": "District A", "identifiers": [{"code": "DIST_A"}], "parentLocationId": "loc-country"}),
            json!({"id": "loc-dist-b", "name": "District B", "identifiers": [{"code": "DIST_B"}], "parentLocationId": "loc-country"}),
        ])
        .reference_data(
            ["CASE_CLASSIFICATION_CONFIRMED", "CASE_CLASSIFICATION_NOT_A_CASE_DISCARDED", "GENDER_FEMALE", "GENDER_MALE", "OUTCOME_DECEASED", "OUTCOME_ALIVE"]
                .iter()
                .map(|t| {
                    let (cat, _) = t.rsplit_once('_').unwrap_or((t, ""));
                    let cat = if t.starts_with("CASE_CLASSIFICATION") { "CASE_CLASSIFICATION" } else { cat };
                    json!({"id": format!("LNG_REFERENCE_DATA_CATEGORY_{t}"), "categoryId": format!("LNG_REFERENCE_DATA_CATEGORY_{cat}"), "active": true})
                })
                .collect(),
        )
        .start()
}

#[test]
fn a_live_godata_outbreak_lands_exactly_reading_with_gets_only_and_renewing_a_revoked_token_once() {
    use crate::support::godata::{EMAIL, FaultKind, PASSWORD};
    let gd = live_godata();
    // The token is revoked (a person logs in with the same account) before the second
    // page: one new login, and the read completes.
    gd.fault_after("/cases", FaultKind::RevokeToken, 1, 1);
    let env = Env::new(Version::V241);
    let job = env.job(
        Form::GoData,
        "",
        "where = { classification = \"CONFIRMED\" }",
    );
    let text = std::fs::read_to_string(&job).expect("job").replace(
        "export = \"cases.json\"\nlocations = \"locations.json\"\n",
        &format!("url = \"{}\"\npage_size = 3\n", gd.url),
    );
    std::fs::write(&job, text).expect("job");
    let mut cmd = t2a_process();
    cmd.args([
        "sync", "--format", "json", "--yes", "--as-of", AS_OF, "--config",
    ])
    .arg(&job)
    .current_dir(env.dir.path())
    .env("T2A_TARGET_TOKEN", fake::TOKEN_V2)
    .env("T2A_SOURCE_USERNAME", EMAIL)
    .env("T2A_SOURCE_PASSWORD", PASSWORD);
    let out = cmd.output().expect("t2a sync");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.stored(), expected());
    let log = gd.requests();
    let logins: Vec<_> = log.iter().filter(|r| r.method == "POST").collect();
    assert_eq!(logins.len(), 2, "one login, one renewal: {log:#?}");
    assert!(logins.iter().all(|r| r.path == "/api/oauth/token"));
    assert!(
        log.iter()
            .all(|r| r.method == "GET" || r.path == "/api/oauth/token"),
        "only GETs besides the logins"
    );
    assert!(log.iter().all(|r| !r.token_in_url), "no token in any URL");
    let pages: Vec<_> = log
        .iter()
        .filter(|r| r.path.ends_with("/cases") && r.status == 200)
        .collect();
    assert_eq!(pages.len(), 3, "7 cases in pages of 3");
    for p in &pages {
        let f = p.filter().expect("filter");
        assert_eq!(f["order"], json!(["id ASC"]));
        let fields = f["fields"].to_string();
        assert!(
            !fields.contains("firstName") && !fields.contains("phone"),
            "{fields}"
        );
    }
    assert!(
        log.iter()
            .filter(|r| r.path.ends_with("/filtered-count"))
            .count()
            >= 2
    );
    assert!(!stdout.contains("Name of"), "no person's name in the log");
}

/// WHO's reference jobs 6a/6b as a t2a config: their defects, by rule.
#[test]
fn the_who_reference_jobs_report_their_defects_by_rule() {
    let codes = |job: &str| -> Vec<(String, String, String)> {
        let out = t2a_process()
            .args(["check", "--with-data", "--format", "json", "--config"])
            .arg(repo(&format!("tests/fixtures/records/who-6ab/{job}")))
            .output()
            .expect("t2a check");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        v["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or("").into(),
                    d["severity"].as_str().unwrap_or("").into(),
                    d["help"].as_str().unwrap_or("").into(),
                )
            })
            .collect()
    };
    // D1: the org unit's UID posted as the data element; D6: custom confirmed
    // classifications not counted.
    let as_is = codes("job.toml");
    let summary: Vec<(&str, &str)> = as_is
        .iter()
        .map(|(c, s, _)| (c.as_str(), s.as_str()))
        .collect();
    assert_eq!(summary, [("T2A003", "error"), ("T2A045", "note")]);
    assert!(
        as_is[0]
            .2
            .contains("is the UID of org unit \"Reporting district\""),
        "{}",
        as_is[0].2
    );
    assert!(as_is[1].2.contains("classification"));
    // With the data element corrected, D4: a daily period for a weekly data set.
    let corrected = codes("job-corrected-de.toml");
    let summary: Vec<(&str, &str)> = corrected
        .iter()
        .map(|(c, s, _)| (c.as_str(), s.as_str()))
        .collect();
    assert_eq!(summary, [("T2A010", "error"), ("T2A045", "note")]);
}

/// A case as a Go.Data instance holds it, with what the reference jobs read and t2a
/// does not: names, documents, phone numbers, questionnaires.
fn full_case(i: u32) -> Value {
    let day = 1 + i % 70;
    let date = jiff::civil::date(2024, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(day)))
        .unwrap_or(jiff::civil::date(2024, 1, 1));
    let class = ["CONFIRMED", "CONFIRMED", "CONFIRMED", "PROBABLE", "SUSPECT"][(i % 5) as usize];
    json!({
        "id": format!("{:08x}-0000-4000-8000-{:012}", i.wrapping_mul(2_654_435_761), i),
        "outbreakId": "ob-1", "visualId": format!("CA-{i:07}"),
        "firstName": format!("Given{i}"), "middleName": "M", "lastName": format!("Family{i}"),
        "classification": format!("{CLASS}{class}"),
        "classificationHistory": [{"classification": format!("{CLASS}SUSPECT"), "startDate": format!("{date}T08:35:57.985Z"), "endDate": null}],
        "gender": if i.is_multiple_of(2) { "LNG_REFERENCE_DATA_CATEGORY_GENDER_FEMALE" } else { "LNG_REFERENCE_DATA_CATEGORY_GENDER_MALE" },
        "age": {"years": i % 90, "months": 0}, "dob": null, "occupation": "LNG_REFERENCE_DATA_CATEGORY_OCCUPATION_FARMER",
        "dateOfReporting": format!("{date}T00:00:00.000Z"), "dateOfOnset": format!("{date}T00:00:00.000Z"),
        "outcomeId": null, "wasContact": i.is_multiple_of(3), "riskLevel": "LNG_REFERENCE_DATA_CATEGORY_RISK_LEVEL_1_LOW",
        "documents": [{"type": "LNG_REFERENCE_DATA_CATEGORY_DOCUMENT_TYPE_NATIONAL_ID_CARD", "number": format!("ID{i:09}")}],
        "addresses": [{"typeId": RESIDENCE, "locationId": if i.is_multiple_of(2) { "loc-dist-a" } else { "loc-dist-b" },
                       "city": "Town", "addressLine1": format!("{i} Long Road"), "postalCode": "00100",
                       "phoneNumber": format!("+25470{i:07}"), "geoLocation": {"lat": -1.28, "lng": 36.82}, "geoLocationAccurate": false}],
        "usualPlaceOfResidenceLocationId": if i.is_multiple_of(2) { "loc-dist-a" } else { "loc-dist-b" },
        "dateRanges": [{"typeId": "LNG_REFERENCE_DATA_CATEGORY_PERSON_DATE_TYPE_HOSPITALIZATION", "startDate": format!("{date}T00:00:00.000Z"), "endDate": null, "locationId": null, "centerName": null}],
        "questionnaireAnswers": {"transmission_type": [{"value": "local"}], "reason_for_testing": [{"value": "symptoms"}], "travel_history": [{"value": "none"}]},
        "deleted": false, "createdAt": format!("{date}T09:12:44.102Z"), "updatedAt": format!("{date}T16:01:02.530Z"),
        "createdBy": "u-1", "updatedBy": "u-1", "address": {}
    })
}

/// Requests and bytes a read of 10,000 cases costs: t2a (paged, projected, the counts
/// around it) against the reference job 6a (one unpaged read of every field). Prints
/// the figures (`cargo test --test it records::godata_read_volume -- --nocapture`).
#[test]
fn godata_read_volume_per_10k_cases_against_the_reference_jobs_unpaged_read() {
    use crate::support::godata::{EMAIL, FakeGoData, PASSWORD};
    use t2a::source::godata::client::{CaseFilter, GoDataClient, ReadCheck};
    use t2a::source::godata::query::instant;
    let gd = FakeGoData::builder()
        .outbreak(json!({"id": "ob-1", "name": "Outbreak", "locationIds": [], "deleted": false}))
        .cases((0..10_000).map(full_case).collect())
        .start();
    let config = t2a::config::Config::parse(
        Path::new("/jobs/job.toml"),
        format!("[source]\nkind = \"godata\"\nurl = \"{}\"\noutbreak = \"ob-1\"\n[[aggregate]]\ndata_element = \"X\"\nperiod = \"dateOfReporting\"\n", gd.url),
    )
    .expect("config");
    let Some(t2a::config::records::RecordSource::GoData(g)) = &config.records else {
        panic!("a Go.Data source");
    };
    let client = GoDataClient::login_with(g, EMAIL.into(), t2a::dhis2::auth::Secret::new(PASSWORD))
        .expect("login");
    let utc = jiff::tz::TimeZone::UTC;
    // What a weekly sex x age job of confirmed cases asks for, over the ten weeks.
    let filter = CaseFilter {
        r#where: json!({"and": [
            {"and": [{"dateOfReporting": {"gte": instant(jiff::civil::date(2024, 1, 1), &utc)}},
                     {"dateOfReporting": {"lt": instant(jiff::civil::date(2024, 3, 18), &utc)}}]},
            {"classification": {"inq": [format!("{CLASS}CONFIRMED")]}}]}),
        fields: vec![
            "addresses.typeId",
            "addresses.locationId",
            "age",
            "classification",
            "dateOfReporting",
            "dob",
            "gender",
            "usualPlaceOfResidenceLocationId",
        ],
    };
    let mut read = 0u64;
    let check: ReadCheck = client
        .read_cases(&filter, &mut |_| read += 1)
        .expect("read");
    assert!(check.consistent(), "{check:?}");
    assert_eq!(read, 6_000);
    // 6a: log in, then every confirmed case with every field, the token in the URL.
    let http = reqwest::blocking::Client::new();
    let login: Value = http
        .post(format!("{}/api/users/login", gd.url))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .and_then(|r| r.json())
        .expect("login");
    let body = http
        .get(format!("{}/api/outbreaks/ob-1/cases", gd.url))
        .query(&[
            (
                "filter",
                json!({"where": {"classification": format!("{CLASS}CONFIRMED")}}).to_string(),
            ),
            (
                "access_token",
                login["id"].as_str().unwrap_or("").to_string(),
            ),
        ])
        .send()
        .and_then(|r| r.bytes())
        .expect("unpaged read");
    let unpaged: Vec<Value> = serde_json::from_slice(&body).expect("cases");
    assert_eq!(unpaged.len(), 6_000);
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!(
            "godata read of 6,000 of 10,000 cases: t2a {} requests (1 login not counted), {} bytes; reference job 6a 1 request, {} bytes ({:.1}x); names and phones in t2a's reads: none\n",
            check.requests,
            check.bytes,
            body.len(),
            body.len() as f64 / check.bytes as f64
        ),
    );
    assert!(
        check.bytes * 3 < body.len() as u64,
        "projection cuts the bytes: {} vs {}",
        check.bytes,
        body.len()
    );
    assert!(
        !gd.requests()
            .iter()
            .any(|r| r.path.contains("/cases") && r.query.contains("firstName"))
    );
}

/// `sync.org_units` narrows a record job to those org units and what lies below them.
#[test]
fn sync_org_units_narrow_what_a_record_job_sends() {
    let env = Env::new(Version::V241);
    let job = env.job(Form::Csv, "org_units = [\"OuDistB0001\"]", "");
    let run = env.sync(&job, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let want: BTreeMap<Key, String> = expected()
        .into_iter()
        .filter(|(k, _)| k.2 == "OuDistB0001")
        .collect();
    assert_eq!(want.len(), 2);
    assert_eq!(env.stored(), want);
    let job = env.job(Form::Csv, "org_units = [\"OuRoot00001\"]", "");
    assert_eq!(env.sync(&job, &[]).code, 0);
    assert_eq!(
        env.stored(),
        expected(),
        "the root takes every district below it"
    );
}

/// `zero_fill = "assigned"`: a 0 for every planned cell of an assigned org unit that no
/// record fell in, so a week that drops to zero is corrected.
#[test]
fn zero_fill_sends_a_zero_for_every_empty_assigned_cell() {
    let env = Env::new(Version::V241);
    let job = env.job(Form::Csv, "zero_fill = \"assigned\"", "");
    let out = env.path("values.json");
    let run = env.sync(&job, &["--out", out.to_str().expect("path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("out")).expect("json");
    let values = v["dataValues"].as_array().expect("values");
    // Cases: 4 option combos x 2 weeks x 2 assigned districts; deaths: 2 x 2.
    assert_eq!(values.len(), 16 + 4);
    let zeros = values.iter().filter(|d| d["value"] == "0").count();
    assert_eq!(
        zeros,
        20 - 9,
        "the nine cells with records keep their counts"
    );
    assert!(
        values.iter().all(|d| d["orgUnit"] != "OuDistC0001"),
        "District C is not assigned"
    );
}

/// An outbreak the account may not read is `restricted-source-visibility`, an error:
/// the check fails and says why, rather than reading nothing.
#[test]
fn an_outbreak_the_account_cannot_see_fails_the_check() {
    use crate::support::godata::store::User;
    use crate::support::godata::{EMAIL, FakeGoData, PASSWORD};
    let mut user = User::new(EMAIL, PASSWORD);
    user.outbreak_ids = vec!["ob-other".into()];
    let gd = FakeGoData::builder()
        .user(user)
        .outbreak(
            json!({"id": "ob-1", "name": "Measles 2024", "locationIds": [], "deleted": false}),
        )
        .start();
    let env = Env::new(Version::V241);
    let job = env.path("job.toml");
    std::fs::write(
        &job,
        format!(
            "[source]\nkind = \"godata\"\nurl = \"{}\"\noutbreak = \"ob-1\"\n[target]\nurl = \"{}\"\n[sync]\nperiods = [\"2024W10\"]\n[[aggregate]]\ndata_element = \"IDSR_MEASLES_DEATHS\"\nwhere = {{ classification = \"CONFIRMED\" }}\nperiod = \"dateOfReporting\"\n",
            gd.url, env.target.url
        ),
    )
    .expect("job");
    let out = t2a_process()
        .args(["check", "--format", "json", "--config"])
        .arg(&job)
        .env("T2A_TARGET_TOKEN", fake::TOKEN_V2)
        .env("T2A_SOURCE_USERNAME", EMAIL)
        .env("T2A_SOURCE_PASSWORD", PASSWORD)
        .output()
        .expect("t2a check");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let d = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "T2A047")
        .unwrap_or_else(|| panic!("no T2A047: {v:#}"));
    assert_eq!(d["severity"], "error");
    assert!(
        d["message"]
            .as_str()
            .unwrap_or("")
            .contains("cannot be read"),
        "{d:#}"
    );
}

/// Under `org_unit_id_scheme = "CODE"` a record job sends the same values, by code.
#[test]
fn a_record_job_under_the_code_org_unit_scheme_lands_the_same_values() {
    let env = Env::new(Version::V241);
    let job = env.job(Form::Csv, "", "");
    let text = std::fs::read_to_string(&job).expect("job").replace(
        "[target]",
        "[mapping]\norg_unit_id_scheme = \"CODE\"\n\n[target]",
    );
    std::fs::write(&job, text).expect("job");
    let out = env.path("values.json");
    let run = env.sync(&job, &["--out", out.to_str().expect("path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("out")).expect("json");
    let mut units: Vec<&str> = v["dataValues"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|d| d["orgUnit"].as_str())
        .collect();
    units.sort_unstable();
    units.dedup();
    assert_eq!(units, ["DIST_A", "DIST_B"]);
    assert_eq!(v["dataValues"].as_array().map(Vec::len), Some(9));
}

/// A location field the source lacks is a finding, also when the records are read.
#[test]
fn an_unknown_location_field_is_reported_not_crashed_on() {
    let env = Env::new(Version::V241);
    let job = env.job(
        Form::GoData,
        "",
        "where = { classification = \"CONFIRMED\" }",
    );
    let text = std::fs::read_to_string(&job).expect("job").replace(
        "outbreak = \"ob-1\"\n",
        "outbreak = \"ob-1\"\n[source.org_units]\nfrom = \"residance\"\n",
    );
    std::fs::write(&job, text).expect("job");
    let out = t2a_process()
        .args(["check", "--with-data", "--format", "json", "--config"])
        .arg(&job)
        .env("T2A_TARGET_TOKEN", fake::TOKEN_V2)
        .output()
        .expect("t2a check");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["diagnostics"]
            .to_string()
            .contains("`residance` is not a Go.Data case field"),
        "{v:#}"
    );
}

/// A block that pins its period type is planned with it alone, even when its data
/// element also sits in a data set of another type: no zeros or deletions there.
#[test]
fn a_pinned_period_type_plans_that_type_only() {
    let tmp = tempfile::tempdir().expect("dir");
    let mut meta: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("tests/fixtures/records/hmis.json")).expect("hmis"),
    )
    .expect("json");
    meta["dataSets"].as_array_mut().expect("data sets").push(json!({
        "id": "DsIdsrMonth", "name": "IDSR monthly", "code": "IDSR_MONTHLY", "periodType": "Monthly",
        "categoryCombo": {"id": "CcDefault01"},
        "dataSetElements": [{"dataElement": {"id": "DeMeaslesD1"}}],
        "organisationUnits": [{"id": "OuDistA0001"}, {"id": "OuDistB0001"}]
    }));
    let path = tmp.path().join("hmis.json");
    std::fs::write(&path, meta.to_string()).expect("write");
    let env = Env::with_target(Version::V241, &path);
    let job = env.job(
        Form::Csv,
        "zero_fill = \"assigned\"\nperiods = [\"2024W10\", \"2024W11\", \"202403\"]",
        "",
    );
    let text = std::fs::read_to_string(&job)
        .expect("job")
        .replacen("periods = [\"2024W10\", \"2024W11\"]\n", "", 1)
        .replace(
            "where = { outcome = \"dead\" }",
            "where = { outcome = \"dead\" }\nperiod_type = \"Weekly\"",
        );
    std::fs::write(&job, text).expect("job");
    let out = env.path("values.json");
    let run = env.sync(&job, &["--out", out.to_str().expect("path")]);
    assert_eq!(run.code, 0, "{}\n{:#?}", run.stderr, run.events);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("out")).expect("json");
    let periods: std::collections::BTreeSet<&str> = v["dataValues"]
        .as_array()
        .expect("values")
        .iter()
        .filter(|d| d["dataElement"] == "IDSR_MEASLES_DEATHS")
        .filter_map(|d| d["period"].as_str())
        .collect();
    assert_eq!(
        periods.into_iter().collect::<Vec<_>>(),
        ["2024W10", "2024W11"],
        "no monthly period"
    );
}

/// Records that land at an org unit the data set is not assigned to are
/// `unassigned-org-unit`, and stop the sync before anything is written.
#[test]
fn records_at_an_unassigned_org_unit_are_reported_and_not_sent() {
    let env = Env::new(Version::V241);
    let job = env.job(Form::Csv, "", "");
    let mut rows: Vec<_> = CASES.to_vec();
    rows.push(("M-009", "F", 9, "2024-03-06", "DIST_C", "alive"));
    env.records(Form::Csv, &rows, &[]);
    let run = env.sync(&job, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let errors = run.event("check-errors").expect("the record errors");
    let codes: Vec<&str> = errors["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"T2A013"), "{errors:#}");
    assert!(
        errors.to_string().contains("M-009"),
        "the record is named by its id"
    );
    assert!(env.target.writes().is_empty());
}
