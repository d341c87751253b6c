//! An in-process fake DHIS2 (127.0.0.1, random port) that follows
//! `shared/reference/dhis2-api.md`, not the client's convenience. It serves metadata
//! files as a live instance would (paging, `fields`, filters, inverse relations), plays
//! the response shapes of 2.36, 2.38, 2.41 and 2.43, and enforces the auth modes (Basic,
//! personal access tokens, 401, 302 to the login page).

// Handlers answer errors as ready responses; their size does not matter in a test fake.
#![allow(clippy::result_large_err)]

pub mod analytics;
pub mod datavalues;
pub mod datavalues243;
pub mod fields;
pub mod filter;
mod metadata_import;
pub mod periods;
mod store;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::any;
use base64::Engine;
use serde_json::{Value, json};

pub use store::Store;

/// The DHIS2 versions the fake can play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    V236,
    V238,
    V241,
    /// The first line with PI disaggregation (§12.5); played where that matters.
    V242,
    V243,
}

impl Version {
    pub const ALL: [Version; 4] = [Version::V236, Version::V238, Version::V241, Version::V243];

    pub fn minor(self) -> u32 {
        match self {
            Version::V236 => 36,
            Version::V238 => 38,
            Version::V241 => 41,
            Version::V242 => 42,
            Version::V243 => 43,
        }
    }

    /// `/api/system/info` `version`, as real servers of that line write it.
    pub fn version_string(self) -> &'static str {
        match self {
            Version::V236 => "2.36.0",
            Version::V238 => "2.38.1",
            Version::V241 => "2.41.4.1",
            Version::V242 => "2.42.3",
            Version::V243 => "2.43.1",
        }
    }

    fn login_path(self) -> &'static str {
        if self.minor() >= 41 {
            "/dhis-web-login/"
        } else {
            "/dhis-web-commons/security/login.action"
        }
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    /// The client's `Accept-Encoding` (gzip is expected).
    pub accept_encoding: String,
}

/// Data of the fake: PI values the source's analytics answers from, and the values,
/// registrations and messages the target stores.
#[derive(Debug)]
pub struct DataState {
    /// The server's date (`yyyy-MM-dd`) for `created`/`lastUpdated`.
    pub today: String,
    pub last_analytics: String,
    /// (PI, ISO period, org unit) -> value, for the analytics export.
    pub pi_values: BTreeMap<(String, String, String), f64>,
    pub values: BTreeMap<datavalues::Key, datavalues::Stored>,
    /// (data set, period, org unit) -> registration.
    pub registrations: BTreeMap<(String, String, String), Value>,
    pub messages: Vec<Value>,
    pub strict: datavalues::Strict,
    /// Analytics jobs: id -> polls so far.
    pub analytics_jobs: BTreeMap<String, u32>,
    /// Polls a triggered analytics job takes to finish.
    pub analytics_runs_for: u32,
    pub analytics_fails: bool,
    /// Real (not dry-run) imports applied.
    pub imports: u32,
    /// Data elements (UIDs) the importing user may not write: "not found or not
    /// accessible" (E7610), as with missing data sharing.
    pub unwritable: std::collections::BTreeSet<String>,
    /// PIs whose analytics output ignores the mapping attribute (as when analytics was
    /// not regenerated after the mapping was added): they leak under their UID.
    pub leaks: std::collections::BTreeSet<String>,
    pub next_id: u64,
}

impl Default for DataState {
    fn default() -> Self {
        DataState {
            today: "2026-11-24".into(),
            last_analytics: "2026-11-24T02:00:00.000".into(),
            pi_values: BTreeMap::new(),
            values: BTreeMap::new(),
            registrations: BTreeMap::new(),
            messages: Vec::new(),
            strict: datavalues::Strict::default(),
            analytics_jobs: BTreeMap::new(),
            analytics_runs_for: 2,
            analytics_fails: false,
            imports: 0,
            unwritable: Default::default(),
            leaks: Default::default(),
            next_id: 0,
        }
    }
}

