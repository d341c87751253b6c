//! An in-process fake WHO Go.Data API (127.0.0.1, random port) that follows
//! `shared/reference/godata-api.md` §1 — its checklist §1.12 F1–F13 — and not the
//! client's convenience: LoopBack's error bodies and unknown-route 500s, both logins
//! with the brute-force lock and 2FA, the token rules (where it is read, 600 s sliding
//! lifetime on an injectable clock, one token per user), access control, the two where
//! paths (Go.Data's textual rewrite to MongoDB for case reads, the connector's
//! first-operator `buildWhere` for plain reads), filter normalisation, counts, and
//! faults between pages. It plays 2.35 (wrapped oauth answer), 2.36, 2.38, 2.48,
//! 2.50.2 and 2.50.3 (the version endpoint wants an `api-key`).
//!
//! The request log never holds a token: token values in a path or query are replaced
//! by `<token>` and flagged in `token_in_url`.

// Handlers answer errors as ready responses; their size does not matter in a test fake.
#![allow(clippy::result_large_err)]

pub mod access;
pub mod auth;
pub mod dates;
pub mod errors;
pub mod faults;
pub mod mongo;
pub mod query;
pub mod regex;
pub mod rewrite;
pub mod routes;
pub mod store;
pub mod value;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use axum::routing::any;
use serde_json::Value;

pub use auth::TokenFrom;
pub use faults::FaultKind;
pub use store::{Store, TwoFactor, User};

/// The Go.Data versions the fake plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GoDataVersion {
    /// `/api/oauth/token` answers `{"response": {...}}`; no 2FA.
    V2_35,
    V2_36,
    V2_38,
    V2_48,
    V2_50_2,
    /// `/api/system-settings/version` wants the `api-key` header; negative limits
    /// are clamped to 0.
    V2_50_3,
}

impl GoDataVersion {
    pub fn version_string(self) -> &'static str {
        match self {
            GoDataVersion::V2_35 => "2.35.2",
            GoDataVersion::V2_36 => "2.36.0",
            GoDataVersion::V2_38 => "2.38.1",
            GoDataVersion::V2_48 => "2.48.0",
            GoDataVersion::V2_50_2 => "2.50.2",
            GoDataVersion::V2_50_3 => "2.50.3",
        }
    }

    pub fn wraps_oauth(self) -> bool {
        self < GoDataVersion::V2_36
    }

    pub fn has_two_factor(self) -> bool {
        self >= GoDataVersion::V2_36
    }

    pub fn version_needs_api_key(self) -> bool {
        self >= GoDataVersion::V2_50_3
    }

    pub fn clamps_negative_limit(self) -> bool {
        self >= GoDataVersion::V2_50_3
    }
}

/// The account every fake has unless the test gives its own.
pub const EMAIL: &str = "t2a-reader@example.org";
pub const PASSWORD: &str = "Ub4-correct-horse";

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    /// The raw query, any issued token replaced by `<token>`.
    pub query: String,
    pub status: u16,
    /// Where the token was read from (`None`: no token, or a route without one).
    pub token_from: Option<TokenFrom>,
    pub authorization_header: bool,
    /// Whether an issued token appeared in the path or query.
    pub token_in_url: bool,
    /// The e-mail of the authenticated user.
    pub user: Option<String>,
    pub fault: Option<String>,
}

impl Logged {
    /// A query parameter, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The `filter` parameter, parsed.
    pub fn filter(&self) -> Option<Value> {
        self.param("filter")
            .and_then(|f| serde_json::from_str(&f).ok())
    }
}

pub struct Shared {
    pub store: Mutex<Store>,
    pub log: Mutex<Vec<Logged>>,
    pub faults: Mutex<Vec<faults::Fault>>,
}

/// Builder for a fake instance.
pub struct Builder {
    version: GoDataVersion,
    timezone: String,
    clock: String,
    users: Vec<User>,
    outbreaks: Vec<Value>,
    cases: Vec<Value>,
    locations: Vec<Value>,
    reference: Vec<Value>,
    two_factor: TwoFactor,
    api_key: String,
}

