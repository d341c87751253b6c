//! The `[[aggregate]]` blocks: one target data element filled from records, with the
//! predicates that choose the records and their category options (`godata-api.md` §3.2).

use std::borrow::Cow;
use std::ops::Range;

use toml_span::value::{Value, ValueInner};

use super::Spanned;
use super::walk::{Issues, TableReader, range};
use crate::period::PeriodType;

/// One `[[aggregate]]` block: one target data element filled from records.
#[derive(Debug, Clone)]
pub struct AggregateBlock {
    pub name: String,
    /// The whole block, for findings that name it.
    pub span: Range<usize>,
    pub data_element: Spanned<String>,
    pub value: ValueRule,
    pub filter: Predicate,
    /// A date field: its calendar day picks the period.
    pub period: Spanned<String>,
    pub period_type: Option<Spanned<PeriodType>>,
    pub attribute_option_combo: Option<Spanned<String>>,
    /// The field that gives the location (the source's `org_units.from` when unset).
    pub org_units_from: Option<Spanned<String>>,
    pub categories: Vec<CategoryRule>,
    pub combos: Vec<ComboRule>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueRule {
    Count,
    Sum(Spanned<String>),
}

/// How one category of the data element's combo is chosen.
#[derive(Debug, Clone)]
pub struct CategoryRule {
    /// The category's code, else its name.
    pub category: Spanned<String>,
    pub options: Vec<OptionRule>,
}

impl CategoryRule {
    /// The option that takes what no other does (`"else"`), by its index.
    pub fn else_option(&self) -> Option<u16> {
        self.options
            .iter()
            .position(|o| matches!(o.test, OptionTest::Else))
            .map(|i| i as u16)
    }
}

#[derive(Debug, Clone)]
pub struct OptionRule {
    /// The category option's code, else its name.
    pub option: Spanned<String>,
    pub test: OptionTest,
}

#[derive(Debug, Clone)]
pub enum OptionTest {
    Predicate(Predicate),
    /// Records no other option of the category takes.
    Else,
}

/// An explicit category option combo and the records it takes.
#[derive(Debug, Clone)]
pub struct ComboRule {
    pub category_option_combo: Spanned<String>,
    pub filter: Predicate,
    pub span: Range<usize>,
}

/// Field tests, all of which must hold, and alternatives of which one must.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Predicate {
    pub tests: Vec<FieldTest>,
    /// `where_any`: at least one must hold (none given: no condition).
    pub any: Vec<Predicate>,
    pub span: Range<usize>,
}

impl Predicate {
    pub fn is_empty(&self) -> bool {
        self.tests.is_empty() && self.any.is_empty()
    }

