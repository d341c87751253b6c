//! The routes under `/api` (`godata-api.md` §1.1–1.10); anything else is Express's
//! not-found, which Go.Data answers as 500 `INTERNAL_ERROR`.

use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::{Value, json};

use super::access;
use super::auth::{self, TokenFrom};
use super::errors;
use super::mongo::{self, Expr};
use super::query;
use super::rewrite;
use super::store::{self, AUDIT_DATES, CASE_LIST, CASE_TYPE, OUTBREAK_DATES, OUTBREAK_VIEW, Store};
use super::value::MVal;

/// A request, parsed.
pub struct Req<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub raw_query: &'a str,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub body: Value,
}

/// What the router learnt about the caller, for the request log.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub token_from: Option<TokenFrom>,
    pub user: Option<String>,
}

impl Req<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn url(&self) -> String {
        if self.raw_query.is_empty() {
            self.path.to_string()
        } else {
            format!("{}?{}", self.path, self.raw_query)
        }
    }
}

/// A JSON object argument (`filter`, `where`); absent is `{}`.
fn object_arg(name: &str, v: Option<&Value>) -> Result<MVal, Response> {
    let text = match v {
        None | Some(Value::Null) => return Ok(MVal::Obj(Vec::new())),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(MVal::Obj(Vec::new())),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    match MVal::parse(&text) {
        Ok(m @ MVal::Obj(_)) => Ok(m),
        _ => Err(errors::error(
            400,
            None,
            &format!("Invalid argument \"{name}\": not a JSON object"),
        )),
    }
}

fn query_arg(req: &Req<'_>, name: &str) -> Result<MVal, Response> {
    object_arg(
        name,
        req.param(name).map(|s| Value::String(s.into())).as_ref(),
    )
}

/// The body's `filter` (or the body itself) of a POST.
fn body_filter(req: &Req<'_>) -> Result<MVal, Response> {
    match req.body.get("filter") {
        Some(f) => object_arg("filter", Some(f)),
        None if req.body.is_object() => object_arg("filter", Some(&req.body)),
        None => Ok(MVal::Obj(Vec::new())),
    }
}

pub fn route(s: &mut Store, req: &Req<'_>, caller: &mut Caller) -> Response {
    let segments: Vec<String> = req
        .path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .map(decode)
        .collect();
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let get = *req.method == Method::GET;
    let post = *req.method == Method::POST;
    match seg.as_slice() {
        ["api", "oauth", "token"] if post => auth::oauth_token(s, &req.body),
        ["api", "users", "login"] if post => auth::users_login(s, &req.body),
        ["api", "system-settings", "version"] if get => version(s, req),
        ["api", "outbreaks"] if get => authed(s, req, caller, list_outbreaks),
        ["api", "outbreaks", id] if get => {
            let id = id.to_string();
            authed(s, req, caller, |s, req, u| get_outbreak(s, req, u, &id))
        }
        ["api", "outbreaks", id, "cases", rest @ ..] => {
            let (id, rest) = (id.to_string(), rest.to_vec());
            let action = match (rest.as_slice(), get, post) {
                ([], true, _) => CaseAction::Find,
                (["filter"], _, true) => CaseAction::Find,
                (["count"], true, _) => CaseAction::Count,
                (["filtered-count"], true, _) | (["filtered-count"], _, true) => {
                    CaseAction::FilteredCount
                }
                _ => return errors::cannot(req.method.as_str(), &req.url()),
            };
            authed(s, req, caller, |s, req, u| cases(s, req, u, &id, action))
        }
        ["api", "locations"] if get => authed(s, req, caller, |s, req, _| {
            plain_list(s, req, |s| &s.locations, AUDIT_DATES, "name ASC")
        }),
        ["api", "locations", "hierarchical"] if get => {
            authed(s, req, caller, |s, _, _| hierarchical(s))
        }
        ["api", "reference-data"] if get => authed(s, req, caller, |s, req, _| {
            plain_list(s, req, |s| &s.reference, AUDIT_DATES, "value ASC")
        }),
        _ => errors::cannot(req.method.as_str(), &req.url()),
    }
}

/// Run a handler for an authenticated user, else 401 `AUTHORIZATION_REQUIRED`.
fn authed(
    s: &mut Store,
    req: &Req<'_>,
    caller: &mut Caller,
    handler: impl FnOnce(&mut Store, &Req<'_>, usize) -> Response,
) -> Response {
    let found = auth::find_token(&req.body, &req.query, req.headers);
    caller.token_from = found.as_ref().map(|(from, _)| *from);
    let Some(user) = found.and_then(|(_, t)| auth::validate(s, &t)) else {
        return errors::authorization_required();
    };
    caller.user = Some(s.users[user].user.email.clone());
    handler(s, req, user)
}

fn version(s: &Store, req: &Req<'_>) -> Response {
    if s.version.version_needs_api_key() {
        let key = req.headers.get("api-key").and_then(|v| v.to_str().ok());
        if s.api_key.is_empty() || key != Some(s.api_key.as_str()) {
            return errors::json_response(
                401,
                &json!({"error": {"statusCode": 401, "name": "Error", "message": "Unauthorized: Invalid API Key"}}),
            );
        }
    }
    errors::json_response(
        200,
        &json!({
            "version": s.version.version_string(),
            "build": "production",
            "arch": "x64",
            "platform": "linux",
            "timezone": s.zone_name,
            "tokenTTL": store::TOKEN_TTL_S,
        }),
    )
}

/// Sort, page and project matched records.
fn answer_list(
    mut rows: Vec<(Value, MVal)>,
    filter: &MVal,
    default_order: &str,
    seed: u64,
    clamp_negative: bool,
    hidden: &[&str],
) -> Response {
    let page = match query::page(filter, clamp_negative) {
        Ok(p) => p,
        Err(e) => return errors::error(400, None, &e.0),
    };
    let keys = match query::order(filter) {
        Ok(Some(k)) => k,
        Ok(None) => query::order(&MVal::Obj(vec![(
            "order".into(),
            MVal::Str(default_order.into()),
        )]))
        .ok()
        .flatten()
        .unwrap_or_default(),
        Err(e) => return errors::error(400, None, &e.0),
    };
    query::sort(&mut rows, &keys, seed);
    let fields = query::fields(filter);
    let out: Vec<Value> = rows
        .into_iter()
        .skip(page.skip)
        .take(page.limit.unwrap_or(usize::MAX))
        .map(|(v, _)| query::project(&v, &fields, hidden))
        .collect();
    errors::json_response(200, &Value::Array(out))
}

fn matching(records: &[Value], dates: &[&str], q: &Expr) -> Vec<(Value, MVal)> {
    records
        .iter()
        .map(|r| (r.clone(), store::typed_with_id(r, dates)))
        .filter(|(_, t)| mongo::eval(q, t))
        .collect()
}

/// A plain LoopBack read's query: `buildWhere`, then the soft-delete mixin.
fn plain_query(where_: &MVal, dates: &[&str], include_deleted: bool) -> Result<Expr, Response> {
    let mut q = rewrite::plain_where(where_, dates).map_err(|e| errors::mongo(&e))?;
    if !include_deleted && let MVal::Obj(kv) = &mut q {
        kv.push(("deleted".into(), MVal::Bool(false)));
    }
    mongo::compile(&q).map_err(|e| errors::mongo(&e))
}

fn plain_list(
    s: &mut Store,
    req: &Req<'_>,
    records: impl Fn(&Store) -> &Vec<Value>,
    dates: &[&str],
    default_order: &str,
) -> Response {
    let filter = match query_arg(req, "filter") {
        Ok(f) => f,
        Err(r) => return r,
    };
    let w = filter
        .get("where")
        .cloned()
        .unwrap_or(MVal::Obj(Vec::new()));
    let q = match plain_query(&w, dates, query::include_deleted(&filter)) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let rows = matching(records(s), dates, &q);
    answer_list(
        rows,
        &filter,
        default_order,
        s.seq,
        s.version.clamps_negative_limit(),
        &[],
    )
}

fn list_outbreaks(s: &mut Store, req: &Req<'_>, user: usize) -> Response {
    let filter = match query_arg(req, "filter") {
        Ok(f) => f,
        Err(r) => return r,
    };
    let w = filter
        .get("where")
        .cloned()
        .unwrap_or(MVal::Obj(Vec::new()));
    let q = match plain_query(&w, OUTBREAK_DATES, query::include_deleted(&filter)) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let allowed = &s.users[user].user.outbreak_ids;
    let mut rows = matching(&s.outbreaks, OUTBREAK_DATES, &q);
    // Silently narrowed to the user's outbreaks.
    rows.retain(|(o, _)| allowed.is_empty() || allowed.iter().any(|a| o["id"] == a.as_str()));
    answer_list(
        rows,
        &filter,
        "name ASC",
        s.seq,
        s.version.clamps_negative_limit(),
        &[],
    )
}

fn get_outbreak(s: &mut Store, req: &Req<'_>, user: usize, id: &str) -> Response {
    if let Err(r) = access::permission(s, user, OUTBREAK_VIEW) {
        return r;
    }
    if let Err(r) = access::outbreak(s, user, id, true) {
        return r;
    }
    let filter = match query_arg(req, "filter") {
        Ok(f) => f,
        Err(r) => return r,
    };
    match s.outbreak(id) {
        Some(o) => errors::json_response(200, &query::project(o, &query::fields(&filter), &[])),
        None => errors::not_found(&format!("Unknown \"outbreak\" id \"{id}\".")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaseAction {
    Find,
    Count,
    FilteredCount,
}

fn cases(s: &mut Store, req: &Req<'_>, user: usize, id: &str, action: CaseAction) -> Response {
    if let Err(r) = access::permission(s, user, CASE_LIST) {
        return r;
    }
    let get = *req.method == Method::GET;
    if let Err(r) = access::outbreak(s, user, id, get) {
        return r;
    }
    let Some(outbreak) = s.outbreak(id).cloned() else {
        return errors::not_found(&format!("could not find a model with id {id}"));
    };
    let geo = access::geographic(s, user, &outbreak);
    match action {
        CaseAction::Count => count_cases(s, req, id, geo),
        CaseAction::Find | CaseAction::FilteredCount => {
            let filter = if get {
                query_arg(req, "filter")
            } else {
                body_filter(req)
            };
            let filter = match filter {
                Ok(f) => f,
                Err(r) => return r,
            };
            let q = match godata_query(s, &filter, id, geo) {
                Ok(q) => q,
                Err(r) => return r,
            };
            let rows: Vec<(Value, MVal)> = s
                .cases
                .iter()
                .map(|c| (c.clone(), Store::typed_case(c)))
                .filter(|(_, t)| mongo::eval(&q, t))
                .collect();
            if action == CaseAction::FilteredCount {
                return filtered_count(rows.len(), &filter);
            }
            answer_list(
                rows,
                &filter,
                "name ASC, lastName ASC, firstName ASC",
                s.seq,
                s.version.clamps_negative_limit(),
                &["type"],
            )
        }
    }
}

fn and(items: Vec<MVal>) -> MVal {
    MVal::Obj(vec![("and".into(), MVal::Arr(items))])
}

fn scoped(w: MVal, geo: Option<MVal>, outbreak_id: &str) -> MVal {
    let inner = match geo {
        Some(g) => and(vec![w, g]),
        None => w,
    };
    and(vec![
        inner,
        MVal::Obj(vec![("outbreakId".into(), MVal::Str(outbreak_id.into()))]),
    ])
}

fn scope_and_deleted(q: &mut MVal, include_deleted: bool) {
    if let MVal::Obj(kv) = q {
        if !include_deleted {
            kv.push(("deleted".into(), MVal::Bool(false)));
        }
        kv.push(("type".into(), MVal::Str(CASE_TYPE.into())));
    }
}

/// `preFilterForOutbreak`, `convertLoopbackFilterToMongo`, soft delete and scope.
fn godata_query(
    s: &Store,
    filter: &MVal,
    outbreak_id: &str,
    geo: Option<MVal>,
) -> Result<Expr, Response> {
    let w = filter
        .get("where")
        .cloned()
        .unwrap_or(MVal::Obj(Vec::new()));
    let mut q = rewrite::godata_where(&scoped(w, geo, outbreak_id), &s.zone)
        .map_err(|e| errors::mongo(&e))?;
    scope_and_deleted(&mut q, query::include_deleted(filter));
    mongo::compile(&q).map_err(|e| errors::mongo(&e))
}

/// `rawCountDocuments`: a `limit` caps the count and adds `hasMore`, as does
/// `flags.applyHasMoreLimit` (10000); `skip` is ignored.
fn filtered_count(n: usize, filter: &MVal) -> Response {
    let limit = filter
        .get("limit")
        .and_then(|l| match l {
            MVal::Num(x) if *x > 0.0 => Some(*x as usize),
            _ => None,
        })
        .or_else(|| {
            filter
                .get("flags")
                .and_then(|f| f.get("applyHasMoreLimit"))
                .filter(|v| v.truthy())
                .map(|_| 10_000)
        });
    match limit {
        Some(cap) => {
            let count = n.min(cap);
            errors::json_response(200, &json!({"count": count, "hasMore": count >= cap}))
        }
        None => errors::json_response(200, &json!({ "count": n })),
    }
}

/// `/cases/count?where=`: a LoopBack relation count (first operator only); deleted
/// records count when the where's JSON text has `"deleted":`.
fn count_cases(s: &mut Store, req: &Req<'_>, outbreak_id: &str, geo: Option<MVal>) -> Response {
    let w = match query_arg(req, "where") {
        Ok(w) => w,
        Err(r) => return r,
    };
    let mentions_deleted = w.stringify().contains("\"deleted\":");
    let mut q = match rewrite::plain_where(&scoped(w, geo, outbreak_id), store::CASE_DATES_TOP) {
        Ok(q) => q,
        Err(e) => return errors::mongo(&e),
    };
    scope_and_deleted(&mut q, mentions_deleted);
    let q = match mongo::compile(&q) {
        Ok(q) => q,
        Err(e) => return errors::mongo(&e),
    };
    let n = s
        .cases
        .iter()
        .filter(|c| mongo::eval(&q, &Store::typed_case(c)))
        .count();
    errors::json_response(200, &json!({ "count": n }))
}

/// `/locations/hierarchical`: roots (no parent, or a parent not served) with children.
fn hierarchical(s: &Store) -> Response {
    let mut live: Vec<&Value> = s
        .locations
        .iter()
        .filter(|l| l["deleted"] != true)
        .collect();
    live.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    fn node(l: &Value, live: &[&Value]) -> Value {
        let children: Vec<Value> = live
            .iter()
            .filter(|c| c["parentLocationId"] == l["id"])
            .map(|c| node(c, live))
            .collect();
        json!({"location": l, "children": children})
    }
    let roots: Vec<Value> = live
        .iter()
        .filter(|l| {
            l["parentLocationId"].is_null()
                || !live.iter().any(|p| p["id"] == l["parentLocationId"])
        })
        .map(|l| node(l, &live))
        .collect();
    errors::json_response(200, &Value::Array(roots))
}

/// A percent-decoded path segment.
fn decode(seg: &str) -> String {
    let b = seg.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
