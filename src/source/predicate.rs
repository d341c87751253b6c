//! Predicates compiled against a field table, and their evaluation over a record's
//! cells.
//!
//! A missing or unknown value satisfies only `exists = false`, `is_null = true` and
//! `"unknown"`: `not_in` and comparisons need a value, so that a record without a sex
//! never lands in `{ not_in = ["MALE", "FEMALE"] }` by accident.

use compact_str::CompactString;
use jiff::civil::Date;

use super::fields::{Cell, FieldId, FieldTable, Kind, parse_number};
use crate::config::blocks::{CmpOp, FieldTest, Predicate, Scalar, Test};

#[derive(Debug, Clone, PartialEq)]
enum Check {
    Text(Vec<CompactString>),
    Number(Vec<f64>),
    Date(Vec<Date>),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum CompiledTest {
    In(Check),
    NotIn(Check),
    Number(CmpOp, f64),
    Date(CmpOp, Date),
    /// `true`: the field has a value (an unreadable one counts).
    Exists(bool),
    Unknown,
}

/// A predicate ready to evaluate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compiled {
    tests: Vec<(FieldId, CompiledTest)>,
    any: Vec<Compiled>,
}

/// A test that cannot be compiled: the field's kind does not allow it.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileError {
    pub field: String,
    pub span: std::ops::Range<usize>,
    pub message: String,
}

/// Turns a text value written in a predicate into the values records hold (a Go.Data
/// suffix such as `CONFIRMED` into its full reference tokens: the global item and an
/// outbreak's own); empty: kept as written.
pub type Canonical<'a> = &'a dyn Fn(FieldId, &str) -> Vec<CompactString>;

/// A date as written in a predicate: `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    s.trim().parse::<Date>().ok()
}

/// The kind a line-list column gets from the tests on it: a comparison with a number
/// makes it a number, with a date a date.
pub fn inferred_kind(test: &Test) -> Kind {
    match test {
        Test::Cmp(_, s) => match &s.value {
            Scalar::Num(_) => Kind::Number,
            Scalar::Str(v) if parse_date(v).is_some() => Kind::Date,
            _ => Kind::Text,
        },
        _ => Kind::Text,
    }
}

impl Compiled {
    pub fn compile(
        p: &Predicate,
        fields: &FieldTable,
        canonical: Canonical<'_>,
    ) -> Result<Compiled, CompileError> {
        let mut tests = Vec::with_capacity(p.tests.len());
        for t in &p.tests {
            let Some(id) = fields.id(&t.field.value) else {
                return Err(CompileError {
                    field: t.field.value.clone(),
                    span: t.field.span.clone(),
                    message: format!("`{}` is not a field of the records", t.field.value),
                });
            };
            tests.push((id, compile_test(t, id, fields.kind(id), canonical)?));
        }
        let any = p
            .any
            .iter()
            .map(|a| Compiled::compile(a, fields, canonical))
            .collect::<Result<_, _>>()?;
        Ok(Compiled { tests, any })
    }

    /// Whether a record's cells satisfy the predicate.
    #[inline]
    pub fn matches(&self, cells: &[Cell]) -> bool {
        self.tests
            .iter()
            .all(|(id, t)| eval(t, &cells[usize::from(*id)]))
            && (self.any.is_empty() || self.any.iter().any(|a| a.matches(cells)))
    }
}

fn compile_test(
    t: &FieldTest,
    id: FieldId,
    kind: Kind,
    canonical: Canonical<'_>,
) -> Result<CompiledTest, CompileError> {
    let err = |message: String| CompileError {
        field: t.field.value.clone(),
        span: t.span.clone(),
        message,
    };
    let values = |list: &[crate::config::Spanned<Scalar>]| -> Result<Check, CompileError> {
        match kind {
            Kind::Text => Ok(Check::Text(
                list.iter()
                    .flat_map(|s| match &s.value {
                        Scalar::Str(v) => {
                            let c = canonical(id, v);
                            if c.is_empty() {
                                vec![CompactString::from(v.as_str())]
                            } else {
                                c
                            }
                        }
                        other => vec![CompactString::from(other.to_string().trim_matches('"'))],
                    })
                    .collect(),
            )),
            Kind::Number => list
                .iter()
                .map(|s| match &s.value {
                    Scalar::Num(n) => Ok(*n),
                    Scalar::Str(v) => parse_number(v).ok_or(()),
                    Scalar::Bool(_) => Err(()),
                })
                .collect::<Result<Vec<f64>, ()>>()
                .map(Check::Number)
                .map_err(|()| {
                    err(format!(
                        "`{}` is a number; compare it with numbers",
                        t.field.value
                    ))
                }),
            Kind::Date => list
                .iter()
                .map(|s| match &s.value {
                    Scalar::Str(v) => parse_date(v).ok_or(()),
                    _ => Err(()),
                })
                .collect::<Result<Vec<Date>, ()>>()
                .map(Check::Date)
                .map_err(|()| {
                    err(format!(
                        "`{}` is a date; compare it with \"YYYY-MM-DD\" dates",
                        t.field.value
                    ))
                }),
            Kind::Bool => match list {
                [s] => match s.value {
                    Scalar::Bool(b) => Ok(Check::Bool(b)),
                    _ => Err(err(format!("`{}` is true or false", t.field.value))),
                },
                _ => Err(err(format!(
                    "`{}` is true or false: compare it with one of them",
                    t.field.value
                ))),
            },
        }
    };
    Ok(match &t.test {
        Test::OneOf(list) => CompiledTest::In(values(list)?),
        Test::NotIn(list) => CompiledTest::NotIn(values(list)?),
        Test::Exists(b) => CompiledTest::Exists(*b),
        Test::Unknown => CompiledTest::Unknown,
        Test::Cmp(op, s) => match (kind, &s.value) {
            (Kind::Number, Scalar::Num(n)) => CompiledTest::Number(*op, *n),
            (Kind::Number, Scalar::Str(v)) if parse_number(v).is_some() => {
                CompiledTest::Number(*op, parse_number(v).unwrap_or_default())
            }
            (Kind::Date, Scalar::Str(v)) => match parse_date(v) {
                Some(d) => CompiledTest::Date(*op, d),
                None => {
                    return Err(err(format!(
                        "`{}` is a date; `{}` needs a \"YYYY-MM-DD\" date",
                        t.field.value,
                        op.name()
                    )));
                }
            },
            (k, _) => {
                return Err(err(format!(
                    "`{}` cannot be ordered: it is a {} field; `{}` compares numbers and dates",
                    t.field.value,
                    match k {
                        Kind::Text => "reference or text",
                        other => other.name(),
                    },
                    op.name()
                )));
            }
        },
    })
}