    /// Every field test, the alternatives' included.
    pub fn all_tests(&self) -> Vec<&FieldTest> {
        let mut out: Vec<&FieldTest> = self.tests.iter().collect();
        for p in &self.any {
            out.extend(p.all_tests());
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldTest {
    pub field: Spanned<String>,
    pub test: Test,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl CmpOp {
    pub fn name(self) -> &'static str {
        match self {
            CmpOp::Gt => "gt",
            CmpOp::Gte => "gte",
            CmpOp::Lt => "lt",
            CmpOp::Lte => "lte",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal to one of these.
    OneOf(Vec<Spanned<Scalar>>),
    NotIn(Vec<Spanned<Scalar>>),
    Cmp(CmpOp, Spanned<Scalar>),
    /// The field has a value (`exists = true`, `is_null = false`) or has none.
    Exists(bool),
    /// The value could not be computed or read.
    Unknown,
}

/// A value written in a predicate.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Str(String),
    Num(f64),
    Bool(bool),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Str(s) => write!(f, "\"{s}\""),
            Scalar::Num(n) => write!(f, "{n}"),
            Scalar::Bool(b) => write!(f, "{b}"),
        }
    }
}

pub(crate) const BLOCK_KEYS: &[&str] = &[
    "name",
    "data_element",
    "value",
    "where",
    "where_any",
    "period",
    "period_type",
    "attribute_option_combo",
    "org_units",
    "categories",
    "combos",
];
const COMBO_KEYS: &[&str] = &["category_option_combo", "where", "where_any"];
const TEST_KEYS: &[&str] = &[
    "in", "not_in", "gt", "gte", "lt", "lte", "exists", "is_null",
];

/// Read the `[[aggregate]]` array.
pub fn read_blocks(v: Value<'_>, issues: &mut Issues) -> Vec<AggregateBlock> {
    let mut v = v;
    let span = range(v.span);
    let items = match v.take() {
        ValueInner::Array(items) => items,
        other => {
            issues.push(
                span,
                format!(
                    "`aggregate` must be an array of tables, found a {}",
                    other.type_str()
                ),
                "expected [[aggregate]]",
                Some("write each block as `[[aggregate]]`".into()),
            );
            return Vec::new();
        }
    };
    let mut out: Vec<AggregateBlock> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if let Some(b) = read_block(item, i, issues) {
            if out.iter().any(|p| p.name == b.name) {
                issues.push(
                    b.span.clone(),
                    format!("two `[[aggregate]]` blocks are named \"{}\"", b.name),
                    "second block of that name",
                    Some(
                        "give each block its own `name`: reports and diagnostics name blocks by it"
                            .into(),
                    ),
                );
            }
            out.push(b);
        }
    }
    out
}

fn read_block(v: Value<'_>, index: usize, issues: &mut Issues) -> Option<AggregateBlock> {
    let label = format!("aggregate[{index}]");
    let mut t = TableReader::named(v, Cow::Owned(label.clone()), BLOCK_KEYS, issues)?;
    let span = t.span();
    let name = t.string("name", issues).map_or(label.clone(), |n| n.value);
    let data_element = t.string("data_element", issues);
    let value = match t.take("value") {
        None => ValueRule::Count,
        Some(v) => read_value_rule(v, &label, issues).unwrap_or(ValueRule::Count),
    };
    let filter = read_where(&mut t, &label, issues);
    let period = t.string("period", issues);
    let period_type =
        t.string("period_type", issues)
            .and_then(|s| match s.value.parse::<PeriodType>() {
                Ok(p) => Some(Spanned::new(p, s.span)),
                Err(_) => {
                    issues.push(
                        s.span,
                        format!(
                            "`{label}.period_type` \"{}\" is not a DHIS2 period type",
                            s.value
                        ),
                        "unknown period type",
                        Some("e.g. \"Weekly\", \"Monthly\", \"Quarterly\"".into()),
                    );
                    None
                }
            });
    let attribute_option_combo = t.string("attribute_option_combo", issues);
    let org_units_from = match t.take("org_units") {
        None => None,
        Some(v) => {
            let path = Cow::Owned(format!("{label}.org_units"));
            TableReader::named(v, path, &["from"], issues).and_then(|mut o| {
                let f = o.string("from", issues);
                o.finish(issues);
                f
            })
        }
    };
    let categories = match t.take("categories") {
        None => Vec::new(),
        Some(v) => read_categories(v, &label, issues),
    };
    let combos = match t.take("combos") {
        None => Vec::new(),
        Some(v) => read_combos(v, &label, issues),
    };
    t.finish(issues);
    let Some(data_element) = data_element else {
        issues.push(
            span,
            format!("`[[aggregate]]` \"{name}\" needs `data_element`"),
            "no data element",
            Some(
                "name the target data element under `data_element_id_scheme` (its code by default)"
                    .into(),
            ),
        );
        return None;
    };
    let Some(period) = period else {
        issues.push(
            span,
            format!("`[[aggregate]]` \"{name}\" needs `period`, the date field that places a record in a period"),
            "no period field",
            Some("e.g. `period = \"dateOfReporting\"`".into()),
        );
        return None;
    };
    if categories.len() > 8 {
        issues.push(
            span.clone(),
            format!("`[[aggregate]]` \"{name}\" has {} categories; at most 8 are supported", categories.len()),
            "too many categories",
            Some("DHIS2 combos of more than 8 categories are rare: use explicit `[[aggregate.combos]]`".into()),
        );
    }
    if !categories.is_empty() && !combos.is_empty() {
        issues.push(
            span.clone(),
            format!("`[[aggregate]]` \"{name}\" has both `categories` and `combos`; keep one"),
            "two ways to disaggregate",
            None,
        );
    }
    Some(AggregateBlock {
        name,
        span,
        data_element,
        value,
        filter,
        period,
        period_type,
        attribute_option_combo,
        org_units_from,
        categories,
        combos,
    })
}

fn read_value_rule(mut v: Value<'_>, label: &str, issues: &mut Issues) -> Option<ValueRule> {
    let span = range(v.span);
    match v.take() {
        ValueInner::String(s) if s == "count" => Some(ValueRule::Count),
        ValueInner::Table(mut t) => match (t.remove("sum"), t.len()) {
            (Some(mut s), 0) => {
                let sspan = range(s.span);
                match s.take() {
                    ValueInner::String(f) => {
                        Some(ValueRule::Sum(Spanned::new(f.into_owned(), sspan)))
                    }
                    _ => {
                        issues.push(
                            sspan,
                            format!("`{label}.value.sum` must name a numeric field"),
                            "expected a field name",
                            None,
                        );
                        None
                    }
                }
            }
            _ => {
                issues.push(
                    span,
                    format!("`{label}.value` must be \"count\" or {{ sum = \"<field>\" }}"),
                    "unknown value rule",
                    None,
                );
                None
            }
        },
        _ => {
            issues.push(
                span,
                format!("`{label}.value` must be \"count\" or {{ sum = \"<field>\" }}"),
                "unknown value rule",
                None,
            );
            None
        }
    }
}

/// `where` and `where_any` of a table.
fn read_where(t: &mut TableReader<'_>, label: &str, issues: &mut Issues) -> Predicate {
    let mut p = match t.take("where") {
        Some(v) => read_predicate(v, &format!("{label}.where"), issues),
        None => Predicate::default(),
    };
    if let Some(v) = t.take("where_any") {
        p.any = read_alternatives(v, &format!("{label}.where_any"), issues);
    }
    p
}

fn read_alternatives(mut v: Value<'_>, label: &str, issues: &mut Issues) -> Vec<Predicate> {
    let span = range(v.span);
    match v.take() {
        ValueInner::Array(items) => items
            .into_iter()
            .map(|i| read_predicate(i, label, issues))
            .collect(),
        other => {
            issues.push(
                span,
                format!(
                    "`{label}` must be a list of conditions, found a {}",
                    other.type_str()
                ),
                "expected a list",
                Some(
                    "write it as `where_any = [{ gender = \"MALE\" }, { wasContact = true }]`"
                        .into(),
                ),
            );
            Vec::new()
        }
    }
}

/// A table of field → test; its key `where_any` holds alternatives.
fn read_predicate(mut v: Value<'_>, label: &str, issues: &mut Issues) -> Predicate {
    let span = range(v.span);
    let table = match v.take() {
        ValueInner::Table(t) => t,
        other => {
            issues.push(
                span,
                format!("`{label}` must be a table of field = condition, found a {}", other.type_str()),
                "expected a table",
                Some("write it like `{ classification = \"CONFIRMED\", gender = [\"MALE\", \"FEMALE\"] }`".into()),
            );
            return Predicate::default();
        }
    };
    let mut p = Predicate {
        span: span.clone(),
        ..Predicate::default()
    };
    for (key, value) in table {
        let field = Spanned::new(key.name.into_owned(), range(key.span));
        if field.value == "where_any" {
            p.any = read_alternatives(value, &format!("{label}.where_any"), issues);
            continue;
        }
        p.tests.extend(read_tests(field, value, label, issues));
    }
    p
}

fn scalar(mut v: Value<'_>) -> Result<Spanned<Scalar>, (Range<usize>, &'static str)> {
    let span = range(v.span);
    let s = match v.take() {
        ValueInner::String(s) => Scalar::Str(s.into_owned()),
        ValueInner::Integer(i) => Scalar::Num(i as f64),
        ValueInner::Float(f) => Scalar::Num(f),
        ValueInner::Boolean(b) => Scalar::Bool(b),
        other => return Err((span, other.type_str())),
    };
    Ok(Spanned::new(s, span))
}

fn read_tests(
    field: Spanned<String>,
    mut v: Value<'_>,
    label: &str,
    issues: &mut Issues,
) -> Vec<FieldTest> {
    let span = field.span.start..range(v.span).end;
    let vspan = range(v.span);
    let one = |test: Test| {
        vec![FieldTest {
            field: field.clone(),
            test,
            span: span.clone(),
        }]
    };
    match v.take() {
        ValueInner::String(s) if s == "unknown" => one(Test::Unknown),
        ValueInner::String(s) if s == "else" => {
            issues.push(
                vspan,
                format!(
                    "`\"else\"` is a whole option, not a condition on `{}`",
                    field.value
                ),
                "not a condition",
                Some("write the option as `OPTION_CODE = \"else\"`".into()),
            );
            Vec::new()
        }
        ValueInner::Array(items) => {
            let mut vals = Vec::new();
            for i in items {
                match scalar(i) {
                    Ok(s) => vals.push(s),
                    Err((s, ty)) => issues.push(
                        s,
                        format!("`{label}.{}` lists a {ty}", field.value),
                        "expected a value",
                        None,
                    ),
                }
            }
            if vals.is_empty() {
                issues.push(
                    vspan,
                    format!(
                        "`{label}.{}` is an empty list: no record matches it",
                        field.value
                    ),
                    "empty list",
                    None,
                );
            }
            one(Test::OneOf(vals))
        }
        ValueInner::Table(t) => {
            let mut out = Vec::new();
            for (key, value) in t {
                let kspan = range(key.span);
                let test = match key.name.as_ref() {
                    "in" | "not_in" => {
                        let negate = key.name == "not_in";
                        let mut value = value;
                        let vs = range(value.span);
                        let list = match value.take() {
                            ValueInner::Array(items) => {
                                items.into_iter().filter_map(|i| scalar(i).ok()).collect()
                            }
                            other => {
                                let v =
                                    Value::with_span(other, toml_span::Span::new(vs.start, vs.end));
                                scalar(v).map(|s| vec![s]).unwrap_or_default()
                            }
                        };
                        if negate {
                            Test::NotIn(list)
                        } else {
                            Test::OneOf(list)
                        }
                    }
                    op @ ("gt" | "gte" | "lt" | "lte") => {
                        let op = match op {
                            "gt" => CmpOp::Gt,
                            "gte" => CmpOp::Gte,
                            "lt" => CmpOp::Lt,
                            _ => CmpOp::Lte,
                        };
                        match scalar(value) {
                            Ok(
                                s @ Spanned {
                                    value: Scalar::Num(_) | Scalar::Str(_),
                                    ..
                                },
                            ) => Test::Cmp(op, s),
                            Ok(s) => {
                                issues.push(
                                    s.span,
                                    format!(
                                        "`{label}.{}.{}` compares with a boolean",
                                        field.value,
                                        op.name()
                                    ),
                                    "expected a number or a date",
                                    None,
                                );
                                continue;
                            }
                            Err((s, ty)) => {
                                issues.push(
                                    s,
                                    format!(
                                        "`{label}.{}.{}` must be a number or a date, found a {ty}",
                                        field.value,
                                        op.name()
                                    ),
                                    "expected a number or a date",
                                    None,
                                );
                                continue;
                            }
                        }
                    }
                    k @ ("exists" | "is_null") => match value.as_bool() {
                        Some(b) => Test::Exists(if k == "exists" { b } else { !b }),
                        None => {
                            issues.push(
                                range(value.span),
                                format!("`{label}.{}.{k}` must be true or false", field.value),
                                "expected a boolean",
                                None,
                            );
                            continue;
                        }
                    },
                    other => {
                        let help =
                            match crate::suggest::did_you_mean(other, TEST_KEYS.iter().copied()) {
                                _ if other == "between" => {
                                    "write a range as `{ gte = A, lte = B }` (both ends included)"
                                        .to_string()
                                }
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!("accepted keys: {}", TEST_KEYS.join(", ")),
                            };
                        issues.push(
                            kspan,
                            format!("unknown condition `{other}` on `{}`", field.value),
                            "unknown condition",
                            Some(help),
                        );
                        continue;
                    }
                };
                out.push(FieldTest {
                    field: field.clone(),
                    test,
                    span: span.clone(),
                });
            }
            out
        }
        other => {
            let v = Value::with_span(other, toml_span::Span::new(vspan.start, vspan.end));
            match scalar(v) {
                Ok(s) => one(Test::OneOf(vec![s])),
                Err((s, ty)) => {
                    issues.push(
                        s,
                        format!("`{label}.{}` cannot be a {ty}", field.value),
                        "expected a value, a list or a table",
                        None,
                    );
                    Vec::new()
                }
            }
        }
    }
}

fn read_categories(v: Value<'_>, label: &str, issues: &mut Issues) -> Vec<CategoryRule> {
    let path = Cow::Owned(format!("{label}.categories"));
    let Some(mut t) = TableReader::named(v, path, &[], issues) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (category, v) in t.drain() {
        let path: Cow<'static, str> = Cow::Owned(format!("{label}.categories.{}", category.value));
        let Some(mut ct) = TableReader::named(v, path.clone(), &[], issues) else {
            continue;
        };
        let mut options = Vec::new();
        for (option, ov) in ct.drain() {
            let ospan = range(ov.span);
            let test = match ov.as_str() {
                Some("else") => OptionTest::Else,
                Some(_) => {
                    issues.push(
                        ospan,
                        format!(
                            "option `{}` of `{path}` must be a condition table or \"else\"",
                            option.value
                        ),
                        "expected a table",
                        Some("e.g. `FEMALE = { gender = \"FEMALE\" }`".into()),
                    );
                    continue;
                }
                None => OptionTest::Predicate(read_predicate(
                    ov,
                    &format!("{path}.{}", option.value),
                    issues,
                )),
            };
            options.push(OptionRule { option, test });
        }
        if options
            .iter()
            .filter(|o| matches!(o.test, OptionTest::Else))
            .count()
            > 1
        {
            issues.push(
                category.span.clone(),
                format!("`{path}` has two \"else\" options"),
                "two catch-alls",
                Some("keep one \"else\" per category".into()),
            );
        }
        ct.finish(issues);
        options.sort_by_key(|o| o.option.span.start);
        out.push(CategoryRule { category, options });
    }
    t.finish(issues);
    out.sort_by_key(|c| c.category.span.start);
    out
}

fn read_combos(mut v: Value<'_>, label: &str, issues: &mut Issues) -> Vec<ComboRule> {
    let span = range(v.span);
    let items = match v.take() {
        ValueInner::Array(items) => items,
        other => {
            issues.push(
                span,
                format!(
                    "`{label}.combos` must be an array of tables, found a {}",
                    other.type_str()
                ),
                "expected [[aggregate.combos]]",
                None,
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let l = format!("{label}.combos[{i}]");
        let Some(mut t) = TableReader::named(item, Cow::Owned(l.clone()), COMBO_KEYS, issues)
        else {
            continue;
        };
        let cspan = t.span();
        let coc = t.string("category_option_combo", issues);
        let filter = read_where(&mut t, &l, issues);
        t.finish(issues);
        match coc {
            Some(c) => out.push(ComboRule {
                category_option_combo: c,
                filter,
                span: cspan,
            }),
            None => issues.push(
                cspan,
                format!("`{l}` needs `category_option_combo`"),
                "no option combo",
                None,
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::records::{
        ClassificationAsOf, ColumnMatch, GoDataLocation, LineListFormat, LocationMatch,
        OutbreakRef, RecordSource,
    };
    use crate::config::{Config, ConfigError, ConfigIssue};

    fn parse(text: &str) -> Result<Config, Vec<ConfigIssue>> {
        Config::parse(Path::new("/jobs/job.toml"), text.to_string()).map_err(|e| match e {
            ConfigError::Invalid { issues, .. } => issues,
            ConfigError::Io { .. } => unreachable!(),
        })
    }

    const GODATA: &str = r#"
[source]
kind = "godata"
url = "https://godata.example.org/"
outbreak = "0b6f2d1e-5d1c-4c55-9a1e-3f1d2a7c9b10"
timezone = "Africa/Nairobi"
classification_as_of = "period_end"

[source.org_units]
match = "table"
table = "maps/godata-locations.csv"
roll_up = false

[target]
file = "hmis.json"

[[aggregate]]
name = "confirmed-by-sex-age"
data_element = "IDSR_COVID19_CONFIRMED"
where = { classification = ["CONFIRMED", "CONFIRMED_ASYMPTOMATIC"] }
period = "dateOfReporting"

[aggregate.categories.SEX]
FEMALE = { gender = "FEMALE" }
MALE   = { gender = "MALE" }
SEX_UNKNOWN = "else"

[aggregate.categories.AGE_GROUP]
AGE_0_4   = { age_years = { lt = 5 } }
AGE_5_14  = { age_years = { gte = 5, lt = 15 } }
AGE_15P   = { age_years = { gte = 15 } }
AGE_UNK   = { age_years = "unknown" }

[[aggregate]]
name = "hospital-admissions"
data_element = "IDSR_COVID19_HOSPITALISED"
where = { classification = "CONFIRMED", hospitalized = true }
period = "dateRanges.HOSPITALIZATION.startDate"
org_units = { from = "residence" }
"#;

    #[test]
    fn a_godata_job_reads_with_its_blocks() {
        let c = parse(GODATA).expect("the reference's Go.Data job reads");
        assert!(c.source.is_none(), "no DHIS2 source");
        let Some(RecordSource::GoData(g)) = &c.records else {
            panic!("a Go.Data source: {:?}", c.records);
        };
        let GoDataLocation::Url { url, .. } = &g.location else {
            panic!("a URL");
        };
        assert_eq!(url.value.as_str(), "https://godata.example.org/");
        assert!(matches!(&g.outbreak, Some(OutbreakRef::Id(id)) if id.value.starts_with("0b6f")));
        assert_eq!(g.timezone.name, "Africa/Nairobi");
        assert_eq!(g.classification_as_of, ClassificationAsOf::PeriodEnd);
        assert!(
            matches!(&g.org_units.matching, LocationMatch::Table(p) if p.value == Path::new("/jobs/maps/godata-locations.csv"))
        );
        assert!(!g.org_units.roll_up);
        assert_eq!(c.aggregates.len(), 2);
        let b = &c.aggregates[0];
        assert_eq!(b.name, "confirmed-by-sex-age");
        assert_eq!(b.value, ValueRule::Count);
        assert_eq!(b.filter.tests.len(), 1);
        assert!(matches!(&b.filter.tests[0].test, Test::OneOf(v) if v.len() == 2));
        let cats: Vec<&str> = b
            .categories
            .iter()
            .map(|c| c.category.value.as_str())
            .collect();
        assert_eq!(cats, ["SEX", "AGE_GROUP"], "in the order written");
        let sex: Vec<&str> = b.categories[0]
            .options
            .iter()
            .map(|o| o.option.value.as_str())
            .collect();
        assert_eq!(sex, ["FEMALE", "MALE", "SEX_UNKNOWN"]);
        assert!(matches!(b.categories[0].options[2].test, OptionTest::Else));
        let OptionTest::Predicate(p) = &b.categories[1].options[1].test else {
            panic!("a predicate");
        };
        let ops: Vec<_> = p.tests.iter().map(|t| t.test.clone()).collect();
        assert!(
            matches!(
                &ops[..],
                [Test::Cmp(CmpOp::Gte, _), Test::Cmp(CmpOp::Lt, _)]
            ),
            "{ops:?}"
        );
        let OptionTest::Predicate(p) = &b.categories[1].options[3].test else {
            panic!("a predicate");
        };
        assert_eq!(p.tests[0].test, Test::Unknown);
        let h = &c.aggregates[1];
        assert_eq!(
            h.org_units_from.as_ref().map(|f| f.value.as_str()),
            Some("residence")
        );
        assert!(
            h.filter
                .tests
                .iter()
                .any(|t| t.field.value == "hospitalized"
                    && t.test
                        == Test::OneOf(vec![Spanned::new(Scalar::Bool(true), t.test_span())]))
        );
    }

    impl FieldTest {
        fn test_span(&self) -> Range<usize> {
            match &self.test {
                Test::OneOf(v) => v[0].span.clone(),
                _ => 0..0,
            }
        }
    }

    #[test]
    fn a_line_list_job_reads() {
        let c = parse(
            r#"
[source]
kind = "linelist"
path = "linelists/measles-2024.csv"
delimiter = ";"
id_column = "epid_number"
date_formats = ["%Y-%m-%d", "%d/%m/%Y"]
timezone = "Africa/Lagos"
[source.org_units]
column = "lga_code"
match = "code"
[source.columns.sex]
allowed = ["F", "M", "U"]
[[aggregate]]
data_element = "MEASLES_CASES"
period = "date_onset"
where_any = [{ lab_result = "POS" }, { epi_link = "YES" }]
"#,
        )
        .expect("the line-list job reads");
        let Some(RecordSource::LineList(l)) = &c.records else {
            panic!("a line list");
        };
        assert_eq!(l.format, LineListFormat::Csv);
        assert_eq!(l.delimiter, b';');
        assert_eq!(l.date_formats.len(), 2);
        assert_eq!(l.org_units.matching, ColumnMatch::Code);
        assert_eq!(l.columns[0].name.value, "sex");
        assert_eq!(l.columns[0].allowed.as_ref().map(Vec::len), Some(3));
        assert_eq!(c.aggregates[0].name, "aggregate[0]");
        assert_eq!(c.aggregates[0].filter.any.len(), 2);
    }

    #[test]
    fn record_jobs_refuse_what_does_not_fit_with_positions() {
        let issues = parse(
            "[mapping]\nattribute = \"vudyDP7jUy5\"\n[source]\nkind = \"linelist\"\npath = \"a.csv\"\ntimezone = \"Mars/Olympus\"\n[source.org_units]\ncolumn = \"ou\"\n[[aggregate]]\ndata_element = \"X\"\nperiod = \"d\"\nwhere = { age = { gte = 5, lte = 9, gtee = 1, between = [1, 2] } }\n[aggregate.categories.SEX]\nA = \"else\"\nB = \"else\"\n",
        )
        .unwrap_err();
        let messages: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
        assert_eq!(issues.len(), 5, "{messages:#?}");
        let find = |needle: &str| {
            issues
                .iter()
                .find(|i| i.message.contains(needle))
                .unwrap_or_else(|| panic!("{needle}: {messages:#?}"))
        };
        assert_eq!(find("Mars/Olympus").line, 6);
        let cond = find("unknown condition `gtee`");
        assert_eq!(cond.line, 12);
        assert_eq!(cond.help.as_deref(), Some("did you mean `gte`?"));
        let between = find("unknown condition `between`");
        assert_eq!(
            between.help.as_deref(),
            Some("write a range as `{ gte = A, lte = B }` (both ends included)")
        );
        assert!(find("two \"else\"").line == 13);
        assert_eq!(
            find("`mapping.attribute` selects program indicators").line,
            2
        );

        let issues = parse("[[aggregate]]\ndata_element = \"X\"\nperiod = \"d\"\n").unwrap_err();
        assert!(
            issues[0].message.contains("need a record source"),
            "{issues:?}"
        );
        let issues =
            parse("[source]\nkind = \"godata\"\nexport = \"cases.json\"\nlocations = \"l.json\"\n")
                .unwrap_err();
        assert!(
            issues[0].message.contains("at least one `[[aggregate]]`"),
            "{issues:?}"
        );
        let issues = parse("[source]\nkind = \"godata\"\nurl = \"https://g.org\"\n[[aggregate]]\ndata_element = \"X\"\nperiod = \"d\"\n").unwrap_err();
        assert!(issues[0].message.contains("needs `outbreak`"), "{issues:?}");
    }
}
