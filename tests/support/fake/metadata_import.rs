//! `POST /api/metadata` with `importStrategy=UPDATE`: each object replaces the one of
//! its id (an unknown id is error E5001, and with `atomicMode=ALL` nothing is written,
//! every count `ignored`); `importMode=VALIDATE` checks only. `dryRun` is read by no
//! version (2.36-2.43 `DefaultMetadataImportService.getParamsFromMap`): it imports.
//! Up to 2.37 the ImportReport is bare and HTTP 200 even with errors; from 2.38 it is
//! the `response` of a WebMessage, 409 with WebMessage status WARNING on errors.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Shared, Version, json_response, param};

pub fn import(s: &Shared, params: &[(String, String)], body: &[u8]) -> Response {
    let validate = param(params, "importMode") == Some("VALIDATE");
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
                            "errorReports": [{"message": format!("No matching object for reference. Identifier was UID, and object was PI [{id}] (ProgramIndicator)."),
                                "mainKlass": klass, "mainId": id, "errorCode": "E5001", "errorProperty": "id",
                                "errorProperties": ["UID", format!("PI [{id}] (ProgramIndicator)")]}]}));
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
    if s.version < Version::V238 {
        return json_response(StatusCode::OK, &report);
    }
    let status = if failed {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    json_response(
        status,
        &json!({
            "httpStatus": if failed { "Conflict" } else { "OK" },
            "httpStatusCode": status.as_u16(),
            "status": if failed { "WARNING" } else { "OK" },
            "message": if failed { "One or more errors occurred, please see full details in import report." } else { "Import was successful." },
            "response": report,
        }),
    )
}
