//! The Go.Data fields a block may name (`godata-api.md` §3.2), typed, and how each is
//! read from a case: raw properties by their API names, and the derived `age_years`,
//! `residence`, `dateRanges.<TYPE>.startDate|endDate|locationId`, `hospitalized` and
//! `questionnaire.<variable>`.

use compact_str::CompactString;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::model::Case;
use crate::source::fields::{Cell, FieldTable, Kind};

pub const CLASSIFICATION: &str = "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION";
pub const GENDER: &str = "LNG_REFERENCE_DATA_CATEGORY_GENDER";
pub const OUTCOME: &str = "LNG_REFERENCE_DATA_CATEGORY_OUTCOME";
pub const RISK_LEVEL: &str = "LNG_REFERENCE_DATA_CATEGORY_RISK_LEVEL";
pub const OCCUPATION: &str = "LNG_REFERENCE_DATA_CATEGORY_OCCUPATION";
pub const PREGNANCY: &str = "LNG_REFERENCE_DATA_CATEGORY_PREGNANCY_STATUS";
pub const INVESTIGATION: &str = "LNG_REFERENCE_DATA_CATEGORY_INVESTIGATION_STATUS";
pub const RESIDENCE: &str = "LNG_REFERENCE_DATA_CATEGORY_ADDRESS_TYPE_USUAL_PLACE_OF_RESIDENCE";
pub const DATE_TYPE: &str = "LNG_REFERENCE_DATA_CATEGORY_PERSON_DATE_TYPE";
pub const DISCARDED: &str = "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION_NOT_A_CASE_DISCARDED";

/// What a field is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// A reference-data id of this category.
    Reference(&'static str, Getter),
    Date(Getter),
    Bool(Getter),
    AgeYears,
    /// A location id.
    Location(Getter),
    /// The first answer to a questionnaire variable.
    Question(String),
    /// A date range's start, end or location: its type suffix and which.
    Range(String, RangePart),
    /// Any range of type HOSPITALIZATION.
    Hospitalized,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangePart {
    Start,
    End,
    Location,
}

/// A raw property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Getter {
    Classification,
    Gender,
    Outcome,
    RiskLevel,
    Occupation,
    Pregnancy,
    Investigation,
    DateOfReporting,
    DateOfOnset,
    DateOfOutcome,
    DateBecomeCase,
    Dob,
    CreatedAt,
    UpdatedAt,
    WasContact,
    TransferRefused,
    Residence,
}

/// Raw and derived fields by name (questionnaire and range fields are parsed).
const NAMED: &[(&str, Spec)] = &[
    (
        "classification",
        Spec::Reference(CLASSIFICATION, Getter::Classification),
    ),
    ("gender", Spec::Reference(GENDER, Getter::Gender)),
    ("outcomeId", Spec::Reference(OUTCOME, Getter::Outcome)),
    ("riskLevel", Spec::Reference(RISK_LEVEL, Getter::RiskLevel)),
    (
        "occupation",
        Spec::Reference(OCCUPATION, Getter::Occupation),
    ),
    (
        "pregnancyStatus",
        Spec::Reference(PREGNANCY, Getter::Pregnancy),
    ),
    (
        "investigationStatus",
        Spec::Reference(INVESTIGATION, Getter::Investigation),
    ),
    ("dateOfReporting", Spec::Date(Getter::DateOfReporting)),
    ("dateOfOnset", Spec::Date(Getter::DateOfOnset)),
    ("dateOfOutcome", Spec::Date(Getter::DateOfOutcome)),
    ("dateBecomeCase", Spec::Date(Getter::DateBecomeCase)),
    ("dob", Spec::Date(Getter::Dob)),
    ("createdAt", Spec::Date(Getter::CreatedAt)),
    ("updatedAt", Spec::Date(Getter::UpdatedAt)),
    ("wasContact", Spec::Bool(Getter::WasContact)),
    ("transferRefused", Spec::Bool(Getter::TransferRefused)),
    ("age_years", Spec::AgeYears),
    ("residence", Spec::Location(Getter::Residence)),
    ("hospitalized", Spec::Hospitalized),
];

