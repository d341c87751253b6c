use super::records::{FieldIs, RecordJob, block_finding, field_is, record_job, tests};
use crate::config::Spanned;
use crate::config::blocks::{Test, ValueRule};
use crate::diagnostic::Finding;
use crate::job::Job;
use crate::source::fields::Kind;
use crate::source::godata::fields::{RangePart, Spec, names};
use crate::suggest::did_you_mean;

declare_rule! {
    /// ## What it does
    /// Checks that every field an `[[aggregate]]` block names exists in its source and
    /// suits its use: in `where`, in an option or combo predicate, as `period`, as
    /// `value.sum` and as `org_units.from`. For Go.Data the fields are a closed, typed
    /// list (raw case properties by their API names, and the derived `age_years`,
    /// `residence`, `hospitalized`, `dateRanges.<TYPE>.startDate|endDate|locationId`
    /// and `questionnaire.<variable>`, the variable being one of the outbreak's
    /// case investigation template). For a line list they are the columns of its
    /// header, compared exactly after the BOM is removed. A field has the wrong type
    /// when `period` is not a date, `value.sum` is not a number, an order comparison
    /// (`gt`, `lt`, …) is made on a reference field, or `org_units.from` is not a
    /// location.
    ///
    /// ## Why is this bad?
    /// A predicate on a field that does not exist matches no record (or, negated,
    /// every record): the block sends zeros or nothing, and nobody is told.
    ///
    /// ## How to fix
    /// Use the field as the source names it; the help gives the closest name. For a
    /// line list, check the header for a BOM, trailing spaces or a different case.
    ///
    /// ## Example
    /// `where = { clasification = "CONFIRMED" }`: Go.Data has `classification`.
    pub static RULE = {
        id: UNKNOWN_SOURCE_FIELD,
        summary: "a block names a field its source does not have, or uses a field against its type",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (bi, b) in rj.blocks.iter().enumerate() {
        let judge = |field: &Spanned<String>, usage: Usage, out: &mut Vec<Finding>| {
            if let Some((message, help)) = problem(&rj, &field.value, usage) {
                out.push(block_finding(
                    &RULE,
                    cx,
                    bi,
                    field.span.clone(),
                    format!("block \"{}\": {message}", b.name),
                    help,
                ));
            }
        };
        for (place, t) in tests(b) {
            let usage = match (&t.test, place) {
                (Test::Cmp(..), _) => Usage::Ordered,
                _ => Usage::Predicate,
            };
            judge(&t.field, usage, &mut out);
        }
        judge(&b.period, Usage::Period, &mut out);
        if let ValueRule::Sum(f) = &b.value {
            judge(f, Usage::Sum, &mut out);
        }
        if let Some(g) = rj.godata() {
            let from = b.org_units_from.as_ref().unwrap_or(&g.org_units.from);
            judge(from, Usage::Location, &mut out);
        }
    }
    if let Some(l) = rj.line_list() {
        let mut source_field = |f: &Spanned<String>, what: &str| {
            if field_is(&rj, &f.value) == FieldIs::Unknown {
                let (message, help) = unknown_column(&rj, &f.value);
                let mut finding = Finding::new(&RULE, format!("{what}: {message}"), help);
                finding.config_span = Some(f.span.clone());
                out.push(finding.object(super::records::godata_ref(
                    "lineListColumn",
                    &f.value,
                    None,
                )));
            }
        };
        source_field(&l.org_units.column, "`source.org_units.column`");
        if let Some(id) = &l.id_column {
            source_field(id, "`source.id_column`");
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Usage {
    Predicate,
    Ordered,
    Period,
    Sum,
    Location,
}

fn unknown_column(rj: &RecordJob<'_>, name: &str) -> (String, String) {
    let columns = rj.side.columns.as_deref().unwrap_or_default();
    let message = format!("`{name}` is not a column of the line list");
    let exact_but = columns
        .iter()
        .find(|c| c.trim() == name.trim() || c.eq_ignore_ascii_case(name));
    let help = match exact_but {
        Some(c) if c.trim() != c.as_str() => format!(
            "the header has `{c}` with spaces around it: trim the header or write it exactly"
        ),
        Some(c) => format!("the header has `{c}`: columns are matched exactly, case included"),
        None => match did_you_mean(name, columns.iter().map(String::as_str)) {
            Some(c) => format!("did you mean `{c}`? (columns: {})", columns.join(", ")),
            None => format!("the columns are: {}", columns.join(", ")),
        },
    };
    (message, help)
}

fn problem(rj: &RecordJob<'_>, name: &str, usage: Usage) -> Option<(String, String)> {
    let is = field_is(rj, name);
    if is == FieldIs::Unknown {
        if rj.line_list().is_some() {
            return Some(unknown_column(rj, name));
        }
        let help = match did_you_mean(name, names()) {
            Some(n) => format!("did you mean `{n}`?"),
            None => "Go.Data fields are the case properties by their API names (classification, gender, dateOfReporting, …), age_years, residence, hospitalized, dateRanges.<TYPE>.startDate|endDate|locationId and questionnaire.<variable>".to_string(),
        };
        return Some((format!("`{name}` is not a Go.Data case field"), help));
    }
    if let FieldIs::GoData(Spec::Question(var)) = &is
        && let Some(o) = rj
            .side
            .godata
            .as_ref()
            .and_then(|g| g.meta.outbreak.as_ref())
        && !o.case_investigation_template.is_empty()
        && !o.variables().contains(&var.as_str())
    {
        let vars = o.variables();
        let help = match did_you_mean(var, vars.iter().copied()) {
            Some(v) => format!("did you mean `questionnaire.{v}`?"),
            None => format!("the outbreak's variables are: {}", vars.join(", ")),
        };
        return Some((
            format!("`{var}` is not a variable of the outbreak's case investigation template"),
            help,
        ));
    }
    let FieldIs::GoData(spec) = is else {
        // Line-list columns are text; a comparison reads them as numbers or dates.
        return None;
    };
    let kind = spec.kind();
    match usage {
        Usage::Period if kind != Kind::Date => Some((
            format!("`period` must be a date field; `{name}` is a {}", kind.name()),
            "use a date: dateOfReporting, dateOfOnset, dateOfOutcome, dateBecomeCase or dateRanges.<TYPE>.startDate".into(),
        )),
        Usage::Sum if kind != Kind::Number => Some((
            format!("`value.sum` must be a number field; `{name}` is a {}", kind.name()),
            "sum a number (age_years), or count records with `value = \"count\"`".into(),
        )),
        Usage::Ordered if spec.category().is_some() => Some((
            format!("`{name}` is a reference field: it cannot be compared with gt/gte/lt/lte"),
            "list the values it may take: `{ in = [\"…\", \"…\"] }`".into(),
        )),
        Usage::Location
            if !matches!(spec, Spec::Location(_) | Spec::Range(_, RangePart::Location)) =>
        {
            Some((
                format!("`org_units.from` must be a location; `{name}` is not one"),
                "use \"residence\", \"hospitalization\" or dateRanges.<TYPE>.locationId".into(),
            ))
        }
        _ => None,
    }
}
