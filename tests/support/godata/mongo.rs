//! The MongoDB query a read ends as (`godata-api.md` §1.5): `$and $or $nor`, `$eq $ne
//! $gt $gte $lt $lte $in $nin $exists $not $regex $options $elemMatch`, `$type` null,
//! dotted paths through arrays, `null` matching a missing field, comparisons only
//! within one type. The query is compiled before any record is read, so a bad
//! operator fails even on an empty outbreak. Unknown operators fail as MongoDB does;
//! real operators the fake does not model fail differently (`Unmodelled`).

use std::cmp::Ordering;

use super::regex::Regex;
use super::value::MVal;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MongoError {
    /// MongoDB refuses the query (BadValue, code 2): `unknown operator: $foo`.
    Server(String),
    /// Valid MongoDB the fake does not model.
    Unmodelled(String),
}

/// Real query operators the fake does not evaluate.
const UNMODELLED_FIELD: &[&str] = &[
    "$all",
    "$size",
    "$mod",
    "$bitsAllSet",
    "$bitsAnySet",
    "$bitsAllClear",
    "$bitsAnyClear",
    "$geoWithin",
    "$geoIntersects",
    "$near",
    "$nearSphere",
    "$within",
    "$maxDistance",
    "$minDistance",
    "$jsonSchema",
];
const UNMODELLED_TOP: &[&str] = &["$expr", "$where", "$text", "$comment", "$jsonSchema"];

#[derive(Debug, Clone)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Nor(Vec<Expr>),
    Field(Vec<String>, Vec<Cond>),
}

#[derive(Debug, Clone)]
pub enum Cond {
    Eq(MVal),
    Ne(MVal),
    Cmp(Ordering, bool, MVal),
    In(Vec<MVal>),
    Nin(Vec<MVal>),
    Exists(bool),
    Not(Vec<Cond>),
    Regex(Regex),
    ElemDoc(Box<Expr>),
    ElemVal(Vec<Cond>),
    TypeNull,
}

fn server(m: impl Into<String>) -> MongoError {
    MongoError::Server(m.into())
}

/// Compile a query document.
pub fn compile(q: &MVal) -> Result<Expr, MongoError> {
    let MVal::Obj(kv) = q else {
        return Err(server("query filter must be an object"));
    };
    let mut all = Vec::new();
    for (k, v) in kv {
        if let Some(op) = k.strip_prefix('$') {
            let list = |v: &MVal| -> Result<Vec<Expr>, MongoError> {
                let MVal::Arr(items) = v else {
                    return Err(server(format!("{k} must be an array")));
                };
                if items.is_empty() {
                    return Err(server("$and/$or/$nor must be a nonempty array"));
                }
                items
                    .iter()
                    .map(|i| match i {
                        MVal::Obj(_) => compile(i),
                        _ => Err(server("$or/$and/$nor entries need to be full objects")),
                    })
                    .collect()
            };
            all.push(match op {
                "and" => Expr::And(list(v)?),
                "or" => Expr::Or(list(v)?),
                "nor" => Expr::Nor(list(v)?),
                _ if UNMODELLED_TOP.contains(&k.as_str()) => {
                    return Err(MongoError::Unmodelled(format!("the MongoDB operator {k}")));
                }
                _ => return Err(server(format!("unknown top level operator: {k}"))),
            });
            continue;
        }
        let path: Vec<String> = k.split('.').map(str::to_string).collect();
        all.push(Expr::Field(path, conditions(v)?));
    }
    Ok(Expr::And(all))
}

fn is_operator_object(v: &MVal) -> bool {
    matches!(v, MVal::Obj(kv) if kv.first().is_some_and(|(k, _)| k.starts_with('$')))
}

/// The conditions on one field: an operator object, a regex, or an equality.
fn conditions(v: &MVal) -> Result<Vec<Cond>, MongoError> {
    match v {
        MVal::Regex(r) => Ok(vec![Cond::Regex(r.clone())]),
        _ if is_operator_object(v) => operators(v),
        _ => Ok(vec![Cond::Eq(v.clone())]),
    }
}

fn regex_of(v: &MVal, options: Option<&MVal>) -> Result<Regex, MongoError> {
    let opts = match options {
        None => String::new(),
        Some(MVal::Str(s)) => s.clone(),
        Some(_) => return Err(server("$options has to be a string")),
    };
    let (source, flags) = match v {
        MVal::Str(s) => (s.clone(), opts),
        MVal::Regex(r) if opts.is_empty() => (r.source.clone(), r.flags.clone()),
        MVal::Regex(_) => {
            return Err(server("options set in both $regex and $options"));
        }
        _ => return Err(server("$regex has to be a string")),
    };
    Regex::new(&source, &flags).map_err(|what| {
        MongoError::Unmodelled(format!("{what} in the regular expression /{source}/"))
    })
}

