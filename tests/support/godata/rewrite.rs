//! From a client's `where` to the MongoDB query, on the two paths of
//! `godata-api.md` §1.5:
//! - case reads and `filtered-count`: Go.Data's `convertLoopbackFilterToMongo`, a
//!   rewrite of the JSON *text* (so values equal to an operator word change too), then
//!   `between`, `"/x/i"` regexes and date-shaped strings (read in the server zone);
//! - plain reads (`/outbreaks`, `/locations`, `/reference-data`, `/cases/count`): the
//!   MongoDB connector's `buildWhere`, which keeps only the *first* operator of a
//!   condition and turns `null` into `$type: 10`, after the juggler coerced values of
//!   top-level Date properties with `new Date()`.

use jiff::tz::TimeZone;

use super::dates;
use super::mongo::MongoError;
use super::regex::Regex;
use super::value::MVal;

/// The words `convertLoopbackFilterToMongo` replaces wherever they stand as a JSON
/// string, key or value.
const WORDS: &[(&str, &str)] = &[
    ("and", "$and"),
    ("or", "$or"),
    ("inq", "$in"),
    ("nin", "$nin"),
    ("id", "_id"),
    ("lt", "$lt"),
    ("lte", "$lte"),
    ("gt", "$gt"),
    ("gte", "$gte"),
    ("regexp", "$regex"),
    ("like", "$regex"),
    ("options", "$options"),
    ("eq", "$eq"),
    ("neq", "$ne"),
    ("ne", "$ne"),
    ("exists", "$exists"),
    ("not", "$not"),
    ("elemMatch", "$elemMatch"),
];

fn word(s: &str) -> String {
    WORDS
        .iter()
        .find(|(w, _)| *w == s)
        .map_or_else(|| s.to_string(), |(_, r)| r.to_string())
}

/// Insert keeping JSON.parse's rule for a repeated key (first place, last value).
fn put(out: &mut Vec<(String, MVal)>, k: String, v: MVal) {
    match out.iter_mut().find(|(k2, _)| *k2 == k) {
        Some(slot) => slot.1 = v,
        None => out.push((k, v)),
    }
}

/// Step 2 of §1.5: the textual rewrite, `between`, regex strings, dates.
pub fn godata_where(w: &MVal, zone: &TimeZone) -> Result<MVal, MongoError> {
    let text = textual(w);
    convert(&text, zone)
}

fn textual(v: &MVal) -> MVal {
    match v {
        MVal::Str(s) => MVal::Str(word(s)),
        MVal::Arr(a) => MVal::Arr(a.iter().map(textual).collect()),
        MVal::Obj(kv) => {
            let mut out = Vec::new();
            for (k, x) in kv {
                // `"type":"null"` → `"$type":"null"`.
                if k == "type" && x.as_str() == Some("null") {
                    put(&mut out, "$type".into(), MVal::Str("null".into()));
                    continue;
                }
                put(&mut out, word(k), textual(x));
            }
            MVal::Obj(out)
        }
        other => other.clone(),
    }
}

fn convert(v: &MVal, zone: &TimeZone) -> Result<MVal, MongoError> {
    Ok(match v {
        MVal::Str(s) if dates::is_valid_date(s) => {
            MVal::Date(dates::parse_in_zone(s, zone).map_err(MongoError::Unmodelled)?)
        }
        MVal::Arr(a) => MVal::Arr(
            a.iter()
                .map(|x| convert(x, zone))
                .collect::<Result<_, _>>()?,
        ),
        MVal::Obj(kv) => {
            let mut out = Vec::new();
            for (k, x) in kv {
                match (k.as_str(), x) {
                    ("between", MVal::Arr(ab)) if ab.len() == 2 => {
                        put(&mut out, "$gte".into(), convert(&ab[0], zone)?);
                        put(&mut out, "$lte".into(), convert(&ab[1], zone)?);
                    }
                    ("$regex", MVal::Str(s)) if slashed(s).is_some() => {
                        let (src, flags) = slashed(s).expect("checked");
                        let r = Regex::new(src, flags).map_err(|what| {
                            MongoError::Unmodelled(format!("{what} in the regular expression {s}"))
                        })?;
                        put(&mut out, k.clone(), MVal::Regex(r));
                    }
                    _ => put(&mut out, k.clone(), convert(x, zone)?),
                }
            }
            MVal::Obj(out)
        }
        other => other.clone(),
    })
}