/// A fault the fake plays on the next requests that match (method, and a part of the
/// path), as proxies and networks do to real servers.
#[derive(Debug, Clone)]
pub struct Fault {
    pub method: &'static str,
    pub path: &'static str,
    pub kind: FaultKind,
    /// How many matching requests pass untouched first.
    pub skip: u32,
    /// How many matching requests it spoils.
    pub times: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// A proxy's error page (nginx HTML), the request never reaching DHIS2.
    Proxy(u16),
    /// DHIS2 answers, but the connection breaks halfway through the body.
    CutOff,
    /// The body ends early but the response is complete (a proxy buffer limit).
    Truncated,
    /// DHIS2 applies the request, then the proxy loses the answer (504).
    AppliedThenLost,
    /// The operator stops the client (SIGTERM to the pid given by `client_pid`) while
    /// this request is being answered; the answer then goes out as usual.
    Terminate,
}

pub struct Shared {
    pub version: Version,
    pub context_path: String,
    pub store: RwLock<Store>,
    pub data: Mutex<DataState>,
    users: Vec<(String, String)>,
    tokens: Vec<String>,
    pub log: Mutex<Vec<Logged>>,
    /// The process a `Terminate` fault stops.
    pub client_pid: std::sync::atomic::AtomicU32,
    pub faults: Mutex<Vec<Fault>>,
}

/// Builder for a fake instance.
pub struct Builder {
    version: Version,
    context_path: String,
    files: Vec<Value>,
    users: Vec<(String, String)>,
    tokens: Vec<String>,
}

pub const USER: &str = "admin";
pub const PASSWORD: &str = "district";
/// A v1 (2.37–2.40) and a v2 (2.41+) personal access token the fake accepts.
pub const TOKEN_V1: &str = "d2pat_5xVA12xyUbWNedQxy4ohH77WlxRGVvZZ1151814092";
pub const TOKEN_V2: &str = "d2p_R2kWtg2HzrK1lbXPuvlhRaN4kdqBJCdqPfK9ss4rTqQKqDmBIq";

impl Builder {
    pub fn new(version: Version) -> Self {
        Builder {
            version,
            context_path: String::new(),
            files: Vec::new(),
            users: vec![(USER.into(), PASSWORD.into())],
            tokens: vec![TOKEN_V1.into(), TOKEN_V2.into()],
        }
    }

    /// Serve the objects of a metadata JSON file.
    pub fn metadata_file(mut self, path: &Path) -> Self {
        let text =
            std::fs::read(path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
        self.files.push(
            serde_json::from_slice(&text)
                .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display())),
        );
        self
    }

    pub fn metadata(mut self, doc: Value) -> Self {
        self.files.push(doc);
        self
    }

    /// Serve under a context path such as `/dhis`.
    pub fn context_path(mut self, path: &str) -> Self {
        self.context_path = path.trim_end_matches('/').to_string();
        self
    }

    pub fn start(self) -> FakeDhis2 {
        let shared = Arc::new(Shared {
            version: self.version,
            context_path: self.context_path.clone(),
            store: RwLock::new(Store::from_files(self.files)),
            data: Mutex::new(DataState::default()),
            users: self.users,
            tokens: self.tokens,
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            client_pid: std::sync::atomic::AtomicU32::new(0),
        });
        let app = Router::new()
            .fallback(any(dispatch))
            .layer(tower_http::compression::CompressionLayer::new())
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
        let addr = addr_rx.recv().expect("fake DHIS2 started");
        FakeDhis2 {
            url: format!("http://{addr}{}", self.context_path),
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }
}