#[inline]
fn holds(c: &Check, cell: &Cell) -> Option<bool> {
    Some(match (c, cell) {
        (Check::Text(v), Cell::Text(s)) => v.iter().any(|x| x == s),
        (Check::Number(v), Cell::Number(n)) => v.contains(n),
        (Check::Date(v), Cell::Date(d)) => v.contains(d),
        (Check::Bool(b), Cell::Bool(x)) => b == x,
        (_, Cell::Null | Cell::Unknown) => return None,
        _ => false,
    })
}

fn ordered<T: PartialOrd>(op: CmpOp, a: T, b: T) -> bool {
    match op {
        CmpOp::Gt => a > b,
        CmpOp::Gte => a >= b,
        CmpOp::Lt => a < b,
        CmpOp::Lte => a <= b,
    }
}

#[inline]
fn eval(t: &CompiledTest, cell: &Cell) -> bool {
    match t {
        CompiledTest::In(c) => holds(c, cell) == Some(true),
        CompiledTest::NotIn(c) => holds(c, cell) == Some(false),
        CompiledTest::Number(op, b) => matches!(cell, Cell::Number(n) if ordered(*op, *n, *b)),
        CompiledTest::Date(op, b) => matches!(cell, Cell::Date(d) if ordered(*op, *d, *b)),
        CompiledTest::Exists(b) => !matches!(cell, Cell::Null) == *b,
        CompiledTest::Unknown => matches!(cell, Cell::Null | Cell::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Spanned;

    fn test(field: &str, t: Test) -> FieldTest {
        FieldTest {
            field: Spanned::new(field.into(), 0..0),
            test: t,
            span: 0..0,
        }
    }

    fn s(v: Scalar) -> Spanned<Scalar> {
        Spanned::new(v, 0..0)
    }

    #[test]
    fn missing_values_satisfy_only_the_tests_for_missing_values() {
        let mut f = FieldTable::default();
        f.add("sex", Kind::Text);
        f.add("age", Kind::Number);
        let none: Canonical<'_> = &|_, _| Vec::new();
        let p = |t: FieldTest| {
            Compiled::compile(
                &Predicate {
                    tests: vec![t],
                    ..Predicate::default()
                },
                &f,
                none,
            )
            .expect("compiles")
        };
        let not_in = p(test("sex", Test::NotIn(vec![s(Scalar::Str("M".into()))])));
        let unknown = p(test("age", Test::Unknown));
        let young = p(test("age", Test::Cmp(CmpOp::Lt, s(Scalar::Num(5.0)))));
        let absent = p(test("sex", Test::Exists(false)));
        let rec = |sex: Cell, age: Cell| vec![sex, age];
        let blank = rec(Cell::Null, Cell::Unknown);
        assert!(!not_in.matches(&blank));
        assert!(unknown.matches(&blank));
        assert!(!young.matches(&blank));
        assert!(absent.matches(&blank));
        let female = rec(Cell::Text("F".into()), Cell::Number(4.0));
        assert!(not_in.matches(&female));
        assert!(!unknown.matches(&female));
        assert!(young.matches(&female));
        assert!(!absent.matches(&female));
        assert!(
            !young.matches(&rec(Cell::Null, Cell::Number(5.0))),
            "lt 5 excludes 5"
        );
    }

    #[test]
    fn suffixes_become_the_tokens_records_hold_and_kinds_refuse_what_they_cannot_order() {
        let mut f = FieldTable::default();
        let cls = f.add("classification", Kind::Text);
        let canon: Canonical<'_> = &|id, v| {
            if id == cls {
                vec![format!("LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION_{v}").into()]
            } else {
                Vec::new()
            }
        };
        let p = Compiled::compile(
            &Predicate {
                tests: vec![test(
                    "classification",
                    Test::OneOf(vec![s(Scalar::Str("CONFIRMED".into()))]),
                )],
                ..Predicate::default()
            },
            &f,
            canon,
        )
        .expect("compiles");
        assert!(p.matches(&[Cell::Text(
            "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION_CONFIRMED".into()
        )]));
        assert!(!p.matches(&[Cell::Text("CONFIRMED".into())]));
        let e = Compiled::compile(
            &Predicate {
                tests: vec![test(
                    "classification",
                    Test::Cmp(CmpOp::Gt, s(Scalar::Num(1.0))),
                )],
                ..Predicate::default()
            },
            &f,
            canon,
        )
        .unwrap_err();
        assert!(e.message.contains("cannot be ordered"), "{e:?}");
    }
}
