//! What a case read asks the server: `where` narrowed to the date windows of the
//! blocks' planned periods (instants from the configured zone, `godata-api.md` §1.5),
//! and `fields` projected to the properties the blocks read (never names or phones).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::client::CaseFilter;
use super::fields::{Getter, RangePart, Spec};
use crate::source::aggregate::EngineBlock;
use crate::source::compile::GoDataFields;

fn property(g: Getter) -> &'static [&'static str] {
    match g {
        Getter::Classification => &["classification"],
        Getter::Gender => &["gender"],
        Getter::Outcome => &["outcomeId"],
        Getter::RiskLevel => &["riskLevel"],
        Getter::Occupation => &["occupation"],
        Getter::Pregnancy => &["pregnancyStatus"],
        Getter::Investigation => &["investigationStatus"],
        Getter::DateOfReporting => &["dateOfReporting"],
        Getter::DateOfOnset => &["dateOfOnset"],
        Getter::DateOfOutcome => &["dateOfOutcome"],
        Getter::DateBecomeCase => &["dateBecomeCase"],
        Getter::Dob => &["dob"],
        Getter::CreatedAt => &["createdAt"],
        Getter::UpdatedAt => &["updatedAt"],
        Getter::WasContact => &["wasContact"],
        Getter::TransferRefused => &["transferRefused"],
        // Sub-fields only: an address also holds the person's phone number.
        Getter::Residence => &[
            "addresses.typeId",
            "addresses.locationId",
            "usualPlaceOfResidenceLocationId",
        ],
    }
}

/// The top-level properties a spec reads.
pub fn properties(s: &Spec) -> &'static [&'static str] {
    match s {
        Spec::Reference(_, g) | Spec::Date(g) | Spec::Bool(g) | Spec::Location(g) => property(*g),
        Spec::AgeYears => &["age", "dob", "dateOfReporting"],
        Spec::Question(_) => &["questionnaireAnswers"],
        Spec::Range(..) | Spec::Hospitalized => &["dateRanges"],
    }
}

/// The API path a period field is narrowed on (`None`: not narrowable server-side).
fn date_path(s: &Spec) -> Option<&'static str> {
    match s {
        Spec::Date(g) => property(*g).first().copied(),
        // The start or end of any range; the type is checked client-side.
        Spec::Range(_, RangePart::Start) => Some("dateRanges.startDate"),
        Spec::Range(_, RangePart::End) => Some("dateRanges.endDate"),
        _ => None,
    }
}

/// Midnight of a day in the zone, as the instant the server compares with.
pub fn instant(d: Date, tz: &TimeZone) -> String {
    match d.to_zoned_datetime(tz.clone()) {
        Ok(z) => z.timestamp().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => format!("{d}T00:00:00.000Z"),
    }
}

pub fn case_filter(
    blocks: &[EngineBlock],
    fields: &GoDataFields,
    tz: &TimeZone,
    with_history: bool,
) -> CaseFilter {
    let mut props: Vec<&'static str> = fields
        .specs
        .iter()
        .flat_map(|s| properties(s).iter().copied())
        .collect();
    if with_history {
        props.push("classificationHistory");
    }
    props.sort_unstable();
    props.dedup();
    let mut windows: Vec<Value> = Vec::new();
    for b in blocks {
        let Some(path) = fields.specs.get(usize::from(b.period)).and_then(date_path) else {
            // One block that cannot be narrowed reads everything.
            windows.clear();
            break;
        };
        let (Some(first), Some(last)) = (
            b.planned.iter().map(|p| p.start).min(),
            b.planned.iter().map(|p| p.end).max(),
        ) else {
            continue;
        };
        let after_last = last.tomorrow().unwrap_or(last);
        // Records without the date are read too: they are dropped (records-not-aggregated)
        // as a file's would be, not left unseen.
        let w = json!({"or": [
            {"and": [{path: {"gte": instant(first, tz)}}, {path: {"lt": instant(after_last, tz)}}]},
            {path: null}
        ]});
        if !windows.contains(&w) {
            windows.push(w);
        }
    }
    let r#where = match windows.len() {
        0 => json!({}),
        1 => windows.remove(0),
        _ => json!({"or": windows}),
    };
    CaseFilter {
        r#where,
        fields: props,
    }
}
