//! Data endpoints: the analytics export of program indicator values
//! (`/api/analytics/dataValueSet.json`, §4), reading stored values
//! (`GET /api/dataValueSets`, §7.1), importing them (`POST /api/dataValueSets`, §6),
//! completing data sets (§7.2) and sending messages (§7.3).

use serde::Serialize;

use super::client::Client;
use super::error::RemoteError;
use super::import::{ImportSummary, parse_summary};
use super::retry::Repeat;
use super::version::Version;
use crate::idscheme::IdScheme;

/// A data value to import, its identifiers borrowed (from the catalogs and the run's
/// changes). Absent COC/AOC mean the default combo; values read come as `rows::Row`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataValue<'a> {
    pub data_element: &'a str,
    pub period: &'a str,
    pub org_unit: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_option_combo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_option_combo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<&'a str>,
}

/// One analytics export request: PIs × periods × org units.
#[derive(Debug, Clone)]
pub struct ExportQuery {
    pub dx: Vec<String>,
    pub pe: Vec<String>,
    pub ou: Vec<String>,
    /// The mapping attribute whose value becomes the data element.
    pub attribute: Option<String>,
    pub org_unit_scheme: IdScheme,
}

impl ExportQuery {
    /// Query parameters for the source's version: 2.41+ names the scheme of data items
    /// (`outputDataItemIdScheme`); older versions only know `outputIdScheme`, which then
    /// also applies to org units unless `outputOrgUnitIdScheme` pins them (§4.1, §4.2).
    pub fn params(&self, version: Option<Version>) -> Vec<(&'static str, String)> {
        let mut q = vec![
            ("dimension", format!("dx:{}", self.dx.join(";"))),
            ("dimension", format!("pe:{}", self.pe.join(";"))),
            ("dimension", format!("ou:{}", self.ou.join(";"))),
        ];
        if let Some(a) = &self.attribute {
            let scheme = format!("ATTRIBUTE:{a}");
            if version.is_some_and(|v| v.at_least(41)) {
                q.push(("outputDataItemIdScheme", scheme));
            } else {
                q.push(("outputIdScheme", scheme));
            }
        }
        q.push(("outputOrgUnitIdScheme", self.org_unit_scheme.to_string()));
        q
    }
}

/// Run one analytics export: the `{"dataValues": [...]}` body (bounded by the request's
/// chunking; see `sync::export`) and its URL, for `rows::for_each_row`.
pub fn export_body(
    client: &Client,
    query: &ExportQuery,
    version: Option<Version>,
) -> Result<(String, bytes::Bytes), RemoteError> {
    let (url, body) = client.get_bytes("analytics/dataValueSet.json", &query.params(version))?;
    Ok((url.to_string(), body))
}

/// What to read of the target's stored values.
#[derive(Debug, Clone)]
pub struct ReadQuery {
    pub data_sets: Vec<String>,
    pub periods: Vec<String>,
    pub org_units: Vec<String>,
}

impl ReadQuery {
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut q: Vec<(&str, String)> = Vec::new();
        q.extend(self.data_sets.iter().map(|d| ("dataSet", d.clone())));
        q.extend(self.periods.iter().map(|p| ("period", p.clone())));
        q.extend(self.org_units.iter().map(|o| ("orgUnit", o.clone())));
        q
    }
}

/// Read stored values (UIDs throughout): the body and its URL.
pub fn read_body(
    client: &Client,
    query: &ReadQuery,
) -> Result<(String, bytes::Bytes), RemoteError> {
    let (url, body) = client.get_bytes("dataValueSets.json", &query.params())?;
    Ok((url.to_string(), body))
}

/// Id schemes and strategy of an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub data_element_scheme: IdScheme,
    pub category_option_combo_scheme: IdScheme,
    pub org_unit_scheme: IdScheme,
    /// `CREATE_AND_UPDATE`, `CREATE`, `UPDATE` or `DELETE`.
    pub strategy: &'static str,
    pub dry_run: bool,
}

impl ImportOptions {
    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("dataElementIdScheme", self.data_element_scheme.to_string()),
            // Attribute option combos are resolved with this scheme too (§6.2).
            (
                "categoryOptionComboIdScheme",
                self.category_option_combo_scheme.to_string(),
            ),
            ("orgUnitIdScheme", self.org_unit_scheme.to_string()),
            ("importStrategy", self.strategy.to_string()),
            ("dryRun", self.dry_run.to_string()),
        ]
    }
}

