//! 2.42 disaggregated program indicators (dhis2-api.md §12.5) end to end: one PI with
//! the target's "Sex" combo exports a value per option combo, under the source's option
//! combo UIDs, and each lands on its own target.

use serde_json::{Value, json};

use super::{DEFAULT, Env, key};
use crate::support::fake::Version;
use crate::support::repo;

fn read(path: &str) -> Value {
    let text = std::fs::read(repo(path)).expect("fixture");
    serde_json::from_slice(&text).expect("fixture json")
}

/// The sync fixture's source with the two fixed-COC "Malaria cases" PIs replaced by one
/// PI disaggregated by sex, and the category model (same UIDs as the target's).
fn disaggregated_source(mapping_ids: &[&str]) -> Value {
    let mut doc = read("tests/fixtures/sync/tracker.json");
    doc["system"]["version"] = json!("2.42.3");
    let pis = doc["programIndicators"].as_array_mut().expect("pis");
    pis.retain(|p| p["id"] != "piCasesM001" && p["id"] != "piCasesF001");
    pis.push(json!({
        "id": "piCasesSex1", "name": "Malaria cases by sex", "shortName": "Malaria cases by sex",
        "program": {"id": "prMalaria01"}, "analyticsType": "EVENT", "expression": "V{event_count}",
        "aggregationType": "COUNT", "decimals": 0,
        "categoryCombo": {"id": "ccSex000001"}, "attributeCombo": {"id": "ccDefault01"},
        "categoryMappingIds": mapping_ids,
        "attributeValues": [{"attribute": {"id": "attrDeAgg01"}, "value": "MAL_CASES"}]
    }));
    doc["programs"][0]["categoryMappings"] = json!([{
        "id": "mapSex00001", "categoryId": "caSex000001", "mappingName": "Sex",
        "optionMappings": [
            {"optionId": "coMale00001", "filter": "#{stgVisit001.deSexSrc001} == 'M'"},
            {"optionId": "coFemale001", "filter": "#{stgVisit001.deSexSrc001} == 'F'"}
        ]
    }]);
    doc["categoryOptions"] = json!([
        {"id": "coDefault01", "name": "default"},
        {"id": "coMale00001", "name": "Male"},
        {"id": "coFemale001", "name": "Female"}
    ]);
    doc["categories"] = json!([
        {"id": "caDefault01", "name": "default", "categoryOptions": [{"id": "coDefault01"}]},
        {"id": "caSex000001", "name": "Sex",
         "categoryOptions": [{"id": "coMale00001"}, {"id": "coFemale001"}]}
    ]);
    doc["categoryCombos"] = json!([
        {"id": "ccDefault01", "name": "default", "categories": [{"id": "caDefault01"}]},
        {"id": "ccSex000001", "name": "Sex", "categories": [{"id": "caSex000001"}]}
    ]);
    doc["categoryOptionCombos"] = json!([
        {"id": "cocDefault1", "name": "default", "categoryCombo": {"id": "ccDefault01"},
         "categoryOptions": [{"id": "coDefault01"}]},
        {"id": "cocMale0001", "name": "Male", "categoryCombo": {"id": "ccSex000001"},
         "categoryOptions": [{"id": "coMale00001"}]},
        {"id": "cocFemale01", "name": "Female", "categoryCombo": {"id": "ccSex000001"},
         "categoryOptions": [{"id": "coFemale001"}]}
    ]);
    doc
}

fn env(mapping_ids: &[&str]) -> Env {
    let source = disaggregated_source(mapping_ids);
    let env = Env::with(Version::V242, |b| b.metadata(source));
    let s = &env.source;
    s.set_pi_value("piCasesSex1.cocMale0001.*", "202401", "ouFacilit01", 5.0);
    s.set_pi_value("piCasesSex1.cocFemale01.*", "202401", "ouFacilit01", 7.0);
    s.set_pi_value("piCasesSex1.cocMale0001.*", "202401", "ouFacilit02", 3.0);
    s.set_pi_value("piDeaths001", "202401", "ouFacilit02", 2.0);
    s.set_pi_value("piTestsW001", "2024W6", "ouFacilit03", 11.0);
    env
}

#[test]
fn each_option_combo_of_a_disaggregated_pi_lands_on_its_own_target() {
    let env = env(&["mapSex00001"]);
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outcome(), "synced");
    let stored = env.target.stored();
    let value = |coc: &str, ou: &str| stored.get(&key("deCases0001", "202401", ou, coc)).cloned();
    assert_eq!(
        value("cocMale0001", "ouFacilit01").as_deref(),
        Some("5"),
        "{stored:?}\n{:#?}",
        run.events
    );
    assert_eq!(value("cocFemale01", "ouFacilit01").as_deref(), Some("7"));
    assert_eq!(value("cocMale0001", "ouFacilit02").as_deref(), Some("3"));
    assert_eq!(value(DEFAULT, "ouFacilit01"), None);
    assert_eq!(stored.len(), 5, "{stored:?}");
    // A second run finds every value in place.
    let again = env.run(&["--yes"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.outcome(), "nothing-to-change");
}

#[test]
fn a_mapping_dhis2_would_fail_on_stops_the_sync_before_anything_is_written() {
    // E4071: the PI names a mapping its program does not have.
    let env = env(&["mapSex00001", "mapGone0001"]);
    let run = env.run(&["--yes"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("T2A027")
            || run.events.iter().any(|e| e.to_string().contains("T2A027")),
        "{}",
        run.stderr
    );
    assert!(env.target.writes().is_empty());
}
