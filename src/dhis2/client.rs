//! The HTTP client: one per instance. Adds auth, timeouts, gzip and retries, and turns
//! every failure into a `RemoteError` that names the URL and says what to do.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{RequestBuilder, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::Auth;
use super::error::{RemoteError, body_start};
use super::limit::{Limit, Permit};
use super::retry::{self, Policy, Repeat, Retries, RetryLog};
use super::version::Version;
use crate::model::SystemInfo;

/// Reads an answer's status and body; an `Err` says why the answer does not read.
pub type ReadAnswer<'a> = dyn FnMut(StatusCode, &[u8]) -> Result<(), String> + 'a;

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Whole-request timeout.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// When and how a failed request is tried again.
    pub retry: Policy,
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
            retry: Policy::default(),
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
    retries: Retries,
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
                sent: false,
            })?;
        Ok(Client {
            base,
            http,
            auth,
            auth_hint,
            limit: Limit::new(opts.concurrency),
            opts,
            retries: Retries::default(),
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

    /// The retries this client made so far.
    pub fn retries(&self) -> RetryLog {
        self.retries.snapshot()
    }

    fn url_with(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.api_url(path);
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    /// GET `path` with `query` and parse the JSON body.
    pub fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, RemoteError> {
        let mut out = None;
        self.get_with(path, query, &mut |body| {
            out = Some(serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?);
            Ok(())
        })?;
        out.ok_or_else(|| RemoteError::BadResponse {
            url: self.url_with(path, query).to_string(),
            message: "no body was read".into(),
        })
    }

    /// GET and keep the whole body (unparsed: a cut-off body is the caller's to find).
    pub fn get_bytes(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(Url, bytes::Bytes), RemoteError> {
        let url = self.url_with(path, query);
        let bytes = retry::run(&self.opts.retry, Repeat::Idempotent, &self.retries, || {
            let (_, body) = self.send(self.http.get(url.clone()), &url, false)?;
            Ok(body)
        })?;
        Ok((url, bytes))
    }

    /// GET and hand the body to `read`; a body `read` cannot read (cut off, not JSON)
    /// is fetched again like any transient fault, and `read` starts afresh each time.
    /// The URL is returned.
    pub fn get_with(
        &self,
        path: &str,
        query: &[(&str, String)],
        read: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<Url, RemoteError> {
        let url = self.url_with(path, query);
        retry::run(&self.opts.retry, Repeat::Idempotent, &self.retries, || {
            let (status, body) = self.send(self.http.get(url.clone()), &url, false)?;
            read(&body).map_err(|m| unreadable(&url, status, &m, &body))
        })?;
        Ok(url)
    }

    /// POST a JSON body and hand the answer to `read` (a 2xx, or a 409 when
    /// `conflict_is_answer`: imports answer conflicts with 409 on 2.38+); other statuses
    /// become errors. `repeat` says whether the request may be sent again after a fault
    /// that came once it was sent, or after an answer that does not read.
    pub fn post_with<B: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: &B,
        conflict_is_answer: bool,
        repeat: Repeat,
        read: &mut ReadAnswer<'_>,
    ) -> Result<(), RemoteError> {
        let url = self.url_with(path, query);
        let payload =
            bytes::Bytes::from(
                serde_json::to_vec(body).map_err(|e| RemoteError::BadResponse {
                    url: url.to_string(),
                    message: format!("cannot encode the request: {e}"),
                })?,
            );
        retry::run(&self.opts.retry, repeat, &self.retries, || {
            let req = self
                .http
                .post(url.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(payload.clone());
            let (status, answer) = self.send(req, &url, conflict_is_answer)?;
            read(status, &answer).map_err(|m| unreadable(&url, status, &m, &answer))
        })
    }

    /// POST a JSON body; the status and body of the answer (see `post_with`).
    pub fn post_json<B: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: &B,
        conflict_is_answer: bool,
        repeat: Repeat,
    ) -> Result<(StatusCode, bytes::Bytes), RemoteError> {
        let mut out = (StatusCode::OK, bytes::Bytes::new());
        self.post_with(
            path,
            query,
            body,
            conflict_is_answer,
            repeat,
            &mut |s, b| {
                out = (s, bytes::Bytes::copy_from_slice(b));
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// One attempt: send, check the status, read the whole body.
    fn send(
        &self,
        req: RequestBuilder,
        url: &Url,
        conflict_is_answer: bool,
    ) -> Result<(StatusCode, bytes::Bytes), RemoteError> {
        let _permit = self.limit.acquire();
        if !crate::interrupt::may_send() {
            return Err(RemoteError::Interrupted {
                url: url.to_string(),
            });
        }
        let req = self.authorize(req.header(ACCEPT, "application/json"));
        let resp = req
            .send()
            .map_err(|e| transport_error(url, &e, self.opts.timeout))?;
        let status = resp.status();
        let resp = if conflict_is_answer && status == StatusCode::CONFLICT {
            resp
        } else {
            self.check(url, resp)?
        };
        let body = resp.bytes().map_err(|e| {
            let mut err = transport_error(url, &e, self.opts.timeout);
            if let RemoteError::Unreachable { reason, sent, .. } = &mut err {
                *sent = true;
                reason.insert_str(0, "the answer was cut off: ");
            }
            err
        })?;
        Ok((status, body))
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
        let body = resp.bytes().unwrap_or_default();
        let message = web_message(&body);
        match status {
            StatusCode::UNAUTHORIZED => Err(self.auth_error(
                &url_s,
                format!("the server refused the credentials ({message})"),
            )),
            StatusCode::BAD_REQUEST if message.to_ascii_lowercase().contains("token") => {
                Err(self.auth_error(&url_s, format!("the server refused the token ({message})")))
            }
            StatusCode::FORBIDDEN => Err(RemoteError::Forbidden {
                url: url_s,
                message,
            }),
            StatusCode::NOT_FOUND => Err(RemoteError::NotFound { url: url_s }),
            s if s.is_server_error() => Err(RemoteError::Status {
                url: url_s,
                status: s.as_u16(),
                message,
                help: Some(if matches!(s.as_u16(), 502..=504) {
                    "a proxy in front of DHIS2 answered: DHIS2 is down, restarting or too slow; try again later".into()
                } else {
                    "the server failed; try again later, or ask its administrator to look at the server log".into()
                }),
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

/// An answer that could not be read: the URL, the status and the first bytes.
fn unreadable(url: &Url, status: StatusCode, why: &str, body: &[u8]) -> RemoteError {
    RemoteError::BadResponse {
        url: url.to_string(),
        message: format!("HTTP {}, but {why}; {}", status.as_u16(), body_start(body)),
    }
}

fn transport_error(url: &Url, e: &reqwest::Error, timeout: Duration) -> RemoteError {
    if e.is_timeout() {
        return RemoteError::Timeout {
            url: url.to_string(),
            seconds: timeout.as_secs(),
            note: String::new(),
        };
    }
    // The innermost cause says most ("Connection refused", "dns error: …").
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason = s.to_string();
        source = s.source();
    }
    if let Some(tls) = tls_error(url, &reason) {
        return tls;
    }
    // A request that could not connect was never sent; any other fault may have come
    // after the server received it.
    RemoteError::Unreachable {
        url: url.to_string(),
        reason,
        sent: !e.is_connect(),
    }
}

/// A TLS failure, which no retry mends: a server that does not speak TLS at an
/// https URL, or a certificate this machine does not trust (never skipped).
fn tls_error(url: &Url, reason: &str) -> Option<RemoteError> {
    if url.scheme() != "https" {
        return None;
    }
    let plain = [
        "InvalidContentType",
        "corrupt message",
        "wrong version number",
    ];
    let cert = ["certificate", "UnknownIssuer", "NotValidForName", "Expired"];
    let help = if plain.iter().any(|p| reason.contains(p)) {
        let mut http = url.clone();
        let _ = http.set_scheme("http");
        // The instance's base URL: the request's path up to its `/api/`.
        let base = http
            .path()
            .find("/api/")
            .map_or("", |i| &http.path()[..i])
            .to_string();
        http.set_path(&base);
        http.set_query(None);
        format!(
            "the server answers plain HTTP here, not HTTPS: check the URL and port (is it {}?)",
            http.as_str().trim_end_matches('/')
        )
    } else if cert.iter().any(|c| reason.contains(c)) {
        "the server's certificate is not trusted by this machine (expired, self-signed, or for another name): renew it, or add its CA to the system's trust store; t2a never skips the check".to_string()
    } else {
        return None;
    };
    Some(RemoteError::Tls {
        url: url.to_string(),
        reason: reason.to_string(),
        help,
    })
}

/// The `message` of a DHIS2 WebMessage body, else the first bytes of the body.
fn web_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct WebMessage {
        message: Option<String>,
        #[serde(rename = "errorCode")]
        error_code: Option<String>,
    }
    match serde_json::from_slice::<WebMessage>(body) {
        Ok(WebMessage {
            message: Some(m),
            error_code,
        }) => match error_code {
            Some(c) => format!("{m} ({c})"),
            None => m,
        },
        _ => body_start(body),
    }
}
