//! The HTTP client: one per instance. Adds auth, timeouts, gzip and retries, and turns
//! every failure into a `RemoteError` that names the URL and says what to do.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{RequestBuilder, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::Auth;
use super::error::RemoteError;
use super::limit::{Limit, Permit};
use super::version::Version;
use crate::model::SystemInfo;

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Whole-request timeout.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Extra attempts after a connection failure, timeout or 5xx on a GET.
    pub retries: u32,
    /// Wait before the first retry; doubled each time.
    pub backoff: Duration,
    /// Requests in flight at once against this instance.
    pub concurrency: usize,
    /// Items per page for metadata lists.
    pub page_size: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(15),
            retries: 3,
            backoff: Duration::from_millis(500),
            concurrency: 4,
            page_size: 1000,
        }
    }
}

pub struct Client {
    base: Url,
    http: reqwest::blocking::Client,
    auth: Auth,
    /// How to set credentials for this side, for help texts.
    auth_hint: String,
    /// Bounds the requests in flight, whatever threads issue them.
    limit: Limit,
    pub opts: ClientOptions,
}

/// A successful response, holding its concurrency permit until the body is read.
pub struct Fetched<'a> {
    pub url: Url,
    pub response: Response,
    _permit: Permit<'a>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("auth", &self.auth)
            .finish()
    }
}

