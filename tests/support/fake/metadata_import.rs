//! `POST /api/metadata` with `importStrategy=UPDATE`: each object replaces the one of
//! its id (an unknown id is an error report, and with `atomicMode=ALL` nothing is
//! written); `importMode=VALIDATE` (or `dryRun=true`) checks only. The ImportReport is
//! bare up to 2.37 and the `response` of a WebMessage from 2.38; errors answer 409.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Shared, Version, json_response, param};

pub fn import(s: &Shared, params: &[(String, String)], body: &[u8]) -> Response {
    let validate =
        param(params, "importMode") == Some("VALIDATE") || param(params, "dryRun") == Some("true");
    let doc: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"status": "ERROR", "message": e.to_string()}),
            );
        }
    };
    let mut store = s.store.write().expect("store");
    let mut type_reports = Vec::new();
    let (mut updated, mut ignored) = (0u64, 0u64);
    let mut replace: Vec<(String, usize, Value)> = Vec::new();
    if let Some(map) = doc.as_object() {
        for (collection, objects) in map {
            let klass = match collection.as_str() {
                "programIndicators" => "org.hisp.dhis.program.ProgramIndicator",
                _ => "org.hisp.dhis.common.IdentifiableObject",
            };
            let mut reports = Vec::new();
            for (index, o) in objects.as_array().into_iter().flatten().enumerate() {
                let id = o["id"].as_str().unwrap_or("").to_string();
                let at = store
                    .collections
                    .get(collection)
                    .and_then(|items| items.iter().position(|x| x["id"] == o["id"]));
                match at {
                    Some(i) => {
                        updated += 1;
                        replace.push((collection.clone(), i, o.clone()));
                    }
                    None => {
                        ignored += 1;
                        reports.push(json!({"klass": klass, "index": index, "uid": id,
                            "errorReports": [{"message": format!("Object `{id}` does not exist and cannot be updated"), "mainKlass": klass, "errorCode": "E5001", "errorProperties": [id]}]}));
                    }
                }
            }
            type_reports.push(json!({"klass": klass, "stats": {"created": 0, "updated": updated, "deleted": 0, "ignored": ignored, "total": updated + ignored}, "objectReports": reports}));
        }
    }
    let failed = ignored > 0;
    if !failed && !validate {
        for (collection, i, o) in replace {
            if let Some(items) = store.collections.get_mut(&collection) {
                items[i] = o;
            }
        }
    }
    let (updated, ignored) = if failed {
        (0, updated + ignored)
    } else {
        (updated, 0)
    };
    let report = json!({
        "responseType": "ImportReport",
        "status": if failed { "ERROR" } else { "OK" },
        "stats": {"created": 0, "updated": updated, "deleted": 0, "ignored": ignored, "total": updated + ignored},
        "typeReports": type_reports,
    });
    let status = if failed {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    if s.version < Version::V238 {
        return json_response(status, &report);
    }
    json_response(
        status,
        &json!({
            "httpStatus": if failed { "Conflict" } else { "OK" },
            "httpStatusCode": status.as_u16(),
            "status": if failed { "ERROR" } else { "OK" },
            "message": if failed { "One or more errors occurred, please see full details in import report." } else { "Import was successful." },
            "response": report,
        }),
    )
}