/// Every field name a block may use (for "did you mean" help).
pub fn names() -> impl Iterator<Item = &'static str> {
    NAMED.iter().map(|(n, _)| *n)
}

/// The spec of a field name; `None`: not a Go.Data field.
pub fn spec(name: &str) -> Option<Spec> {
    if let Some((_, s)) = NAMED.iter().find(|(n, _)| *n == name) {
        return Some(s.clone());
    }
    if name == "hospitalization" {
        return Some(Spec::Range("HOSPITALIZATION".into(), RangePart::Location));
    }
    if let Some(v) = name.strip_prefix("questionnaire.")
        && !v.is_empty()
    {
        return Some(Spec::Question(v.to_string()));
    }
    let rest = name.strip_prefix("dateRanges.")?;
    let (ty, part) = rest.rsplit_once('.')?;
    let part = match part {
        "startDate" => RangePart::Start,
        "endDate" => RangePart::End,
        "locationId" => RangePart::Location,
        _ => return None,
    };
    (!ty.is_empty() && ty.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .then(|| Spec::Range(ty.to_string(), part))
}

impl Spec {
    pub fn kind(&self) -> Kind {
        match self {
            Spec::Reference(..) | Spec::Location(_) | Spec::Question(_) => Kind::Text,
            Spec::Range(_, RangePart::Location) => Kind::Text,
            Spec::Date(_) | Spec::Range(..) => Kind::Date,
            Spec::Bool(_) | Spec::Hospitalized => Kind::Bool,
            Spec::AgeYears => Kind::Number,
        }
    }

    /// The reference category of a reference field.
    pub fn category(&self) -> Option<&'static str> {
        match self {
            Spec::Reference(c, _) => Some(c),
            _ => None,
        }
    }
}

/// A date-time string of the API as a calendar day in the source zone.
pub fn day(s: &str, tz: &TimeZone) -> Option<Date> {
    crate::source::linelist::iso_day(s, tz)
}

fn text(v: Option<&str>) -> Cell {
    match v {
        Some(s) if !s.is_empty() => Cell::Text(CompactString::from(s)),
        _ => Cell::Null,
    }
}

fn date_cell(v: Option<&str>, tz: &TimeZone) -> Cell {
    match v {
        Some(s) if !s.is_empty() => day(s, tz).map_or(Cell::Unknown, Cell::Date),
        _ => Cell::Null,
    }
}

/// The usual residence's location: the address of that type wherever it stands in the
/// list, else the server's derived field.
pub fn residence(c: &Case) -> Option<&str> {
    c.addresses
        .iter()
        .find(|a| a.type_id.as_deref() == Some(RESIDENCE))
        .and_then(|a| a.location_id.as_deref())
        .filter(|l| !l.is_empty())
        .or(c.usual_place_of_residence_location_id.as_deref())
        .filter(|l| !l.is_empty())
}

/// `age.years` when > 0, else `months / 12` when > 0, else completed years from `dob`
/// to `dateOfReporting`, else unknown (`{0, 0}` with no `dob` is 0 only when known).
pub fn age_years(c: &Case, tz: &TimeZone, zero_is_known: bool) -> Cell {
    let a = c.age.clone().unwrap_or_default();
    if let Some(y) = a.years.filter(|y| *y > 0.0) {
        return Cell::Number(y);
    }
    if let Some(m) = a.months.filter(|m| *m > 0.0) {
        return Cell::Number(m / 12.0);
    }
    let born = c.dob.as_deref().and_then(|d| day(d, tz));
    let reported = c.date_of_reporting.as_deref().and_then(|d| day(d, tz));
    if let (Some(b), Some(r)) = (born, reported)
        && let Ok(span) = b.until((jiff::Unit::Year, r))
    {
        return Cell::Number(f64::from(span.get_years()));
    }
    if zero_is_known && c.age.is_some() {
        return Cell::Number(0.0);
    }
    Cell::Unknown
}