fn operators(v: &MVal) -> Result<Vec<Cond>, MongoError> {
    let MVal::Obj(kv) = v else {
        return Err(server("expected an object"));
    };
    let options = v.get("$options");
    let mut out = Vec::new();
    for (k, x) in kv {
        let cmp = |o, eq| Cond::Cmp(o, eq, x.clone());
        out.push(match k.as_str() {
            "$eq" => Cond::Eq(x.clone()),
            "$ne" => Cond::Ne(x.clone()),
            "$gt" => cmp(Ordering::Greater, false),
            "$gte" => cmp(Ordering::Greater, true),
            "$lt" => cmp(Ordering::Less, false),
            "$lte" => cmp(Ordering::Less, true),
            "$in" | "$nin" => {
                let MVal::Arr(items) = x else {
                    return Err(server(format!("{k} needs an array")));
                };
                if k == "$in" {
                    Cond::In(items.clone())
                } else {
                    Cond::Nin(items.clone())
                }
            }
            "$exists" => Cond::Exists(x.truthy()),
            "$not" => match x {
                MVal::Regex(r) => Cond::Not(vec![Cond::Regex(r.clone())]),
                MVal::Obj(inner) if inner.is_empty() => return Err(server("$not cannot be empty")),
                MVal::Obj(_) if is_operator_object(x) => Cond::Not(operators(x)?),
                MVal::Obj(inner) => {
                    return Err(server(format!("unknown operator: {}", inner[0].0)));
                }
                _ => return Err(server("$not needs a regex or a document")),
            },
            "$regex" => Cond::Regex(regex_of(x, options)?),
            "$options" => {
                if v.get("$regex").is_none() {
                    return Err(server("$options needs a $regex"));
                }
                continue;
            }
            "$elemMatch" => {
                let MVal::Obj(inner) = x else {
                    return Err(server("$elemMatch needs an Object"));
                };
                let value_form = !inner.is_empty()
                    && inner.iter().all(|(k, _)| {
                        k.starts_with('$') && !matches!(k.as_str(), "$and" | "$or" | "$nor")
                    });
                if value_form {
                    Cond::ElemVal(operators(x)?)
                } else {
                    Cond::ElemDoc(Box::new(compile(x)?))
                }
            }
            "$type" => match x {
                MVal::Str(s) if s == "null" => Cond::TypeNull,
                MVal::Num(n) if *n == 10.0 => Cond::TypeNull,
                _ => {
                    return Err(MongoError::Unmodelled(format!("$type {}", x.stringify())));
                }
            },
            op if UNMODELLED_FIELD.contains(&op) => {
                return Err(MongoError::Unmodelled(format!("the MongoDB operator {op}")));
            }
            op => return Err(server(format!("unknown operator: {op}"))),
        });
    }
    Ok(out)
}

/// The values a dotted path reaches (`None`: the path ends early), through arrays.
fn leaves<'a>(v: &'a MVal, path: &[String], out: &mut Vec<Option<&'a MVal>>) {
    let Some((seg, rest)) = path.split_first() else {
        out.push(Some(v));
        return;
    };
    match v {
        MVal::Obj(_) => match v.get(seg) {
            Some(child) => leaves(child, rest, out),
            None => out.push(None),
        },
        MVal::Arr(items) => {
            let before = out.len();
            if let Ok(i) = seg.parse::<usize>()
                && let Some(e) = items.get(i)
            {
                leaves(e, rest, out);
            }
            for e in items {
                if matches!(e, MVal::Obj(_)) {
                    leaves(e, path, out);
                }
            }
            if out.len() == before {
                out.push(None);
            }
        }
        _ => out.push(None),
    }
}

/// A leaf and, when it is an array, its elements.
fn candidates<'a>(ls: &[Option<&'a MVal>]) -> Vec<&'a MVal> {
    let mut out = Vec::new();
    for v in ls.iter().flatten() {
        out.push(*v);
        if let MVal::Arr(items) = v {
            out.extend(items.iter());
        }
    }
    out
}

