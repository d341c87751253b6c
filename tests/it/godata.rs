//! The Go.Data API client against the fake Go.Data of `tests/support/godata`, which
//! follows `shared/reference/godata-api.md` §1 (checklist §1.12). First the fake's
//! own rules (where evaluation, routes, tokens, access), then the client: logins,
//! metadata, paged reads and what goes wrong between pages.
//!
//! Fixtures (`tests/fixtures/godata`) were written for these tests: a measles outbreak
//! recorded in Africa/Nairobi (date-only fields are `T21:00:00.000Z` of the day
//! before), a cholera outbreak with geographic restrictions and a deleted one.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::tz::TimeZone;
use serde_json::{Value, json};
use t2a::config::Config;
use t2a::config::records::{GoDataSource, RecordSource};
use t2a::dhis2::RemoteError;
use t2a::dhis2::auth::Secret;
use t2a::error::Error;
use t2a::source::godata::client::{CaseFilter, GoDataClient, ReadCheck};
use t2a::source::godata::{fields, query};

use crate::support;
use crate::support::godata::mongo::{self, MongoError};
use crate::support::godata::store::{CASE_LIST, OUTBREAK_VIEW, Store};
use crate::support::godata::value::MVal;
use crate::support::godata::{
    Builder, EMAIL, FakeGoData, FaultKind, GoDataVersion, Logged, PASSWORD, TokenFrom, TwoFactor,
    User, dates, rewrite,
};

const OB1: &str = "9c2f4e1a-6b3d-4f8e-a1c7-2d5b8e0f3a41";
const OB2: &str = "4a7d1c3e-8f2b-4e6a-9d0c-5b3e7f1a2c68";
const OB3: &str = "e8b3f6d2-1a4c-4b7e-8c5f-9d2a6e3b1f07";
const CC: &str = "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION";
const RES: &str = "LNG_REFERENCE_DATA_CATEGORY_ADDRESS_TYPE_USUAL_PLACE_OF_RESIDENCE";
const HOSP: &str = "LNG_REFERENCE_DATA_CATEGORY_PERSON_DATE_TYPE_HOSPITALIZATION";
const KISUMU: &str = "KE042000000000000000";
const KISUMU_CENTRAL: &str = "KE042001000000000000";
const KISUMU_EAST: &str = "KE042002000000000000";
const TURKANA: &str = "KE023000000000000000";
/// Personal data that must never be asked for.
const PERSONAL: &[&str] = &[
    "firstName",
    "middleName",
    "lastName",
    "documents",
    "phoneNumber",
    "addresses.phoneNumber",
];

fn fixture(name: &str) -> Vec<Value> {
    let path = support::repo(&format!("tests/fixtures/godata/{name}"));
    serde_json::from_str(&support::read(&path)).expect("fixture JSON")
}

/// The fixture instance (zone Africa/Nairobi).
fn fixture_fake() -> Builder {
    FakeGoData::builder()
        .timezone("Africa/Nairobi")
        .outbreaks(fixture("outbreaks.json"))
        .cases(fixture("cases.json"))
        .locations(fixture("locations.json"))
        .reference_data(fixture("reference-data.json"))
}

/// `n` generated cases of one outbreak, ids in an order unlike the insertion order,
/// each with a name and a phone number, reported in March 2024 (UTC midnight).
fn bulk(n: u32, outbreak: &str) -> Vec<Value> {
    const FIRST: [&str; 6] = ["Amina", "Otieno", "Wambui", "Kamau", "Njeri", "Barasa"];
    const LAST: [&str; 5] = ["Owino", "Chebet", "Mwangi", "Adhiambo", "Kariuki"];
    const CLASSES: [&str; 4] = ["CONFIRMED", "PROBABLE", "SUSPECT", "NOT_A_CASE_DISCARDED"];
    (0..n)
        .map(|i| {
            let key = i.wrapping_mul(2_654_435_761);
            let age = if i % 17 == 0 {
                json!({"years": 0, "months": 0})
            } else {
                json!({"years": i % 80})
            };
            json!({
                "id": format!("{key:08x}-5c4e-4d1a-8b2f-{i:012x}"),
                "outbreakId": outbreak,
                "visualId": format!("KSM-MSL-{:05}", i + 100),
                "firstName": FIRST[(i % 6) as usize],
                "lastName": LAST[(i % 5) as usize],
                "classification": format!("{CC}_{}", CLASSES[(i % 4) as usize]),
                "gender": if i % 2 == 0 { "LNG_REFERENCE_DATA_CATEGORY_GENDER_FEMALE" } else { "LNG_REFERENCE_DATA_CATEGORY_GENDER_MALE" },
                "age": age,
                "dateOfReporting": format!("2024-03-{:02}T00:00:00.000Z", 1 + i % 31),
                "outcomeId": null,
                "addresses": [{"typeId": RES, "locationId": KISUMU_CENTRAL, "phoneNumber": format!("+254 7{:08}", i)}],
                "usualPlaceOfResidenceLocationId": KISUMU_CENTRAL,
                "createdAt": format!("2024-03-{:02}T{:02}:{:02}:17.204Z", 1 + i % 31, i % 24, i % 60),
            })
        })
        .collect()
}

fn bulk_fake(n: u32) -> Builder {
    FakeGoData::builder()
        .outbreaks(fixture("outbreaks.json"))
        .cases(bulk(n, OB1))
}

/// A `[source]` for the fake, read as a job config is.
fn source(url: &str, outbreak: &str, extra: &str) -> GoDataSource {
    let text = format!(
        "[source]\nkind = \"godata\"\nurl = \"{url}\"\noutbreak = \"{outbreak}\"\n{extra}\n\n[[aggregate]]\ndata_element = \"X\"\nperiod = \"dateOfReporting\"\n"
    );
    let config = Config::parse(Path::new("/tmp/godata-job.toml"), text).expect("config");
    match config.records {
        Some(RecordSource::GoData(g)) => g,
        other => panic!("not a Go.Data source: {other:?}"),
    }
}

fn login(g: &GoDataSource) -> Result<GoDataClient, Error> {
    GoDataClient::login_with(g, EMAIL.into(), Secret::new(PASSWORD))
}

