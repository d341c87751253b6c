//! The target side: `POST /api/dataValueSets` validated and applied as dhis2-api.md §6
//! says (resolution and value-type checks with their conflict codes, strategies, the
//! unchanged/zero rules that differ by version, bare or wrapped summaries), reading
//! values back (§7.1), completing data sets (§7.2) and messages (§7.3).

use std::collections::BTreeMap;

use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Shared, Store, Version, json_response, param, params_all, web_message};

/// A stored value, keyed by UIDs.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub value: Option<String>,
    pub comment: Option<String>,
    pub deleted: bool,
    pub created: String,
    pub last_updated: String,
}

/// (data element, period, org unit, COC, AOC), all UIDs.
pub type Key = (String, String, String, String, String);

/// Import-time settings (the `keyDataImportStrict*` system settings).
#[derive(Debug, Clone, Copy, Default)]
pub struct Strict {
    pub periods: bool,
    pub category_option_combos: bool,
    pub organisation_units: bool,
}

pub(super) fn obj<'a>(
    store: &'a Store,
    collection: &str,
    scheme: &str,
    value: &str,
) -> Option<&'a Value> {
    let upper = scheme.to_ascii_uppercase();
    store
        .collections
        .get(collection)?
        .iter()
        .find(|o| match upper.as_str() {
            "CODE" => o["code"] == value,
            "NAME" => o["name"] == value,
            s if s.starts_with("ATTRIBUTE:") => {
                let attr = &scheme["ATTRIBUTE:".len()..];
                o["attributeValues"].as_array().is_some_and(|avs| {
                    avs.iter().any(|av| {
                        av.pointer("/attribute/id") == Some(&json!(attr)) && av["value"] == value
                    })
                })
            }
            _ => o["id"] == value,
        })
}

pub(super) fn id_of(o: &Value) -> String {
    o["id"].as_str().unwrap_or("").to_string()
}

pub(super) fn default_coc(store: &Store) -> String {
    store
        .collections
        .get("categoryOptionCombos")
        .and_then(|c| c.iter().find(|o| o["name"] == "default"))
        .map(id_of)
        .unwrap_or_else(|| "HllvX50cXC0".into())
}

