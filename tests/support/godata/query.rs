//! The rest of a LoopBack filter (`godata-api.md` §1.5 "Filter normalisation"):
//! `limit`/`skip`/`offset` (limit 100 as soon as one is given), `order` (ties, and
//! every record without an order, come back in a new order on each request),
//! `fields` (array or truthy object, dotted sub-fields, `id` only when named) and the
//! top-level `deleted`.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::mongo::sort_cmp;
use super::value::MVal;

/// Why a filter is refused: a 400 without `code`, as the juggler throws it.
#[derive(Debug, Clone)]
pub struct BadFilter(pub String);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    pub limit: Option<usize>,
    pub skip: usize,
}

fn js_number(v: &MVal) -> f64 {
    match v {
        MVal::Num(n) => *n,
        MVal::Bool(b) => f64::from(u8::from(*b)),
        MVal::Str(s) if s.trim().is_empty() => 0.0,
        MVal::Str(s) => s.trim().parse().unwrap_or(f64::NAN),
        MVal::Null => 0.0,
        _ => f64::NAN,
    }
}

/// `_normalize`: when `limit`, `skip` or `offset` is given (JavaScript-truthy),
/// `limit` defaults to 100; both must be integers (limit > 0, skip ≥ 0). With
/// `clamp_negative` (2.50.3 `sanitizeLimit`) a negative limit first becomes 0.
pub fn page(filter: &MVal, clamp_negative: bool) -> Result<Page, BadFilter> {
    let mut limit = filter.get("limit").cloned().unwrap_or(MVal::Null);
    if clamp_negative && js_number(&limit) < 0.0 {
        limit = MVal::Num(0.0);
    }
    let skip = filter.get("skip").cloned().unwrap_or(MVal::Null);
    let offset = filter.get("offset").cloned().unwrap_or(MVal::Null);
    if !(limit.truthy() || skip.truthy() || offset.truthy()) {
        return Ok(Page::default());
    }
    let l = if limit.truthy() {
        js_number(&limit)
    } else {
        100.0
    };
    let from = if skip.truthy() { &skip } else { &offset };
    let s = js_number(from);
    if l.is_nan() || l <= 0.0 || l.fract() != 0.0 {
        return Err(BadFilter(format!(
            "The limit parameter {} is not valid",
            limit.stringify()
        )));
    }
    if s.is_nan() || s < 0.0 || s.fract() != 0.0 {
        return Err(BadFilter(format!(
            "The offset/skip parameter {} is not valid",
            from.stringify()
        )));
    }
    Ok(Page {
        limit: Some(l as usize),
        skip: s as usize,
    })
}

/// Sort keys: a dotted path and whether it is descending.
pub type SortKeys = Vec<(Vec<String>, bool)>;