impl Builder {
    pub fn version(mut self, v: GoDataVersion) -> Self {
        self.version = v;
        self
    }

    /// The server zone (`config.timezone`, default UTC): where date-only query strings
    /// are read.
    pub fn timezone(mut self, zone: &str) -> Self {
        self.timezone = zone.into();
        self
    }

    /// The fake clock's start (an instant).
    pub fn clock(mut self, instant: &str) -> Self {
        self.clock = instant.into();
        self
    }

    /// An account (without any, the fake has `EMAIL`/`PASSWORD` reading everything).
    pub fn user(mut self, u: User) -> Self {
        self.users.push(u);
        self
    }

    pub fn outbreak(mut self, o: Value) -> Self {
        self.outbreaks.push(o);
        self
    }

    pub fn outbreaks(mut self, outbreaks: Vec<Value>) -> Self {
        self.outbreaks.extend(outbreaks);
        self
    }

    pub fn cases(mut self, cases: Vec<Value>) -> Self {
        self.cases.extend(cases);
        self
    }

    pub fn locations(mut self, locations: Vec<Value>) -> Self {
        self.locations.extend(locations);
        self
    }

    pub fn reference_data(mut self, items: Vec<Value>) -> Self {
        self.reference.extend(items);
        self
    }

    pub fn two_factor(mut self, t: TwoFactor) -> Self {
        self.two_factor = t;
        self
    }

    /// `config.apiKey` (2.50.3's version endpoint).
    pub fn api_key(mut self, key: &str) -> Self {
        self.api_key = key.into();
        self
    }