fn answer(c: &Case, var: &str) -> Cell {
    let Some(v) = c.questionnaire_answers.as_ref().and_then(|q| q.get(var)) else {
        return Cell::Null;
    };
    let first = v
        .as_array()
        .and_then(|a| a.first())
        .and_then(|a| a.get("value"));
    match first {
        None | Some(serde_json::Value::Null) => Cell::Null,
        Some(serde_json::Value::String(s)) => text(Some(s)),
        Some(serde_json::Value::Array(a)) => match a.first() {
            Some(serde_json::Value::String(s)) => text(Some(s)),
            _ => Cell::Unknown,
        },
        Some(other) => Cell::Text(other.to_string().into()),
    }
}

/// Fill the cells of one case for the fields of `table` (specs in the same order).
pub fn fill(c: &Case, specs: &[Spec], tz: &TimeZone, zero_age_is_known: bool, cells: &mut [Cell]) {
    for (cell, spec) in cells.iter_mut().zip(specs) {
        *cell = match spec {
            Spec::Reference(_, g) | Spec::Date(g) | Spec::Bool(g) | Spec::Location(g) => {
                raw(c, *g, tz)
            }
            Spec::AgeYears => age_years(c, tz, zero_age_is_known),
            Spec::Question(v) => answer(c, v),
            Spec::Hospitalized => Cell::Bool(c.date_ranges.iter().any(|r| {
                r.type_id.as_deref().and_then(|t| t.strip_prefix(DATE_TYPE))
                    == Some("_HOSPITALIZATION")
            })),
            Spec::Range(ty, part) => {
                let r = c.date_ranges.iter().find(|r| {
                    r.type_id
                        .as_deref()
                        .and_then(|t| t.strip_prefix(DATE_TYPE))
                        .and_then(|t| t.strip_prefix('_'))
                        == Some(ty.as_str())
                });
                match (r, part) {
                    (None, _) => Cell::Null,
                    (Some(r), RangePart::Start) => date_cell(r.start_date.as_deref(), tz),
                    (Some(r), RangePart::End) => date_cell(r.end_date.as_deref(), tz),
                    (Some(r), RangePart::Location) => text(r.location_id.as_deref()),
                }
            }
        };
    }
}

/// The date string a date getter reads, as the API serves it (`None` for other getters).
pub fn raw_date(c: &Case, g: Getter) -> Option<&str> {
    match g {
        Getter::DateOfReporting => c.date_of_reporting.as_deref(),
        Getter::DateOfOnset => c.date_of_onset.as_deref(),
        Getter::DateOfOutcome => c.date_of_outcome.as_deref(),
        Getter::DateBecomeCase => c.date_become_case.as_deref(),
        Getter::Dob => c.dob.as_deref(),
        Getter::CreatedAt => c.created_at.as_deref(),
        Getter::UpdatedAt => c.updated_at.as_deref(),
        _ => None,
    }
}

fn raw(c: &Case, g: Getter, tz: &TimeZone) -> Cell {
    match g {
        Getter::Classification => text(c.classification.as_deref()),
        Getter::Gender => text(c.gender.as_deref()),
        Getter::Outcome => text(c.outcome_id.as_deref()),
        Getter::RiskLevel => text(c.risk_level.as_deref()),
        Getter::Occupation => text(c.occupation.as_deref()),
        Getter::Pregnancy => text(c.pregnancy_status.as_deref()),
        Getter::Investigation => text(c.investigation_status.as_deref()),
        Getter::DateOfReporting
        | Getter::DateOfOnset
        | Getter::DateOfOutcome
        | Getter::DateBecomeCase
        | Getter::Dob
        | Getter::CreatedAt
        | Getter::UpdatedAt => date_cell(raw_date(c, g), tz),
        Getter::WasContact => c.was_contact.map_or(Cell::Null, Cell::Bool),
        Getter::TransferRefused => c.transfer_refused.map_or(Cell::Null, Cell::Bool),
        Getter::Residence => text(residence(c)),
    }
}

