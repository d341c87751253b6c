//! A Go.Data API client (`godata-api.md` §1): one login per run (`/api/oauth/token` in
//! either response shape, or `/api/users/login`), the token in an `Authorization:
//! Bearer` header (never in a URL), GET only after the login, one re-login on a 401,
//! and a refused login never retried (ten failures lock the account for 30 minutes).
//! Cases are paged with `order ["id ASC"]` and projected `fields`, and checked
//! against `filtered-count` before and after the read.

use std::sync::Mutex;
use std::time::Duration;

use rustc_hash::FxHashSet;
use serde_json::{Value, json};

use super::GoDataMeta;
use super::model::{Case, Location, Outbreak, ReferenceItem};
use crate::config::records::{GoDataAuth, GoDataLocation, GoDataSource, OutbreakRef};
use crate::dhis2::RemoteError;
use crate::dhis2::auth::Secret;
use crate::dhis2::error::body_start;
use crate::error::Error;

/// A logged-in Go.Data client.
pub struct GoDataClient {
    base: url::Url,
    http: reqwest::blocking::Client,
    auth: GoDataAuth,
    username: String,
    password: Secret,
    token: Mutex<Secret>,
    /// Whether the one re-login of the run was spent.
    relogged: Mutex<bool>,
    retries: u32,
    pub outbreak_id: Mutex<Option<String>>,
    page_size: u64,
}

impl std::fmt::Debug for GoDataClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GoDataClient({})", self.base)
    }
}

/// How a read of the cases went: the counts before and after, the records read and
/// the ids seen twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadCheck {
    pub before: u64,
    pub after: u64,
    pub read: u64,
    pub repeated: Vec<String>,
    pub requests: u64,
    pub bytes: u64,
}

impl ReadCheck {
    pub fn consistent(&self) -> bool {
        self.before == self.after && self.after == self.read && self.repeated.is_empty()
    }
}

/// What a case read asks the server for.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub r#where: Value,
    /// Top-level properties to return (`id` always).
    pub fields: Vec<&'static str>,
}

fn credentials(g: &GoDataSource) -> Result<(String, Secret, GoDataAuth), Error> {
    let GoDataLocation::Url {
        username_env,
        password_env,
        auth,
        ..
    } = &g.location
    else {
        return Err(Error::usage("not a Go.Data instance", None));
    };
    let user_var = username_env
        .clone()
        .unwrap_or_else(|| "T2A_SOURCE_USERNAME".into());
    let pass_var = password_env
        .clone()
        .unwrap_or_else(|| "T2A_SOURCE_PASSWORD".into());
    let get = |v: &str| std::env::var(v).ok().filter(|s| !s.is_empty());
    match (get(&user_var), get(&pass_var)) {
        (Some(u), Some(p)) => Ok((u, Secret::new(p), *auth)),
        _ => Err(Error::usage(
            format!("no Go.Data credentials: set {user_var} (the account's e-mail) and {pass_var}"),
            Some("use an account that can read the outbreak's cases; the password never goes into the config".to_string()),
        )),
    }
}

/// The `error.message` of a Go.Data error body, else its first bytes.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            let e = v.get("error")?;
            let msg = e.get("message")?.as_str()?.to_string();
            Some(match e.get("code").and_then(Value::as_str) {
                Some(code) => format!("{msg} ({code})"),
                None => msg,
            })
        })
        .unwrap_or_else(|| body_start(body))
}

impl GoDataClient {
    /// Log in once with the credentials of the environment (`T2A_SOURCE_USERNAME` /
    /// `T2A_SOURCE_PASSWORD`, or the variables the source names).
    pub fn login(g: &GoDataSource) -> Result<GoDataClient, Error> {
        let (username, password, _) = credentials(g)?;
        Self::login_with(g, username, password)
    }

