//! The `fields` parameter of DHIS2 list endpoints (dhis2-api.md §2.1): names, nested
//! `a[b,c[d]]`, presets `*`, `:all`, `:identifiable`, `:nameable`, `:owner`,
//! exclusions `!name`, and attribute UIDs as pseudo-fields. Unknown names are dropped.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    All,
    Preset(&'static [&'static str]),
    Field {
        name: String,
        nested: Option<Vec<Item>>,
    },
    Exclude(String),
}

const IDENTIFIABLE: &[&str] = &["id", "name", "code", "created", "lastUpdated", "href"];
const NAMEABLE: &[&str] = &[
    "id",
    "name",
    "code",
    "created",
    "lastUpdated",
    "href",
    "shortName",
    "description",
];

/// Parse a fields expression. Never fails: garbage yields no fields, as DHIS2 drops them.
pub fn parse(expr: &str) -> Vec<Item> {
    let chars: Vec<char> = expr.chars().collect();
    let mut pos = 0;
    parse_list(&chars, &mut pos)
}

fn parse_list(c: &[char], pos: &mut usize) -> Vec<Item> {
    let mut items = Vec::new();
    loop {
        let start = *pos;
        while *pos < c.len() && !matches!(c[*pos], ',' | '[' | ']') {
            *pos += 1;
        }
        let name: String = c[start..*pos].iter().collect::<String>().trim().to_string();
        let mut nested = None;
        if *pos < c.len() && c[*pos] == '[' {
            *pos += 1;
            nested = Some(parse_list(c, pos));
            if *pos < c.len() && c[*pos] == ']' {
                *pos += 1;
            }
        }
        if !name.is_empty() {
            items.push(match name.as_str() {
                "*" | ":all" => Item::All,
                ":identifiable" => Item::Preset(IDENTIFIABLE),
                ":nameable" => Item::Preset(NAMEABLE),
                ":owner" | ":persisted" => Item::All,
                n if n.starts_with('!') => Item::Exclude(n[1..].to_string()),
                n => Item::Field {
                    name: n.to_string(),
                    nested,
                },
            });
        }
        if *pos < c.len() && c[*pos] == ',' {
            *pos += 1;
            continue;
        }
        break;
    }
    items
}

fn is_uid(s: &str) -> bool {
    s.len() == 11
        && s.as_bytes()[0].is_ascii_alphabetic()
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Project one object onto the requested fields.
pub fn project(obj: &Map<String, Value>, items: &[Item]) -> Map<String, Value> {
    let mut out = Map::new();
    for item in items {
        match item {
            Item::All => {
                for (k, v) in obj {
                    out.insert(k.clone(), v.clone());
                }
            }
            Item::Preset(names) => {
                for n in *names {
                    if let Some(v) = obj.get(*n) {
                        out.insert(n.to_string(), v.clone());
                    }
                }
            }
            Item::Field { name, nested } => {
                if let Some(v) = field_value(obj, name) {
                    out.insert(name.clone(), shape(&v, nested.as_deref()));
                }
            }
            Item::Exclude(_) => {}
        }
    }
    for item in items {
        if let Item::Exclude(name) = item {
            out.remove(name);
        }
    }
    out
}

fn field_value(obj: &Map<String, Value>, name: &str) -> Option<Value> {
    if let Some(v) = obj.get(name) {
        return Some(v.clone());
    }
    match name {
        "displayName" => obj.get("name").cloned(),
        "displayShortName" => obj.get("shortName").or_else(|| obj.get("name")).cloned(),
        "displayFormName" => obj.get("formName").or_else(|| obj.get("name")).cloned(),
        // An attribute UID as a field gives that attribute's value.
        n if is_uid(n) => obj
            .get("attributeValues")?
            .as_array()?
            .iter()
            .find_map(|av| {
                (av.pointer("/attribute/id")?.as_str()? == n).then(|| av.get("value").cloned())?
            }),
        _ => None,
    }
}

fn shape(v: &Value, nested: Option<&[Item]>) -> Value {
    match (v, nested) {
        (Value::Object(o), Some(items)) => Value::Object(project(o, items)),
        (Value::Array(a), Some(items)) => Value::Array(
            a.iter()
                .map(|e| match e {
                    Value::Object(o) => Value::Object(project(o, items)),
                    other => other.clone(),
                })
                .collect(),
        ),
        // A reference without sub-fields comes back as its id, like DHIS2 does.
        (Value::Object(o), None) if o.contains_key("id") => {
            let mut m = Map::new();
            m.insert("id".into(), o["id"].clone());
            Value::Object(m)
        }
        (Value::Array(a), None) if a.iter().all(|e| e.get("id").is_some()) && !a.is_empty() => {
            Value::Array(
                a.iter()
                    .map(|e| {
                        let mut m = Map::new();
                        m.insert("id".into(), e["id"].clone());
                        Value::Object(m)
                    })
                    .collect(),
            )
        }
        (other, _) => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_presets_and_exclusions() {
        let items = parse("id,categoryCombo[id,name],!name,:identifiable,vudyDP7jUy5,unknownField");
        let obj = json!({"id": "a", "name": "A", "code": "C", "categoryCombo": {"id": "cc", "name": "N", "x": 1},
            "attributeValues": [{"attribute": {"id": "vudyDP7jUy5"}, "value": "DE_X"}]});
        let out = Value::Object(project(obj.as_object().unwrap(), &items));
        assert_eq!(
            out,
            json!({"id": "a", "code": "C", "categoryCombo": {"id": "cc", "name": "N"}, "vudyDP7jUy5": "DE_X"})
        );
    }
}