pub struct FakeDhis2 {
    /// The base URL (with the context path).
    pub url: String,
    pub shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeDhis2 {
    pub fn requests(&self) -> Vec<Logged> {
        self.shared.log.lock().expect("log").clone()
    }

    /// Spoil the next `times` requests of `method` whose path contains `path`.
    pub fn fault(&self, method: &'static str, path: &'static str, kind: FaultKind, times: u32) {
        self.fault_after(method, path, kind, 0, times);
    }

    /// Spoil `times` requests of `method` whose path contains `path`, after letting
    /// `skip` of them pass.
    pub fn fault_after(
        &self,
        method: &'static str,
        path: &'static str,
        kind: FaultKind,
        skip: u32,
        times: u32,
    ) {
        self.shared.faults.lock().expect("faults").push(Fault {
            method,
            path,
            kind,
            skip,
            times,
        });
    }

    /// Forget the faults not yet played.
    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("faults").clear();
    }

    /// The client process a `Terminate` fault stops.
    pub fn set_client_pid(&self, pid: u32) {
        self.shared
            .client_pid
            .store(pid, std::sync::atomic::Ordering::SeqCst);
    }

    /// Requests other than GET (writes).
    pub fn writes(&self) -> Vec<Logged> {
        self.requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect()
    }

    /// Change the data state (PI values, stored values, settings).
    pub fn with_data<R>(&self, f: impl FnOnce(&mut DataState) -> R) -> R {
        f(&mut self.shared.data.lock().expect("data"))
    }

    /// Set the analytics value of a PI for a period and org unit.
    pub fn set_pi_value(&self, pi: &str, period: &str, org_unit: &str, value: f64) {
        self.with_data(|d| {
            d.pi_values
                .insert((pi.into(), period.into(), org_unit.into()), value)
        });
    }

    pub fn remove_pi_value(&self, pi: &str, period: &str, org_unit: &str) {
        self.with_data(|d| {
            d.pi_values
                .remove(&(pi.to_string(), period.to_string(), org_unit.to_string()))
        });
    }

    /// Stored (not deleted) target values: (DE, period, OU, COC, AOC) UIDs -> value.
    pub fn stored(&self) -> BTreeMap<datavalues::Key, String> {
        self.with_data(|d| datavalues::snapshot(&d.values))
    }
}

impl Drop for FakeDhis2 {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json;charset=UTF-8")
        .body(Body::from(serde_json::to_vec(body).expect("json")))
        .expect("response")
}

/// A WebMessage (dhis2-api.md §1).
pub fn web_message(
    version: Version,
    status: StatusCode,
    message: &str,
    error_code: Option<&str>,
) -> Response {
    let mut body = json!({
        "httpStatus": status.canonical_reason().unwrap_or(""),
        "httpStatusCode": status.as_u16(),
        "status": if status.is_success() { "OK" } else { "ERROR" },
        "message": message,
    });
    let code = error_code
        .or((status == StatusCode::NOT_FOUND && version.minor() >= 41).then_some("E1005"));
    if let Some(c) = code {
        body["errorCode"] = json!(c);
    }
    json_response(status, &body)
}

enum Caller {
    Authenticated,
}