/// `order`: `"f ASC"`, `"a ASC, b DESC"` or an array; `None` when absent.
pub fn order(filter: &MVal) -> Result<Option<SortKeys>, BadFilter> {
    let items: Vec<String> = match filter.get("order") {
        None | Some(MVal::Null) => return Ok(None),
        Some(MVal::Str(s)) => s.split(',').map(str::to_string).collect(),
        Some(MVal::Arr(a)) => a
            .iter()
            .map(|v| match v {
                MVal::Str(s) => Ok(s.clone()),
                other => Err(BadFilter(format!(
                    "The order {} is not valid",
                    other.stringify()
                ))),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(BadFilter(format!(
                "The order {} is not valid",
                other.stringify()
            )));
        }
    };
    let mut out = Vec::new();
    for item in items {
        let parts: Vec<&str> = item.split_whitespace().collect();
        let (field, desc) = match parts.as_slice() {
            [f] => (*f, false),
            [f, d] if d.eq_ignore_ascii_case("asc") => (*f, false),
            [f, d] if d.eq_ignore_ascii_case("desc") => (*f, true),
            _ => {
                return Err(BadFilter(format!(
                    "The order {item:?} has invalid direction"
                )));
            }
        };
        let field = if field == "id" { "_id" } else { field };
        out.push((field.split('.').map(str::to_string).collect(), desc));
    }
    Ok(Some(out))
}

/// Sort (record, typed record) pairs. Records are shuffled first with `seed`, so ties
/// (and a missing order) change from one request to the next, as MongoDB's do.
pub fn sort(rows: &mut [(Value, MVal)], keys: &[(Vec<String>, bool)], seed: u64) {
    fastrand::Rng::with_seed(seed).shuffle(rows);
    rows.sort_by(|(_, a), (_, b)| {
        for (path, desc) in keys {
            let o = sort_cmp(a, b, path);
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}

/// `fields`: the names to keep (`None`: everything). An object keeps its truthy keys;
/// with none truthy, every property but the falsy ones.
#[derive(Debug, Clone)]
pub enum Fields {
    All,
    Only(Vec<String>),
    Except(Vec<String>),
}

pub fn fields(filter: &MVal) -> Fields {
    match filter.get("fields") {
        Some(MVal::Arr(a)) if !a.is_empty() => Fields::Only(
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        ),
        Some(MVal::Str(s)) if !s.is_empty() => Fields::Only(vec![s.clone()]),
        Some(MVal::Obj(kv)) if !kv.is_empty() => {
            let on: Vec<String> = kv
                .iter()
                .filter(|(_, v)| v.truthy())
                .map(|(k, _)| k.clone())
                .collect();
            if on.is_empty() {
                Fields::Except(kv.iter().map(|(k, _)| k.clone()).collect())
            } else {
                Fields::Only(on)
            }
        }
        _ => Fields::All,
    }
}

/// Keep the named (possibly dotted) paths of a record; `hidden` properties never show.
pub fn project(rec: &Value, fields: &Fields, hidden: &[&str]) -> Value {
    let Value::Object(o) = rec else {
        return rec.clone();
    };
    let mut out = match fields {
        Fields::All => o.clone(),
        Fields::Except(names) => {
            let mut m = o.clone();
            for n in names {
                m.remove(n.as_str());
            }
            m
        }
        Fields::Only(names) => {
            let mut m = Map::new();
            let paths: Vec<Vec<&str>> = names.iter().map(|n| n.split('.').collect()).collect();
            for (k, v) in o {
                let subs: Vec<&[&str]> = paths
                    .iter()
                    .filter(|p| p[0] == k)
                    .map(|p| &p[1..])
                    .collect();
                if subs.is_empty() {
                    continue;
                }
                if subs.iter().any(|s| s.is_empty()) {
                    m.insert(k.clone(), v.clone());
                } else {
                    m.insert(k.clone(), sub_project(v, &subs));
                }
            }
            m
        }
    };
    for h in hidden {
        out.remove(*h);
    }
    Value::Object(out)
}

fn sub_project(v: &Value, subs: &[&[&str]]) -> Value {
    match v {
        Value::Array(a) => Value::Array(
            a.iter()
                .filter(|e| e.is_object())
                .map(|e| sub_project(e, subs))
                .collect(),
        ),
        Value::Object(o) => {
            let mut m = Map::new();
            for (k, x) in o {
                let deeper: Vec<&[&str]> =
                    subs.iter().filter(|p| p[0] == k).map(|p| &p[1..]).collect();
                if deeper.is_empty() {
                    continue;
                }
                if deeper.iter().any(|s| s.is_empty()) {
                    m.insert(k.clone(), x.clone());
                } else {
                    m.insert(k.clone(), sub_project(x, &deeper));
                }
            }
            Value::Object(m)
        }
        other => other.clone(),
    }
}

/// Top-level `deleted: true` (not inside `where`) includes soft-deleted records.
pub fn include_deleted(filter: &MVal) -> bool {
    matches!(filter.get("deleted"), Some(MVal::Bool(true)))
}