/// Comparison within one BSON type only (a string never matches a Date).
fn compare(a: &MVal, b: &MVal) -> Option<Ordering> {
    match (a, b) {
        (MVal::Num(x), MVal::Num(y)) => x.partial_cmp(y),
        (MVal::Str(x), MVal::Str(y)) => Some(x.cmp(y)),
        (MVal::Date(x), MVal::Date(y)) => Some(x.cmp(y)),
        (MVal::Bool(x), MVal::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn equals(ls: &[Option<&MVal>], x: &MVal) -> bool {
    match x {
        MVal::Null => {
            ls.is_empty()
                || ls.iter().any(Option::is_none)
                || candidates(ls).iter().any(|c| matches!(c, MVal::Null))
        }
        MVal::Regex(r) => regex_hit(ls, r),
        _ => candidates(ls).contains(&x),
    }
}

fn regex_hit(ls: &[Option<&MVal>], r: &Regex) -> bool {
    candidates(ls).iter().any(|c| match c {
        MVal::Str(s) => r.is_match(s),
        MVal::Regex(q) => q.source == r.source && q.flags == r.flags,
        _ => false,
    })
}

fn holds(c: &Cond, ls: &[Option<&MVal>]) -> bool {
    match c {
        Cond::Eq(x) => equals(ls, x),
        Cond::Ne(x) => !equals(ls, x),
        Cond::Cmp(dir, or_equal, x) => {
            if matches!(x, MVal::Null) {
                return *or_equal && equals(ls, x);
            }
            let mut cands = candidates(ls);
            if !matches!(x, MVal::Arr(_)) {
                cands.retain(|c| !matches!(c, MVal::Arr(_)));
            }
            cands.iter().any(|v| match compare(v, x) {
                Some(Ordering::Equal) => *or_equal,
                Some(o) => o == *dir,
                None => false,
            })
        }
        Cond::In(xs) => xs.iter().any(|x| equals(ls, x)),
        Cond::Nin(xs) => !xs.iter().any(|x| equals(ls, x)),
        Cond::Exists(want) => ls.iter().any(Option::is_some) == *want,
        Cond::Not(cs) => !cs.iter().all(|c| holds(c, ls)),
        Cond::Regex(r) => regex_hit(ls, r),
        Cond::TypeNull => candidates(ls).iter().any(|c| matches!(c, MVal::Null)),
        Cond::ElemDoc(e) => arrays(ls).any(|e2| matches!(e2, MVal::Obj(_)) && eval(e, e2)),
        Cond::ElemVal(cs) => arrays(ls).any(|el| cs.iter().all(|c| holds(c, &[Some(el)]))),
    }
}

fn arrays<'a>(ls: &'a [Option<&'a MVal>]) -> impl Iterator<Item = &'a MVal> + 'a {
    ls.iter().flatten().flat_map(|v| match v {
        MVal::Arr(items) => items.iter().collect::<Vec<_>>(),
        _ => Vec::new(),
    })
}

/// Whether a record matches.
pub fn eval(e: &Expr, doc: &MVal) -> bool {
    match e {
        Expr::And(es) => es.iter().all(|e| eval(e, doc)),
        Expr::Or(es) => es.iter().any(|e| eval(e, doc)),
        Expr::Nor(es) => !es.iter().any(|e| eval(e, doc)),
        Expr::Field(path, conds) => {
            let mut ls = Vec::new();
            leaves(doc, path, &mut ls);
            conds.iter().all(|c| holds(c, &ls))
        }
    }
}

/// BSON sort order of a value at a path: missing and null first, then numbers,
/// strings, objects, arrays, booleans, dates.
pub fn sort_cmp(a: &MVal, b: &MVal, path: &[String]) -> Ordering {
    fn first<'a>(v: &'a MVal, path: &[String]) -> Option<&'a MVal> {
        let mut ls = Vec::new();
        leaves(v, path, &mut ls);
        ls.into_iter().flatten().next()
    }
    fn rank(v: Option<&MVal>) -> u8 {
        match v {
            None | Some(MVal::Null) => 0,
            Some(MVal::Num(_)) => 1,
            Some(MVal::Str(_)) => 2,
            Some(MVal::Obj(_)) => 3,
            Some(MVal::Arr(_)) => 4,
            Some(MVal::Bool(_)) => 5,
            Some(MVal::Date(_)) => 6,
            Some(MVal::Regex(_)) => 7,
        }
    }
    let (x, y) = (first(a, path), first(b, path));
    rank(x).cmp(&rank(y)).then_with(|| match (x, y) {
        (Some(x), Some(y)) => compare(x, y).unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    })
}
