//! Import answers of `POST /api/dataValueSets` and `/api/completeDataSetRegistrations`:
//! a bare `ImportSummary` (2.36–2.37, always HTTP 200) or one wrapped in a `WebMessage`
//! (2.38+, HTTP 200 or 409). dhis2-api.md §6.5.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct ImportCount {
    #[serde(default)]
    pub imported: u64,
    #[serde(default)]
    pub updated: u64,
    #[serde(default)]
    pub ignored: u64,
    #[serde(default)]
    pub deleted: u64,
}

impl ImportCount {
    pub fn add(&mut self, o: ImportCount) {
        self.imported += o.imported;
        self.updated += o.updated;
        self.ignored += o.ignored;
        self.deleted += o.deleted;
    }
}

/// One conflict. 2.36 gives only `object` and `value`; 2.37+ add `objects`,
/// `errorCode`, `property` and the 0-based `indexes` of the values concerned; 2.43 has
/// no `object`, puts the arguments in `objects.args` (`[a, b]`), and marks a conflict of
/// the whole request with index -1.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    #[serde(default)]
    pub object: Option<String>,
    #[serde(default)]
    pub objects: BTreeMap<String, String>,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub property: Option<String>,
    #[serde(default)]
    pub indexes: Vec<i64>,
}

impl Conflict {
    /// The values (indexes into the payload) the conflict names.
    pub fn values(&self) -> impl Iterator<Item = usize> + '_ {
        self.indexes.iter().filter_map(|&i| usize::try_from(i).ok())
    }

    /// The ids a 2.43 conflict's arguments name (`objects.args`, lists as `[a, b]`).
    pub fn args(&self) -> Vec<&str> {
        self.objects
            .get("args")
            .map(|a| {
                a.split(['[', ']', ',', ' ', '-'])
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    /// `SUCCESS`, `WARNING` or `ERROR`.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub import_count: ImportCount,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// 2.39+.
    #[serde(default)]
    pub rejected_indexes: Vec<usize>,
}

impl ImportSummary {
    /// The import was aborted as a whole (an exception, not a conflict): 2.43 answers
    /// rejected groups with ERROR too, but names them in conflicts.
    pub fn aborted(&self) -> bool {
        self.status == "ERROR" && self.conflicts.is_empty()
    }
}

/// Read an import answer of either shape.
pub fn parse_summary(body: &[u8]) -> Result<ImportSummary, String> {
    #[derive(Deserialize)]
    struct Envelope {
        response: Option<serde_json::Value>,
        #[serde(rename = "responseType")]
        response_type: Option<String>,
        message: Option<String>,
    }
    let env: Envelope = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let no_summary = |message: Option<String>| {
        format!(
            "no import summary in the answer{}",
            message.map(|m| format!(": {m}")).unwrap_or_default()
        )
    };
    let inner = match (env.response, env.response_type) {
        (Some(r), _) => r,
        (None, Some(_)) => {
            serde_json::from_slice(body).map_err(|e| format!("unreadable import summary: {e}"))?
        }
        (None, None) => return Err(no_summary(env.message)),
    };
    // Anything else (another kind of response, an error without a summary) must not
    // pass for a clean import.
    let is_summary = inner.get("responseType").and_then(|t| t.as_str()) == Some("ImportSummary")
        || inner.get("importCount").is_some();
    let has_status = inner
        .get("status")
        .and_then(|s| s.as_str())
        .is_some_and(|s| !s.is_empty());
    if !is_summary || !has_status {
        return Err(no_summary(env.message));
    }
    serde_json::from_value(inner).map_err(|e| format!("unreadable import summary: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_2_36_summary() {
        let s = parse_summary(
            br#"{"responseType":"ImportSummary","status":"WARNING","importCount":{"imported":2,"updated":0,"ignored":1,"deleted":0},
                "conflicts":[{"object":"DE_UNKNOWN","value":"Data element not found or not accessible"}]}"#,
        )
        .unwrap();
        assert_eq!(s.import_count.imported, 2);
        assert_eq!(s.conflicts[0].object.as_deref(), Some("DE_UNKNOWN"));
        assert!(s.conflicts[0].indexes.is_empty());
    }

    #[test]
    fn a_2_43_summary_names_arguments_and_whole_request_conflicts() {
        let s = parse_summary(
            br#"{"responseType":"ImportSummary","status":"ERROR","importCount":{"imported":0,"updated":0,"ignored":0,"deleted":0},
                "conflicts":[{"objects":{"args":"[w40thVa5NzB, w6s7qR7Cck1]"},"value":"Data set detection failed","errorCode":"E8002","indexes":[0,1]},
                             {"objects":{"args":"[]"},"value":"Data element not found","errorCode":"E8103","indexes":[-1]}],
                "rejectedIndexes":[0,1],"dataSetComplete":"false"}"#,
        )
        .unwrap();
        assert_eq!(s.conflicts[0].args(), ["w40thVa5NzB", "w6s7qR7Cck1"]);
        assert_eq!(s.conflicts[0].values().collect::<Vec<_>>(), [0, 1]);
        assert_eq!(s.conflicts[1].values().count(), 0);
        assert!(!s.aborted());
    }

    #[test]
    fn wrapped_2_41_summary() {
        let s = parse_summary(
            br#"{"httpStatus":"Conflict","httpStatusCode":409,"status":"WARNING","message":"One more conflicts encountered, please check import summary.",
                "response":{"responseType":"ImportSummary","status":"WARNING","importCount":{"imported":1,"updated":0,"ignored":1,"deleted":0},
                "conflicts":[{"object":"fbfJHSPpUQD","objects":{"dataElement":"fbfJHSPpUQD"},"value":"Value must match value type","errorCode":"E7619","property":"value","indexes":[1]}],
                "rejectedIndexes":[1]}}"#,
        )
        .unwrap();
        assert_eq!(s.status, "WARNING");
        assert_eq!(s.conflicts[0].indexes, vec![1]);
        assert_eq!(s.conflicts[0].error_code.as_deref(), Some("E7619"));
        assert_eq!(s.rejected_indexes, vec![1]);
    }

    #[test]
    fn android_sdk_example_parses() {
        // Shape of a real answer kept by the DHIS2 Android SDK (shared fixtures).
        let s = parse_summary(
            br#"{"responseType":"ImportSummary","status":"SUCCESS","importOptions":{"idSchemes":{},"dryRun":false},
                "description":"Import process completed successfully","importCount":{"imported":0,"updated":0,"ignored":0,"deleted":0},
                "dataSetComplete":"false"}"#,
        )
        .unwrap();
        assert!(!s.aborted());
    }

    #[test]
    fn other_answers_are_rejected() {
        assert!(
            parse_summary(br#"{"httpStatus":"Forbidden","message":"Access is denied"}"#).is_err()
        );
        assert!(parse_summary(b"<html>").is_err());
        // A 409 with some other response inside is no clean import.
        assert!(parse_summary(br#"{"httpStatus":"Conflict","httpStatusCode":409,"status":"ERROR","message":"x","response":{"responseType":"ErrorReport"}}"#).is_err());
        assert!(parse_summary(br#"{"response":{"responseType":"ImportSummary"}}"#).is_err());
    }
}