/// The reason and the help of an authentication failure.
fn auth_failure(e: Error) -> (String, String) {
    let Error::Remote(r) = e else {
        panic!("not a remote error: {e}");
    };
    let help = miette::Diagnostic::help(&*r).map(|h| h.to_string());
    match *r {
        RemoteError::Auth { reason, .. } => (reason, help.unwrap_or_default()),
        other => panic!("not an authentication failure: {other}"),
    }
}

/// Every property any block field may read, as the job's query module asks.
fn all_properties() -> Vec<&'static str> {
    let mut names: Vec<String> = fields::names().map(str::to_string).collect();
    names.push("questionnaire.transmission_type".into());
    names.push("dateRanges.HOSPITALIZATION.startDate".into());
    names.push("hospitalization".into());
    let mut props: Vec<&'static str> = names
        .iter()
        .filter_map(|n| fields::spec(n))
        .flat_map(|s| query::properties(&s).iter().copied())
        .chain(["classificationHistory"])
        .collect();
    props.sort_unstable();
    props.dedup();
    props
}

fn march_filter() -> CaseFilter {
    CaseFilter {
        r#where: json!({"and": [
            {"dateOfReporting": {"gte": "2024-03-01T00:00:00.000Z"}},
            {"dateOfReporting": {"lt": "2024-04-01T00:00:00.000Z"}}
        ]}),
        fields: all_properties(),
    }
}

fn read_ids(client: &GoDataClient, filter: &CaseFilter) -> Result<(ReadCheck, Vec<String>), Error> {
    let mut ids = Vec::new();
    let check = client.read_cases(filter, &mut |c| ids.push(c.id.clone().unwrap_or_default()))?;
    Ok((check, ids))
}

fn logins(log: &[Logged]) -> usize {
    log.iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/oauth/token"))
        .count()
}

fn pages(log: &[Logged]) -> Vec<&Logged> {
    log.iter().filter(|r| r.path.ends_with("/cases")).collect()
}

// ---- the fake's where evaluation (§1.5) ---------------------------------------

/// The visual ids of the fixture's OB1 records a client where selects on the case
/// read path (textual rewrite, dates in `zone`, MongoDB semantics).
fn select(zone: &str, w: Value) -> Result<Vec<String>, MongoError> {
    select_text(zone, &w.to_string())
}

