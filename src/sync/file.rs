//! The `--out` file: a dataValueSet the Import/Export app can import, which also
//! records how it was made (the plan, the id schemes of its values, the job), so that a
//! `--from` on another day verifies it against the plan it was written with.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::job::Job;

use super::plan::Record;

/// What a `--out` file records about itself, under the top-level key `t2a`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    pub tool: String,
    pub version: String,
    pub job: String,
    pub written: String,
    /// The id schemes the values are written in.
    pub schemes: Schemes,
    pub plan: Record,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schemes {
    pub data_element: String,
    pub category_option_combo: String,
    pub org_unit: String,
}

impl Schemes {
    pub fn of(cx: &Job<'_>) -> Self {
        let m = &cx.config.mapping;
        Schemes {
            data_element: m.data_element_id_scheme.to_string(),
            category_option_combo: m.category_option_combo_id_scheme.to_string(),
            org_unit: m.org_unit_id_scheme.to_string(),
        }
    }

    /// How these differ from the job's, for a message; `None` when they agree.
    pub fn differences(&self, job: &Schemes) -> Option<String> {
        let mut out = Vec::new();
        for (name, file, now) in [
            (
                "data_element_id_scheme",
                &self.data_element,
                &job.data_element,
            ),
            (
                "category_option_combo_id_scheme",
                &self.category_option_combo,
                &job.category_option_combo,
            ),
            ("org_unit_id_scheme", &self.org_unit, &job.org_unit),
        ] {
            if file != now {
                out.push(format!("{name}: {file} in the file, {now} in the job"));
            }
        }
        (!out.is_empty()).then(|| out.join("; "))
    }
}

impl Provenance {
    pub fn new(cx: &Job<'_>, job: &str, plan: Record) -> Self {
        Provenance {
            tool: "t2a".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            job: job.to_string(),
            written: jiff::Timestamp::now().to_string(),
            schemes: Schemes::of(cx),
            plan,
        }
    }
}

#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    t2a: Option<Provenance>,
}

/// The provenance a file records (`None` for a file without one, e.g. written by
/// hand or by DHIS2). The values are skipped over, not kept.
pub fn provenance(input: impl Read) -> Result<Option<Provenance>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_reader(input);
    let head = Head::deserialize(&mut de)?;
    Ok(head.t2a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provenance_is_read_past_the_values_and_absent_is_none() {
        let text = r#"{"dataValues":[{"dataElement":"a","value":"1"}],
            "t2a":{"tool":"t2a","version":"0.1.0","job":"malaria","written":"2024-02-15T00:00:00Z",
            "schemes":{"dataElement":"CODE","categoryOptionCombo":"CODE","orgUnit":"UID"},
            "plan":{"asOf":"2024-02-15","groups":[{"periodType":"Monthly","periods":["202401"],"programIndicators":["piA"]}]}}}"#;
        let p = provenance(text.as_bytes()).unwrap().expect("provenance");
        assert_eq!(p.job, "malaria");
        assert_eq!(p.plan.groups[0].periods, ["202401"]);
        assert_eq!(p.schemes.data_element, "CODE");
        assert!(
            provenance(r#"{"dataValues":[]}"#.as_bytes())
                .unwrap()
                .is_none()
        );
        assert!(provenance(r#"{"dataValues":[}"#.as_bytes()).is_err());
    }

    #[test]
    fn scheme_differences_are_named() {
        let a = Schemes {
            data_element: "CODE".into(),
            category_option_combo: "CODE".into(),
            org_unit: "UID".into(),
        };
        let mut b = a.clone();
        assert_eq!(a.differences(&b), None);
        b.org_unit = "CODE".into();
        assert_eq!(
            a.differences(&b).as_deref(),
            Some("org_unit_id_scheme: UID in the file, CODE in the job")
        );
    }
}
