use super::records::{block_finding, ids, record_job, records};
use crate::config::blocks::{CmpOp, OptionTest, Predicate, Scalar, Test};
use crate::diagnostic::Finding;
use crate::job::Job;
use crate::source::aggregate::Drop;
use crate::source::predicate::parse_date;

declare_rule! {
    /// ## What it does
    /// Checks that the options of each category of a block take disjoint records, and
    /// so do a block's explicit `combos`. Two options overlap when, on every field both
    /// constrain, their conditions can hold at once: two lists share a value, two
    /// ranges meet (a shared inclusive bound such as `lte = 5` and `gte = 5` is a
    /// meeting), a list value falls in a range, or both accept a missing value. Options
    /// that constrain no field in common, or that use `where_any`, are judged on the
    /// records.
    ///
    /// With the records read (`check --with-data`, `sync`): every record two options
    /// (or two combos) accept, counted per block with up to three record ids. Such a
    /// record is not aggregated.
    ///
    /// ## Why is this bad?
    /// A record in two options would be counted twice into the data element's total:
    /// the disaggregated figures add up to more cases than there are.
    ///
    /// ## How to fix
    /// Make the bounds exclusive on one side (`lt = 5` and `gte = 5`), or remove the
    /// shared value from one list.
    ///
    /// ## Example
    /// `AGE_0_4 = { age_years = { lte = 5 } }` and `AGE_5_14 = { age_years = { gte = 5,
    /// lt = 15 } }`: a five-year-old is in both.
    pub static RULE = {
        id: OVERLAPPING_DISAGGREGATION,
        summary: "two options of a block's category (or two explicit combos) accept the same record",
        check: check,
    }
}

/// What one field may be under an option's conditions.
#[derive(Debug, Clone, PartialEq)]
struct Domain {
    /// A missing or unknown value is accepted.
    null: bool,
    /// The values accepted (`None` for none at all).
    values: Option<Values>,
}

#[derive(Debug, Clone, PartialEq)]
enum Values {
    Any,
    List(Vec<Scalar>),
    Except(Vec<Scalar>),
    /// Bounds: value and whether inclusive.
    Range(Option<(f64, bool)>, Option<(f64, bool)>),
}

fn num(s: &Scalar) -> Option<f64> {
    match s {
        Scalar::Num(n) => Some(*n),
        Scalar::Str(v) => v.parse::<f64>().ok().or_else(|| {
            parse_date(v).map(|d| {
                f64::from(i32::from(d.year())) * 10_000.0
                    + f64::from(d.month()) * 100.0
                    + f64::from(d.day())
            })
        }),
        Scalar::Bool(_) => None,
    }
}

fn eq(a: &Scalar, b: &Scalar) -> bool {
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn in_range(v: &Scalar, lo: &Option<(f64, bool)>, hi: &Option<(f64, bool)>) -> bool {
    let Some(x) = num(v) else { return false };
    lo.is_none_or(|(l, inc)| if inc { x >= l } else { x > l })
        && hi.is_none_or(|(h, inc)| if inc { x <= h } else { x < h })
}

fn meets(a: &Values, b: &Values) -> bool {
    use Values::*;
    match (a, b) {
        (Any, _) | (_, Any) => true,
        (List(x), List(y)) => x.iter().any(|v| y.iter().any(|w| eq(v, w))),
        (List(x), Except(y)) | (Except(y), List(x)) => {
            x.iter().any(|v| !y.iter().any(|w| eq(v, w)))
        }
        (Except(_), Except(_)) => true,
        (List(x), Range(lo, hi)) | (Range(lo, hi), List(x)) => {
            x.iter().any(|v| in_range(v, lo, hi))
        }
        (Except(_), Range(..)) | (Range(..), Except(_)) => true,
        (Range(l1, h1), Range(l2, h2)) => {
            let lo = max_lo(l1, l2);
            let hi = min_hi(h1, h2);
            match (lo, hi) {
                (Some((l, li)), Some((h, hi))) => l < h || (l == h && li && hi),
                _ => true,
            }
        }
    }
}

fn max_lo(a: &Option<(f64, bool)>, b: &Option<(f64, bool)>) -> Option<(f64, bool)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if x.0 > y.0 || (x.0 == y.0 && !x.1) {
            *x
        } else {
            *y
        }),
        (x, None) => *x,
        (None, y) => *y,
    }
}