    /// Log in once; a refused login is an authentication failure, never retried.
    pub fn login_with(
        g: &GoDataSource,
        username: String,
        password: Secret,
    ) -> Result<GoDataClient, Error> {
        let GoDataLocation::Url {
            url,
            allow_insecure_http,
            timeout,
            retries,
            ..
        } = &g.location
        else {
            return Err(Error::usage("not a Go.Data instance", None));
        };
        crate::input::refuse_insecure(
            crate::dhis2::Side::Source,
            &url.value,
            *allow_insecure_http,
        )?;
        let auth = match &g.location {
            GoDataLocation::Url { auth, .. } => *auth,
            GoDataLocation::Export { .. } => GoDataAuth::OAuth,
        };
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(timeout.unwrap_or(120)))
            .user_agent(concat!("t2a/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::usage(format!("cannot start an HTTP client: {e}"), None))?;
        let mut base = url.value.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let client = GoDataClient {
            base,
            http,
            auth,
            username,
            password,
            token: Mutex::new(Secret::new("")),
            relogged: Mutex::new(false),
            retries: retries.map_or(2, |r| r as u32),
            outbreak_id: Mutex::new(g.outbreak_id().map(str::to_string)),
            page_size: g.page_size,
        };
        let token = client.new_token()?;
        *client.lock_token() = token;
        Ok(client)
    }

    fn lock_token(&self) -> std::sync::MutexGuard<'_, Secret> {
        self.token.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn url(&self, path: &str) -> String {
        self.base
            .join(path)
            .map_or_else(|_| format!("{}{path}", self.base), |u| u.to_string())
    }

    fn new_token(&self) -> Result<Secret, Error> {
        let (path, body) = match self.auth {
            GoDataAuth::OAuth => (
                "api/oauth/token",
                json!({"username": self.username, "password": self.password.expose()}),
            ),
            GoDataAuth::Login => (
                "api/users/login",
                json!({"email": self.username, "password": self.password.expose()}),
            ),
        };
        let url = self.url(path);
        let resp = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .map_err(|e| transport_error(&url, &e))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().map_err(|e| transport_error(&url, &e))?;
        let auth_failed = |reason: String, help: &str| -> Error {
            RemoteError::Auth {
                url: url.clone(),
                reason,
                help: help.to_string(),
            }
            .into()
        };
        match status {
            200 => {}
            401 => {
                return Err(auth_failed(
                    error_message(&bytes),
                    "check the e-mail and password of the Go.Data account; t2a does not retry a refused login (ten failures lock the account for 30 minutes)",
                ));
            }
            422 => {
                return Err(auth_failed(
                    error_message(&bytes),
                    "the account is locked after repeated failed logins; wait 30 minutes, then check the password before the next run",
                ));
            }
            400 => {
                return Err(auth_failed(
                    error_message(&bytes),
                    "the login request was refused as incomplete: check the username variable holds the account's e-mail",
                ));
            }
            _ => {
                return Err(RemoteError::Status {
                    url,
                    status,
                    message: error_message(&bytes),
                    help: Some("the login failed on the server; t2a does not retry logins".into()),
                }
                .into());
            }
        }
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| RemoteError::BadResponse {
            url: url.clone(),
            message: format!("the login answered {}", body_start(&bytes)),
        })?;
        if v.get("twoFA").and_then(Value::as_bool) == Some(true) {
            return Err(auth_failed(
                "the account has two-factor authentication: the login answered {\"twoFA\": true} and no token".into(),
                "use an API account without two-factor authentication for unattended reads",
            ));
        }
        // 2.36+ answers the token at the top; 2.35 wraps it in `response`; the
        // users/login route answers the access token object, whose id is the token.
        let token = v
            .get("access_token")
            .or_else(|| v.get("response").and_then(|r| r.get("access_token")))
            .or_else(|| {
                if self.auth == GoDataAuth::Login {
                    v.get("id")
                } else {
                    None
                }
            })
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty());
        match token {
            Some(t) => Ok(Secret::new(t)),
            None => Err(RemoteError::BadResponse {
                url,
                message: "the login answered no token".into(),
            }
            .into()),
        }
    }

    /// GET a path with a JSON `filter`; one re-login on a 401 for the whole run, a few
    /// retries on a connection failure or a gateway error.
    pub fn get(
        &self,
        path: &str,
        params: &[(&str, String)],
        check: &mut ReadCheck,
    ) -> Result<Vec<u8>, Error> {
        let url = self.url(path);
        let mut attempt = 0u32;
        let mut relogin_done_here = false;
        loop {
            attempt += 1;
            let token = self.lock_token().clone();
            let sent = self
                .http
                .get(&url)
                .query(params)
                .header("Authorization", format!("Bearer {}", token.expose()))
                .send();
            let resp = match sent {
                Ok(r) => r,
                Err(e) if attempt <= self.retries => {
                    std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
                    let _ = e;
                    continue;
                }
                Err(e) => return Err(transport_error(&url, &e).into()),
            };
            let status = resp.status().as_u16();
            let body = match resp.bytes() {
                Ok(b) => b,
                Err(_) if attempt <= self.retries => continue,
                Err(e) => return Err(transport_error(&url, &e).into()),
            };
            check.requests += 1;
            check.bytes += body.len() as u64;
            match status {
                200 => return Ok(body.to_vec()),
                401 if !relogin_done_here => {
                    relogin_done_here = true;
                    self.relogin(&token)?;
                    continue;
                }
                401 => {
                    return Err(RemoteError::Auth {
                        url,
                        reason: error_message(&body),
                        help: "the token was refused again after a new login: another session with the same account (a person in the web app, a second run) ends this one; use an account of its own for t2a".into(),
                    }
                    .into());
                }
                403 => {
                    return Err(RemoteError::Forbidden {
                        url,
                        message: error_message(&body),
                    }
                    .into());
                }
                404 => {
                    return Err(RemoteError::Status {
                        url,
                        status,
                        message: error_message(&body),
                        help: Some("check the outbreak id in `[source] outbreak`".into()),
                    }
                    .into());
                }
                500 | 502 | 503 | 504 if attempt <= self.retries => {
                    std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
                    continue;
                }
                _ => {
                    return Err(RemoteError::Status {
                        url,
                        status,
                        message: error_message(&body),
                        help: None,
                    }
                    .after(attempt, Duration::ZERO)
                    .into());
                }
            }
        }
    }

    /// One new login for the run, shared by every request that saw the old token fail.
    fn relogin(&self, failed: &Secret) -> Result<(), Error> {
        let mut done = self.relogged.lock().unwrap_or_else(|p| p.into_inner());
        let mut token = self.lock_token();
        if *token != *failed {
            // Another request logged in already.
            return Ok(());
        }
        if *done {
            return Err(RemoteError::Auth {
                url: self.url("api"),
                reason: "the token was refused a second time in this run".into(),
                help: "another session with the same account ends this one's token; give t2a an account of its own".into(),
            }
            .into());
        }
        *done = true;
        *token = self.new_token()?;
        Ok(())
    }

    fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        filter: &Value,
    ) -> Result<T, Error> {
        let mut check = ReadCheck::default();
        let body = self.get(path, &[("filter", filter.to_string())], &mut check)?;
        serde_json::from_slice(&body).map_err(|e| {
            RemoteError::BadResponse {
                url: self.url(path),
                message: format!("not the expected JSON: {e}"),
            }
            .into()
        })
    }

    /// The outbreak, its reference data and the locations.
    pub fn metadata(&self, g: &GoDataSource) -> Result<GoDataMeta, Error> {
        let fields = json!({"id": true, "name": true, "startDate": true, "endDate": true, "locationIds": true,
            "reportingGeographicalLevelId": true, "applyGeographicRestrictions": true, "allowedRefDataItems": true,
            "caseInvestigationTemplate": true, "deleted": true});
        let mut meta = GoDataMeta::default();
        let outbreak: Option<Outbreak> = match &g.outbreak {
            Some(OutbreakRef::Id(id)) => {
                match self.get_json::<Outbreak>(
                    &format!("api/outbreaks/{}", id.value),
                    &json!({"fields": fields}),
                ) {
                    Ok(o) => Some(o),
                    Err(Error::Remote(e))
                        if matches!(
                            *e,
                            RemoteError::Forbidden { .. } | RemoteError::Status { status: 404, .. }
                        ) =>
                    {
                        meta.outbreak_problem = Some(e.to_string());
                        None
                    }
                    Err(e) => return Err(e),
                }
            }
            Some(OutbreakRef::Name(name)) => {
                let found: Vec<Outbreak> = self.get_json(
                    "api/outbreaks",
                    &json!({"where": {"name": name.value}, "fields": fields}),
                )?;
                match found.len() {
                    1 => found.into_iter().next(),
                    0 => {
                        meta.outbreak_problem = Some(format!(
                            "no outbreak visible to this account is named \"{}\"",
                            name.value
                        ));
                        None
                    }
                    n => {
                        meta.outbreak_problem =
                            Some(format!("{n} outbreaks are named \"{}\"", name.value));
                        None
                    }
                }
            }
            None => None,
        };
        if let Some(o) = &outbreak {
            *self.outbreak_id.lock().unwrap_or_else(|p| p.into_inner()) = Some(o.id.clone());
        }
        let reference: Vec<ReferenceItem> = self.get_json(
            "api/reference-data",
            &json!({"fields": {"id": true, "categoryId": true, "code": true, "active": true, "outbreakId": true, "deleted": true}}),
        )?;
        let oid = outbreak.as_ref().map(|o| o.id.clone());
        meta.reference = reference
            .into_iter()
            .filter(|r| r.deleted != Some(true))
            .filter(|r| r.outbreak_id.is_none() || r.outbreak_id == oid)
            .collect();
        meta.reference_read = true;
        let locations: Vec<Location> = self.get_json(
            "api/locations",
            &json!({"fields": {"id": true, "name": true, "identifiers": true, "active": true, "parentLocationId": true, "geographicalLevelId": true, "deleted": true}}),
        )?;
        meta.locations = locations;
        meta.outbreak = outbreak;
        Ok(meta)
    }

    fn count(
        &self,
        outbreak: &str,
        filter: &CaseFilter,
        check: &mut ReadCheck,
    ) -> Result<u64, Error> {
        let path = format!("api/outbreaks/{outbreak}/cases/filtered-count");
        let body = self.get(
            &path,
            &[("filter", json!({"where": filter.r#where}).to_string())],
            check,
        )?;
        serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("count")?.as_u64())
            .ok_or_else(|| {
                RemoteError::BadResponse {
                    url: self.url(&path),
                    message: format!("filtered-count answered {}", body_start(&body)),
                }
                .into()
            })
    }

    /// Every case the filter admits, page by page, with the counts around the read.
    pub fn read_cases(
        &self,
        filter: &CaseFilter,
        each: &mut dyn FnMut(&Case),
    ) -> Result<ReadCheck, Error> {
        let outbreak = self
            .outbreak_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Error::usage("no outbreak to read cases from", None))?;
        let mut check = ReadCheck::default();
        check.before = self.count(&outbreak, filter, &mut check)?;
        let mut seen: FxHashSet<String> = FxHashSet::default();
        let path = format!("api/outbreaks/{outbreak}/cases");
        let mut fields: Vec<&str> = vec!["id"];
        fields.extend(filter.fields.iter().copied());
        // Pages by key, not by offset: each page starts after the last id read, so a
        // case deleted behind the cursor cannot shift a later one out of the read.
        let mut last: Option<String> = None;
        let mut total = 0u64;
        loop {
            let r#where = match &last {
                None => filter.r#where.clone(),
                Some(id) => json!({"and": [filter.r#where, {"id": {"gt": id}}]}),
            };
            let f = json!({"where": r#where, "fields": fields, "order": ["id ASC"], "limit": self.page_size});
            let body = self.get(&path, &[("filter", f.to_string())], &mut check)?;
            let page: Vec<Case> =
                serde_json::from_slice(&body).map_err(|e| RemoteError::BadResponse {
                    url: self.url(&path),
                    message: format!("not a list of cases: {e}"),
                })?;
            let n = page.len() as u64;
            if let Some(id) = page.last().and_then(|c| c.id.clone()) {
                last = Some(id);
            }
            for c in &page {
                if let Some(id) = &c.id
                    && !seen.insert(id.clone())
                {
                    check.repeated.push(id.clone());
                    continue;
                }
                check.read += 1;
                each(c);
            }
            total += n;
            // A short page is the last; so is reaching the count asked before (cases
            // added since then show in the count after, and the read is made again).
            if n < self.page_size || total >= check.before || last.is_none() {
                break;
            }
        }
        check.after = self.count(&outbreak, filter, &mut check)?;
        Ok(check)
    }
}

fn transport_error(url: &str, e: &reqwest::Error) -> RemoteError {
    if e.is_timeout() {
        return RemoteError::Timeout {
            url: url.to_string(),
            seconds: 0,
            note: String::new(),
        };
    }
    RemoteError::Unreachable {
        url: url.to_string(),
        reason: e.to_string(),
        sent: !e.is_connect(),
    }
}