/// The same with the where as JSON text, for when key order matters (serde_json
/// sorts keys; MongoDB reads an object by its first key).
fn select_text(zone: &str, w: &str) -> Result<Vec<String>, MongoError> {
    let tz = TimeZone::get(zone).expect("zone");
    let scoped = format!(r#"{{"and":[{w},{{"outbreakId":"{OB1}"}}]}}"#);
    let q = rewrite::godata_where(&MVal::parse(&scoped).expect("json"), &tz)?;
    let e = mongo::compile(&q)?;
    let mut out: Vec<String> = fixture("cases.json")
        .iter()
        .filter(|c| mongo::eval(&e, &Store::typed_case(c)))
        .map(|c| {
            c["visualId"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches("KSM-")
                .to_string()
        })
        .collect();
    out.sort();
    Ok(out)
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn where_date_strings_follow_is_valid_date_in_the_server_zone() {
    for s in [
        "2024-03-05",
        "2024-03-05T00:00:00",
        "2024-03-05 00:00:00",
        "2024-03-05T00:00:00Z",
        "2024-03-05T00:00:00.000Z",
        "2024-03-05T00:00:00+03:00",
    ] {
        assert!(dates::is_valid_date(s), "{s} is a date");
    }
    for s in [
        "2024-03-05T00:00:00.000+03:00",
        "2024-03-05T00:00",
        "5/3/2024",
        "2024-3-5",
    ] {
        assert!(!dates::is_valid_date(s), "{s} is not a date");
    }
    // Date-only: midnight in the server zone.
    let on = |zone, v: &str| select(zone, json!({"dateOfReporting": v})).expect("query");
    assert_eq!(on("Africa/Nairobi", "2024-03-05"), ids(&["MSL-0001"]));
    assert_eq!(on("UTC", "2024-03-05"), ids(&[]));
    assert_eq!(
        on("Africa/Nairobi", "2024-03-05T00:00:00"),
        ids(&["MSL-0001"])
    );
    // An offset or Z pins the instant in any zone.
    assert_eq!(on("UTC", "2024-03-05T00:00:00+03:00"), ids(&["MSL-0001"]));
    assert_eq!(on("UTC", "2024-03-04T21:00:00.000Z"), ids(&["MSL-0001"]));
    // `.sss` with an offset stays a string, and a string never equals a Date.
    assert_eq!(
        on("Africa/Nairobi", "2024-03-05T00:00:00.000+03:00"),
        ids(&[])
    );
    assert_eq!(on("UTC", "2024-03-04T21:00:00.000+00:00"), ids(&[]));
    // Several operators in one condition work on this path.
    let week = select(
        "Africa/Nairobi",
        json!({"dateOfReporting": {"gte": "2024-03-04", "lt": "2024-03-11"}}),
    )
    .expect("query");
    assert_eq!(
        week,
        ids(&[
            "CON-0042", "MSL-0001", "MSL-0002", "MSL-0004", "MSL-0006", "MSL-0008"
        ])
    );
}

#[test]
fn where_untranslated_operators_are_literal_and_match_nothing() {
    let all = select("UTC", json!({})).expect("query");
    assert_eq!(all.len(), 9, "{all:?}");
    for w in [
        json!({"classification": {"ilike": "%confirmed%"}}),
        json!({"classification": {"nlike": "x"}}),
        json!({"nor": [{"gender": "LNG_REFERENCE_DATA_CATEGORY_GENDER_MALE"}]}),
        // The rewrite is textual: a value "gt" becomes "$gt".
        json!({"classification": {"inq": ["gt", "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION_X"]}}),
    ] {
        assert_eq!(select("UTC", w.clone()), Ok(Vec::new()), "{w}");
    }
    // The same `like` as a translated operator is a regex.
    assert_eq!(
        select("UTC", json!({"visualId": {"like": "MSL-000[12]$"}})),
        Ok(ids(&["MSL-0001", "MSL-0002"]))
    );
    assert_eq!(
        select(
            "UTC",
            json!({"classification": {"regexp": "/asymptomatic/i"}})
        ),
        Ok(ids(&["MSL-0003"]))
    );
}

#[test]
fn where_unknown_dollar_operators_fail_and_unmodelled_ones_fail_differently() {
    assert_eq!(
        select("UTC", json!({"age.years": {"$foo": 1}})),
        Err(MongoError::Server("unknown operator: $foo".into()))
    );
    // A non-operator key after an operator; before it, the object is a literal.
    assert_eq!(
        select_text("UTC", r#"{"age.years": {"gt": 1, "foo": 2}}"#),
        Err(MongoError::Server("unknown operator: foo".into()))
    );
    assert_eq!(
        select_text("UTC", r#"{"age.years": {"foo": 2, "gt": 1}}"#),
        Ok(Vec::new())
    );
    assert!(matches!(
        select("UTC", json!({"addresses": {"$size": 1}})),
        Err(MongoError::Unmodelled(_))
    ));
    // Through the API: 500 INTERNAL_ERROR, no `name`, MongoDB's error in the message.
    let fake = fixture_fake().start();
    let token = raw_login(&fake);
    let (status, body) = raw_get(
        &fake,
        &format!("/api/outbreaks/{OB1}/cases"),
        &[(
            "filter",
            json!({"where": {"age.years": {"$foo": 1}}}).to_string(),
        )],
        &token,
    );
    assert_eq!(status, 500);
    assert_eq!(
        body,
        json!({"error": {"statusCode": 500, "code": "INTERNAL_ERROR",
            "message": "Internal error: `{\"code\":2,\"message\":\"unknown operator: $foo\",\"name\":\"MongoServerError\"}`",
            "details": {"error": {"code": 2, "message": "unknown operator: $foo", "name": "MongoServerError"}}}})
    );
    let (status, body) = raw_get(
        &fake,
        &format!("/api/outbreaks/{OB1}/cases"),
        &[(
            "filter",
            json!({"where": {"addresses": {"$size": 1}}}).to_string(),
        )],
        &token,
    );
    assert_eq!(status, 500);
    assert_eq!(
        body["error"]["details"]["error"]["name"],
        "FakeGoDataUnmodelled"
    );
}

#[test]
fn where_between_is_inclusive_at_both_ends() {
    assert_eq!(
        select("UTC", json!({"age.years": {"between": [5, 34]}})),
        Ok(ids(&[
            "CON-0042", "MSL-0001", "MSL-0005", "MSL-0006", "MSL-0008"
        ]))
    );
    // Local days 03-05 … 03-09: both ends are midnights that records sit on.
    assert_eq!(
        select(
            "Africa/Nairobi",
            json!({"dateOfReporting": {"between": ["2024-03-05", "2024-03-09"]}})
        ),
        Ok(ids(&[
            "CON-0042", "MSL-0001", "MSL-0002", "MSL-0006", "MSL-0008"
        ]))
    );
}

#[test]
fn where_dotted_paths_go_through_arrays() {
    // Any address: the previous residence of 0001 (listed first) counts too.
    assert_eq!(
        select("UTC", json!({"addresses.locationId": KISUMU_EAST})),
        Ok(ids(&["MSL-0001", "MSL-0005"]))
    );
    // elemMatch holds both conditions on one element.
    assert_eq!(
        select(
            "UTC",
            json!({"addresses": {"elemMatch": {"typeId": RES, "locationId": KISUMU_EAST}}})
        ),
        Ok(ids(&["MSL-0005"]))
    );
    assert_eq!(
        select("UTC", json!({"dateRanges.typeId": HOSP})),
        Ok(ids(&["MSL-0001"]))
    );
    assert_eq!(
        select("UTC", json!({"age.months": {"gt": 0}})),
        Ok(ids(&["MSL-0004", "MSL-0008"]))
    );
}

#[test]
fn where_null_matches_missing_on_reads_but_only_null_on_plain_counts() {
    assert_eq!(
        select("UTC", json!({"dateOfReporting": null})),
        Ok(ids(&["MSL-0003"]))
    );
    // null or missing (0006 and the contact have no outcomeId at all).
    assert_eq!(
        select("UTC", json!({"outcomeId": null})),
        Ok(ids(&[
            "CON-0042", "MSL-0001", "MSL-0003", "MSL-0005", "MSL-0006", "MSL-0008"
        ]))
    );
    // neq / nin match a missing field.
    assert_eq!(
        select(
            "UTC",
            json!({"outcomeId": {"nin": [null, "LNG_REFERENCE_DATA_CATEGORY_OUTCOME_ALIVE"]}})
        ),
        Ok(ids(&["MSL-0004", "MSL-0007"]))
    );
    assert_eq!(
        select(
            "UTC",
            json!({"usualPlaceOfResidenceLocationId": {"exists": false}})
        ),
        Ok(ids(&["MSL-0007"]))
    );
    // Plain reads: null is `$type: 10` (null only), and only the first operator counts.
    let fake = fixture_fake().start();
    let token = raw_login(&fake);
    let count = |path: &str, key: &str, v: Value| {
        let (status, body) = raw_get(
            &fake,
            &format!("/api/outbreaks/{OB1}/cases/{path}"),
            &[(key, v.to_string())],
            &token,
        );
        assert_eq!(status, 200, "{body}");
        body["count"].as_u64().expect("count")
    };
    assert_eq!(count("count", "where", json!({"dateOfReporting": null})), 0);
    assert_eq!(
        count(
            "filtered-count",
            "filter",
            json!({"where": {"dateOfReporting": null}})
        ),
        1
    );
    let range = r#"{"age.years": {"lt": 30, "gte": 5}}"#;
    let (_, n) = raw_get(
        &fake,
        &format!("/api/outbreaks/{OB1}/cases/count"),
        &[("where", range.into())],
        &token,
    );
    assert_eq!(n, json!({"count": 4}), "lt only: 0, 2, 19, 5");
    let filter = format!(r#"{{"where": {range}}}"#);
    let (_, n) = raw_get(
        &fake,
        &format!("/api/outbreaks/{OB1}/cases/filtered-count"),
        &[("filter", filter)],
        &token,
    );
    assert_eq!(n, json!({"count": 2}), "19 and 5");
    // ilike is sent to MongoDB as $ilike on plain reads.
    let (status, body) = raw_get(
        &fake,
        "/api/reference-data",
        &[(
            "filter",
            json!({"where": {"id": {"ilike": "%gender%"}}}).to_string(),
        )],
        &token,
    );
    assert_eq!(status, 500);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("unknown operator: $ilike"),
        "{body}"
    );
}

// ---- the fake's routes, tokens and access control (§1.1–1.4, 1.6, 1.10) ------

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

fn raw_login(fake: &FakeGoData) -> String {
    let body: Value = http()
        .post(format!("{}/api/oauth/token", fake.url))
        .json(&json!({"username": EMAIL, "password": PASSWORD}))
        .send()
        .expect("login")
        .json()
        .expect("json");
    body["access_token"].as_str().expect("token").to_string()
}

fn raw_get(fake: &FakeGoData, path: &str, query: &[(&str, String)], token: &str) -> (u16, Value) {
    let r = http()
        .get(format!("{}{path}", fake.url))
        .query(query)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .expect("GET");
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

#[test]
fn fake_unknown_routes_and_the_disabled_outbreak_reference_data_answer_500() {
    let fake = fixture_fake().start();
    let r = http()
        .get(format!("{}/api/no-such-thing", fake.url))
        .send()
        .expect("GET");
    assert_eq!(r.status().as_u16(), 500);
    let body: Value = r.json().expect("json");
    assert_eq!(
        body["error"]["message"],
        "Internal error: `{\"message\":\"Cannot GET /api/no-such-thing\",\"name\":\"Error\"}`"
    );
    assert_eq!(body["error"]["code"], "INTERNAL_ERROR");
    assert!(
        body["error"].get("name").is_none(),
        "5xx bodies have no name"
    );
    let token = raw_login(&fake);
    let (status, body) = raw_get(
        &fake,
        &format!("/api/outbreaks/{OB1}/reference-data"),
        &[],
        &token,
    );
    assert_eq!(status, 500);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("Cannot GET"),
        "{body}"
    );
    // 4xx have a name; an unknown or deleted outbreak is MODEL_NOT_FOUND.
    let (status, body) = raw_get(&fake, &format!("/api/outbreaks/{OB3}"), &[], &token);
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": {"statusCode": 404, "name": "Error", "code": "MODEL_NOT_FOUND",
            "message": format!("Unknown \"outbreak\" id \"{OB3}\".")}})
    );
    let (status, body) = raw_get(&fake, &format!("/api/outbreaks/{OB3}/cases"), &[], &token);
    assert_eq!(status, 404);
    assert_eq!(
        body["error"]["message"],
        format!("could not find a model with id {OB3}")
    );
}

#[test]
fn fake_reads_the_token_where_loopback_does() {
    let fake = fixture_fake().start();
    let good = raw_login(&fake);
    let url = format!("{}/api/outbreaks", fake.url);
    let status = |r: reqwest::blocking::RequestBuilder| r.send().expect("GET").status().as_u16();
    assert_eq!(status(http().get(&url)), 401);
    assert_eq!(
        status(
            http()
                .get(&url)
                .header("Authorization", format!("Bearer {good}"))
        ),
        200
    );
    assert_eq!(
        status(http().get(&url).header("Authorization", good.as_str())),
        200
    );
    assert_eq!(
        status(http().get(&url).header("X-Access-Token", good.as_str())),
        200
    );
    assert_eq!(
        status(http().get(&url).query(&[("access_token", good.as_str())])),
        200
    );
    // The prefix is case-sensitive: "bearer x" is the token "bearer x".
    assert_eq!(
        status(
            http()
                .get(&url)
                .header("Authorization", format!("bearer {good}"))
        ),
        401
    );
    // First found wins: a stale query parameter beats a good header.
    assert_eq!(
        status(
            http()
                .get(&url)
                .query(&[("access_token", "123")])
                .header("Authorization", format!("Bearer {good}"))
        ),
        401
    );
    let log = fake.requests();
    let last = log.last().expect("logged");
    assert_eq!(last.token_from, Some(TokenFrom::Query));
    assert!(
        log.iter().any(|r| r.token_in_url),
        "the token in a query is flagged"
    );
    assert!(log.iter().all(|r| !r.query.contains(&good)), "never logged");
    // 401 body.
    let body: Value = http().get(&url).send().expect("GET").json().expect("json");
    assert_eq!(
        body,
        json!({"error": {"statusCode": 401, "name": "Error", "message": "Authorization Required", "code": "AUTHORIZATION_REQUIRED"}})
    );
}

#[test]
fn fake_tokens_slide_on_the_fake_clock_and_a_new_login_ends_the_old_one() {
    let fake = fixture_fake().start();
    let token = raw_login(&fake);
    let ok = |t: &str| raw_get(&fake, "/api/outbreaks", &[], t).0 == 200;
    fake.advance(300);
    assert!(ok(&token), "5 minutes in: valid, and renewed");
    fake.advance(400);
    assert!(ok(&token), "700 s after login, 400 s after the renewal");
    fake.advance(601);
    assert!(!ok(&token), "10 idle minutes kill it");
    let first = raw_login(&fake);
    let second = raw_login(&fake);
    assert!(!ok(&first), "one token per user");
    assert!(ok(&second));
    assert_eq!(fake.live_tokens(EMAIL), 1);
}

#[test]
fn fake_logins_lock_after_ten_failures_for_thirty_fake_minutes() {
    let fake = fixture_fake().start();
    let post = |path: &str, body: Value| {
        let r = http()
            .post(format!("{}{path}", fake.url))
            .json(&body)
            .send()
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json::<Value>().unwrap_or(Value::Null))
    };
    let (status, body) = post("/api/oauth/token", json!({"username": EMAIL}));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("REQUEST_VALIDATION_ERROR"))
    );
    assert_eq!(
        fake.failed_logins(EMAIL),
        0,
        "a missing field is not counted"
    );
    for _ in 0..10 {
        let (status, body) = post(
            "/api/oauth/token",
            json!({"username": EMAIL, "password": "wrong"}),
        );
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("LOGIN_FAILED"))
        );
    }
    let right = json!({"username": EMAIL, "password": PASSWORD});
    let (status, body) = post("/api/oauth/token", right.clone());
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("ACTION_TEMPORARILY_BLOCKED"))
    );
    let (status, _) = post(
        "/api/users/login",
        json!({"email": EMAIL, "password": PASSWORD}),
    );
    assert_eq!(status, 422, "both endpoints share the lock");
    fake.advance(29 * 60);
    assert_eq!(post("/api/oauth/token", right.clone()).0, 422);
    fake.advance(61);
    let (status, body) = post("/api/oauth/token", right);
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(fake.failed_logins(EMAIL), 0, "a success resets the count");
    let (status, body) = post(
        "/api/users/login",
        json!({"email": EMAIL, "password": PASSWORD}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        (body["ttl"].as_i64(), body["userId"].as_str()),
        (Some(600), Some("u-t2a-reader"))
    );
    assert_eq!(body["created"], fake.now());
}

