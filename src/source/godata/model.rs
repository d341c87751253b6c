//! The Go.Data objects t2a reads (`godata-api.md` §1.4, §1.7–1.9). Only the fields
//! aggregation needs are kept: names, phone numbers, documents and free text are
//! skipped by the parser and never held.

use serde::Deserialize;

/// `{"years": 46}`: months may be absent; `{0, 0}` is how Go.Data writes unknown.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Age {
    #[serde(default)]
    pub years: Option<f64>,
    #[serde(default)]
    pub months: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default)]
    pub type_id: Option<String>,
    #[serde(default)]
    pub location_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateRange {
    #[serde(default)]
    pub type_id: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub location_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassificationChange {
    #[serde(default)]
    pub classification: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Answer {
    #[serde(default)]
    pub value: serde_json::Value,
}

/// A case as the API serves it (`id`) or an export writes it (`_id`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    #[serde(default, alias = "_id")]
    pub id: Option<String>,
    #[serde(default)]
    pub outbreak_id: Option<String>,
    #[serde(default)]
    pub classification: Option<String>,
    #[serde(default)]
    pub classification_history: Vec<ClassificationChange>,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub age: Option<Age>,
    #[serde(default)]
    pub dob: Option<String>,
    #[serde(default)]
    pub date_of_reporting: Option<String>,
    #[serde(default)]
    pub date_of_onset: Option<String>,
    #[serde(default)]
    pub date_of_outcome: Option<String>,
    #[serde(default)]
    pub date_become_case: Option<String>,
    #[serde(default)]
    pub outcome_id: Option<String>,
    #[serde(default)]
    pub risk_level: Option<String>,
    #[serde(default)]
    pub occupation: Option<String>,
    #[serde(default)]
    pub pregnancy_status: Option<String>,
    #[serde(default)]
    pub investigation_status: Option<String>,
    #[serde(default)]
    pub was_contact: Option<bool>,
    #[serde(default)]
    pub transfer_refused: Option<bool>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub addresses: Vec<Address>,
    #[serde(default)]
    pub usual_place_of_residence_location_id: Option<String>,
    #[serde(default)]
    pub date_ranges: Vec<DateRange>,
    #[serde(default)]
    pub questionnaire_answers: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub deleted: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Identifier {
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub parent_location_id: Option<String>,
    #[serde(default)]
    pub geographical_level_id: Option<String>,
    #[serde(default)]
    pub deleted: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferenceItem {
    pub id: String,
    #[serde(default)]
    pub category_id: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub outbreak_id: Option<String>,
    #[serde(default)]
    pub deleted: Option<bool>,
}

/// A questionnaire question: its variable (and its sub-questions).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    #[serde(default)]
    pub variable: Option<String>,
    #[serde(default)]
    pub answer_type: Option<String>,
    #[serde(default)]
    pub answers: Vec<QuestionAnswer>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionAnswer {
    #[serde(default)]
    pub additional_questions: Vec<Question>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outbreak {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub location_ids: Vec<String>,
    #[serde(default)]
    pub reporting_geographical_level_id: Option<String>,
    #[serde(default)]
    pub apply_geographic_restrictions: Option<bool>,
    /// 2.48+: `{categoryId: {itemId: true}}`.
    #[serde(default)]
    pub allowed_ref_data_items: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub case_investigation_template: Vec<Question>,
    #[serde(default)]
    pub deleted: Option<bool>,
}

impl Outbreak {
    /// Every questionnaire variable, sub-questions included.
    pub fn variables(&self) -> Vec<&str> {
        fn walk<'a>(qs: &'a [Question], out: &mut Vec<&'a str>) {
            for q in qs {
                if let Some(v) = &q.variable {
                    out.push(v);
                }
                for a in &q.answers {
                    walk(&a.additional_questions, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.case_investigation_template, &mut out);
        out
    }
}