    pub fn start(self) -> FakeGoData {
        let now = dates::parse_instant(&self.clock).expect("clock instant");
        let users = if self.users.is_empty() {
            vec![User::new(EMAIL, PASSWORD)]
        } else {
            self.users
        };
        let store = Store::new(
            self.version,
            &self.timezone,
            now,
            self.outbreaks,
            self.cases,
            self.locations,
            self.reference,
            users,
            self.two_factor,
            self.api_key,
        );
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .fallback(any(dispatch))
            .with_state(shared.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        let addr = addr_rx.recv().expect("fake Go.Data started");
        FakeGoData {
            url: format!("http://{addr}"),
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }
}

pub struct FakeGoData {
    /// The base URL (the part before `/api`).
    pub url: String,
    pub shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeGoData {
    pub fn builder() -> Builder {
        Builder {
            version: GoDataVersion::V2_38,
            timezone: "UTC".into(),
            clock: "2024-06-03T08:00:00.000Z".into(),
            users: Vec::new(),
            outbreaks: Vec::new(),
            cases: Vec::new(),
            locations: Vec::new(),
            reference: Vec::new(),
            two_factor: TwoFactor::default(),
            api_key: String::new(),
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.shared.store.lock().expect("store")
    }

    /// Read or change the data (records, users, tokens, settings).
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.store())
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.shared.log.lock().expect("log").clone()
    }

    pub fn clear_requests(&self) {
        self.shared.log.lock().expect("log").clear();
    }

    /// The fake clock, as an instant.
    pub fn now(&self) -> String {
        dates::format_ms(self.store().now_ms)
    }

    pub fn set_clock(&self, instant: &str) {
        self.store().now_ms = dates::parse_instant(instant).expect("instant");
    }

    pub fn advance(&self, secs: i64) {
        self.store().now_ms += secs * 1000;
    }

    /// Spoil the next `times` requests whose path contains `path`.
    pub fn fault(&self, path: &str, kind: FaultKind, times: u32) {
        self.fault_after(path, kind, 0, times);
    }

    /// Spoil `times` requests whose path contains `path` (`…$`: ends with), after
    /// letting `skip` of them pass.
    pub fn fault_after(&self, path: &str, kind: FaultKind, skip: u32, times: u32) {
        self.shared
            .faults
            .lock()
            .expect("faults")
            .push(faults::Fault {
                path: path.into(),
                kind,
                skip,
                times,
            });
    }

    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("faults").clear();
    }

    pub fn add_case(&self, case: Value) {
        self.store().add_case(case);
    }

    /// Soft-delete a case; false when there is none with that id.
    pub fn soft_delete_case(&self, id: &str) -> bool {
        self.store().soft_delete_case(id)
    }

    /// Remove a case for good (as a database restore would).
    pub fn remove_case(&self, id: &str) {
        self.store().cases.retain(|c| c["id"] != id);
    }

    /// The account logs in somewhere else (the web app, a second run): its token goes.
    pub fn login_elsewhere(&self, email: &str) {
        let mut s = self.store();
        let u = s.user_by_email(email).expect("known user");
        s.new_token(u, false);
    }

    /// Usable tokens of an account.
    pub fn live_tokens(&self, email: &str) -> usize {
        let s = self.store();
        let Some(u) = s.user_by_email(email) else {
            return 0;
        };
        s.tokens
            .iter()
            .filter(|t| t.user == u && !t.disabled && s.now_ms - t.created_ms < t.ttl_s * 1000)
            .count()
    }

    /// `loginRetriesCount` of an account.
    pub fn failed_logins(&self, email: &str) -> u32 {
        let s = self.store();
        s.user_by_email(email).map_or(0, |u| s.users[u].failures)
    }
}

impl Drop for FakeGoData {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// JSON or urlencoded (`body-parser` takes both); anything else is no body.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Value {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/x-www-form-urlencoded") {
        let m: serde_json::Map<String, Value> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        return Value::Object(m);
    }
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

fn redact(text: &str, issued: &[String]) -> (String, bool) {
    let mut out = text.to_string();
    let mut hit = false;
    for t in issued {
        if out.contains(t.as_str()) {
            hit = true;
            out = out.replace(t.as_str(), "<token>");
        }
    }
    (out, hit)
}

async fn dispatch(
    State(sh): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
    body: axum::body::Bytes,
) -> Response {
    let raw_query = raw_query.unwrap_or_default();
    let path = uri.path().to_string();
    let fault = faults::take(&mut sh.faults.lock().expect("faults"), &path);
    let body = parse_body(&headers, &body);
    let query: Vec<(String, String)> = url::form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let mut caller = routes::Caller::default();
    let (response, logged_path, logged_query, token_in_url) = {
        let mut s = sh.store.lock().expect("store");
        s.seq += 1;
        match &fault {
            Some(FaultKind::Advance(secs)) => s.now_ms += secs * 1000,
            Some(FaultKind::InsertCase(c)) => s.add_case(c.clone()),
            Some(FaultKind::SoftDeleteCase(id)) => {
                s.soft_delete_case(id);
            }
            Some(FaultKind::ExpireToken) => s.now_ms += (store::TOKEN_TTL_S + 1) * 1000,
            Some(FaultKind::RevokeToken) => {
                let token = auth::find_token(&body, &query, &headers).map(|(_, t)| t);
                let user = token
                    .and_then(|t| s.tokens.iter().find(|x| x.id == t).map(|x| x.user))
                    .unwrap_or(0);
                s.new_token(user, false);
            }
            _ => {}
        }
        let req = routes::Req {
            method: &method,
            path: &path,
            raw_query: &raw_query,
            query,
            headers: &headers,
            body,
        };
        let response = match &fault {
            Some(FaultKind::Status(code)) => faults::status(*code),
            _ => routes::route(&mut s, &req, &mut caller),
        };
        let (p, in_path) = redact(&path, &s.issued);
        let (q, in_query) = redact(&raw_query, &s.issued);
        (response, p, q, in_path || in_query)
    };
    sh.log.lock().expect("log").push(Logged {
        method: method.to_string(),
        path: logged_path,
        query: logged_query,
        status: response.status().as_u16(),
        token_from: caller.token_from,
        authorization_header: headers.contains_key(header::AUTHORIZATION),
        token_in_url,
        user: caller.user,
        fault: fault.as_ref().map(FaultKind::name),
    });
    match fault {
        Some(FaultKind::Reset) => faults::cut(response, false).await,
        Some(FaultKind::CutOff) => faults::cut(response, true).await,
        Some(FaultKind::Slow(d)) => {
            tokio::time::sleep(d).await;
            response
        }
        _ => response,
    }
}