/// The data sets holding a data element.
pub(super) fn data_sets_of<'a>(store: &'a Store, de: &str) -> Vec<&'a Value> {
    store
        .collections
        .get("dataSets")
        .map(|dss| {
            dss.iter()
                .filter(|ds| {
                    ds["dataSetElements"].as_array().is_some_and(|e| {
                        e.iter()
                            .any(|x| x.pointer("/dataElement/id") == Some(&json!(de)))
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `ValidationUtils.valueIsValid` for the numeric types: the reason key when invalid.
pub(super) fn value_type_problem(value: &str, value_type: &str) -> Option<&'static str> {
    let int = |s: &str| {
        s == "0"
            || s.strip_prefix('-')
                .unwrap_or(s)
                .starts_with(|c: char| ('1'..='9').contains(&c))
                && s.strip_prefix('-')
                    .unwrap_or(s)
                    .bytes()
                    .all(|b| b.is_ascii_digit())
    };
    let fits32 = |s: &str| s.parse::<i32>().is_ok();
    let numeric = |s: &str| {
        let body = s.strip_prefix('-').unwrap_or(s);
        let (i, f) = body
            .split_once('.')
            .map_or((body, None), |(i, f)| (i, Some(f)));
        !i.is_empty()
            && i.bytes().all(|b| b.is_ascii_digit())
            && (i == "0" || !i.starts_with('0'))
            && f.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
            && s.len() < 250
    };
    match value_type {
        "INTEGER" if !(int(value) && fits32(value)) => Some("value_not_integer"),
        "INTEGER_POSITIVE"
            if !(int(value) && fits32(value) && !value.starts_with('-') && value != "0") =>
        {
            Some("value_not_positive_integer")
        }
        "INTEGER_ZERO_OR_POSITIVE" if !(int(value) && fits32(value) && !value.starts_with('-')) => {
            Some("value_not_zero_or_positive_integer")
        }
        "INTEGER_NEGATIVE" if !(int(value) && fits32(value) && value.starts_with('-')) => {
            Some("value_not_negative_integer")
        }
        "NUMBER" if !numeric(value) => Some("value_not_numeric"),
        "PERCENTAGE"
            if !(numeric(value)
                && value
                    .parse::<f64>()
                    .is_ok_and(|v| (0.0..=100.0).contains(&v))) =>
        {
            Some("value_not_percentage")
        }
        "UNIT_INTERVAL"
            if !(numeric(value)
                && value.parse::<f64>().is_ok_and(|v| (0.0..=1.0).contains(&v))) =>
        {
            Some("value_not_unit_interval")
        }
        _ => None,
    }
}

fn reason_text(version: Version, key: &'static str) -> &'static str {
    match key {
        "value_not_integer" => "Data value is not an integer",
        "value_not_positive_integer" => "Data value is not a positive integer",
        // 2.41 has no message for this key and shows it bare (§11).
        "value_not_zero_or_positive_integer" if version >= Version::V241 => {
            "value_not_zero_or_positive_integer"
        }
        "value_not_zero_or_positive_integer" => "Data value is not zero or positive integer",
        "value_not_negative_integer" => "Data value is not a negative integer",
        "value_not_numeric" => "Data value is not numeric",
        "value_not_percentage" => "Data value is not a percentage",
        "value_not_unit_interval" => "Data value is not a unit interval",
        other => other,
    }
}

struct Conflicts {
    version: Version,
    list: Vec<Value>,
}

impl Conflicts {
    /// Add a conflict; 2.37+ merge equal ones and list every affected index.
    fn add(
        &mut self,
        index: usize,
        code: &str,
        objects: &[(&str, String)],
        message: String,
        legacy: (String, String),
        property: Option<&str>,
    ) {
        if self.version.minor() < 37 {
            let c = json!({"object": legacy.0, "value": legacy.1});
            if !self.list.contains(&c) {
                self.list.push(c);
            }
            return;
        }
        let mut objs = Map::new();
        for (k, v) in objects {
            objs.insert(k.to_string(), json!(v));
        }
        if let Some(existing) = self
            .list
            .iter_mut()
            .find(|c| c["errorCode"] == code && c["objects"] == Value::Object(objs.clone()))
        {
            if let Some(ix) = existing["indexes"].as_array_mut() {
                ix.push(json!(index));
            }
            return;
        }
        let mut c =
            json!({"objects": objs, "value": message, "errorCode": code, "indexes": [index]});
        if let Some((_, first)) = objects.first() {
            c["object"] = json!(first);
        }
        if let Some(p) = property {
            c["property"] = json!(p);
        }
        self.list.push(c);
    }
}

/// The answer for an import summary: bare (2.36–2.37, or a path version below 38,
/// always 200) or wrapped in a WebMessage (200/409).
pub fn summary_response(s: &Shared, path_version: Option<u32>, summary: Value) -> Response {
    let wrapped = s.version >= Version::V238 && path_version.is_none_or(|v| v >= 38);
    if !wrapped {
        return json_response(StatusCode::OK, &summary);
    }
    let (status, http, msg) = match summary["status"].as_str() {
        Some("SUCCESS") => ("OK", StatusCode::OK, "Import was successful."),
        // 2.43: a partial import is a 200 (§12.1).
        Some("WARNING") if s.version >= Version::V243 => (
            "WARNING",
            StatusCode::OK,
            "Import completed with warnings, please check import summary.",
        ),
        Some("WARNING") => (
            "WARNING",
            StatusCode::CONFLICT,
            "One more conflicts encountered, please check import summary.",
        ),
        _ => (
            "ERROR",
            StatusCode::CONFLICT,
            "An error occurred, please check import summary.",
        ),
    };
    json_response(
        http,
        &json!({"httpStatus": http.canonical_reason().unwrap_or(""), "httpStatusCode": http.as_u16(), "status": status,
                "message": msg, "response": summary}),
    )
}

fn is_zero(v: &str) -> bool {
    let mut parts = v.splitn(2, '.');
    parts.next() == Some("0") && parts.next().is_none_or(|f| f.bytes().all(|b| b == b'0'))
}

/// `POST /api/dataValueSets`.
pub fn import(
    s: &Shared,
    path_version: Option<u32>,
    params: &[(String, String)],
    body: &[u8],
) -> Response {
    let v = s.version;
    let payload: Value = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => {
            let summary = json!({"responseType": "ImportSummary", "status": "ERROR",
                "description": format!("The import process failed: {e}"),
                "importCount": {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0}, "conflicts": []});
            return summary_response(s, path_version, summary);
        }
    };
    let id_scheme = param(params, "idScheme").unwrap_or("UID");
    let scheme = |name: &str| {
        payload[name]
            .as_str()
            .map(str::to_string)
            .or_else(|| param(params, name).map(str::to_string))
            .unwrap_or_else(|| id_scheme.to_string())
    };
    let de_scheme = scheme("dataElementIdScheme");
    let ou_scheme = scheme("orgUnitIdScheme");
    let coc_scheme = scheme("categoryOptionComboIdScheme");
    let dry_run = param(params, "dryRun").is_some_and(|d| d == "true") || payload["dryRun"] == true;
    let strategy = param(params, "importStrategy")
        .or(param(params, "strategy"))
        .unwrap_or("CREATE_AND_UPDATE")
        .to_ascii_uppercase();
    let strategy = match strategy.as_str() {
        "NEW_AND_UPDATES" => "CREATE_AND_UPDATE".to_string(),
        "NEW" => "CREATE".to_string(),
        "UPDATES" => "UPDATE".to_string(),
        "DELETES" => "DELETE".to_string(),
        other => other.to_string(),
    };
    let store = s.store.read().expect("store");
    let mut data = s.data.lock().expect("data");
    let strict = data.strict;
    let today = data.today.clone();
    let default = default_coc(&store);
    let mut conflicts = Conflicts {
        version: v,
        list: Vec::new(),
    };
    let mut rejected = Vec::new();
    let (mut imported, mut updated, mut ignored, mut deleted, mut uncounted) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut writes: Vec<(Key, Option<Stored>)> = Vec::new();
    let values = payload["dataValues"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (i, dv) in values.iter().enumerate() {
        let text = |k: &str| {
            dv[k]
                .as_str()
                .map(str::to_string)
                .or_else(|| (!dv[k].is_null()).then(|| dv[k].to_string()))
                .filter(|t| !t.is_empty())
        };
        // Top-level period/orgUnit/AOC override the value's own (§6.1).
        let de_raw = text("dataElement").unwrap_or_default();
        let pe = payload["period"]
            .as_str()
            .map(str::to_string)
            .or_else(|| text("period"))
            .unwrap_or_default();
        let ou_raw = payload["orgUnit"]
            .as_str()
            .map(str::to_string)
            .or_else(|| text("orgUnit"))
            .unwrap_or_default();
        let coc_raw = text("categoryOptionCombo");
        let aoc_raw = payload["attributeOptionCombo"]
            .as_str()
            .map(str::to_string)
            .or_else(|| text("attributeOptionCombo"));
        let value = text("value");
        let mut reject = |code: &str,
                          objects: &[(&str, String)],
                          message: String,
                          legacy: (String, String),
                          property: Option<&str>| {
            conflicts.add(i, code, objects, message, legacy, property);
            rejected.push(i);
        };
        let Some(de) = obj(&store, "dataElements", &de_scheme, &de_raw)
            .filter(|d| !data.unwritable.contains(d["id"].as_str().unwrap_or("")))
        else {
            reject(
                "E7610",
                &[("dataElement", de_raw.clone())],
                format!("Data element not found or not accessible: `{de_raw}`"),
                (
                    de_raw.clone(),
                    "Data element not found or not accessible".into(),
                ),
                Some("dataElement"),
            );
            continue;
        };
        let de_id = id_of(de);
        let Some(period_type) = super::periods::period_type(&pe) else {
            reject(
                "E7611",
                &[("period", pe.clone())],
                format!("Period not valid: `{pe}`"),
                (pe.clone(), "Period not valid".into()),
                Some("period"),
            );
            continue;
        };
        let Some(ou) = obj(&store, "organisationUnits", &ou_scheme, &ou_raw) else {
            reject(
                "E7612",
                &[("organisationUnit", ou_raw.clone())],
                format!("Organisation unit not found or not accessible: `{ou_raw}`"),
                (
                    ou_raw.clone(),
                    "Organisation unit not found or not accessible".into(),
                ),
                Some("orgUnit"),
            );
            continue;
        };
        let ou_id = id_of(ou);
        let coc_id = match &coc_raw {
            None => default.clone(),
            Some(c) => match obj(&store, "categoryOptionCombos", &coc_scheme, c) {
                Some(o) => id_of(o),
                None => {
                    reject(
                        "E7613",
                        &[("categoryOptionCombo", c.clone())],
                        format!(
                            "Category option combo not found or not accessible for writing data: `{c}`"
                        ),
                        (
                            c.clone(),
                            "Category option combo not found or not accessible".into(),
                        ),
                        Some("categoryOptionCombo"),
                    );
                    continue;
                }
            },
        };
        // AOCs resolve with the COC scheme: attributeOptionComboIdScheme is not bound (§6.2).
        let aoc_id = match &aoc_raw {
            None => default.clone(),
            Some(a) => match obj(&store, "categoryOptionCombos", &coc_scheme, a) {
                Some(o) => id_of(o),
                None => {
                    reject(
                        "E7615",
                        &[("categoryOptionCombo", a.clone())],
                        format!(
                            "Attribute option combo not found or not accessible for writing data: `{a}`"
                        ),
                        (
                            a.clone(),
                            "Attribute option combo not found or not accessible".into(),
                        ),
                        Some("attributeOptionCombo"),
                    );
                    continue;
                }
            },
        };
        let deleting = strategy == "DELETE" || dv["deleted"] == true;
        if value.is_none() && text("comment").is_none() && !deleting {
            reject(
                "E7618",
                &[("dataElement", de_id.clone())],
                format!("Data value or comment not specified for data element: `{de_id}`"),
                (de_id.clone(), "Data value or comment not specified".into()),
                Some("value"),
            );
            continue;
        }
        let value_type = de["valueType"].as_str().unwrap_or("TEXT");
        if let Some(val) = &value
            && let Some(key) = value_type_problem(val, value_type)
        {
            let reason = reason_text(v, key);
            reject(
                "E7619",
                &[("dataElement", de_id.clone()), ("value", key.to_string())],
                format!("Value must match value type of data element `{de_id}`: `{reason}`"),
                (
                    val.clone(),
                    format!("{reason}, must match data element type: {de_id}"),
                ),
                Some("value"),
            );
            continue;
        }
        let sets = data_sets_of(&store, &de_id);
        if strict.periods && !sets.iter().any(|ds| ds["periodType"] == period_type) {
            reject(
                "E7632",
                &[("period", pe.clone()), ("dataElement", de_id.clone())],
                format!("Period type of period: `{pe}` not valid for data element: `{de_id}`"),
                (
                    pe.clone(),
                    "Period type of period not valid for data element".into(),
                ),
                None,
            );
            continue;
        }
        if strict.category_option_combos {
            let combo = de
                .pointer("/categoryCombo/id")
                .and_then(Value::as_str)
                .unwrap_or("");
            let in_combo = store
                .collections
                .get("categoryOptionCombos")
                .is_some_and(|cocs| {
                    cocs.iter().any(|c| {
                        c["id"] == coc_id.as_str()
                            && c.pointer("/categoryCombo/id") == Some(&json!(combo))
                    })
                });
            if !in_combo {
                reject(
                    "E7634",
                    &[
                        ("categoryOptionCombo", coc_id.clone()),
                        ("dataElement", de_id.clone()),
                    ],
                    format!(
                        "Category option combo: `{coc_id}` must be part of category combo of data element: `{de_id}`"
                    ),
                    (
                        coc_id.clone(),
                        "Category option combo must be part of category combo of data element"
                            .into(),
                    ),
                    Some("categoryOptionCombo"),
                );
                continue;
            }
        }
        if strict.organisation_units
            && !sets.iter().any(|ds| {
                ds["organisationUnits"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|x| x["id"] == ou_id.as_str()))
            })
        {
            reject(
                "E7636",
                &[
                    ("organisationUnit", ou_id.clone()),
                    ("dataElement", de_id.clone()),
                ],
                format!(
                    "Data element: `{de_id}` must be assigned through data sets to organisation unit: `{ou_id}`"
                ),
                (
                    ou_id.clone(),
                    "Data element must be assigned through data sets to organisation unit".into(),
                ),
                Some("orgUnit"),
            );
            continue;
        }

        // Check 24: not after the latest open future period of the data sets holding the
        // DE that the org unit reports (any of them may allow it).
        let assigned: Vec<&&Value> = sets
            .iter()
            .filter(|ds| {
                ds["organisationUnits"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|x| x["id"] == ou_id.as_str()))
            })
            .collect();
        let locked: Vec<(String, bool)> = assigned
            .iter()
            .filter_map(|ds| {
                let open = ds["openFuturePeriods"].as_i64().unwrap_or(0);
                let after =
                    super::periods::after_open(&pe, ds["periodType"].as_str()?, open, &today)?;
                Some((id_of(ds), after))
            })
            .collect();
        if !locked.is_empty() && locked.iter().all(|(_, after)| *after) {
            let ds = locked[0].0.clone();
            reject(
                "E7641",
                &[
                    ("period", pe.clone()),
                    ("dataElement", de_id.clone()),
                    ("dataSet", ds.clone()),
                ],
                format!(
                    "Period: `{pe}` is after latest open future period: `{today}` for data element: `{de_id}` and data set: `{ds}`"
                ),
                (
                    pe.clone(),
                    "Period is after latest open future period".into(),
                ),
                Some("period"),
            );
            continue;
        }

        // §6.4: what happens to a valid value.
        let key: Key = (
            de_id.clone(),
            pe.clone(),
            ou_id.clone(),
            coc_id.clone(),
            aoc_id.clone(),
        );
        let existing = data.values.get(&key).filter(|e| !e.deleted).cloned();
        let numeric = value_type.starts_with("INTEGER")
            || matches!(value_type, "NUMBER" | "PERCENTAGE" | "UNIT_INTERVAL");
        let zero_insignificant = value.as_deref().is_some_and(is_zero)
            && numeric
            && de["zeroIsSignificant"] != true
            && !matches!(
                de["aggregationType"].as_str(),
                Some("AVERAGE" | "AVERAGE_SUM_ORG_UNIT")
            );
        let tombstone = || Stored {
            value: None,
            comment: None,
            deleted: true,
            created: today.clone(),
            last_updated: today.clone(),
        };
        let fresh = |val: &Option<String>| Stored {
            value: val.clone(),
            comment: None,
            deleted: false,
            created: today.clone(),
            last_updated: today.clone(),
        };
        match (existing, strategy.as_str()) {
            (_, "DELETE") => match data.values.get(&key).filter(|e| !e.deleted) {
                Some(_) => {
                    deleted += 1;
                    writes.push((key, Some(tombstone())));
                }
                None => ignored += 1,
            },
            (None, "UPDATE") => ignored += 1,
            (None, _) if zero_insignificant || deleting => {
                // Skipped without a conflict; 2.37+ count it nowhere (§6.4).
                if v.minor() < 37 {
                    ignored += 1
                } else {
                    uncounted += 1
                }
            }
            (None, _) => {
                imported += 1;
                writes.push((key, Some(fresh(&value))));
            }
            (Some(_), "CREATE") => ignored += 1,
            (Some(_), _) if zero_insignificant || deleting => {
                deleted += 1;
                writes.push((key, Some(tombstone())));
            }
            (Some(old), _) if old.value == value && old.comment.is_none() => {
                if v >= Version::V238 {
                    ignored += 1;
                } else {
                    updated += 1;
                }
            }
            (Some(old), _) => {
                updated += 1;
                writes.push((
                    key,
                    Some(Stored {
                        created: old.created,
                        ..fresh(&value)
                    }),
                ));
            }
        }
    }
    ignored += rejected.len() as u64;
    // Zero-insignificant values skipped on 2.37+ appear in no count.
    let _skipped_uncounted = uncounted;
    if !dry_run {
        for (k, w) in writes {
            if let Some(w) = w {
                data.values.insert(k, w);
            }
        }
        data.imports += 1;
    }
    let status = if conflicts.list.is_empty() {
        "SUCCESS"
    } else {
        "WARNING"
    };
    let mut summary = json!({
        "responseType": "ImportSummary", "status": status,
        "importOptions": {"idSchemes": {}, "dryRun": dry_run, "async": false, "importStrategy": strategy,
                          "mergeMode": "REPLACE", "reportMode": "FULL", "skipExistingCheck": false},
        "description": "Import process completed successfully",
        "importCount": {"imported": imported, "updated": updated, "ignored": ignored, "deleted": deleted},
        "conflicts": conflicts.list,
        "dataSetComplete": "false",
    });
    if v.minor() >= 39 {
        rejected.sort_unstable();
        rejected.dedup();
        summary["rejectedIndexes"] = json!(rejected);
    }
    drop(data);
    drop(store);
    summary_response(s, path_version, summary)
}

/// `GET /api/dataValueSets` (§7.1).
pub fn read(s: &Shared, params: &[(String, String)]) -> Response {
    let v = s.version;
    let data_sets = params_all(params, "dataSet");
    let des = params_all(params, "dataElement");
    let periods = params_all(params, "period");
    let ous = params_all(params, "orgUnit");
    let dates = param(params, "startDate").is_some() || param(params, "endDate").is_some();
    if data_sets.is_empty() && des.is_empty() && param(params, "dataElementGroup").is_none() {
        return web_message(
            v,
            StatusCode::CONFLICT,
            "At least one data set, data element or data element group must be specified",
            Some("E2001"),
        );
    }
    if periods.is_empty()
        && !dates
        && param(params, "lastUpdated").is_none()
        && param(params, "lastUpdatedDuration").is_none()
    {
        return web_message(
            v,
            StatusCode::CONFLICT,
            "At least one period, start/end dates, last updated or last updated duration must be specified",
            Some("E2002"),
        );
    }
    if !periods.is_empty() && dates {
        return web_message(
            v,
            StatusCode::CONFLICT,
            "Periods and start/end dates cannot both be specified",
            Some("E2003"),
        );
    }
    if ous.is_empty() && param(params, "orgUnitGroup").is_none() {
        return web_message(
            v,
            StatusCode::CONFLICT,
            "At least one organisation unit or organisation unit group must be specified",
            Some("E2006"),
        );
    }
    let store = s.store.read().expect("store");
    let mut wanted_des: Vec<String> = des.iter().map(|d| d.to_string()).collect();
    for ds in store.collections.get("dataSets").into_iter().flatten() {
        if data_sets.iter().any(|d| ds["id"] == *d) {
            for e in ds["dataSetElements"].as_array().into_iter().flatten() {
                if let Some(id) = e.pointer("/dataElement/id").and_then(Value::as_str) {
                    wanted_des.push(id.to_string());
                }
            }
        }
    }
    let children = param(params, "children").is_some_and(|c| c == "true");
    let org_units = store
        .collections
        .get("organisationUnits")
        .cloned()
        .unwrap_or_default();
    let in_scope = |ou: &str| {
        ous.contains(&ou)
            || children
                && org_units.iter().any(|o| {
                    o["id"] == ou
                        && o["path"].as_str().is_some_and(|p| {
                            ous.iter().any(|root| p.contains(&format!("/{root}/")))
                        })
                })
    };
    let include_deleted = param(params, "includeDeleted").is_some_and(|d| d == "true");
    let id_scheme = param(params, "idScheme").unwrap_or("UID");
    let out = |collection: &str, id: &str, specific: &str| -> Value {
        let sch = param(params, specific)
            .unwrap_or(id_scheme)
            .to_ascii_uppercase();
        let o = store
            .collections
            .get(collection)
            .and_then(|c| c.iter().find(|o| o["id"] == id));
        match (sch.as_str(), o) {
            ("CODE", Some(o)) => o.get("code").cloned().unwrap_or(json!(id)),
            ("NAME", Some(o)) => o.get("name").cloned().unwrap_or(json!(id)),
            _ => json!(id),
        }
    };
    let data = s.data.lock().expect("data");
    let mut rows: Vec<(&Key, &Stored)> = data
        .values
        .iter()
        .filter(|((de, pe, ou, _, _), st)| {
            wanted_des.iter().any(|d| d == de)
                && periods.contains(&pe.as_str())
                && in_scope(ou)
                && (include_deleted || !st.deleted)
        })
        .collect();
    rows.sort_by(|a, b| {
        super::periods::start_key(&a.0.1)
            .cmp(&super::periods::start_key(&b.0.1))
            .then(a.1.created.cmp(&b.1.created))
            .then(a.0.0.cmp(&b.0.0))
    });
    let values: Vec<Value> = rows
        .iter()
        .map(|((de, pe, ou, coc, aoc), st)| {
            // The streaming writer writes null fields explicitly.
            let mut r = json!({
                "dataElement": out("dataElements", de, "dataElementIdScheme"), "period": pe,
                "orgUnit": out("organisationUnits", ou, "orgUnitIdScheme"),
                "categoryOptionCombo": out("categoryOptionCombos", coc, "categoryOptionComboIdScheme"),
                "attributeOptionCombo": out("categoryOptionCombos", aoc, "attributeOptionComboIdScheme"),
                "value": st.value, "storedBy": "admin", "created": format!("{}T10:15:30.123+0000", st.created),
                "lastUpdated": format!("{}T10:15:30.123+0000", st.last_updated), "comment": st.comment, "followup": false,
            });
            if st.deleted {
                r["deleted"] = json!(true);
            }
            r
        })
        .collect();
    let body = if data_sets.len() == 1 && periods.len() == 1 && ous.len() == 1 {
        json!({"dataSet": data_sets[0], "completeDate": null, "period": periods[0], "orgUnit": ous[0], "dataValues": values})
    } else {
        json!({"dataValues": values})
    };
    json_response(StatusCode::OK, &body)
}

/// `POST /api/completeDataSetRegistrations` (§7.2).
pub fn complete(s: &Shared, path_version: Option<u32>, body: &[u8]) -> Response {
    let payload: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let store = s.store.read().expect("store");
    let mut data = s.data.lock().expect("data");
    let (mut imported, mut updated, mut ignored) = (0u64, 0u64, 0u64);
    let mut conflicts = Vec::new();
    for r in payload["completeDataSetRegistrations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let ds = r["dataSet"].as_str().unwrap_or("");
        let ou = r["organisationUnit"].as_str().unwrap_or("");
        let pe = r["period"].as_str().unwrap_or("");
        if obj(&store, "dataSets", "UID", ds).is_none() {
            conflicts.push(json!({"object": ds, "value": "Data set not found"}));
            ignored += 1;
            continue;
        }
        if obj(&store, "organisationUnits", "UID", ou).is_none() {
            conflicts.push(json!({"object": ou, "value": "Organisation unit not found"}));
            ignored += 1;
            continue;
        }
        let key = (ds.to_string(), pe.to_string(), ou.to_string());
        if data.registrations.insert(key, r.clone()).is_some() {
            updated += 1;
        } else {
            imported += 1;
        }
    }
    drop(data);
    drop(store);
    let status = if conflicts.is_empty() {
        "SUCCESS"
    } else {
        "WARNING"
    };
    summary_response(
        s,
        path_version,
        json!({"responseType": "ImportSummary", "status": status,
               "importCount": {"imported": imported, "updated": updated, "ignored": ignored, "deleted": 0},
               "conflicts": conflicts}),
    )
}

/// `POST /api/messageConversations` (§7.3).
pub fn message(s: &Shared, body: &[u8]) -> Response {
    let v = s.version;
    let msg: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let ids = |k: &str| -> Vec<String> {
        msg[k]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["id"].as_str().map(str::to_string))
            .collect()
    };
    let (users, groups) = (ids("users"), ids("userGroups"));
    if users.is_empty() && groups.is_empty() && ids("organisationUnits").is_empty() {
        return web_message(v, StatusCode::CONFLICT, "No recipients selected.", None);
    }
    let store = s.store.read().expect("store");
    if let Some(u) = users
        .iter()
        .find(|u| obj(&store, "users", "UID", u).is_none())
    {
        return web_message(
            v,
            StatusCode::CONFLICT,
            &format!("User does not exist: {u}"),
            None,
        );
    }
    if groups
        .iter()
        .any(|g| obj(&store, "userGroups", "UID", g).is_none())
    {
        return web_message(v, StatusCode::NOT_FOUND, "User group does not exist", None);
    }
    drop(store);
    let mut data = s.data.lock().expect("data");
    data.messages.push(msg);
    data.next_id += 1;
    let id = format!("msg{:08}", data.next_id);
    let mut r = web_message(v, StatusCode::CREATED, "Message conversation created", None);
    r.headers_mut().insert(
        header::LOCATION,
        format!("{}/api/messageConversations/{id}", s.context_path)
            .parse()
            .expect("header"),
    );
    r
}

/// Values as a map for test assertions: (DE, period, OU, COC, AOC) -> value.
pub fn snapshot(values: &BTreeMap<Key, Stored>) -> BTreeMap<Key, String> {
    values
        .iter()
        .filter(|(_, s)| !s.deleted)
        .map(|(k, s)| (k.clone(), s.value.clone().unwrap_or_default()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_types_follow_dhis2() {
        assert_eq!(
            value_type_problem("12.0", "INTEGER"),
            Some("value_not_integer")
        );
        assert_eq!(
            value_type_problem("007", "INTEGER"),
            Some("value_not_integer")
        );
        assert_eq!(
            value_type_problem("0", "INTEGER_POSITIVE"),
            Some("value_not_positive_integer")
        );
        assert_eq!(value_type_problem("0", "INTEGER_ZERO_OR_POSITIVE"), None);
        assert_eq!(value_type_problem("-3", "INTEGER_NEGATIVE"), None);
        assert_eq!(
            value_type_problem("1e3", "NUMBER"),
            Some("value_not_numeric")
        );
        assert_eq!(
            value_type_problem(".5", "NUMBER"),
            Some("value_not_numeric")
        );
        assert_eq!(value_type_problem("12.5", "NUMBER"), None);
        assert_eq!(
            value_type_problem("101", "PERCENTAGE"),
            Some("value_not_percentage")
        );
        assert_eq!(
            value_type_problem("3000000000", "INTEGER"),
            Some("value_not_integer")
        );
    }

    #[test]
    fn conflicts_merge_on_2_41_and_stay_plain_on_2_36() {
        let mut c = Conflicts {
            version: Version::V241,
            list: Vec::new(),
        };
        for i in [1, 3] {
            c.add(
                i,
                "E7610",
                &[("dataElement", "X".into())],
                "Data element not found or not accessible: `X`".into(),
                ("X".into(), "old".into()),
                Some("dataElement"),
            );
        }
        assert_eq!(c.list.len(), 1);
        assert_eq!(c.list[0]["indexes"], json!([1, 3]));
        assert_eq!(c.list[0]["object"], "X");
        let mut c = Conflicts {
            version: Version::V236,
            list: Vec::new(),
        };
        c.add(
            0,
            "E7610",
            &[("dataElement", "X".into())],
            "new".into(),
            (
                "X".into(),
                "Data element not found or not accessible".into(),
            ),
            None,
        );
        assert_eq!(
            c.list[0],
            json!({"object": "X", "value": "Data element not found or not accessible"})
        );
    }
}