/// `/source/flags`.
fn slashed(s: &str) -> Option<(&str, &str)> {
    let rest = s.strip_prefix('/')?;
    let end = rest.rfind('/')?;
    let flags = &rest[end + 1..];
    flags
        .chars()
        .all(|c| "gimsuy".contains(c))
        .then_some((&rest[..end], flags))
}

/// The connector's `buildWhere` after the juggler's coercion; `dates` are the model's
/// top-level Date properties.
pub fn plain_where(w: &MVal, dates: &[&str]) -> Result<MVal, MongoError> {
    let MVal::Obj(kv) = w else {
        return Ok(MVal::Obj(Vec::new()));
    };
    let mut out: Vec<(String, MVal)> = Vec::new();
    for (k, cond) in kv {
        if matches!(k.as_str(), "and" | "or" | "nor") {
            let v = match cond {
                MVal::Arr(items) => MVal::Arr(
                    items
                        .iter()
                        .map(|c| plain_where(c, dates))
                        .collect::<Result<_, _>>()?,
                ),
                other => other.clone(),
            };
            put(&mut out, format!("${k}"), v);
            continue;
        }
        let key = if k == "id" {
            "_id".to_string()
        } else {
            k.clone()
        };
        let is_date = dates.contains(&k.as_str());
        let coerce = |v: &MVal| -> Result<MVal, MongoError> {
            if !is_date {
                return Ok(v.clone());
            }
            let one = |x: &MVal| -> Result<MVal, MongoError> {
                match x {
                    MVal::Str(s) => dates::parse_js_date(s).map(MVal::Date).ok_or_else(|| {
                        MongoError::Unmodelled(format!("new Date({s:?}) outside the ISO shapes"))
                    }),
                    MVal::Num(n) => Ok(MVal::Date(*n as i64)),
                    other => Ok(other.clone()),
                }
            };
            match v {
                MVal::Arr(a) => Ok(MVal::Arr(a.iter().map(one).collect::<Result<_, _>>()?)),
                x => one(x),
            }
        };
        let spec = match cond {
            MVal::Obj(ops) => ops.first().cloned(),
            _ => None,
        };
        let value = match spec {
            Some((op, c)) => {
                let options = cond.get("options").and_then(MVal::as_str).unwrap_or("");
                let c = coerce(&c)?;
                let op = op.trim_start_matches('$');
                let regex = |c: &MVal| -> Result<MVal, MongoError> {
                    match c {
                        MVal::Regex(r) => Ok(MVal::Regex(r.clone())),
                        MVal::Str(s) => Regex::new(s, options)
                            .map(MVal::Regex)
                            .map_err(|what| MongoError::Unmodelled(format!("{what} in /{s}/"))),
                        other => Ok(other.clone()),
                    }
                };
                match op {
                    "between" => match &c {
                        MVal::Arr(ab) if ab.len() == 2 => MVal::Obj(vec![
                            ("$gte".into(), ab[0].clone()),
                            ("$lte".into(), ab[1].clone()),
                        ]),
                        _ => {
                            return Err(MongoError::Unmodelled(
                                "`between` without two values".into(),
                            ));
                        }
                    },
                    "inq" | "nin" => {
                        let items = match c {
                            MVal::Arr(a) => a,
                            MVal::Null => Vec::new(),
                            x => vec![x],
                        };
                        let name = if op == "inq" { "$in" } else { "$nin" };
                        MVal::Obj(vec![(name.into(), MVal::Arr(items))])
                    }
                    "like" => MVal::Obj(vec![("$regex".into(), regex(&c)?)]),
                    "nlike" => MVal::Obj(vec![("$not".into(), regex(&c)?)]),
                    "neq" => MVal::Obj(vec![("$ne".into(), c)]),
                    "regexp" => {
                        // The juggler turns a "/x/i" string into a RegExp.
                        let r = match c.as_str().and_then(slashed) {
                            Some((src, flags)) => {
                                MVal::Regex(Regex::new(src, flags).map_err(|what| {
                                    MongoError::Unmodelled(format!("{what} in /{src}/"))
                                })?)
                            }
                            None => c,
                        };
                        MVal::Obj(vec![("$regex".into(), r)])
                    }
                    other => MVal::Obj(vec![(format!("${other}"), c)]),
                }
            }
            None if matches!(cond, MVal::Null) => {
                MVal::Obj(vec![("$type".into(), MVal::Num(10.0))])
            }
            None => coerce(cond)?,
        };
        put(&mut out, key, value);
    }
    Ok(MVal::Obj(out))
}