#[test]
fn fake_access_rules_come_in_their_order() {
    let mut no_perm = User::new("clerk@example.org", "pw-clerk-1");
    no_perm.permissions = vec![OUTBREAK_VIEW.into()];
    no_perm.outbreak_ids = vec![OB2.into()];
    let mut reader = User::new(EMAIL, PASSWORD);
    reader.outbreak_ids = vec![OB1.into(), OB2.into()];
    reader.active_outbreak_id = Some(OB2.into());
    let fake = fixture_fake().user(reader).user(no_perm).start();
    let token_of = |email: &str, pw: &str| -> String {
        let v: Value = http()
            .post(format!("{}/api/users/login", fake.url))
            .json(&json!({"email": email, "password": pw}))
            .send()
            .expect("login")
            .json()
            .expect("json");
        v["id"].as_str().expect("token").to_string()
    };
    let clerk = token_of("clerk@example.org", "pw-clerk-1");
    // The permission is checked before the outbreak.
    let (status, body) = raw_get(&fake, &format!("/api/outbreaks/{OB1}/cases"), &[], &clerk);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("MISSING_REQUIRED_PERMISSION"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains(CASE_LIST)
    );
    let (status, body) = raw_get(&fake, &format!("/api/outbreaks/{OB1}"), &[], &clerk);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("ACCESS_DENIED"))
    );
    let (status, body) = raw_get(&fake, "/api/outbreaks", &[], &clerk);
    assert_eq!(status, 200);
    assert_eq!(
        body.as_array().map(Vec::len),
        Some(1),
        "narrowed to the user's outbreaks"
    );
    let reader = token_of(EMAIL, PASSWORD);
    // GET works on any permitted outbreak; POST only on the active one.
    let (status, _) = raw_get(
        &fake,
        &format!("/api/outbreaks/{OB1}/cases/filtered-count"),
        &[],
        &reader,
    );
    assert_eq!(status, 200);
    let post = |ob: &str| {
        let r = http()
            .post(format!(
                "{}/api/outbreaks/{ob}/cases/filtered-count",
                fake.url
            ))
            .header("Authorization", format!("Bearer {reader}"))
            .json(&json!({"filter": {}}))
            .send()
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json::<Value>().unwrap_or(Value::Null))
    };
    let (status, body) = post(OB1);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("ACCESS_DENIED"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("only for the active outbreak")
    );
    assert_eq!(post(OB2), (200, json!({"count": 3})));
}

