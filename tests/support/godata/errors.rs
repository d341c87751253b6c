//! Error bodies as `strong-error-handler` writes them (`godata-api.md` §1.1):
//! `{"error": {statusCode, name, message, code}}` for 4xx, no `name` for 5xx, and any
//! error without a status turned into 500 `INTERNAL_ERROR` carrying the original as
//! JSON in the message and under `details.error`.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::mongo::MongoError;

pub fn json_response(status: u16, body: &Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(serde_json::to_vec(body).expect("json")))
        .expect("response")
}

/// An API error (`code` absent for framework errors such as a bad `limit`).
pub fn error(status: u16, code: Option<&str>, message: &str) -> Response {
    let mut e = Map::new();
    e.insert("statusCode".into(), json!(status));
    if status < 500 {
        e.insert("name".into(), json!("Error"));
    }
    e.insert("message".into(), json!(message));
    if let Some(c) = code {
        e.insert("code".into(), json!(c));
    }
    json_response(status, &json!({ "error": e }))
}

pub fn authorization_required() -> Response {
    error(
        401,
        Some("AUTHORIZATION_REQUIRED"),
        "Authorization Required",
    )
}

pub fn login_failed() -> Response {
    error(401, Some("LOGIN_FAILED"), "login failed")
}

pub fn blocked() -> Response {
    error(
        422,
        Some("ACTION_TEMPORARILY_BLOCKED"),
        "This action has been blocked temporarily",
    )
}

pub fn missing_permission(permission: &str) -> Response {
    error(
        403,
        Some("MISSING_REQUIRED_PERMISSION"),
        &format!(
            "Logged in user must have (at least) one of the following permissions to access this endpoint: {permission}."
        ),
    )
}

pub fn access_denied(reason: &str) -> Response {
    error(
        403,
        Some("ACCESS_DENIED"),
        &format!("Logged in user doesn't have access this endpoint: {reason}."),
    )
}

pub fn validation(details: &str) -> Response {
    error(
        400,
        Some("REQUEST_VALIDATION_ERROR"),
        &format!("Invalid request parameters. Details: {details}"),
    )
}

/// 500 `INTERNAL_ERROR` around an error that had no `statusCode`; `original` is
/// `{code?, message, name}` (serde_json orders keys: code, message, name).
pub fn internal(original: Value) -> Response {
    let body = json!({"error": {
        "statusCode": 500,
        "message": format!("Internal error: `{original}`"),
        "code": "INTERNAL_ERROR",
        "details": {"error": original},
    }});
    json_response(500, &body)
}

/// Express's not-found for a route LoopBack does not know (`urlNotFound`: a `status`
/// but no `statusCode`, hence 500).
pub fn cannot(method: &str, url: &str) -> Response {
    internal(json!({"message": format!("Cannot {method} {url}"), "name": "Error"}))
}

pub fn mongo(e: &MongoError) -> Response {
    match e {
        MongoError::Server(m) => {
            internal(json!({"code": 2, "message": m, "name": "MongoServerError"}))
        }
        MongoError::Unmodelled(m) => unmodelled(m),
    }
}

/// Valid for a real server but not modelled here: a 500 no real error looks like,
/// so a test never passes by leaning on it.
pub fn unmodelled(what: &str) -> Response {
    internal(json!({
        "message": format!("the fake Go.Data does not model {what}"),
        "name": "FakeGoDataUnmodelled",
    }))
}

pub fn not_found(message: &str) -> Response {
    error(404, Some("MODEL_NOT_FOUND"), message)
}
