//! `POST /api/metadata`: writing changed program indicators back to the source, a
//! validation run (`importMode=VALIDATE`; `dryRun` is read by no version 2.36-2.43 and
//! would import) first. The answer is an ImportReport, bare and HTTP 200 even with
//! errors up to 2.37, the `response` of a WebMessage from 2.38 (409 on errors): the
//! report's own `status` decides. Strategy UPDATE replaces whole objects, so what is
//! sent are full objects (`fields=:owner`).

use serde::Deserialize;
use serde_json::Value;

use super::client::Client;
use super::error::RemoteError;
use super::retry::Repeat;

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
pub struct Stats {
    #[serde(default)]
    pub created: u64,
    #[serde(default)]
    pub updated: u64,
    #[serde(default)]
    pub deleted: u64,
    #[serde(default)]
    pub ignored: u64,
    #[serde(default)]
    pub total: u64,
}

/// What an import reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// OK, WARNING or ERROR.
    pub status: String,
    pub stats: Stats,
    /// Each error report as one line (object, code, message).
    pub errors: Vec<String>,
}

fn error_lines(report: &Value) -> Vec<String> {
    // `typeReports` is a list (the JSON of `typeReportMap`).
    let types: Vec<&Value> = match &report["typeReports"] {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => o.values().collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for t in types {
        for o in t["objectReports"].as_array().into_iter().flatten() {
            for e in o["errorReports"].as_array().into_iter().flatten() {
                out.push(format!(
                    "{} {}: {} {}",
                    o["klass"]
                        .as_str()
                        .unwrap_or("")
                        .rsplit('.')
                        .next()
                        .unwrap_or(""),
                    o["uid"].as_str().unwrap_or(""),
                    e["errorCode"].as_str().unwrap_or(""),
                    e["message"].as_str().unwrap_or("")
                ));
            }
        }
    }
    out
}

/// Read an import answer of either shape.
pub fn parse(body: &[u8]) -> Result<Report, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let report = match v.get("response") {
        Some(r) if r.is_object() => r,
        _ => &v,
    };
    let status = report["status"]
        .as_str()
        .ok_or("no import report in the answer")?
        .to_string();
    let stats = serde_json::from_value(report["stats"].clone()).unwrap_or_default();
    Ok(Report {
        status,
        stats,
        errors: error_lines(report),
    })
}

/// Import `doc` with strategy UPDATE, all or nothing; `validate` only checks it.
pub fn import(client: &Client, doc: &Value, validate: bool) -> Result<Report, RemoteError> {
    let mode = if validate { "VALIDATE" } else { "COMMIT" };
    let query = [
        ("importStrategy", "UPDATE".to_string()),
        ("atomicMode", "ALL".to_string()),
        ("importMode", mode.to_string()),
    ];
    let mut out = None;
    // Updating the same objects to the same state twice changes nothing.
    client.post_with(
        "metadata",
        &query,
        doc,
        true,
        Repeat::Idempotent,
        &mut |_, body| {
            out = Some(parse(body)?);
            Ok(())
        },
    )?;
    Ok(out.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_read_with_their_errors() {
        let bare = br#"{"status":"OK","stats":{"created":0,"updated":2,"deleted":0,"ignored":0,"total":2},"typeReports":[]}"#;
        let r = parse(bare).expect("bare");
        assert_eq!((r.status.as_str(), r.stats.updated), ("OK", 2));
        let wrapped = br#"{"httpStatus":"Conflict","httpStatusCode":409,"status":"ERROR","message":"One or more errors occurred, please see full details in import report.",
            "response":{"responseType":"ImportReport","status":"ERROR","stats":{"created":0,"updated":0,"deleted":0,"ignored":1,"total":1},
            "typeReports":[{"klass":"org.hisp.dhis.program.ProgramIndicator","stats":{"ignored":1},
              "objectReports":[{"klass":"org.hisp.dhis.program.ProgramIndicator","index":0,"uid":"abc",
                "errorReports":[{"message":"Invalid reference","mainKlass":"org.hisp.dhis.program.ProgramIndicator","errorCode":"E5002"}]}]}]}}"#;
        let r = parse(wrapped).expect("wrapped");
        assert_eq!(r.status, "ERROR");
        assert_eq!(r.errors, ["ProgramIndicator abc: E5002 Invalid reference"]);
        assert!(parse(br#"{"httpStatus":"OK"}"#).is_err());
    }
}