#[test]
fn fake_geographic_restrictions_narrow_reads_and_counts() {
    let mut field = User::new(EMAIL, PASSWORD);
    field.team_locations = vec![TURKANA.into()];
    let fake = fixture_fake().user(field).start();
    let token = raw_login(&fake);
    let (_, cases) = raw_get(
        &fake,
        &format!("/api/outbreaks/{OB2}/cases"),
        &[(
            "filter",
            json!({"fields": ["visualId"], "order": "visualId ASC"}).to_string(),
        )],
        &token,
    );
    // Turkana and below, and the case without a residence; not the Kisumu one.
    assert_eq!(
        cases,
        json!([{"visualId": "TKN-CHL-0001"}, {"visualId": "TKN-CHL-0002"}])
    );
    let (_, n) = raw_get(
        &fake,
        &format!("/api/outbreaks/{OB2}/cases/count"),
        &[],
        &token,
    );
    assert_eq!(n, json!({"count": 2}));
    // OB1 does not apply the restriction.
    let (_, n) = raw_get(
        &fake,
        &format!("/api/outbreaks/{OB1}/cases/filtered-count"),
        &[],
        &token,
    );
    assert_eq!(
        n,
        json!({"count": 7}),
        "9 OB1 records less the deleted one and the contact"
    );
}

#[test]
fn fake_filter_normalisation_and_counts() {
    let fake = bulk_fake(250).start();
    let token = raw_login(&fake);
    let path = format!("/api/outbreaks/{OB1}/cases");
    let read = |f: Value| raw_get(&fake, &path, &[("filter", f.to_string())], &token);
    let (_, page) = read(json!({"skip": 1, "fields": ["visualId"]}));
    assert_eq!(
        page.as_array().map(Vec::len),
        Some(100),
        "limit 100 once skip is given"
    );
    assert!(page[0].get("id").is_none(), "id only when named");
    let (_, a) = read(json!({"fields": ["id"]}));
    let (_, b) = read(json!({"fields": ["id"]}));
    assert_eq!(a.as_array().map(Vec::len), Some(250));
    assert_ne!(a, b, "no order: a new order on each request");
    let (_, c) =
        read(json!({"fields": {"id": true, "age": "false", "gender": false}, "order": ["id ASC"]}));
    let (_, d) = read(json!({"fields": ["id", "age"], "order": "id ASC"}));
    assert_eq!(c, d, "the string \"false\" includes; order is stable by id");
    let (status, body) = read(json!({"limit": 1.5}));
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "The limit parameter 1.5 is not valid"
    );
    assert!(body["error"].get("code").is_none());
    let count = |f: Value| {
        raw_get(
            &fake,
            &format!("{path}/filtered-count"),
            &[("filter", f.to_string())],
            &token,
        )
        .1
    };
    assert_eq!(count(json!({})), json!({"count": 250}));
    assert_eq!(
        count(json!({"limit": 100, "skip": 200})),
        json!({"count": 100, "hasMore": true})
    );
    assert_eq!(
        count(json!({"flags": {"applyHasMoreLimit": true}})),
        json!({"count": 250, "hasMore": false})
    );
    assert_eq!(
        count(json!({"where": {"includeDeletedRecords": true}})),
        json!({"count": 0})
    );
    assert!(fake.soft_delete_case("00000000-5c4e-4d1a-8b2f-000000000000"));
    assert_eq!(count(json!({})), json!({"count": 249}));
    assert_eq!(count(json!({"deleted": true})), json!({"count": 250}));
    let (_, n) = raw_get(
        &fake,
        &format!("{path}/count"),
        &[("where", json!({"deleted": true}).to_string())],
        &token,
    );
    assert_eq!(
        n,
        json!({"count": 1}),
        "a where naming `deleted` lets deleted records count"
    );
}

