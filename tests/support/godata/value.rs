//! Values as the fake's MongoDB sees them: JSON with key order kept (LoopBack's plain
//! reads take the *first* operator of a condition, `godata-api.md` §1.5), plus the
//! BSON types JSON lacks: Date (stored date properties, date-shaped query strings)
//! and RegExp.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::regex::Regex;

#[derive(Debug, Clone)]
pub enum MVal {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// A Date, as milliseconds since the epoch.
    Date(i64),
    Regex(Regex),
    Arr(Vec<MVal>),
    /// Keys in the order they came.
    Obj(Vec<(String, MVal)>),
}

impl MVal {
    pub fn get(&self, key: &str) -> Option<&MVal> {
        match self {
            MVal::Obj(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            MVal::Str(s) => Some(s),
            _ => None,
        }
    }

    /// JavaScript truthiness (`fields` values, `limit`/`skip` presence).
    pub fn truthy(&self) -> bool {
        match self {
            MVal::Null => false,
            MVal::Bool(b) => *b,
            MVal::Num(n) => *n != 0.0 && !n.is_nan(),
            MVal::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    /// Parse JSON text keeping the key order.
    pub fn parse(text: &str) -> Result<MVal, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// A JSON value, with strings at the model's date paths typed as Dates (how a
    /// stored record looks to MongoDB).
    pub fn typed(v: &Value, date_paths: &[&str]) -> MVal {
        fn walk(v: &Value, path: &str, dates: &[&str]) -> MVal {
            match v {
                Value::Null => MVal::Null,
                Value::Bool(b) => MVal::Bool(*b),
                Value::Number(n) => MVal::Num(n.as_f64().unwrap_or(f64::NAN)),
                Value::String(s) => match dates.contains(&path) {
                    true => super::dates::parse_instant(s)
                        .map(MVal::Date)
                        .unwrap_or_else(|| MVal::Str(s.clone())),
                    false => MVal::Str(s.clone()),
                },
                // Array elements keep the path of the array.
                Value::Array(a) => MVal::Arr(a.iter().map(|e| walk(e, path, dates)).collect()),
                Value::Object(o) => MVal::Obj(
                    o.iter()
                        .map(|(k, e)| {
                            let p = if path.is_empty() {
                                k.clone()
                            } else {
                                format!("{path}.{k}")
                            };
                            (k.clone(), walk(e, &p, dates))
                        })
                        .collect(),
                ),
            }
        }
        walk(v, "", date_paths)
    }

    /// Back to JSON (dates as UTC instants, regexes as `/source/flags`).
    pub fn to_json(&self) -> Value {
        match self {
            MVal::Null => Value::Null,
            MVal::Bool(b) => Value::Bool(*b),
            MVal::Num(n) => serde_json::Number::from_f64(*n)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            MVal::Str(s) => Value::String(s.clone()),
            MVal::Date(ms) => Value::String(super::dates::format_ms(*ms)),
            MVal::Regex(r) => Value::String(format!("/{}/{}", r.source, r.flags)),
            MVal::Arr(a) => Value::Array(a.iter().map(MVal::to_json).collect()),
            MVal::Obj(kv) => {
                Value::Object(kv.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    /// Compact JSON text in key order, as `JSON.stringify` writes it.
    pub fn stringify(&self) -> String {
        match self {
            MVal::Obj(kv) => {
                let inner: Vec<String> = kv
                    .iter()
                    .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v.stringify()))
                    .collect();
                format!("{{{}}}", inner.join(","))
            }
            MVal::Arr(a) => {
                let inner: Vec<String> = a.iter().map(MVal::stringify).collect();
                format!("[{}]", inner.join(","))
            }
            other => other.to_json().to_string(),
        }
    }
}

impl PartialEq for MVal {
    /// BSON equality: numbers by value, objects key by key (order ignored: the fake is
    /// lenient where MongoDB compares embedded documents field order too).
    fn eq(&self, other: &MVal) -> bool {
        match (self, other) {
            (MVal::Null, MVal::Null) => true,
            (MVal::Bool(a), MVal::Bool(b)) => a == b,
            (MVal::Num(a), MVal::Num(b)) => a == b,
            (MVal::Str(a), MVal::Str(b)) => a == b,
            (MVal::Date(a), MVal::Date(b)) => a == b,
            (MVal::Regex(a), MVal::Regex(b)) => a.source == b.source && a.flags == b.flags,
            (MVal::Arr(a), MVal::Arr(b)) => a == b,
            (MVal::Obj(a), MVal::Obj(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v == v2))
            }
            _ => false,
        }
    }
}

impl<'de> Deserialize<'de> for MVal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MVal, D::Error> {
        d.deserialize_any(MValVisitor)
    }
}

struct MValVisitor;

impl<'de> Visitor<'de> for MValVisitor {
    type Value = MVal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<MVal, E> {
        Ok(MVal::Null)
    }
    fn visit_none<E>(self) -> Result<MVal, E> {
        Ok(MVal::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<MVal, E> {
        Ok(MVal::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<MVal, E> {
        Ok(MVal::Num(n as f64))
    }
    fn visit_u64<E>(self, n: u64) -> Result<MVal, E> {
        Ok(MVal::Num(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<MVal, E> {
        Ok(MVal::Num(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<MVal, E> {
        Ok(MVal::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<MVal, E> {
        Ok(MVal::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MVal, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(MVal::Arr(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MVal, A::Error> {
        let mut out: Vec<(String, MVal)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, MVal>()? {
            // JSON.parse: a repeated key keeps its first place and its last value.
            match out.iter_mut().find(|(k2, _)| *k2 == k) {
                Some(slot) => slot.1 = v,
                None => out.push((k, v)),
            }
        }
        Ok(MVal::Obj(out))
    }
}
