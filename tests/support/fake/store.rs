//! The fake's metadata store: objects by collection, with the inverse relations a live
//! instance computes (metadata files leave them out), and the list endpoint.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Shared, fields, filter, json_response, param, params_all, web_message};

/// Collections a DHIS2 instance always has, even when no file provides them.
const KNOWN: &[&str] = &[
    "attributes",
    "programs",
    "programIndicators",
    "programIndicatorGroups",
    "programStages",
    "trackedEntityAttributes",
    "constants",
    "relationshipTypes",
    "dataElements",
    "categories",
    "categoryOptions",
    "categoryCombos",
    "categoryOptionCombos",
    "dataSets",
    "organisationUnits",
    "organisationUnitGroups",
    "organisationUnitLevels",
    "indicators",
    "users",
    "userGroups",
    "aggregateDataExchanges",
];

#[derive(Debug, Default)]
pub struct Store {
    pub collections: BTreeMap<String, Vec<Value>>,
}

impl Store {
    pub fn from_files(files: Vec<Value>) -> Store {
        let mut collections: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for doc in files {
            let Value::Object(map) = doc else { continue };
            for (name, value) in map {
                let Value::Array(items) = value else { continue };
                let list = collections.entry(name).or_default();
                for item in items {
                    let id = item.get("id").cloned();
                    if id.is_none() || !list.iter().any(|o| o.get("id") == id.as_ref()) {
                        list.push(item);
                    }
                }
            }
        }
        let mut store = Store { collections };
        store.derive();
        store
    }

    /// Add what a live instance serves but export files omit.
    fn derive(&mut self) {
        // categoryCombos[].categoryOptionCombos from each COC's categoryCombo.
        let mut by_combo: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for coc in self
            .collections
            .get("categoryOptionCombos")
            .into_iter()
            .flatten()
        {
            if let (Some(cc), Some(id)) = (
                coc.pointer("/categoryCombo/id").and_then(Value::as_str),
                coc.get("id"),
            ) {
                by_combo
                    .entry(cc.to_string())
                    .or_default()
                    .push(json!({"id": id}));
            }
        }
        for combo in self
            .collections
            .get_mut("categoryCombos")
            .into_iter()
            .flatten()
        {
            let id = combo
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if let Some(o) = combo.as_object_mut() {
                o.entry("categoryOptionCombos")
                    .or_insert_with(|| Value::Array(by_combo.remove(&id).unwrap_or_default()));
                let is_default = o.get("name") == Some(&json!("default"));
                o.entry("isDefault").or_insert(json!(is_default));
            }
        }
        // dataSetElements[].dataSet.
        for ds in self.collections.get_mut("dataSets").into_iter().flatten() {
            let id = ds.get("id").cloned().unwrap_or(Value::Null);
            if let Some(dses) = ds.get_mut("dataSetElements").and_then(Value::as_array_mut) {
                for dse in dses {
                    if let Some(o) = dse.as_object_mut() {
                        o.entry("dataSet").or_insert_with(|| json!({"id": id}));
                    }
                }
            }
        }
        // organisationUnits: path and level from the parent chain.
        if let Some(ous) = self.collections.get_mut("organisationUnits") {
            let parents: BTreeMap<String, Option<String>> = ous
                .iter()
                .filter_map(|o| {
                    let id = o.get("id")?.as_str()?.to_string();
                    let parent = o
                        .pointer("/parent/id")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    Some((id, parent))
                })
                .collect();
            for ou in ous.iter_mut() {
                let Some(id) = ou.get("id").and_then(Value::as_str).map(str::to_string) else {
                    continue;
                };
                let mut chain = vec![id.clone()];
                let mut cur = parents.get(&id).cloned().flatten();
                while let Some(p) = cur {
                    if chain.contains(&p) {
                        break;
                    }
                    chain.push(p.clone());
                    cur = parents.get(&p).cloned().flatten();
                }
                chain.reverse();
                if let Some(o) = ou.as_object_mut() {
                    o.entry("path")
                        .or_insert_with(|| json!(format!("/{}", chain.join("/"))));
                    o.entry("level").or_insert_with(|| json!(chain.len()));
                }
            }
        }
    }