/// dhis2-api.md §8.
fn authenticate(s: &Shared, headers: &HeaderMap) -> Result<Caller, Response> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let xhr = headers
        .get("x-requested-with")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("XMLHttpRequest"));
    let unauthorized = || {
        let mut r = web_message(s.version, StatusCode::UNAUTHORIZED, "Unauthorized", None);
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Basic realm=\"DHIS2\"".parse().expect("header"),
        );
        r
    };
    let login = || {
        Response::builder()
            .status(StatusCode::FOUND)
            .header(
                header::LOCATION,
                format!("{}{}", s.context_path, s.version.login_path()),
            )
            .body(Body::empty())
            .expect("response")
    };
    if let Some(b64) = auth.strip_prefix("Basic ") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        let (u, p) = decoded.split_once(':').unwrap_or((&decoded, ""));
        return if s.users.iter().any(|(uu, pp)| uu == u && pp == p) {
            Ok(Caller::Authenticated)
        } else {
            Err(unauthorized())
        };
    }
    if auth.len() > 9 && auth[..9].eq_ignore_ascii_case("ApiToken ") && s.version.minor() >= 37 {
        let token = &auth[9..];
        let well_formed = token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~+/=".contains(c))
            && (token.starts_with("d2pat_") || token.starts_with("d2p_"));
        if !well_formed {
            return Err(web_message(
                s.version,
                StatusCode::BAD_REQUEST,
                "Api token is malformed",
                None,
            ));
        }
        if s.version.minor() < 41 && token.starts_with("d2p_") {
            return Err(web_message(
                s.version,
                StatusCode::BAD_REQUEST,
                "Api token is malformed",
                None,
            ));
        }
        return if s.tokens.iter().any(|t| t == token) {
            Ok(Caller::Authenticated)
        } else {
            let mut r = web_message(
                s.version,
                StatusCode::UNAUTHORIZED,
                "The API token does not exists",
                None,
            );
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                "ApiToken".parse().expect("header"),
            );
            Err(r)
        };
    }
    // No (usable) credentials: 2.36 knows no tokens, so an ApiToken header is ignored.
    if xhr {
        Err(unauthorized())
    } else {
        Err(login())
    }
}

async fn dispatch(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> Response {
    let query = query.unwrap_or_default();
    let fault = take_fault(&s, &method, uri.path());
    let response = match fault {
        Some(FaultKind::Proxy(status)) => proxy_page(status),
        Some(FaultKind::Terminate) => {
            let pid = s.client_pid.load(std::sync::atomic::Ordering::SeqCst);
            let killed = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
            assert!(
                pid != 0 && killed.is_ok_and(|k| k.success()),
                "cannot stop the client {pid}"
            );
            route(&s, &method, uri.path(), &query, &headers, &body)
        }
        Some(kind) => {
            spoil(
                kind,
                route(&s, &method, uri.path(), &query, &headers, &body),
            )
            .await
        }
        None => route(&s, &method, uri.path(), &query, &headers, &body),
    };
    s.log.lock().expect("log").push(Logged {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: query.clone(),
        status: response.status().as_u16(),
        accept_encoding: headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
    });
    response
}

fn take_fault(s: &Shared, method: &Method, path: &str) -> Option<FaultKind> {
    let mut faults = s.faults.lock().expect("faults");
    let i = faults
        .iter()
        .position(|f| f.method == method.as_str() && path.contains(f.path) && f.times > 0)?;
    if faults[i].skip > 0 {
        faults[i].skip -= 1;
        return None;
    }
    faults[i].times -= 1;
    Some(faults[i].kind)
}

/// An nginx error page, as a proxy in front of a down or slow DHIS2 answers.
fn proxy_page(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let title = format!(
        "{} {}",
        code.as_u16(),
        code.canonical_reason().unwrap_or("")
    );
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "text/html")
        .body(Body::from(format!(
            "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
        )))
        .expect("response")
}

/// The answer DHIS2 gave, spoilt on its way to the client.
async fn spoil(kind: FaultKind, answer: Response) -> Response {
    if kind == FaultKind::AppliedThenLost {
        return proxy_page(504);
    }
    let (parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    let body = match kind {
        FaultKind::CutOff => Body::from_stream(cut_off(half)),
        _ => Body::from(half),
    };
    let mut r = Response::from_parts(parts, body);
    r.headers_mut().remove(header::CONTENT_LENGTH);
    r
}

/// Half a body, then a broken connection.
fn cut_off(
    half: axum::body::Bytes,
) -> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    futures_util::stream::iter([
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset by peer",
        )),
    ])
}

