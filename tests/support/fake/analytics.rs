//! The source side: `GET /api/analytics/dataValueSet.json` answered from a table of
//! program indicator values per org unit and period, exactly as dhis2-api.md §4.2
//! describes (PI UIDs leak when the mapping attribute is missing, whole numbers render
//! as `"12.0"` unless `decimals` is 0, no rows for empty results), and the analytics
//! job endpoints of §5.

use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::{Shared, Version, json_response, param, params_all, web_message};

/// Java's `String.valueOf(double)`: `12.0`, `12.5`, `1.0E7`, `1.0E-4`.
pub fn java_double(v: f64) -> String {
    let a = v.abs();
    if v != 0.0 && !(1e-3..1e7).contains(&a) {
        let s = format!("{v:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.to_string()
        } else {
            format!("{m}.0")
        };
        return format!("{m}E{e}");
    }
    let s = format!("{v}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// `AnalyticsUtils.getRoundedValue` + `String.valueOf` for a PI with `decimals`.
pub fn render(v: f64, decimals: Option<i64>) -> String {
    match decimals {
        // Math.round gives a long: no decimal point.
        Some(0) => format!("{}", (v + 0.5).floor() as i64),
        Some(n) => {
            let f = 10f64.powi(n as i32);
            java_double((v * f).round() / f)
        }
        None => java_double((v * 100.0).round() / 100.0),
    }
}

fn is_uid(s: &str) -> bool {
    s.len() == 11
        && s.as_bytes()[0].is_ascii_alphabetic()
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The value of an object's property under an output id scheme; `None` when the object
/// lacks it (DHIS2 then keeps the UID).
fn scheme_value(obj: &Value, scheme: &str) -> Option<String> {
    let upper = scheme.to_ascii_uppercase();
    match upper.as_str() {
        "UID" | "ID" => obj.get("id")?.as_str().map(str::to_string),
        "CODE" => obj.get("code")?.as_str().map(str::to_string),
        "NAME" => obj.get("name")?.as_str().map(str::to_string),
        _ if upper.starts_with("ATTRIBUTE:") => {
            let attr = &scheme["ATTRIBUTE:".len()..];
            obj.get("attributeValues")?
                .as_array()?
                .iter()
                .find_map(|av| {
                    (av.pointer("/attribute/id")?.as_str()? == attr)
                        .then(|| av.get("value")?.as_str().map(str::to_string))?
                })
        }
        _ => None,
    }
}

pub fn data_value_set(s: &Shared, params: &[(String, String)]) -> Response {
    let v = s.version;
    let dims = params_all(params, "dimension");
    let dim = |name: &str| {
        dims.iter()
            .find_map(|d| d.strip_prefix(&format!("{name}:")))
            .map(|items| items.split(';').map(str::to_string).collect::<Vec<_>>())
    };
    let (Some(dx), Some(pe), Some(ou)) = (dim("dx"), dim("pe"), dim("ou")) else {
        let (code, what) = if dim("dx").is_none() {
            (
                "E7117",
                "A data dimension 'dx' must be specified when output format is DATA_VALUE_SET",
            )
        } else if dim("pe").is_none() {
            (
                "E7118",
                "A period dimension 'pe' must be specified when output format is DATA_VALUE_SET",
            )
        } else {
            (
                "E7119",
                "An organisation unit dimension 'ou' must be specified when output format is DATA_VALUE_SET",
            )
        };
        return web_message(v, StatusCode::CONFLICT, what, Some(code));
    };
    if let Some(bad) = pe.iter().find(|p| super::periods::period_type(p).is_none()) {
        return web_message(
            v,
            StatusCode::CONFLICT,
            &format!("Invalid period: {bad} (the fake reads ISO periods only)"),
            Some("E7124"),
        );
    }
    let store = s.store.read().expect("store");
    let pis = store
        .collections
        .get("programIndicators")
        .cloned()
        .unwrap_or_default();
    let ous = store
        .collections
        .get("organisationUnits")
        .cloned()
        .unwrap_or_default();
    let collection = |name: &str| store.collections.get(name).cloned().unwrap_or_default();
    let (combos, programs) = (collection("categoryCombos"), collection("programs"));
    drop(store);

    // Org units: UIDs, and LEVEL-n within the given UIDs (or everywhere).
    let path_of = |id: &str| {
        ous.iter()
            .find(|o| o["id"] == id)
            .and_then(|o| o["path"].as_str().map(str::to_string))
            .unwrap_or_else(|| format!("/{id}"))
    };
    let roots: Vec<&String> = ou.iter().filter(|o| is_uid(o)).collect();
    let levels: Vec<u64> = ou
        .iter()
        .filter_map(|o| o.strip_prefix("LEVEL-")?.parse().ok())
        .collect();
    let mut units: Vec<String> = Vec::new();
    if levels.is_empty() {
        units.extend(roots.iter().map(|r| r.to_string()));
    } else {
        for o in &ous {
            let (Some(id), Some(level)) = (o["id"].as_str(), o["level"].as_u64()) else {
                continue;
            };
            let path = o["path"].as_str().unwrap_or("");
            if levels.contains(&level)
                && (roots.is_empty()
                    || roots
                        .iter()
                        .any(|r| path.split('/').any(|seg| seg == r.as_str())))
            {
                units.push(id.to_string());
            }
        }
    }

    let output = param(params, "outputIdScheme");
    // outputDataItemIdScheme exists from 2.41 on; older servers ignore it.
    let item_scheme = param(params, "outputDataItemIdScheme").filter(|_| v >= Version::V241);
    let ou_scheme = param(params, "outputOrgUnitIdScheme").or(output);
    let data = s.data.lock().expect("data");
    let today = data.today.clone();
    let mut rows = Vec::new();
    for pi_id in &dx {
        let Some(pi) = pis.iter().find(|p| p["id"] == pi_id.as_str()) else {
            return web_message(
                v,
                StatusCode::CONFLICT,
                &format!("Dimension item not found: {pi_id}"),
                Some("E7143"),
            );
        };
        let fixed = |key: &str| pi.get(key).and_then(Value::as_str).map(str::to_string);
        let (fixed_coc, fixed_aoc) = (
            fixed("aggregateExportCategoryOptionCombo"),
            fixed("aggregateExportAttributeOptionCombo"),
        );
        // 2.42+ disaggregation (§12.5): values are stored under `pi.coc.aoc` (`*` for a
        // side without), and each row carries the option combos of its own.
        let variants: Vec<(String, Option<String>, Option<String>)> =
            if v >= Version::V242 && disaggregated(&combos, pi) {
                if let Some(e) = unknown_mapping(&programs, pi) {
                    return web_message(v, StatusCode::CONFLICT, &e, None);
                }
                let prefix = format!("{pi_id}.");
                let mut keys: Vec<&String> = data
                    .pi_values
                    .keys()
                    .map(|(p, _, _)| p)
                    .filter(|p| p.starts_with(&prefix))
                    .collect();
                keys.dedup();
                keys.into_iter()
                    .map(|k| {
                        let mut parts = k[prefix.len()..].split('.');
                        let side = |part: Option<&str>, fixed: &Option<String>| match part {
                            Some("*") | None => fixed.clone(),
                            Some(x) => Some(x.to_string()),
                        };
                        let coc = side(parts.next(), &fixed_coc);
                        let aoc = side(parts.next(), &fixed_aoc);
                        (k.clone(), coc, aoc)
                    })
                    .collect()
            } else {
                vec![(pi_id.clone(), fixed_coc.clone(), fixed_aoc.clone())]
            };
        for (key, coc, aoc) in &variants {
            for period in &pe {
                for unit in &units {
                    // Aggregate the values of the unit and its descendants.
                    let unit_path = path_of(unit);
                    let mut total: Option<f64> = None;
                    for ((p, per, o), val) in &data.pi_values {
                        if p == key
                            && per == period
                            && (o == unit || path_of(o).starts_with(&format!("{unit_path}/")))
                        {
                            *total.get_or_insert(0.0) += val;
                        }
                    }
                    let Some(total) = total else { continue };
                    // 1. dx, 2.42+: aggregateExportDataElement first; 5. id-scheme substitution.
                    let mut de = pi_id.clone();
                    let schemes = if data.leaks.contains(pi_id) {
                        [None, None]
                    } else {
                        [output, item_scheme]
                    };
                    for scheme in schemes.into_iter().flatten() {
                        if let Some(x) = scheme_value(pi, scheme) {
                            de = x;
                        }
                    }
                    let ou_obj = ous
                        .iter()
                        .find(|o| o["id"] == unit.as_str())
                        .cloned()
                        .unwrap_or(json!({"id": unit}));
                    let org_unit = ou_scheme
                        .and_then(|sch| scheme_value(&ou_obj, sch))
                        .unwrap_or_else(|| unit.clone());
                    let mut row = json!({"dataElement": de, "period": period, "orgUnit": org_unit});
                    if let Some(c) = coc {
                        row["categoryOptionCombo"] = json!(c);
                    }
                    if let Some(a) = aoc {
                        row["attributeOptionCombo"] = json!(a);
                    }
                    row["value"] = json!(render(total, pi.get("decimals").and_then(Value::as_i64)));
                    row["comment"] = json!("[aggregated]");
                    row["created"] = json!(today);
                    row["lastUpdated"] = json!(today);
                    row["followup"] = json!(false);
                    rows.push(row);
                }
            }
        }
    }
    json_response(StatusCode::OK, &json!({ "dataValues": rows }))
}

/// Whether a PI is disaggregated (§12.5): its category combo or attribute combo is not
/// the default.
fn disaggregated(combos: &[Value], pi: &Value) -> bool {
    ["categoryCombo", "attributeCombo"].iter().any(|side| {
        let Some(id) = pi[side]["id"].as_str() else {
            return false;
        };
        match combos.iter().find(|c| c["id"] == id) {
            Some(c) => c["name"] != "default",
            None => id != "bjDvmb4bfuf",
        }
    })
}

/// E4071 as DHIS2 answers it at query time: 409 with the message, no error code.
fn unknown_mapping(programs: &[Value], pi: &Value) -> Option<String> {
    let program = programs.iter().find(|p| p["id"] == pi["program"]["id"])?;
    let ids = pi["categoryMappingIds"].as_array()?;
    let known = program["categoryMappings"].as_array();
    ids.iter().filter_map(Value::as_str).find_map(|id| {
        let found = known.is_some_and(|l| l.iter().any(|m| m["id"] == id));
        (!found).then(|| {
            format!(
                "Program indicator {} has category mapping {id} that is not in program {}",
                pi["id"].as_str().unwrap_or(""),
                program["id"].as_str().unwrap_or("")
            )
        })
    })
}

/// `POST /api/resourceTables/analytics` (§5.1).
pub fn trigger(s: &Shared) -> Response {
    let mut data = s.data.lock().expect("data");
    data.next_id += 1;
    let id = format!("job{:08}", data.next_id);
    data.analytics_jobs.insert(id.clone(), 0);
    let (name, message) = if s.version >= Version::V241 {
        let n = format!("ANALYTICS_TABLE ({})", 1_718_000_000_000u64 + data.next_id);
        (n.clone(), format!("Initiated {n}"))
    } else {
        (
            "inMemoryAnalyticsJob".to_string(),
            "Initiated inMemoryAnalyticsJob".to_string(),
        )
    };
    let body = json!({
        "httpStatus": "OK", "httpStatusCode": 200, "status": "OK", "message": message,
        "response": {"name": name, "id": id, "created": "2026-11-24T08:00:00.000", "jobType": "ANALYTICS_TABLE",
                     "jobStatus": "SCHEDULED", "relativeNotifierEndpoint": format!("/api/system/tasks/ANALYTICS_TABLE/{id}")}
    });
    let mut r = json_response(StatusCode::OK, &body);
    r.headers_mut().insert(
        header::LOCATION,
        format!("{}/api/system/tasks/ANALYTICS_TABLE", s.context_path)
            .parse()
            .expect("header"),
    );
    r
}

/// `GET /api/system/tasks/ANALYTICS_TABLE/{id}` (§5.2): notifications newest first; the
/// job is queued on the first poll, running on the next ones, done after `analytics_runs_for`.
pub fn tasks(s: &Shared, id: &str) -> Response {
    let mut data = s.data.lock().expect("data");
    let runs_for = data.analytics_runs_for;
    let fails = data.analytics_fails;
    let Some(polls) = data.analytics_jobs.get_mut(id) else {
        return json_response(StatusCode::OK, &json!([]));
    };
    *polls += 1;
    let n = *polls;
    if n == 1 {
        return json_response(StatusCode::OK, &json!([]));
    }
    let mut notes: Vec<Value> = (2..=n.min(runs_for + 1))
        .map(|i| json!({"id": format!("n{i}"), "uid": format!("n{i}"), "level": "INFO", "category": "ANALYTICS_TABLE",
                        "time": "2026-11-24T08:00:00.000", "message": format!("Step {i}"), "completed": false}))
        .collect();
    if n > runs_for {
        let done = if fails {
            json!({"id": "done", "uid": "done", "level": "ERROR", "category": "ANALYTICS_TABLE", "time": "2026-11-24T08:05:00.000",
                   "message": "Process failed: relation \"analytics_event\" does not exist", "completed": true})
        } else {
            data.last_analytics = "2026-11-24T08:05:14.595".into();
            json!({"id": "done", "uid": "done", "level": "INFO", "category": "ANALYTICS_TABLE", "time": "2026-11-24T08:05:14.595",
                   "message": "Analytics tables updated: 00:04:55", "completed": true})
        };
        notes.push(done);
    }
    notes.reverse();
    json_response(StatusCode::OK, &Value::Array(notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_render_like_java() {
        assert_eq!(render(12.0, None), "12.0");
        assert_eq!(render(12.0, Some(0)), "12");
        assert_eq!(render(12.5, Some(0)), "13");
        assert_eq!(render(12.25, Some(1)), "12.3");
        assert_eq!(render(12.0, Some(2)), "12.0");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(12345678.0), "1.2345678E7");
        assert_eq!(java_double(0.0001), "1.0E-4");
        assert_eq!(java_double(0.5), "0.5");
    }
}