#[test]
fn fake_version_endpoint_is_open_until_2_50_2_and_wants_an_api_key_in_2_50_3() {
    for (v, open) in [
        (GoDataVersion::V2_38, true),
        (GoDataVersion::V2_50_2, true),
        (GoDataVersion::V2_50_3, false),
    ] {
        let fake = FakeGoData::builder().version(v).api_key("k-3c7e").start();
        let url = format!("{}/api/system-settings/version", fake.url);
        let r = http().get(&url).send().expect("GET");
        let status = r.status().as_u16();
        let body: Value = r.json().expect("json");
        if open {
            assert_eq!(
                (status, body["version"].as_str()),
                (200, Some(v.version_string()))
            );
            assert_eq!(body["timezone"], "UTC");
        } else {
            assert_eq!(
                (status, body),
                (
                    401,
                    json!({"error": {"statusCode": 401, "name": "Error", "message": "Unauthorized: Invalid API Key"}})
                )
            );
            let r = http()
                .get(&url)
                .header("api-key", "k-3c7e")
                .send()
                .expect("GET");
            assert_eq!(r.status().as_u16(), 200);
        }
    }
}

// ---- the client: logins (§1.2) ---------------------------------------------------

#[test]
fn client_logs_in_by_oauth_in_both_answer_shapes() {
    for v in [
        GoDataVersion::V2_35,
        GoDataVersion::V2_38,
        GoDataVersion::V2_50_3,
    ] {
        let fake = fixture_fake().version(v).start();
        let g = source(&fake.url, OB1, "");
        let client = login(&g).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        let meta = client.metadata(&g).expect("metadata");
        assert!(meta.outbreak.is_some(), "{v:?}");
        let log = fake.requests();
        assert_eq!(
            (log[0].method.as_str(), log[0].path.as_str()),
            ("POST", "/api/oauth/token")
        );
        assert_eq!(log[0].status, 200);
        assert!(
            log[1..]
                .iter()
                .all(|r| r.method == "GET" && r.status == 200),
            "{log:?}"
        );
        assert!(
            log[1..]
                .iter()
                .all(|r| r.token_from == Some(TokenFrom::AuthorizationBearer))
        );
        assert_eq!(logins(&log), 1);
    }
}

#[test]
fn client_logs_in_by_users_login() {
    let fake = fixture_fake().start();
    let g = source(&fake.url, OB1, "auth = \"login\"");
    let client = login(&g).expect("login");
    client.metadata(&g).expect("metadata");
    let log = fake.requests();
    assert_eq!(
        (log[0].method.as_str(), log[0].path.as_str()),
        ("POST", "/api/users/login")
    );
    assert!(
        log[1..]
            .iter()
            .all(|r| r.method == "GET" && r.status == 200 && r.user.as_deref() == Some(EMAIL))
    );
}

#[test]
fn client_a_wrong_password_fails_after_one_login_request() {
    let fake = fixture_fake().start();
    let g = source(&fake.url, OB1, "");
    let e = GoDataClient::login_with(&g, EMAIL.into(), Secret::new("not-the-password"))
        .expect_err("refused");
    let (reason, _) = auth_failure(e);
    assert!(reason.contains("LOGIN_FAILED"), "{reason}");
    let log = fake.requests();
    assert_eq!(log.len(), 1, "never retried: {log:?}");
    assert_eq!(fake.failed_logins(EMAIL), 1);
}

