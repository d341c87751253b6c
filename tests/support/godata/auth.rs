//! Logins and tokens (`godata-api.md` §1.2): `POST /api/oauth/token` (bare or, in 2.35,
//! wrapped in `response`), `POST /api/users/login`, the brute-force lock shared by
//! both, 2FA answers, where a request's token is looked for (LoopBack's
//! `getIdForRequest`: `access_token` in the body, then the query, then `X-Access-Token`,
//! then `Authorization` raw or `Bearer `), and the sliding 600 s lifetime.

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::dates::format_ms;
use super::errors;
use super::store::{LOCK_MS, MAX_RETRIES, Store, TOKEN_TTL_S};

/// Where a request's token was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFrom {
    Body,
    Query,
    XAccessToken,
    /// The header holding the bare token.
    Authorization,
    AuthorizationBearer,
}

/// The first `access_token` LoopBack finds; an empty one still wins (and fails).
pub fn find_token(
    body: &Value,
    query: &[(String, String)],
    headers: &HeaderMap,
) -> Option<(TokenFrom, String)> {
    if let Some(t) = body.get("access_token").and_then(Value::as_str) {
        return Some((TokenFrom::Body, t.to_string()));
    }
    if let Some((_, t)) = query.iter().find(|(k, _)| k == "access_token") {
        return Some((TokenFrom::Query, t.clone()));
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(t) = header("x-access-token") {
        return Some((TokenFrom::XAccessToken, t.to_string()));
    }
    if let Some(t) = header("authorization") {
        // Case-sensitive, and not base64 in LoopBack 3.
        return Some(match t.strip_prefix("Bearer ") {
            Some(rest) => (TokenFrom::AuthorizationBearer, rest.to_string()),
            None => (TokenFrom::Authorization, t.to_string()),
        });
    }
    None
}

/// The user of a valid token. An expired token is destroyed; a use more than 50 s
/// after `created` renews it (at most every 30 s per user).
pub fn validate(s: &mut Store, token: &str) -> Option<usize> {
    if token.is_empty() {
        return None;
    }
    let now = s.now_ms;
    let i = s.tokens.iter().position(|t| t.id == token)?;
    let t = &s.tokens[i];
    if t.disabled {
        return None;
    }
    if now - t.created_ms >= t.ttl_s * 1000 {
        s.tokens.remove(i);
        return None;
    }
    let user = t.user;
    if now - t.created_ms > 50_000 && now - s.users[user].last_renewal_ms >= 30_000 {
        s.tokens[i].created_ms = now;
        s.users[user].last_renewal_ms = now;
    }
    Some(user)
}

enum Checked {
    /// The account and password are right.
    Ok(usize),
    Refused(Response),
}

/// The shared part of both logins: lock, password, retry count.
fn check_password(s: &mut Store, email: &str, password: Option<&str>) -> Checked {
    let Some(u) = s.user_by_email(email) else {
        return Checked::Refused(errors::login_failed());
    };
    let now = s.now_ms;
    let st = &mut s.users[u];
    if st.failures >= MAX_RETRIES {
        if now < st.last_failure_ms + LOCK_MS {
            return Checked::Refused(errors::blocked());
        }
        st.failures = 0;
    }
    if password != Some(st.user.password.as_str()) {
        st.failures += 1;
        st.last_failure_ms = now;
        return Checked::Refused(errors::login_failed());
    }
    st.failures = 0;
    Checked::Ok(u)
}

/// `POST /api/oauth/token` `{username, password}`.
pub fn oauth_token(s: &mut Store, body: &Value) -> Response {
    let field = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(username) = field("username") else {
        return errors::validation("Missing required parameter: username");
    };
    let Some(password) = field("password") else {
        return errors::validation("Missing required parameter: password");
    };
    let u = match check_password(s, username, Some(password)) {
        Checked::Ok(u) => u,
        Checked::Refused(r) => return r,
    };
    if s.two_factor.oauth && s.version.has_two_factor() {
        s.new_token(u, true);
        return errors::json_response(200, &json!({"twoFA": true}));
    }
    let id = s.new_token(u, false);
    let answer = json!({"token_type": "bearer", "expires_in": TOKEN_TTL_S, "access_token": id});
    if s.version.wraps_oauth() {
        errors::json_response(200, &json!({ "response": answer }))
    } else {
        errors::json_response(200, &answer)
    }
}

/// `POST /api/users/login` `{email, password}`: the AccessToken instance.
pub fn users_login(s: &mut Store, body: &Value) -> Response {
    let Some(email) = body
        .get("email")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
    else {
        return errors::error(
            400,
            Some("USERNAME_EMAIL_REQUIRED"),
            "username or email is required",
        );
    };
    let password = body.get("password").and_then(Value::as_str);
    let u = match check_password(s, email, password) {
        Checked::Ok(u) => u,
        Checked::Refused(r) => return r,
    };
    if s.two_factor.login && s.version.has_two_factor() {
        s.new_token(u, true);
        return errors::json_response(200, &json!({"twoFA": true}));
    }
    let id = s.new_token(u, false);
    errors::json_response(
        200,
        &json!({
            "id": id,
            "ttl": TOKEN_TTL_S,
            "created": format_ms(s.now_ms),
            "userId": s.users[u].user.id,
        }),
    )
}