impl Client {
    pub fn new(
        base: Url,
        auth: Auth,
        auth_hint: String,
        opts: ClientOptions,
    ) -> Result<Self, RemoteError> {
        let http = reqwest::blocking::Client::builder()
            .user_agent(concat!("t2a/", env!("CARGO_PKG_VERSION")))
            .gzip(true)
            // A redirect on /api means the login page: report it, do not follow it.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(opts.timeout)
            .connect_timeout(opts.connect_timeout)
            .build()
            .map_err(|e| RemoteError::Unreachable {
                url: base.to_string(),
                reason: format!("cannot set up HTTP: {e}"),
            })?;
        Ok(Client {
            base,
            http,
            auth,
            auth_hint,
            limit: Limit::new(opts.concurrency),
            opts,
        })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// `{base}/api/{path}`.
    pub fn api_url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!(
            "{}/api/{}",
            self.base.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        url.set_path(&joined);
        url
    }

    fn authorize(&self, req: RequestBuilder) -> RequestBuilder {
        match &self.auth {
            Auth::Token(t) => match HeaderValue::from_str(&format!("ApiToken {}", t.expose())) {
                Ok(mut v) => {
                    v.set_sensitive(true);
                    req.header(AUTHORIZATION, v)
                }
                // Not a valid header value: send none; the server answers as unauthenticated.
                Err(_) => req,
            },
            Auth::Basic { username, password } => req.basic_auth(username, Some(password.expose())),
            Auth::None => req,
        }
    }

    /// GET `path` with `query` and parse the JSON body.
    pub fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, RemoteError> {
        let (url, bytes) = self.get_bytes(path, query)?;
        serde_json::from_slice(&bytes).map_err(|e| RemoteError::BadResponse {
            url: url.to_string(),
            message: format!("invalid JSON: {e}"),
        })
    }

    /// GET and read the whole body.
    pub fn get_bytes(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(Url, bytes::Bytes), RemoteError> {
        let f = self.get(path, query)?;
        let bytes = f
            .response
            .bytes()
            .map_err(|e| transport_error(&f.url, &e, self.opts.timeout))?;
        Ok((f.url, bytes))
    }

    /// GET with retries; returns a successful JSON response whose body is still unread.
    pub fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Fetched<'_>, RemoteError> {
        let mut url = self.api_url(path);
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut attempt = 0;
        loop {
            let permit = self.limit.acquire();
            let req = self.authorize(
                self.http
                    .get(url.clone())
                    .header(ACCEPT, "application/json"),
            );
            let outcome = match req.send() {
                Ok(resp) => self.check(&url, resp),
                Err(e) => Err(transport_error(&url, &e, self.opts.timeout)),
            };
            match outcome {
                Ok(response) => {
                    return Ok(Fetched {
                        url,
                        response,
                        _permit: permit,
                    });
                }
                Err(e) if attempt < self.opts.retries && retryable(&e) => {
                    drop(permit);
                    std::thread::sleep(self.opts.backoff * 2u32.saturating_pow(attempt));
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// POST a JSON body. Returns the status and body of a 2xx answer, and of a 409 when
    /// `conflict_is_answer` (imports answer conflicts with 409 on 2.38+); other statuses
    /// become errors. Retried only when the connection could not be made: a POST whose
    /// answer was lost may have been applied.
    pub fn post_json<B: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: &B,
        conflict_is_answer: bool,
    ) -> Result<(StatusCode, bytes::Bytes), RemoteError> {
        let mut url = self.api_url(path);
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let payload = serde_json::to_vec(body).map_err(|e| RemoteError::BadResponse {
            url: url.to_string(),
            message: format!("cannot encode the request: {e}"),
        })?;
        let mut attempt = 0;
        loop {
            let permit = self.limit.acquire();
            let req = self.authorize(
                self.http
                    .post(url.clone())
                    .header(ACCEPT, "application/json")
                    .header(CONTENT_TYPE, "application/json")
                    .body(payload.clone()),
            );
            match req.send() {
                Ok(resp) => {
                    let status = resp.status();
                    let resp = if conflict_is_answer && status == StatusCode::CONFLICT {
                        resp
                    } else {
                        self.check(&url, resp)?
                    };
                    let body = resp
                        .bytes()
                        .map_err(|e| transport_error(&url, &e, self.opts.timeout))?;
                    drop(permit);
                    return Ok((status, body));
                }
                Err(e) if e.is_connect() && attempt < self.opts.retries => {
                    drop(permit);
                    std::thread::sleep(self.opts.backoff * 2u32.saturating_pow(attempt));
                    attempt += 1;
                }
                Err(e) => return Err(transport_error(&url, &e, self.opts.timeout)),
            }
        }
    }

    /// Map a response to success or a `RemoteError`.
    pub fn check(&self, url: &Url, resp: Response) -> Result<Response, RemoteError> {
        let status = resp.status();
        let url_s = url.to_string();
        if status.is_redirection() {
            let to = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            return Err(self.auth_error(
                &url_s,
                format!(
                    "the server redirected to {}",
                    if to.is_empty() { "another page" } else { &to }
                ),
            ));
        }
        if status.is_success() {
            let ctype = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            if ctype.contains("html") {
                return Err(self.auth_error(
                    &url_s,
                    "the server answered with an HTML page, not JSON".into(),
                ));
            }
            return Ok(resp);
        }
        let body = resp.text().unwrap_or_default();
        let message = web_message(&body);
        match status {
            StatusCode::UNAUTHORIZED => Err(self.auth_error(&url_s, format!("the server refused the credentials ({message})"))),
            StatusCode::BAD_REQUEST if message.to_ascii_lowercase().contains("token") => {
                Err(self.auth_error(&url_s, format!("the server refused the token ({message})")))
            }
            StatusCode::FORBIDDEN => Err(RemoteError::Forbidden { url: url_s, message }),
            StatusCode::NOT_FOUND => Err(RemoteError::NotFound { url: url_s }),
            s if s.is_server_error() => Err(RemoteError::Status {
                url: url_s,
                status: s.as_u16(),
                message,
                help: Some("the server failed after retries; try again later, or ask its administrator to look at the server log".into()),
            }),
            s => Err(RemoteError::Status {
                url: url_s,
                status: s.as_u16(),
                message,
                help: None,
            }),
        }
    }

    fn auth_error(&self, url: &str, what: String) -> RemoteError {
        let (reason, help) = match &self.auth {
            Auth::None => (
                format!("no credentials were given and {what}"),
                self.auth_hint.clone(),
            ),
            Auth::Token(_) => (
                format!("{what}; the personal access token was not accepted"),
                format!(
                    "check that the token is valid, not expired and allowed from this address; tokens need DHIS2 2.37+ (on 2.36 use a username and password): {}",
                    self.auth_hint
                ),
            ),
            Auth::Basic { username, .. } => (
                format!("{what}; user `{username}` was not accepted"),
                format!(
                    "check the username and password (and that the account is not locked): {}",
                    self.auth_hint
                ),
            ),
        };
        RemoteError::Auth {
            url: url.to_string(),
            reason,
            help,
        }
    }

    /// `/api/system/info`, and the version it reports.
    pub fn system_info(&self) -> Result<(SystemInfo, Option<Version>), RemoteError> {
        let info: SystemInfo = self.get_json("system/info", &[])?;
        let version = info.version.as_deref().and_then(Version::parse);
        Ok((info, version))
    }
}

fn retryable(e: &RemoteError) -> bool {
    match e {
        RemoteError::Unreachable { .. } | RemoteError::Timeout { .. } => true,
        RemoteError::Status { status, .. } => matches!(status, 500 | 502 | 503 | 504),
        _ => false,
    }
}

fn transport_error(url: &Url, e: &reqwest::Error, timeout: Duration) -> RemoteError {
    if e.is_timeout() {
        return RemoteError::Timeout {
            url: url.to_string(),
            seconds: timeout.as_secs(),
        };
    }
    // The innermost cause says most ("Connection refused", "dns error: …").
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason = s.to_string();
        source = s.source();
    }
    RemoteError::Unreachable {
        url: url.to_string(),
        reason,
    }
}

/// The `message` of a DHIS2 WebMessage body, else a short excerpt of the body.
fn web_message(body: &str) -> String {
    #[derive(serde::Deserialize)]
    struct WebMessage {
        message: Option<String>,
        #[serde(rename = "errorCode")]
        error_code: Option<String>,
    }
    match serde_json::from_str::<WebMessage>(body) {
        Ok(WebMessage {
            message: Some(m),
            error_code,
        }) => match error_code {
            Some(c) => format!("{m} ({c})"),
            None => m,
        },
        _ => {
            let t = body.trim();
            if t.is_empty() {
                "empty response".into()
            } else {
                t.chars().take(200).collect()
            }
        }
    }
}