    fn collection<'a>(&'a self, s: &Shared, name: &str) -> Result<&'a [Value], Response> {
        if name == "aggregateDataExchanges" && s.version.minor() < 39 {
            return Err(web_message(
                s.version,
                StatusCode::NOT_FOUND,
                "Not found",
                None,
            ));
        }
        match self.collections.get(name) {
            Some(v) => Ok(v),
            None if KNOWN.contains(&name) => Ok(&[]),
            None => Err(web_message(
                s.version,
                StatusCode::NOT_FOUND,
                "Not found",
                None,
            )),
        }
    }

    /// `GET /api/<collection>` (dhis2-api.md §2.1).
    pub fn list(&self, s: &Shared, name: &str, params: &[(String, String)]) -> Response {
        let items = match self.collection(s, name) {
            Ok(v) => v,
            Err(r) => return r,
        };
        let mut filters = Vec::new();
        for f in params_all(params, "filter") {
            match filter::parse(f) {
                Ok(f) => filters.push(f),
                Err(m) => return web_message(s.version, StatusCode::CONFLICT, &m, None),
            }
        }
        let or = param(params, "rootJunction").is_some_and(|j| j.eq_ignore_ascii_case("OR"));
        let mut selected: Vec<&Value> = items
            .iter()
            .filter(|o| {
                filters.is_empty()
                    || if or {
                        filters.iter().any(|f| f.matches(o))
                    } else {
                        filters.iter().all(|f| f.matches(o))
                    }
            })
            .collect();
        sort(&mut selected, param(params, "order"));

        let items_fields = fields::parse(param(params, "fields").unwrap_or("id,displayName"));
        let project = |o: &Value| match o {
            Value::Object(m) => Value::Object(fields::project(m, &items_fields)),
            other => other.clone(),
        };
        let paging = param(params, "paging").is_none_or(|p| p != "false");
        let mut body = Map::new();
        if paging {
            let page_size: usize = param(params, "pageSize")
                .and_then(|p| p.parse().ok())
                .filter(|&p| p > 0)
                .unwrap_or(50);
            let total = selected.len();
            let page_count = total.div_ceil(page_size);
            let page: usize = param(params, "page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1)
                .clamp(1, page_count.max(1));
            let mut pager = json!({"page": page, "total": total, "pageSize": page_size, "pageCount": page_count});
            let link = |p: usize| {
                let mut q: Vec<(String, String)> = params
                    .iter()
                    .filter(|(k, _)| k != "page" && !(k == "pageSize" && page_size == 50))
                    .cloned()
                    .collect();
                q.insert(0, ("page".into(), p.to_string()));
                let qs = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(q)
                    .finish();
                format!("http://localhost{}/api/{name}?{qs}", s.context_path)
            };
            if page < page_count {
                pager["nextPage"] = json!(link(page + 1));
            }
            if page > 1 {
                pager["prevPage"] = json!(link(page - 1));
            }
            body.insert("pager".into(), pager);
            let start = (page - 1) * page_size;
            selected = selected.into_iter().skip(start).take(page_size).collect();
        }
        body.insert(
            name.to_string(),
            Value::Array(selected.into_iter().map(project).collect()),
        );
        json_response(StatusCode::OK, &Value::Object(body))
    }

    /// `GET /api/<collection>/<id>`.
    pub fn get(&self, s: &Shared, name: &str, id: &str, params: &[(String, String)]) -> Response {
        let items = match self.collection(s, name) {
            Ok(v) => v,
            Err(r) => return r,
        };
        let Some(Value::Object(o)) = items
            .iter()
            .find(|o| o.get("id").and_then(Value::as_str) == Some(id))
        else {
            return web_message(
                s.version,
                StatusCode::NOT_FOUND,
                &format!("{name} with id {id} could not be found."),
                None,
            );
        };
        let f = fields::parse(param(params, "fields").unwrap_or("*"));
        json_response(StatusCode::OK, &Value::Object(fields::project(o, &f)))
    }
}

/// Default order: name (case-insensitive), then id (dhis2-api.md §11).
fn sort(items: &mut [&Value], order: Option<&str>) {
    let key = |o: &Value, prop: &str| {
        o.get(prop)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    match order.and_then(|o| o.split_once(':')) {
        Some((prop, dir)) => {
            let ci = dir.starts_with('i');
            items.sort_by(|a, b| {
                let (x, y) = (key(a, prop), key(b, prop));
                let ord = if ci {
                    x.to_lowercase().cmp(&y.to_lowercase())
                } else {
                    x.cmp(&y)
                };
                if dir.ends_with("desc") {
                    ord.reverse()
                } else {
                    ord
                }
            });
        }
        None => items.sort_by(|a, b| {
            key(a, "name")
                .to_lowercase()
                .cmp(&key(b, "name").to_lowercase())
                .then_with(|| key(a, "id").cmp(&key(b, "id")))
        }),
    }
}
