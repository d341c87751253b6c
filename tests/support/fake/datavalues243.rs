//! `POST /api/dataValueSets` and `GET /api/dataValueSets` as DHIS2 2.43 answers them
//! (dhis2-api.md §12.1, §12.3, §12.4): one payload is one group with one target data
//! set; a decoding failure fails the whole request, a group check rejects every value of
//! the group, value checks drop single values; every valid value is upserted and
//! counted `updated` (`imported` is always 0); zeros are stored; integer `"12.0"` is
//! normalised.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::datavalues::{Key, Stored, data_sets_of, default_coc, id_of, obj, summary_response};
use super::{Shared, Store, param, params_all, web_message};

/// A conflict as 2.43 writes it: no `object`, no `property`; the arguments joined.
fn conflict(code: &str, args: &[String], message: String, indexes: &[usize]) -> Value {
    json!({"objects": {"args": list(args)}, "value": message, "errorCode": code, "indexes": indexes})
}

/// Lists print as `[a, b]`.
fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

fn summary(
    status: &str,
    updated: u64,
    ignored: u64,
    deleted: u64,
    conflicts: Vec<Value>,
    rejected: Vec<usize>,
    dry_run: bool,
) -> Value {
    json!({
        "responseType": "ImportSummary", "status": status,
        "importOptions": {"idSchemes": {}, "dryRun": dry_run, "async": false, "importStrategy": "CREATE_AND_UPDATE"},
        "importCount": {"imported": 0, "updated": updated, "ignored": ignored, "deleted": deleted},
        "conflicts": conflicts, "rejectedIndexes": rejected, "dataSetComplete": "false",
    })
}

/// A whole request failed (decoding, target data set): nothing written.
fn failed(
    s: &Shared,
    path_version: Option<u32>,
    c: Value,
    rejected: Vec<usize>,
    dry_run: bool,
) -> Response {
    summary_response(
        s,
        path_version,
        summary("ERROR", 0, 0, 0, vec![c], rejected, dry_run),
    )
}

/// A decoding conflict: the whole request, `indexes: [-1]`.
fn decoding(code: &str, args: &[String], message: String) -> Value {
    json!({"objects": {"args": list(args)}, "value": message, "errorCode": code, "indexes": [-1]})
}

/// A value as decoded: UIDs (or the text that failed to resolve by UID, to fail later).
struct Decoded {
    de: String,
    pe: String,
    ou: String,
    coc: Option<String>,
    aoc: String,
    value: Option<String>,
    deleted: bool,
}