#[test]
fn client_two_factor_answer_is_an_authentication_failure() {
    let fake = fixture_fake()
        .two_factor(TwoFactor {
            oauth: true,
            login: true,
        })
        .start();
    for auth in ["", "auth = \"login\""] {
        let g = source(&fake.url, OB1, auth);
        let (reason, _) = auth_failure(login(&g).expect_err("2FA"));
        assert!(reason.contains("two-factor"), "{reason}");
    }
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn client_a_locked_account_is_reported_as_locked() {
    let mut u = User::new(EMAIL, PASSWORD);
    u.failed_logins = 10;
    let fake = fixture_fake().user(u).start();
    let g = source(&fake.url, OB1, "");
    let (reason, help) = auth_failure(login(&g).expect_err("locked"));
    let text = format!("{reason} {help}").to_lowercase();
    assert!(text.contains("lock") || text.contains("blocked"), "{text}");
    assert!(reason.contains("ACTION_TEMPORARILY_BLOCKED"), "{reason}");
    assert_eq!(fake.requests().len(), 1);
}

// ---- the client: metadata (§1.4, 1.8, 1.9) --------------------------------------

#[test]
fn client_metadata_reads_the_outbreak_its_reference_data_and_the_locations() {
    let fake = fixture_fake().start();
    let g = source(&fake.url, OB1, "");
    let client = login(&g).expect("login");
    let meta = client.metadata(&g).expect("metadata");
    let o = meta.outbreak.as_ref().expect("outbreak");
    assert_eq!(
        (o.id.as_str(), o.name.as_deref()),
        (OB1, Some("Measles Kisumu 2024"))
    );
    assert_eq!(
        o.variables(),
        vec!["transmission_type", "contact_setting", "rash_onset"]
    );
    assert!(meta.outbreak_problem.is_none());
    let refs: BTreeSet<&str> = meta.reference.iter().map(|r| r.id.as_str()).collect();
    assert!(refs.contains(format!("{CC}_CONFIRMED_ASYMPTOMATIC").as_str()));
    assert!(
        refs.contains(format!("{CC}_UNCLASSIFIED").as_str()),
        "inactive items are kept"
    );
    assert!(
        refs.iter()
            .any(|r| r.starts_with(&format!("LNG_OUTBREAK_{}", OB1.to_uppercase())))
    );
    assert!(
        !refs
            .iter()
            .any(|r| r.starts_with(&format!("LNG_OUTBREAK_{}", OB2.to_uppercase()))),
        "another outbreak's item"
    );
    assert!(
        !refs.contains("LNG_REFERENCE_DATA_CATEGORY_OCCUPATION_FARMER"),
        "deleted"
    );
    assert_eq!(refs.len(), 12);
    assert!(meta.reference_read);
    let locs: BTreeSet<&str> = meta.locations.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(locs.len(), 7, "the deleted location is hidden");
    assert!(locs.contains(KISUMU) && !locs.contains("KE042009000000000000"));
    let east = meta
        .locations
        .iter()
        .find(|l| l.id == KISUMU_EAST)
        .expect("Kisumu East");
    assert_eq!(east.identifiers.len(), 2);
    assert!(fake.requests()[1..].iter().all(|r| r.method == "GET"));
}

#[test]
fn client_metadata_reports_an_outbreak_the_account_cannot_read() {
    let mut u = User::new(EMAIL, PASSWORD);
    u.outbreak_ids = vec![OB2.into()];
    let fake = fixture_fake().user(u).start();
    for ob in [OB1, "00000000-0000-4000-8000-00000000dead"] {
        let g = source(&fake.url, ob, "");
        let client = login(&g).expect("login");
        let meta = client.metadata(&g).expect("not a crash");
        assert!(meta.outbreak.is_none());
        let problem = meta.outbreak_problem.expect("a problem to report");
        assert!(problem.contains("ACCESS_DENIED"), "{problem}");
        assert!(!meta.locations.is_empty(), "the rest is still read");
    }
}

#[test]
fn client_metadata_finds_an_outbreak_by_name_and_reports_unknown_ones() {
    let fake = fixture_fake().start();
    let named = |name: &str| {
        let text = format!(
            "[source]\nkind = \"godata\"\nurl = \"{}\"\noutbreak_name = \"{name}\"\n\n[[aggregate]]\ndata_element = \"X\"\nperiod = \"dateOfReporting\"\n",
            fake.url
        );
        match Config::parse(Path::new("/tmp/godata-job.toml"), text)
            .expect("config")
            .records
        {
            Some(RecordSource::GoData(g)) => g,
            other => panic!("not a Go.Data source: {other:?}"),
        }
    };
    let g = named("Cholera Turkana 2024");
    let meta = login(&g).expect("login").metadata(&g).expect("metadata");
    assert_eq!(meta.outbreak.as_ref().map(|o| o.id.as_str()), Some(OB2));
    let lookup = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/outbreaks")
        .expect("a list read");
    assert_eq!(
        lookup.filter().expect("filter")["where"],
        json!({"name": "Cholera Turkana 2024"})
    );
    // A deleted outbreak is hidden from plain reads.
    let g = named("Rift Valley fever 2019 (closed)");
    let meta = login(&g).expect("login").metadata(&g).expect("metadata");
    assert!(meta.outbreak.is_none());
    assert!(meta.outbreak_problem.is_some());
    // An unknown id for an account without outbreak restrictions: 404.
    let g = source(&fake.url, "00000000-0000-4000-8000-00000000dead", "");
    let meta = login(&g).expect("login").metadata(&g).expect("not a crash");
    let problem = meta.outbreak_problem.expect("a problem to report");
    assert!(problem.contains("MODEL_NOT_FOUND"), "{problem}");
}

// ---- the client: paged case reads (§1.5, 1.6, 1.11) -----------------------------

#[test]
fn client_reads_2500_cases_in_three_id_ordered_projected_pages() {
    let fake = bulk_fake(2500).start();
    let g = source(&fake.url, OB1, "page_size = 1000");
    let client = login(&g).expect("login");
    fake.clear_requests();
    let filter = march_filter();
    let (check, ids) = read_ids(&client, &filter).expect("read");
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (2500, 2500), "every id once");
    assert_eq!(
        (check.before, check.after, check.read, check.requests),
        (2500, 2500, 2500, 5)
    );
    assert!(check.repeated.is_empty() && check.consistent() && check.bytes > 0);
    let log = fake.requests();
    assert_eq!(log.len(), 5);
    assert!(
        log.iter().all(|r| r.method == "GET" && r.status == 200),
        "GET only after the login"
    );
    assert!(
        log.iter()
            .all(|r| !r.token_in_url && r.param("access_token").is_none())
    );
    assert!(
        log.iter()
            .all(|r| r.token_from == Some(TokenFrom::AuthorizationBearer))
    );
    let counts: Vec<&Logged> = log
        .iter()
        .filter(|r| r.path.ends_with("/filtered-count"))
        .collect();
    assert_eq!(counts.len(), 2);
    assert!(
        std::ptr::eq(counts[0], &log[0]) && std::ptr::eq(counts[1], &log[4]),
        "before and after"
    );
    let pages = pages(&log);
    assert_eq!(pages.len(), 3);
    // Pages by key: no offset, each page after the last id of the one before.
    let mut last_ids: Vec<Value> = Vec::new();
    for p in &pages {
        let f = p.filter().expect("filter");
        assert_eq!(f.get("skip"), None, "no offset paging");
        last_ids.push(f["where"]["and"][1]["id"]["gt"].clone());
    }
    assert_eq!(
        last_ids[0],
        Value::Null,
        "the first page starts at the start"
    );
    assert!(last_ids[1].is_string() && last_ids[2].is_string());
    assert!(last_ids[1].as_str() < last_ids[2].as_str(), "{last_ids:?}");
    for p in &pages {
        let f = p.filter().expect("filter");
        assert_eq!(f["order"], json!(["id ASC"]));
        assert_eq!(f["limit"], json!(1000));
        let fields: Vec<&str> = f["fields"]
            .as_array()
            .expect("fields array")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(fields.first(), Some(&"id"));
        for personal in PERSONAL {
            assert!(
                !fields.contains(personal),
                "{personal} requested: {fields:?}"
            );
        }
        assert!(
            fields
                .iter()
                .all(|f| !f.to_lowercase().contains("name") && !f.to_lowercase().contains("phone"))
        );
        // The job's where, narrowed after the first page by the last id read.
        let w = &f["where"];
        assert!(*w == filter.r#where || w["and"][0] == filter.r#where, "{w}");
    }
    for c in &counts {
        let f = c.filter().expect("filter");
        assert_eq!(
            f,
            json!({"where": filter.r#where}),
            "no limit, skip or flags"
        );
    }
}

#[test]
fn client_logs_in_once_more_when_the_token_is_revoked_between_pages() {
    let fake = bulk_fake(2500).start();
    let g = source(&fake.url, OB1, "page_size = 1000");
    let client = login(&g).expect("login");
    fake.fault_after("/cases$", FaultKind::RevokeToken, 1, 1);
    let (check, ids) = read_ids(&client, &march_filter()).expect("read completes");
    assert!(check.consistent(), "{check:?}");
    assert_eq!(ids.len(), 2500);
    let log = fake.requests();
    assert_eq!(logins(&log), 2, "one new login");
    assert_eq!(log.iter().filter(|r| r.status == 401).count(), 1);
    assert!(
        log.iter()
            .filter(|r| r.method != "GET")
            .all(|r| r.path == "/api/oauth/token")
    );
}

#[test]
fn client_fails_when_the_token_is_revoked_a_second_time() {
    let fake = bulk_fake(2500).start();
    let g = source(&fake.url, OB1, "page_size = 1000");
    let client = login(&g).expect("login");
    // Page 2 and page 3 (the retried page 2 passes in between).
    fake.fault_after("/cases$", FaultKind::RevokeToken, 1, 1);
    fake.fault_after("/cases$", FaultKind::RevokeToken, 1, 1);
    let e = read_ids(&client, &march_filter()).expect_err("a second 401 is fatal");
    auth_failure(e);
    let log = fake.requests();
    assert_eq!(logins(&log), 2, "never a third login: {log:?}");
    assert_eq!(pages(&log).len(), 4);
}

#[test]
fn client_logs_in_again_when_the_token_expires_between_pages() {
    let fake = bulk_fake(2500).start();
    let g = source(&fake.url, OB1, "page_size = 1000");
    let client = login(&g).expect("login");
    fake.fault_after("/cases$", FaultKind::ExpireToken, 2, 1);
    let (check, _) = read_ids(&client, &march_filter()).expect("read completes");
    assert!(check.consistent(), "{check:?}");
    assert_eq!(logins(&fake.requests()), 2);
}

#[test]
fn client_sees_a_case_inserted_between_pages() {
    let fake = bulk_fake(2500).start();
    let g = source(&fake.url, OB1, "page_size = 1000");
    let client = login(&g).expect("login");
    let mut new = bulk(1, OB1).remove(0);
    new["id"] = json!("00000000-0000-4000-8000-000000000001");
    fake.fault_after("/cases$", FaultKind::InsertCase(new), 1, 1);
    let (check, _) = read_ids(&client, &march_filter()).expect("read");
    assert!(!check.consistent(), "{check:?}");
    assert_eq!((check.before, check.after), (2500, 2501));
    // Keyed pages do not shift: the case inserted behind the cursor is simply not read,
    // and the counts tell.
    assert_eq!(check.repeated.len(), 0);
    assert_eq!(check.read, 2500);
}

#[test]
fn client_retries_a_page_that_answered_500() {
    let fake = bulk_fake(2500).start();
    let g = source(&fake.url, OB1, "page_size = 1000");
    let client = login(&g).expect("login");
    fake.fault_after("/cases$", FaultKind::Status(500), 1, 1);
    fake.fault_after("/cases$", FaultKind::Reset, 1, 1);
    let (check, ids) = read_ids(&client, &march_filter()).expect("read completes");
    assert!(check.consistent(), "{check:?}");
    assert_eq!(ids.len(), 2500);
    let log = fake.requests();
    assert_eq!(pages(&log).len(), 5, "3 pages, 2 of them twice");
    assert_eq!(logins(&log), 1);
}

#[test]
fn client_a_500_on_every_attempt_is_given_up_after_a_few() {
    let fake = bulk_fake(10).start();
    let g = source(&fake.url, OB1, "page_size = 1000");
    let client = login(&g).expect("login");
    fake.fault("/cases$", FaultKind::Status(500), 100);
    let e = read_ids(&client, &march_filter()).expect_err("gives up");
    assert!(
        matches!(e, Error::Remote(ref r) if matches!(**r, RemoteError::Status { status: 500, .. })),
        "{e}"
    );
    let n = pages(&fake.requests()).len();
    assert!((2..=4).contains(&n), "bounded retries, not {n}");
}

#[test]
fn client_date_windows_select_the_local_days_of_a_non_utc_instance() {
    let fake = fixture_fake().start();
    let g = source(&fake.url, OB1, "timezone = \"Africa/Nairobi\"");
    let client = login(&g).expect("login");
    client.metadata(&g).expect("metadata");
    let tz = &g.timezone.tz;
    let day = |d: &str| query::instant(d.parse().expect("date"), tz);
    assert_eq!(day("2024-03-04"), "2024-03-03T21:00:00.000Z");
    assert!(
        dates::is_valid_date(&day("2024-03-04")),
        "sent as a date the server reads"
    );
    let filter = CaseFilter {
        r#where: json!({"and": [{"dateOfReporting": {"gte": day("2024-03-04")}}, {"dateOfReporting": {"lt": day("2024-03-11")}}]}),
        fields: vec!["dateOfReporting", "classification"],
    };
    let (check, mut ids) = read_ids(&client, &filter).expect("read");
    ids.sort();
    let suffix: Vec<&str> = ids.iter().map(|i| &i[i.len() - 2..]).collect();
    assert_eq!(
        suffix,
        vec!["01", "02", "04", "08"],
        "local days 4–10 March, live cases only"
    );
    assert!(check.consistent());
}