fn min_hi(a: &Option<(f64, bool)>, b: &Option<(f64, bool)>) -> Option<(f64, bool)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if x.0 < y.0 || (x.0 == y.0 && !x.1) {
            *x
        } else {
            *y
        }),
        (x, None) => *x,
        (None, y) => *y,
    }
}

/// Narrow `values` by another condition on the same field (`None`: nothing left).
fn narrow(values: Option<Values>, by: Values) -> Option<Values> {
    use Values::*;
    let v = values?;
    Some(match (v, by) {
        (Any, b) => b,
        (a, Any) => a,
        (Range(l1, h1), Range(l2, h2)) => Range(max_lo(&l1, &l2), min_hi(&h1, &h2)),
        (List(x), b) | (b, List(x)) => {
            let kept: Vec<Scalar> = x
                .into_iter()
                .filter(|v| meets(&List(vec![v.clone()]), &b))
                .collect();
            if kept.is_empty() {
                return None;
            }
            List(kept)
        }
        (Except(mut x), Except(y)) => {
            x.extend(y);
            Except(x)
        }
        (Except(_), r @ Range(..)) | (r @ Range(..), Except(_)) => r,
    })
}

/// Each field's domain under a predicate (`None` when it has alternatives).
fn domains(p: &Predicate) -> Option<Vec<(&str, Domain)>> {
    if !p.any.is_empty() {
        return None;
    }
    let mut out: Vec<(&str, Domain)> = Vec::new();
    for t in &p.tests {
        let (null, by): (bool, Option<Values>) = match &t.test {
            Test::OneOf(v) => (
                false,
                Some(Values::List(v.iter().map(|s| s.value.clone()).collect())),
            ),
            Test::NotIn(v) => (
                false,
                Some(Values::Except(v.iter().map(|s| s.value.clone()).collect())),
            ),
            Test::Cmp(op, s) => {
                let Some(x) = num(&s.value) else { continue };
                let r = match op {
                    CmpOp::Gt => Values::Range(Some((x, false)), None),
                    CmpOp::Gte => Values::Range(Some((x, true)), None),
                    CmpOp::Lt => Values::Range(None, Some((x, false))),
                    CmpOp::Lte => Values::Range(None, Some((x, true))),
                };
                (false, Some(r))
            }
            Test::Exists(true) => (false, Some(Values::Any)),
            Test::Exists(false) | Test::Unknown => (true, None),
        };
        match out.iter_mut().find(|(f, _)| *f == t.field.value) {
            Some((_, d)) => {
                d.null = d.null && null;
                d.values = match by {
                    Some(b) => narrow(d.values.take(), b),
                    None => None,
                };
            }
            None => out.push((t.field.value.as_str(), Domain { null, values: by })),
        }
    }
    Some(out)
}