/// One import payload: the values of one data set (2.43 needs it named, and detects it
/// only when the values' data elements sit in exactly one; 2.36–2.42 apply that data
/// set's locks, §12.1).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_set: Option<&'a str>,
    /// 2.43 reads the AOC scheme from the payload only, and falls back to `idScheme`,
    /// not to the COC scheme as 2.36–2.42 do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_option_combo_id_scheme: Option<String>,
    pub data_values: &'a [DataValue<'a>],
}

/// Import one payload; the summary of either answer shape.
pub fn import(
    client: &Client,
    payload: &Payload<'_>,
    opts: &ImportOptions,
) -> Result<ImportSummary, RemoteError> {
    post_summary(client, "dataValueSets", &opts.params(), payload)
}

/// POST to an import endpoint and read its summary (either shape; 409 is an answer).
fn post_summary<B: Serialize>(
    client: &Client,
    path: &str,
    query: &[(&str, String)],
    body: &B,
) -> Result<ImportSummary, RemoteError> {
    // Imports and registrations are idempotent: an answer lost or cut off is asked for
    // again by sending the same payload.
    let mut summary = None;
    client.post_with(
        path,
        query,
        body,
        true,
        Repeat::Idempotent,
        &mut |_, answer| {
            summary = Some(parse_summary(answer)?);
            Ok(())
        },
    )?;
    summary.ok_or_else(|| RemoteError::BadResponse {
        url: client.api_url(path).to_string(),
        message: "no answer was read".into(),
    })
}

/// A data set registration (§7.2: note `organisationUnit`, not `orgUnit`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub data_set: String,
    pub period: String,
    pub organisation_unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_option_combo: Option<String>,
    pub completed: bool,
    pub stored_by: String,
}

/// Mark data sets complete; ids are UIDs.
pub fn complete(client: &Client, regs: &[Registration]) -> Result<ImportSummary, RemoteError> {
    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(rename = "completeDataSetRegistrations")]
        registrations: &'a [Registration],
    }
    post_summary(
        client,
        "completeDataSetRegistrations",
        &[("importStrategy", "CREATE_AND_UPDATE".to_string())],
        &Body {
            registrations: regs,
        },
    )
}

/// Send a DHIS2 message to users and user groups.
pub fn send_message(
    client: &Client,
    subject: &str,
    text: &str,
    users: &[String],
    user_groups: &[String],
) -> Result<(), RemoteError> {
    #[derive(Serialize)]
    struct Id<'a> {
        id: &'a str,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Message<'a> {
        subject: &'a str,
        text: &'a str,
        users: Vec<Id<'a>>,
        user_groups: Vec<Id<'a>>,
    }
    let msg = Message {
        subject,
        text,
        users: users.iter().map(|u| Id { id: u }).collect(),
        user_groups: user_groups.iter().map(|g| Id { id: g }).collect(),
    };
    // Sent twice, the message arrives twice.
    client.post_json("messageConversations", &[], &msg, false, Repeat::Unsent)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_params_follow_the_version() {
        let q = ExportQuery {
            dx: vec!["piA".into(), "piB".into()],
            pe: vec!["202401".into()],
            ou: vec!["ouA".into(), "LEVEL-3".into()],
            attribute: Some("vudyDP7jUy5".into()),
            org_unit_scheme: IdScheme::Uid,
        };
        let p41 = q.params(Some(Version::new(2, 41, 0)));
        assert!(p41.contains(&("outputDataItemIdScheme", "ATTRIBUTE:vudyDP7jUy5".into())));
        assert!(p41.contains(&("dimension", "ou:ouA;LEVEL-3".into())));
        let p38 = q.params(Some(Version::new(2, 38, 1)));
        assert!(p38.contains(&("outputIdScheme", "ATTRIBUTE:vudyDP7jUy5".into())));
        assert!(p38.contains(&("outputOrgUnitIdScheme", "UID".into())));
        assert!(!p38.iter().any(|(k, _)| *k == "outputDataItemIdScheme"));
    }
}