/// The specs of a field table's fields, in its order (`None` for unknown names).
pub fn specs_of(table: &FieldTable) -> Vec<Option<Spec>> {
    table.names.iter().map(|n| spec(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(json: &str) -> Case {
        serde_json::from_str(json).expect("a case")
    }

    #[test]
    fn derived_fields_follow_the_reference() {
        let tz = TimeZone::get("Africa/Nairobi").expect("zone");
        let c = case(
            r#"{"_id": "c1", "firstName": "Never Kept", "age": {"years": 0, "months": 0},
                "dob": "2019-03-04T21:00:00.000Z", "dateOfReporting": "2024-03-04T21:00:00.000Z",
                "addresses": [{"typeId": "LNG_REFERENCE_DATA_CATEGORY_ADDRESS_TYPE_PREVIOUS_USUAL_PLACE_OF_RESIDENCE", "locationId": "old"},
                              {"typeId": "LNG_REFERENCE_DATA_CATEGORY_ADDRESS_TYPE_USUAL_PLACE_OF_RESIDENCE", "locationId": "home", "phoneNumber": "+1"}],
                "usualPlaceOfResidenceLocationId": "stale",
                "dateRanges": [{"typeId": "LNG_REFERENCE_DATA_CATEGORY_PERSON_DATE_TYPE_HOSPITALIZATION", "startDate": "2024-03-06T21:00:00.000Z", "endDate": null, "locationId": null}],
                "questionnaireAnswers": {"transmission_type": [{"value": "local"}], "empty": []},
                "address": {}}"#,
        );
        assert_eq!(c.id.as_deref(), Some("c1"), "an export's `_id` is the id");
        assert_eq!(
            residence(&c),
            Some("home"),
            "the usual residence, not the first address"
        );
        assert_eq!(
            age_years(&c, &tz, false),
            Cell::Number(5.0),
            "the 5th birthday is age 5"
        );
        let names = [
            "residence",
            "hospitalized",
            "dateRanges.HOSPITALIZATION.startDate",
            "questionnaire.transmission_type",
            "questionnaire.empty",
            "dateOfReporting",
        ];
        let specs: Vec<Spec> = names.iter().map(|n| spec(n).expect("a field")).collect();
        let mut cells = vec![Cell::Null; specs.len()];
        fill(&c, &specs, &tz, false, &mut cells);
        assert_eq!(cells[0], Cell::Text("home".into()));
        assert_eq!(cells[1], Cell::Bool(true));
        assert_eq!(
            cells[2],
            Cell::Date(jiff::civil::date(2024, 3, 7)),
            "midnight in Nairobi is 21:00Z the day before"
        );
        assert_eq!(cells[3], Cell::Text("local".into()));
        assert_eq!(cells[4], Cell::Null);
        assert_eq!(cells[5], Cell::Date(jiff::civil::date(2024, 3, 5)));
        let unknown = case(r#"{"id": "c2", "age": {"years": 0, "months": 0}}"#);
        assert_eq!(age_years(&unknown, &tz, false), Cell::Unknown);
        assert_eq!(age_years(&unknown, &tz, true), Cell::Number(0.0));
        assert_eq!(
            age_years(&case(r#"{"age": {"months": 6}}"#), &tz, false),
            Cell::Number(0.5)
        );
        assert!(spec("dateRanges.ISOLATION.endDate").is_some());
        assert!(spec("dateRanges.isolation.endDate").is_none());
        assert!(
            spec("firstName").is_none(),
            "personal fields are not fields"
        );
    }
}