/// Whether two predicates can accept one record (judged on the fields both constrain;
/// `None` when they share none or cannot be judged).
fn overlap(a: &Predicate, b: &Predicate) -> Option<bool> {
    let (da, db) = (domains(a)?, domains(b)?);
    let mut shared = 0;
    for (f, x) in &da {
        let Some((_, y)) = db.iter().find(|(g, _)| g == f) else {
            continue;
        };
        shared += 1;
        let both_null = x.null && y.null;
        let both_values = matches!((&x.values, &y.values), (Some(v), Some(w)) if meets(v, w));
        if !both_null && !both_values {
            return Some(false);
        }
    }
    (shared > 0).then_some(true)
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (bi, b) in rj.blocks.iter().enumerate() {
        // An unknown data element leaves nothing to disaggregate.
        if rj
            .side
            .binding
            .blocks
            .get(bi)
            .is_some_and(|bb| bb.de.is_none())
        {
            continue;
        }
        for c in &b.categories {
            let opts: Vec<(&str, &Predicate, std::ops::Range<usize>)> = c
                .options
                .iter()
                .filter_map(|o| match &o.test {
                    OptionTest::Predicate(p) => {
                        Some((o.option.value.as_str(), p, o.option.span.clone()))
                    }
                    OptionTest::Else => None,
                })
                .collect();
            for i in 0..opts.len() {
                for j in i + 1..opts.len() {
                    if overlap(opts[i].1, opts[j].1) == Some(true) {
                        out.push(block_finding(
                            &RULE,
                            cx,
                            bi,
                            opts[j].2.clone(),
                            format!(
                                "block \"{}\", category {}: options {} and {} can accept the same record",
                                b.name, c.category.value, opts[i].0, opts[j].0
                            ),
                            "make their conditions disjoint (one bound exclusive, no shared value): a record in both would be counted twice",
                        ));
                    }
                }
            }
        }
        for i in 0..b.combos.len() {
            for j in i + 1..b.combos.len() {
                if overlap(&b.combos[i].filter, &b.combos[j].filter) == Some(true) {
                    out.push(block_finding(
                        &RULE,
                        cx,
                        bi,
                        b.combos[j].span.clone(),
                        format!(
                            "block \"{}\": combos {} and {} can accept the same record",
                            b.name,
                            b.combos[i].category_option_combo.value,
                            b.combos[j].category_option_combo.value
                        ),
                        "make the combos' conditions disjoint",
                    ));
                }
            }
        }
    }
    if let Some(data) = cx.record_data {
        for ((bi, why), d) in &data.aggregates.dropped {
            let Some(b) = rj.blocks.get(*bi as usize) else {
                continue;
            };
            let what = match why {
                Drop::TwoOptions(c, x, y) => {
                    let cat = &b.categories[usize::from(*c)];
                    format!(
                        "category {}: options {} and {} both accept",
                        cat.category.value,
                        cat.options[usize::from(*x)].option.value,
                        cat.options[usize::from(*y)].option.value
                    )
                }
                Drop::TwoCombos(..) => "two explicit combos both accept".to_string(),
                _ => continue,
            };
            out.push(block_finding(
                &RULE,
                cx,
                *bi as usize,
                b.span.start..b.span.start,
                format!(
                    "block \"{}\", {what} {}{}; {} not aggregated",
                    b.name,
                    records(d.records),
                    ids(&d.examples.0),
                    if d.records == 1 {
                        "it was"
                    } else {
                        "they were"
                    }
                ),
                "make the conditions disjoint",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Spanned;
    use crate::config::blocks::FieldTest;

    fn p(tests: Vec<(&str, Test)>) -> Predicate {
        Predicate {
            tests: tests
                .into_iter()
                .map(|(f, t)| FieldTest {
                    field: Spanned::new(f.into(), 0..0),
                    test: t,
                    span: 0..0,
                })
                .collect(),
            ..Predicate::default()
        }
    }

    fn n(x: f64) -> Spanned<Scalar> {
        Spanned::new(Scalar::Num(x), 0..0)
    }

    #[test]
    fn bounds_lists_and_missing_values_meet_or_not() {
        let lte5 = p(vec![("age", Test::Cmp(CmpOp::Lte, n(5.0)))]);
        let gte5 = p(vec![
            ("age", Test::Cmp(CmpOp::Gte, n(5.0))),
            ("age", Test::Cmp(CmpOp::Lt, n(15.0))),
        ]);
        let lt5 = p(vec![("age", Test::Cmp(CmpOp::Lt, n(5.0)))]);
        assert_eq!(
            overlap(&lte5, &gte5),
            Some(true),
            "a shared inclusive bound meets"
        );
        assert_eq!(overlap(&lt5, &gte5), Some(false));
        let unknown = p(vec![("age", Test::Unknown)]);
        assert_eq!(overlap(&unknown, &lt5), Some(false));
        assert_eq!(
            overlap(&unknown, &p(vec![("age", Test::Exists(false))])),
            Some(true)
        );
        let s = |v: &str| Spanned::new(Scalar::Str(v.into()), 0..0);
        let fm = p(vec![("sex", Test::OneOf(vec![s("F"), s("M")]))]);
        let m = p(vec![("sex", Test::OneOf(vec![s("M")]))]);
        let not_fm = p(vec![("sex", Test::NotIn(vec![s("F"), s("M")]))]);
        assert_eq!(overlap(&fm, &m), Some(true));
        assert_eq!(overlap(&m, &not_fm), Some(false));
        assert_eq!(
            overlap(&m, &lt5),
            None,
            "no field in common: judged on the records"
        );
    }
}
