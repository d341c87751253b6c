//! Metadata object filters (dhis2-api.md §2.1): `property:operator:value` with nested
//! paths through objects and arrays; AND-ed unless `rootJunction=OR`.

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Filter {
    path: Vec<String>,
    op: String,
    value: String,
}

/// Parse `filter=path:op[:value]`. `Err` carries the 409 message DHIS2 would give.
pub fn parse(text: &str) -> Result<Filter, String> {
    let mut parts = text.splitn(3, ':');
    let path = parts.next().unwrap_or_default();
    let op = parts
        .next()
        .ok_or_else(|| format!("Invalid filter: {text}"))?;
    let value = parts.next().unwrap_or_default();
    const OPS: &[&str] = &[
        "eq", "!eq", "ne", "ieq", "like", "!like", "$like", "!$like", "like$", "!like$", "ilike",
        "!ilike", "$ilike", "!$ilike", "ilike$", "!ilike$", "gt", "ge", "lt", "le", "null",
        "!null", "empty", "token", "!token", "in", "!in",
    ];
    if !OPS.contains(&op) {
        return Err(format!("Invalid filter operator: {op}"));
    }
    Ok(Filter {
        path: path.split('.').map(str::to_string).collect(),
        op: op.to_string(),
        value: value.to_string(),
    })
}

/// Every value at `path` (arrays fan out).
fn values_at<'a>(v: &'a Value, path: &[String], out: &mut Vec<&'a Value>) {
    match path.split_first() {
        None => match v {
            Value::Array(a) => out.extend(a.iter()),
            other => out.push(other),
        },
        Some((head, rest)) => match v {
            Value::Object(o) => {
                if let Some(next) = o.get(head) {
                    values_at(next, rest, out);
                }
            }
            Value::Array(a) => {
                for e in a {
                    values_at(e, path, out);
                }
            }
            _ => {}
        },
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn list(value: &str) -> Vec<String> {
    value
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Filter {
    pub fn matches(&self, obj: &Value) -> bool {
        let mut found = Vec::new();
        values_at(obj, &self.path, &mut found);
        let texts: Vec<String> = found.iter().filter_map(|v| text(v)).collect();
        let want = &self.value;
        let any = |f: &dyn Fn(&str) -> bool| texts.iter().any(|t| f(t));
        let cmp = |t: &str| match (t.parse::<f64>(), want.parse::<f64>()) {
            (Ok(a), Ok(b)) => a.partial_cmp(&b),
            _ => Some(t.cmp(want.as_str())),
        };
        match self.op.as_str() {
            "eq" => any(&|t| t == want),
            "!eq" | "ne" => !any(&|t| t == want),
            "ieq" => any(&|t| t.eq_ignore_ascii_case(want)),
            "like" => any(&|t| t.contains(want.as_str())),
            "!like" => !any(&|t| t.contains(want.as_str())),
            "$like" => any(&|t| t.starts_with(want.as_str())),
            "!$like" => !any(&|t| t.starts_with(want.as_str())),
            "like$" => any(&|t| t.ends_with(want.as_str())),
            "!like$" => !any(&|t| t.ends_with(want.as_str())),
            "ilike" | "token" => any(&|t| t.to_lowercase().contains(&want.to_lowercase())),
            "!ilike" | "!token" => !any(&|t| t.to_lowercase().contains(&want.to_lowercase())),
            "$ilike" => any(&|t| t.to_lowercase().starts_with(&want.to_lowercase())),
            "!$ilike" => !any(&|t| t.to_lowercase().starts_with(&want.to_lowercase())),
            "ilike$" => any(&|t| t.to_lowercase().ends_with(&want.to_lowercase())),
            "!ilike$" => !any(&|t| t.to_lowercase().ends_with(&want.to_lowercase())),
            "gt" => any(&|t| cmp(t) == Some(std::cmp::Ordering::Greater)),
            "ge" => any(&|t| cmp(t).is_some_and(|o| o != std::cmp::Ordering::Less)),
            "lt" => any(&|t| cmp(t) == Some(std::cmp::Ordering::Less)),
            "le" => any(&|t| cmp(t).is_some_and(|o| o != std::cmp::Ordering::Greater)),
            "null" => found.iter().all(|v| v.is_null()),
            "!null" => found.iter().any(|v| !v.is_null()),
            "empty" => found.is_empty(),
            "in" => {
                let l = list(want);
                any(&|t| l.iter().any(|w| w == t))
            }
            "!in" => {
                let l = list(want);
                !any(&|t| l.iter().any(|w| w == t))
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_and_in_filters() {
        let pi = json!({"id": "a", "program": {"id": "P1"}, "attributeValues": [{"attribute": {"id": "X"}, "value": "v"}]});
        assert!(parse("program.id:eq:P1").unwrap().matches(&pi));
        assert!(parse("program.id:in:[P0,P1]").unwrap().matches(&pi));
        assert!(!parse("program.id:!in:[P0,P1]").unwrap().matches(&pi));
        assert!(
            parse("attributeValues.attribute.id:eq:X")
                .unwrap()
                .matches(&pi)
        );
        assert!(parse("code:null").unwrap().matches(&pi));
        assert!(parse("id:bogus:1").is_err());
    }
}
