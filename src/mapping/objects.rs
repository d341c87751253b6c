//! The program indicators to change, as the source holds them (every field), and the
//! metadata file of them with the changes made.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use super::change::{Change, Field};
use crate::error::Error;
use crate::input::Remote;
use crate::location::Location;

/// The full JSON objects of `ids` from the source: sliced from its metadata file, or
/// read from the instance (`fields=:owner`, what an import writes back).
pub fn read(
    source: &Location,
    remote: Option<&Remote>,
    ids: &[String],
) -> Result<BTreeMap<String, Value>, Error> {
    let mut out = BTreeMap::new();
    match (source, remote) {
        (_, Some(r)) => {
            for id in ids {
                let v: Value = r.client.get_json(
                    &format!("programIndicators/{id}"),
                    &[("fields", ":owner".to_string())],
                )?;
                out.insert(id.clone(), v);
            }
        }
        (Location::File(path), None) => {
            let bytes = std::fs::read(path).map_err(|e| {
                Error::usage(format!("cannot read `{}`: {e}", path.display()), None)
            })?;
            let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
            let found = crate::report::spans::locate(
                &bytes,
                &wanted,
                &HashSet::from(["programIndicators".to_string()]),
                None,
            );
            for id in ids {
                if let Some((o, l)) = found.object(id)
                    && let Ok(v) = serde_json::from_slice::<Value>(&bytes[o..o + l])
                {
                    out.insert(id.clone(), v);
                }
            }
        }
        (Location::Url(_), None) => {}
    }
    Ok(out)
}

fn set_str(obj: &mut serde_json::Map<String, Value>, key: &str, to: &Option<String>) {
    match to {
        Some(v) => {
            obj.insert(key.to_string(), Value::from(v.clone()));
        }
        None => {
            obj.remove(key);
        }
    }
}

/// Make one change in a program indicator's JSON.
fn apply(pi: &mut Value, c: &Change) {
    let Some(obj) = pi.as_object_mut() else {
        return;
    };
    match &c.field {
        Field::CategoryOptionCombo => set_str(obj, "aggregateExportCategoryOptionCombo", &c.to),
        Field::AttributeOptionCombo => set_str(obj, "aggregateExportAttributeOptionCombo", &c.to),
        Field::DataElement => set_str(obj, "aggregateExportDataElement", &c.to),
        Field::Attribute(attr) => {
            let values = obj
                .entry("attributeValues")
                .or_insert_with(|| Value::Array(Vec::new()));
            let Some(list) = values.as_array_mut() else {
                return;
            };
            let at = list
                .iter()
                .position(|av| av["attribute"]["id"].as_str() == Some(attr.as_str()));
            match (at, &c.to) {
                (Some(i), Some(v)) => list[i]["value"] = Value::from(v.clone()),
                (Some(i), None) => {
                    list.remove(i);
                }
                (None, Some(v)) => list.push(json!({"attribute": {"id": attr}, "value": v})),
                (None, None) => {}
            }
        }
    }
}

/// The metadata file of the changed program indicators: `{"programIndicators": […]}`.
pub fn changed(objects: &BTreeMap<String, Value>, changes: &[Change]) -> Value {
    let mut out: BTreeMap<&str, Value> = BTreeMap::new();
    for c in changes {
        if let Some(obj) = objects.get(&c.program_indicator) {
            let pi = out
                .entry(c.program_indicator.as_str())
                .or_insert_with(|| obj.clone());
            apply(pi, c);
        }
    }
    json!({ "programIndicators": out.into_values().collect::<Vec<_>>() })
}
