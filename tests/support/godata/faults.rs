//! Faults the fake plays on chosen requests (`godata-api.md` §1.12 F12): error
//! statuses, broken connections, slow answers, and changes that happen *between*
//! pages (records inserted or soft-deleted, the token expiring or revoked by another
//! login) — applied just before the matching request is answered.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::errors;

#[derive(Debug, Clone)]
pub enum FaultKind {
    /// Answer this status instead: 500 as Go.Data's `INTERNAL_ERROR` of a lost
    /// database connection, 502–504 as a proxy's HTML page, others as an API error.
    Status(u16),
    /// Headers, then the connection breaks before any byte of the body.
    Reset,
    /// Half the body, then the connection breaks.
    CutOff,
    /// Answer after this real delay (for client timeouts; use `Advance` for the clock).
    Slow(Duration),
    /// The fake clock jumps this many seconds before the answer.
    Advance(i64),
    /// A case is added before the answer.
    InsertCase(Value),
    /// A case is soft-deleted before the answer.
    SoftDeleteCase(String),
    /// The request's token expires (the clock jumps past its 600 s) first.
    ExpireToken,
    /// The request's user logs in elsewhere first, which deletes its token.
    RevokeToken,
}

impl FaultKind {
    /// A short name for the request log (never the inserted record).
    pub fn name(&self) -> String {
        match self {
            FaultKind::Status(c) => format!("Status({c})"),
            FaultKind::Reset => "Reset".into(),
            FaultKind::CutOff => "CutOff".into(),
            FaultKind::Slow(d) => format!("Slow({d:?})"),
            FaultKind::Advance(s) => format!("Advance({s})"),
            FaultKind::InsertCase(_) => "InsertCase".into(),
            FaultKind::SoftDeleteCase(_) => "SoftDeleteCase".into(),
            FaultKind::ExpireToken => "ExpireToken".into(),
            FaultKind::RevokeToken => "RevokeToken".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Fault {
    /// A part of the path; a trailing `$` anchors it at the end (`"/cases$"`: the
    /// pages, not the counts).
    pub path: String,
    pub kind: FaultKind,
    pub skip: u32,
    pub times: u32,
}

impl Fault {
    pub fn matches(&self, path: &str) -> bool {
        match self.path.strip_suffix('$') {
            Some(end) => path.ends_with(end),
            None => path.contains(&self.path),
        }
    }
}

/// The fault to play on this request, if any (the first matching one with plays left).
pub fn take(faults: &mut [Fault], path: &str) -> Option<FaultKind> {
    let f = faults.iter_mut().find(|f| f.times > 0 && f.matches(path))?;
    if f.skip > 0 {
        f.skip -= 1;
        return None;
    }
    f.times -= 1;
    Some(f.kind.clone())
}

/// The answer of a `Status` fault.
pub fn status(code: u16) -> Response {
    match code {
        500 => errors::internal(json!({
            "message": "connection 3 to mongodb:27017 closed",
            "name": "MongoNetworkError",
        })),
        502..=504 => {
            let s = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY);
            let title = format!("{} {}", code, s.canonical_reason().unwrap_or(""));
            Response::builder()
                .status(s)
                .header(header::CONTENT_TYPE, "text/html")
                .body(Body::from(format!(
                    "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
                )))
                .expect("response")
        }
        _ => errors::error(
            code,
            None,
            StatusCode::from_u16(code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error"),
        ),
    }
}

/// The answer with its body cut: nothing (`Reset`) or half (`CutOff`), then a reset.
pub async fn cut(answer: Response, keep_half: bool) -> Response {
    let (mut parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let kept = if keep_half {
        bytes.slice(..bytes.len() / 2)
    } else {
        Bytes::new()
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let stream = futures_util::stream::iter([
        Ok(kept),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset by peer",
        )),
    ]);
    Response::from_parts(parts, Body::from_stream(stream))
}