fn is_uid(s: &str) -> bool {
    s.len() == 11
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Resolve an id under a scheme: by UID only the form is checked here (a well-formed
/// unknown UID fails at group level); other schemes must find the object.
fn decode_id(
    store: &Store,
    collection: &str,
    scheme: &str,
    raw: &str,
    bad_uid: &str,
    not_found: &str,
    what: &str,
) -> Result<String, (String, String)> {
    if scheme.eq_ignore_ascii_case("UID") {
        if is_uid(raw) {
            return Ok(raw.to_string());
        }
        return Err((
            bad_uid.to_string(),
            format!("{what} `{raw}` is not a valid UID"),
        ));
    }
    obj(store, collection, scheme, raw)
        .map(id_of)
        .ok_or_else(|| (not_found.to_string(), format!("{what} not found: `{raw}`")))
}

/// `POST /api/dataValueSets` on 2.43.
pub fn import(
    s: &Shared,
    path_version: Option<u32>,
    params: &[(String, String)],
    body: &[u8],
) -> Response {
    let payload: Value = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(e) => {
            let c = conflict("E8000", &[], format!("Invalid JSON: {e}"), &[]);
            return failed(s, path_version, c, Vec::new(), false);
        }
    };
    let id_scheme = payload["idScheme"]
        .as_str()
        .or(param(params, "idScheme"))
        .unwrap_or("UID")
        .to_string();
    // Payload wins over URL; AOCs fall back to `idScheme`, not to the COC scheme.
    let scheme = |name: &str, url: bool| {
        payload[name]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                url.then(|| param(params, name).map(str::to_string))
                    .flatten()
            })
            .unwrap_or_else(|| id_scheme.clone())
    };
    let (ds_scheme, de_scheme, ou_scheme, coc_scheme) = (
        scheme("dataSetIdScheme", true),
        scheme("dataElementIdScheme", true),
        scheme("orgUnitIdScheme", true),
        scheme("categoryOptionComboIdScheme", true),
    );
    let aoc_scheme = scheme("attributeOptionComboIdScheme", false);
    let dry_run = param(params, "dryRun").is_some_and(|d| d == "true") || payload["dryRun"] == true;
    let deleting = param(params, "importStrategy")
        .or(param(params, "strategy"))
        .is_some_and(|st| st.eq_ignore_ascii_case("DELETE") || st.eq_ignore_ascii_case("DELETES"));
    let store = s.store.read().expect("store");
    let default = default_coc(&store);
    let values = payload["dataValues"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let all: Vec<usize> = (0..values.len()).collect();

    // Decoding: any failure fails the whole request.
    let mut decoded = Vec::new();
    for dv in &values {
        let text = |k: &str| {
            dv[k]
                .as_str()
                .map(str::to_string)
                .or_else(|| (!dv[k].is_null()).then(|| dv[k].to_string()))
                .filter(|t| !t.is_empty())
        };
        // Value-level period / orgUnit / AOC win; the group-level ones are fallbacks.
        let pe = text("period").or_else(|| payload["period"].as_str().map(str::to_string));
        let ou = text("orgUnit").or_else(|| payload["orgUnit"].as_str().map(str::to_string));
        let aoc = text("attributeOptionCombo")
            .or_else(|| payload["attributeOptionCombo"].as_str().map(str::to_string));
        let step = || -> Result<Decoded, (String, String)> {
            let pe = pe
                .clone()
                .ok_or(("E8100".to_string(), "Period is missing".to_string()))?;
            let de_raw = text("dataElement")
                .ok_or(("E8102".to_string(), "Data element is missing".to_string()))?;
            let de = decode_id(
                &store,
                "dataElements",
                &de_scheme,
                &de_raw,
                "E8104",
                "E8103",
                "Data element",
            )?;
            let ou_raw = ou.clone().ok_or((
                "E8105".to_string(),
                "Organisation unit is missing".to_string(),
            ))?;
            let ou = decode_id(
                &store,
                "organisationUnits",
                &ou_scheme,
                &ou_raw,
                "E8107",
                "E8106",
                "Organisation unit",
            )?;
            let coc = match text("categoryOptionCombo") {
                None => None,
                Some(c) => Some(decode_id(
                    &store,
                    "categoryOptionCombos",
                    &coc_scheme,
                    &c,
                    "E8109",
                    "E8108",
                    "Category option combo",
                )?),
            };
            let aoc = match &aoc {
                None => default.clone(),
                Some(a) => decode_id(
                    &store,
                    "categoryOptionCombos",
                    &aoc_scheme,
                    a,
                    "E8111",
                    "E8110",
                    "Attribute option combo",
                )?,
            };
            Ok(Decoded {
                de,
                pe,
                ou,
                coc,
                aoc,
                value: text("value"),
                deleted: dv["deleted"] == true,
            })
        };
        match step() {
            Ok(d) => decoded.push(d),
            Err((code, message)) => {
                drop(store);
                return failed(
                    s,
                    path_version,
                    decoding(&code, &[], message),
                    Vec::new(),
                    dry_run,
                );
            }
        }
    }

    // The target data set: the envelope's, else the one data set of all the values' DEs.
    let data_set = match payload["dataSet"].as_str() {
        Some(raw) => match obj(&store, "dataSets", &ds_scheme, raw) {
            Some(ds) => ds.clone(),
            None => {
                let code = if ds_scheme.eq_ignore_ascii_case("UID") {
                    "E8004"
                } else {
                    "E8005"
                };
                let c = decoding(
                    code,
                    &[raw.to_string()],
                    format!("Data set not found: `{raw}`"),
                );
                drop(store);
                return failed(s, path_version, c, Vec::new(), dry_run);
            }
        },
        None => {
            let mut sets: Vec<String> = decoded
                .iter()
                .flat_map(|d| data_sets_of(&store, &d.de).into_iter().map(id_of))
                .collect();
            sets.sort();
            sets.dedup();
            match sets.as_slice() {
                [one] => obj(&store, "dataSets", "UID", one)
                    .cloned()
                    .unwrap_or(Value::Null),
                [] => {
                    let mut des: Vec<String> = decoded.iter().map(|d| d.de.clone()).collect();
                    des.dedup();
                    let c = conflict(
                        "E8003",
                        &des,
                        format!(
                            "Data set detection failed, found no set for data element(s): `{}`",
                            list(&des)
                        ),
                        &all,
                    );
                    drop(store);
                    return failed(s, path_version, c, all, dry_run);
                }
                many => {
                    let c = conflict(
                        "E8002",
                        many,
                        format!(
                            "Data set detection failed, found multiple sets: `{}`",
                            list(many)
                        ),
                        &all,
                    );
                    drop(store);
                    return failed(s, path_version, c, all, dry_run);
                }
            }
        }
    };

    // Group checks: the first failure rejects every value of the group.
    if let Some(c) = group_check(
        &store,
        &data_set,
        &decoded,
        &all,
        &s.data.lock().expect("data").today,
        &default,
    ) {
        drop(store);
        let rejected = all.clone();
        return summary_response(
            s,
            path_version,
            summary("ERROR", 0, 0, 0, vec![c], rejected, dry_run),
        );
    }

    // Deletion scope: validated like the group, applied before the upsert.
    let mut scope: Vec<Key> = Vec::new();
    if let Some(d) = payload.get("deletion").filter(|d| d.is_object()) {
        let ids = |k: &str| -> Vec<String> {
            d[k].as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        let (ous, pes) = (ids("orgUnits"), ids("periods"));
        let mut elements = Vec::new();
        for e in d["elements"].as_array().into_iter().flatten() {
            let de_raw = e["dataElement"].as_str().unwrap_or("");
            let de = obj(&store, "dataElements", &de_scheme, de_raw)
                .map(id_of)
                .unwrap_or_else(|| de_raw.to_string());
            let coc = e["categoryOptionCombo"]
                .as_str()
                .map(|c| {
                    obj(&store, "categoryOptionCombos", &coc_scheme, c)
                        .map(id_of)
                        .unwrap_or_else(|| c.to_string())
                })
                .unwrap_or_else(|| default.clone());
            let aoc = e["attributeOptionCombo"]
                .as_str()
                .map(|a| {
                    obj(&store, "categoryOptionCombos", &aoc_scheme, a)
                        .map(id_of)
                        .unwrap_or_else(|| a.to_string())
                })
                .unwrap_or_else(|| default.clone());
            elements.push((de, coc, aoc));
        }
        let ous: Vec<String> = ous
            .iter()
            .map(|o| {
                obj(&store, "organisationUnits", &ou_scheme, o)
                    .map(id_of)
                    .unwrap_or_else(|| o.clone())
            })
            .collect();
        let mut as_values: Vec<Decoded> = Vec::new();
        for (de, _, aoc) in &elements {
            for ou in &ous {
                for pe in &pes {
                    as_values.push(Decoded {
                        de: de.clone(),
                        pe: pe.clone(),
                        ou: ou.clone(),
                        coc: None,
                        aoc: aoc.clone(),
                        value: None,
                        deleted: true,
                    });
                }
            }
        }
        let today = s.data.lock().expect("data").today.clone();
        if let Some(c) = group_check(&store, &data_set, &as_values, &[], &today, &default) {
            drop(store);
            return summary_response(
                s,
                path_version,
                summary("ERROR", 0, 0, 0, vec![c], all, dry_run),
            );
        }
        for (de, coc, aoc) in &elements {
            for ou in &ous {
                for pe in &pes {
                    scope.push((de.clone(), pe.clone(), ou.clone(), coc.clone(), aoc.clone()));
                }
            }
        }
    }

    // Value checks drop single values; every valid value is upserted.
    let mut conflicts = Vec::new();
    let mut rejected = Vec::new();
    let mut writes: Vec<(Key, Stored)> = Vec::new();
    let mut data = s.data.lock().expect("data");
    let today = data.today.clone();
    for (i, d) in decoded.iter().enumerate() {
        let de = obj(&store, "dataElements", "UID", &d.de)
            .cloned()
            .unwrap_or(Value::Null);
        let value_type = de["valueType"].as_str().unwrap_or("TEXT");
        let value = d.value.as_deref().map(|v| normalize(v, value_type));
        if !d.deleted && !deleting {
            match &value {
                None => {
                    conflicts.push(conflict(
                        "E8120",
                        &[format!("{}", i + 1)],
                        format!("Value #{} is missing", i + 1),
                        &[i],
                    ));
                    rejected.push(i);
                    continue;
                }
                Some(v) if value_type_problem(v, value_type).is_some() => {
                    let reason = value_type_problem(v, value_type).unwrap_or("");
                    conflicts.push(conflict(
                        "E8122",
                        &[
                            format!("{}", i + 1),
                            v.clone(),
                            value_type.to_string(),
                            reason.to_string(),
                        ],
                        format!(
                            "Value #{} value `{v}` is no valid {value_type}: {reason}",
                            i + 1
                        ),
                        &[i],
                    ));
                    rejected.push(i);
                    continue;
                }
                _ => {}
            }
        }
        let key: Key = (
            d.de.clone(),
            d.pe.clone(),
            d.ou.clone(),
            d.coc.clone().unwrap_or_else(|| default.clone()),
            d.aoc.clone(),
        );
        let created = data
            .values
            .get(&key)
            .map(|e| e.created.clone())
            .unwrap_or_else(|| today.clone());
        let gone = d.deleted || deleting;
        writes.push((
            key,
            Stored {
                value: if gone { None } else { value },
                comment: None,
                deleted: gone,
                created,
                last_updated: today.clone(),
            },
        ));
    }
    let written = writes.len() as u64;
    let mut deleted = 0;
    if !dry_run {
        for k in &scope {
            if let Some(st) = data.values.get_mut(k).filter(|st| !st.deleted) {
                st.deleted = true;
                deleted += 1;
            }
        }
        for (k, w) in writes {
            data.values.insert(k, w);
        }
        data.imports += 1;
    } else {
        deleted = scope
            .iter()
            .filter(|k| data.values.get(*k).is_some_and(|st| !st.deleted))
            .count() as u64;
    }
    drop(data);
    drop(store);
    let value_errors = conflicts.len() as u64;
    let ignored = (decoded.len() as u64 - written) + value_errors;
    let (updated, deleted) = if deleting {
        (0, deleted + written)
    } else {
        (written, deleted)
    };
    let status = match (value_errors, written) {
        (0, _) => "SUCCESS",
        (_, 0) => "ERROR",
        _ => "WARNING",
    };
    summary_response(
        s,
        path_version,
        summary(
            status, updated, ignored, deleted, conflicts, rejected, dry_run,
        ),
    )
}

/// Group checks 2–6, 9 and 10 of §12.1 (the importing user is a superuser).
fn group_check(
    store: &Store,
    ds: &Value,
    values: &[Decoded],
    indexes: &[usize],
    today: &str,
    default: &str,
) -> Option<Value> {
    let ds_id = id_of(ds);
    let mut missing: Vec<String> = Vec::new();
    for d in values {
        let member = ds["dataSetElements"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e.pointer("/dataElement/id") == Some(&json!(d.de)));
        if !member && !missing.contains(&d.de) {
            missing.push(d.de.clone());
        }
    }
    if !missing.is_empty() {
        return Some(conflict(
            "E8020",
            &[ds_id.clone(), list(&missing)],
            format!(
                "Data element(s) `{}` not in data set `{ds_id}`",
                list(&missing)
            ),
            indexes,
        ));
    }
    let assigned = |ou: &str| {
        ds["organisationUnits"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|x| x["id"] == ou)
    };
    let mut ous: Vec<String> = values
        .iter()
        .filter(|d| !assigned(&d.ou))
        .map(|d| d.ou.clone())
        .collect();
    ous.dedup();
    if !ous.is_empty() {
        return Some(conflict(
            "E8022",
            &[ds_id.clone(), list(&ous)],
            format!(
                "Organisation unit(s) `{}` not assigned to data set `{ds_id}`",
                list(&ous)
            ),
            indexes,
        ));
    }
    let ds_type = ds["periodType"].as_str().unwrap_or("");
    let mut pes: Vec<String> = values
        .iter()
        .filter(|d| super::periods::period_type(&d.pe) != Some(ds_type))
        .map(|d| d.pe.clone())
        .collect();
    pes.dedup();
    if !pes.is_empty() {
        return Some(conflict(
            "E8021",
            &[ds_id.clone(), list(&pes)],
            format!(
                "Period(s) `{}` not of the period type {ds_type} of data set `{ds_id}`",
                list(&pes)
            ),
            indexes,
        ));
    }
    let attr_combo = ds.pointer("/categoryCombo/id").and_then(Value::as_str);
    let combo_of = |coc: &str| {
        store
            .collections
            .get("categoryOptionCombos")
            .and_then(|c| c.iter().find(|o| o["id"] == coc))
            .and_then(|o| o.pointer("/categoryCombo/id"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut aocs: Vec<String> = values
        .iter()
        .filter(|d| {
            let combo = combo_of(&d.aoc);
            match attr_combo {
                None => d.aoc != default,
                Some(a) => {
                    combo.as_deref() != Some(a) && !(d.aoc == default && combo_is_default(store, a))
                }
            }
        })
        .map(|d| d.aoc.clone())
        .collect();
    aocs.dedup();
    if !aocs.is_empty() {
        return Some(conflict(
            "E8023",
            &[ds_id.clone(), list(&aocs)],
            format!(
                "Attribute option combo(s) `{}` not in the attribute combo of data set `{ds_id}`",
                list(&aocs)
            ),
            indexes,
        ));
    }
    let mut cocs: Vec<String> = Vec::new();
    for d in values {
        let Some(coc) = &d.coc else { continue };
        let dse = ds["dataSetElements"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e.pointer("/dataElement/id") == Some(&json!(d.de)));
        let combo = dse
            .and_then(|e| e.pointer("/categoryCombo/id"))
            .or_else(|| {
                store
                    .collections
                    .get("dataElements")
                    .and_then(|c| c.iter().find(|o| o["id"] == d.de.as_str()))
                    .and_then(|o| o.pointer("/categoryCombo/id"))
            })
            .and_then(Value::as_str);
        if combo_of(coc).as_deref() != combo && !cocs.contains(coc) {
            cocs.push(coc.clone());
        }
    }
    if !cocs.is_empty() {
        return Some(conflict(
            "E8024",
            &[ds_id.clone(), list(&cocs)],
            format!(
                "Category option combo(s) `{}` not in the category combo of their data element in data set `{ds_id}`",
                list(&cocs)
            ),
            indexes,
        ));
    }
    let open = ds["openFuturePeriods"].as_i64().unwrap_or(0);
    let mut late: Vec<String> = values
        .iter()
        .filter(|d| super::periods::after_open(&d.pe, ds_type, open, today).unwrap_or(false))
        .map(|d| d.pe.clone())
        .collect();
    late.dedup();
    if !late.is_empty() {
        return Some(conflict(
            "E8030",
            &[ds_id.clone(), list(&late)],
            format!(
                "Period(s) `{}` not open for data entry in data set `{ds_id}`",
                list(&late)
            ),
            indexes,
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for d in values.iter().filter(|d| !d.deleted) {
        let key = (
            &d.de,
            &d.ou,
            d.coc.as_deref().unwrap_or(default),
            &d.aoc,
            &d.pe,
        );
        if !seen.insert(key) {
            return Some(conflict(
                "E8128",
                &[d.de.clone(), d.ou.clone(), d.pe.clone()],
                format!(
                    "Duplicate value for data element `{}`, org unit `{}`, period `{}`",
                    d.de, d.ou, d.pe
                ),
                indexes,
            ));
        }
    }
    None
}

fn combo_is_default(store: &Store, combo: &str) -> bool {
    store
        .collections
        .get("categoryCombos")
        .and_then(|c| c.iter().find(|o| o["id"] == combo))
        .is_some_and(|o| o["name"] == "default")
}

/// `normalizeValue` (§12.4): integer types lose a trailing `.0`.
fn normalize(value: &str, value_type: &str) -> String {
    if value_type.starts_with("INTEGER")
        && let Some(int) = value.strip_suffix(".0")
    {
        return int.to_string();
    }
    value.to_string()
}

fn value_type_problem(value: &str, value_type: &str) -> Option<&'static str> {
    super::datavalues::value_type_problem(value, value_type)
}

/// `GET /api/dataValueSets` on 2.43 (§12.3).
pub fn read(s: &Shared, params: &[(String, String)]) -> Response {
    let v = s.version;
    let data_sets = params_all(params, "dataSet");
    let periods = params_all(params, "period");
    let ous = params_all(params, "orgUnit");
    let dates = param(params, "startDate").is_some() && param(params, "endDate").is_some();
    if data_sets.is_empty() && params_all(params, "dataElement").is_empty() {
        return web_message(
            v,
            StatusCode::CONFLICT,
            "At least one data set, data element or data element group must be specified",
            Some("E2001"),
        );
    }
    // 2.43.0 and 2.43.1: `lastUpdated` alone is not a period filter any more (DHIS2-21821).
    if periods.is_empty() && !dates {
        return web_message(
            v,
            StatusCode::CONFLICT,
            "At least one period, start/end dates, last updated or last updated duration must be specified",
            Some("E2002"),
        );
    }
    if ous.is_empty() {
        return web_message(
            v,
            StatusCode::CONFLICT,
            "At least one organisation unit or organisation unit group must be specified",
            Some("E2006"),
        );
    }
    let store = s.store.read().expect("store");
    let mut wanted: Vec<String> = params_all(params, "dataElement")
        .iter()
        .map(|d| d.to_string())
        .collect();
    for ds in store.collections.get("dataSets").into_iter().flatten() {
        if data_sets.iter().any(|d| ds["id"] == *d) {
            for e in ds["dataSetElements"].as_array().into_iter().flatten() {
                if let Some(id) = e.pointer("/dataElement/id").and_then(Value::as_str) {
                    wanted.push(id.to_string());
                }
            }
        }
    }
    let include_deleted = param(params, "includeDeleted").is_some_and(|d| d == "true");
    let data = s.data.lock().expect("data");
    // Envelope keys each on their own: one data set, one period, one org unit.
    let envelope_pe = (periods.len() == 1).then(|| periods[0]);
    let envelope_ou = (ous.len() == 1).then(|| ous[0]);
    let values: Vec<Value> = data
        .values
        .iter()
        .filter(|((de, pe, ou, _, _), st)| wanted.iter().any(|d| d == de) && periods.contains(&pe.as_str()) && ous.contains(&ou.as_str()) && (include_deleted || !st.deleted))
        .map(|((de, pe, ou, coc, aoc), st): (&Key, &Stored)| {
            let mut r = json!({"dataElement": de, "categoryOptionCombo": coc, "attributeOptionCombo": aoc,
                "storedBy": "admin", "created": format!("{}T10:15:30.123", st.created),
                "lastUpdated": format!("{}T10:15:30.123", st.last_updated), "followup": false});
            if envelope_pe != Some(pe.as_str()) {
                r["period"] = json!(pe);
            }
            if envelope_ou != Some(ou.as_str()) {
                r["orgUnit"] = json!(ou);
            }
            // Null members are omitted.
            if let Some(value) = &st.value {
                r["value"] = json!(value);
            }
            if st.deleted {
                r["deleted"] = json!(true);
            }
            r
        })
        .collect();
    // The envelope comes first, as `encodeGroup` writes it.
    let mut text = String::from("{");
    for (k, v) in [
        ("dataSet", (data_sets.len() == 1).then(|| data_sets[0])),
        ("period", envelope_pe),
        ("orgUnit", envelope_ou),
    ] {
        if let Some(v) = v {
            text.push_str(&format!("{}:{},", json!(k), json!(v)));
        }
    }
    text.push_str(&format!("\"dataValues\":{}}}", json!(values)));
    Response::builder()
        .status(StatusCode::OK)
        .header(
            axum::http::header::CONTENT_TYPE,
            "application/json;charset=UTF-8",
        )
        .body(axum::body::Body::from(text))
        .expect("response")
}