fn route(
    s: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let Some(rest) = path.strip_prefix(s.context_path.as_str()) else {
        return web_message(s.version, StatusCode::NOT_FOUND, "Not found", None);
    };
    if rest.starts_with("/dhis-web-login") || rest.starts_with("/dhis-web-commons/security/login") {
        return Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/html;charset=UTF-8")
            .body(Body::from(
                "<!doctype html><html><body><form>DHIS2 login</form></body></html>",
            ))
            .expect("response");
    }
    let Some(api) = rest.strip_prefix("/api/") else {
        return web_message(s.version, StatusCode::NOT_FOUND, "Not found", None);
    };
    if let Err(r) = authenticate(s, headers) {
        return r;
    }
    // An API version in the path (`/api/41/...`).
    let mut segments: Vec<&str> = api.trim_end_matches('/').split('/').collect();
    let mut path_version = None;
    if segments
        .first()
        .is_some_and(|v| v.len() == 2 && v.bytes().all(|b| b.is_ascii_digit()))
    {
        path_version = segments.remove(0).parse::<u32>().ok();
    }
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let resource = segments
        .first()
        .map(|s| s.trim_end_matches(".json"))
        .unwrap_or("");
    match (method.clone(), resource, &segments[1..]) {
        (Method::GET, "system", ["info"]) => json_response(StatusCode::OK, &system_info(s)),
        (Method::GET, "analytics", ["dataValueSet.json"]) => analytics::data_value_set(s, &params),
        (Method::POST | Method::PUT, "resourceTables", ["analytics"]) => analytics::trigger(s),
        (Method::GET, "system", ["tasks", _, id]) => analytics::tasks(s, id),
        (Method::GET, "dataValueSets", []) if s.version >= Version::V243 => {
            datavalues243::read(s, &params)
        }
        (Method::GET, "dataValueSets", []) => datavalues::read(s, &params),
        (Method::POST, "dataValueSets", []) if s.version >= Version::V243 => {
            datavalues243::import(s, path_version, &params, body)
        }
        (Method::POST, "dataValueSets", []) => datavalues::import(s, path_version, &params, body),
        (Method::POST, "completeDataSetRegistrations", []) => {
            datavalues::complete(s, path_version, body)
        }
        (Method::POST, "messageConversations", []) => datavalues::message(s, body),
        (Method::POST, "metadata", []) => metadata_import::import(s, &params, body),
        (Method::GET, "me", []) => json_response(StatusCode::OK, &me(s.version)),
        (Method::GET, collection, []) => {
            let store = s.store.read().expect("store");
            store.list(s, collection, &params)
        }
        (Method::GET, collection, [id]) => {
            let store = s.store.read().expect("store");
            store.get(s, collection, id, &params)
        }
        _ => web_message(s.version, StatusCode::NOT_FOUND, "Not found", None),
    }
}

fn system_info(s: &Shared) -> Value {
    json!({
        "contextPath": s.context_path,
        "version": s.version.version_string(),
        "revision": "abc1234",
        "buildTime": "2024-06-01T10:00:00.000",
        "serverDate": "2026-11-24T09:00:00.000",
        "calendar": "iso8601",
        "dateFormat": "yyyy-mm-dd",
        "serverTimeZoneId": "Etc/UTC",
        "lastAnalyticsTableSuccess": s.data.lock().expect("data").last_analytics,
        "intervalSinceLastAnalyticsTableSuccess": "7 h, 0 m, 0 s",
        "systemId": "eed3d451-4ff5-4193-b951-ffcc68954299",
        "systemName": "Fake DHIS2",
        "instanceBaseUrl": "",
    })
}

fn me(v: Version) -> Value {
    if v.minor() >= 38 {
        json!({"id": "xE7jOejl9FI", "username": USER, "displayName": "John Traore",
               "userCredentials": {"username": USER}, "authorities": ["ALL"]})
    } else {
        json!({"id": "xE7jOejl9FI", "displayName": "John Traore",
               "userCredentials": {"username": USER}, "authorities": ["ALL"]})
    }
}

/// Query parameters by name (repeatable ones keep their order).
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub fn params_all<'a>(params: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Objects by collection, for tests that inspect what the fake serves.
pub type Collections = BTreeMap<String, Vec<Value>>;
