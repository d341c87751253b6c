use super::records::{
    FieldIs, RecordJob, block_finding, field_is, godata_ref, ids, record_job, records_do, tests,
};
use crate::config::blocks::{Scalar, Test};
use crate::diagnostic::{Finding, Severity};
use crate::job::Job;
use crate::source::godata::GoDataMeta;
use crate::source::godata::fields::Spec;

declare_rule! {
    /// ## What it does
    /// Checks the values that `where` and the option predicates compare reference
    /// fields with (`classification`, `gender`, `outcomeId`, `riskLevel`, …). A value
    /// is written as the full token (`LNG_REFERENCE_DATA_CATEGORY_GENDER_FEMALE`) or as
    /// its suffix after the category (`FEMALE`); it must resolve to a reference item of
    /// the field's own category, global or the outbreak's own
    /// (`LNG_OUTBREAK_<ID>_…`). A token of another category (a GENDER token on
    /// `classification`) is an error too. An inactive item, or one outside the
    /// outbreak's `allowedRefDataItems`, is a warning: records can still carry it.
    ///
    /// For a line list, a column may declare `allowed = [...]` under
    /// `[source.columns.<name>]`: a predicate value outside the list is an error, and
    /// with the records read (`check --with-data`, `sync`), so are the records'
    /// values outside it, counted with up to three record ids.
    ///
    /// Without reference data (an export read without `reference_data`), only the
    /// category of a full token is checked.
    ///
    /// ## Why is this bad?
    /// A value that no record can hold makes the predicate match nothing: the option
    /// or the block sends nothing, and the cases it should count fall into another
    /// option or are dropped. Instances add their own classifications (the WHO demo
    /// has 44), so a value copied from another instance often does not exist.
    ///
    /// ## How to fix
    /// Use a value of the field's category; the help lists near misses by suffix, case
    /// and spelling, and by the item's `code`.
    ///
    /// ## Example
    /// `where = { classification = "CONFIRMED_LAB" }` on an instance whose item is
    /// `…_CASE_CLASSIFICATION_CONFIRMADO_POR_LABORATORIO`.
    pub static RULE = {
        id: UNKNOWN_REFERENCE_VALUE,
        summary: "a block compares a reference field with a value its category does not have",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (bi, b) in rj.blocks.iter().enumerate() {
        for (_, t) in tests(b) {
            let values = match &t.test {
                Test::OneOf(v) | Test::NotIn(v) => v,
                _ => continue,
            };
            for v in values {
                let Scalar::Str(text) = &v.value else {
                    continue;
                };
                let problem = match field_is(&rj, &t.field.value) {
                    FieldIs::GoData(Spec::Reference(category, _)) => rj
                        .side
                        .godata
                        .as_ref()
                        .and_then(|g| reference_problem(&g.meta, category, text)),
                    FieldIs::Column(_) => allowed_problem(&rj, &t.field.value, text),
                    _ => None,
                };
                if let Some((severity, message, help, object)) = problem {
                    let mut f = block_finding(
                        &RULE,
                        cx,
                        bi,
                        v.span.clone(),
                        format!(
                            "block \"{}\": `{}` = \"{text}\": {message}",
                            b.name, t.field.value
                        ),
                        help,
                    );
                    if severity == Severity::Warning {
                        f.severity = Severity::Warning;
                        f.fixed = true;
                    }
                    if let Some(o) = object {
                        f = f.object(o);
                    }
                    out.push(f);
                }
            }
        }
    }
    out.extend(data_findings(cx, &rj));
    out
}

type Problem = (
    Severity,
    String,
    String,
    Option<crate::diagnostic::ObjectRef>,
);

fn short(category: &str) -> &str {
    category.rsplit("CATEGORY_").next().unwrap_or(category)
}

fn reference_problem(meta: &GoDataMeta, category: &str, value: &str) -> Option<Problem> {
    if let Some(rest) = value.strip_prefix("LNG_REFERENCE_DATA_CATEGORY_")
        && !value.starts_with(&format!("{category}_"))
    {
        return Some((
            Severity::Error,
            format!("a token of another category (not {})", short(category)),
            format!(
                "use a value of {} (the token starts with `{category}_`)",
                short(category)
            ),
            Some(godata_ref(
                "goDataReferenceData",
                &format!("LNG_REFERENCE_DATA_CATEGORY_{rest}"),
                None,
            )),
        ));
    }
    // Without reference data, or without any item of this category (every instance
    // holds the system values: the list read is partial), there is nothing to judge by.
    if !meta.reference_read
        || !meta
            .reference
            .iter()
            .any(|r| r.category_id.as_deref() == Some(category))
    {
        return None;
    }
    let tokens = meta.tokens(category, value);
    let items: Vec<_> = tokens.iter().filter_map(|t| meta.item(t)).collect();
    if items.is_empty() {
        let of_category: Vec<&str> = meta
            .reference
            .iter()
            .filter(|r| r.category_id.as_deref() == Some(category))
            .map(|r| r.id.as_str())
            .collect();
        let suffixes: Vec<&str> = of_category
            .iter()
            .map(|id| id.strip_prefix(&format!("{category}_")).unwrap_or(id))
            .collect();
        let by_code = meta.reference.iter().find(|r| {
            r.category_id.as_deref() == Some(category) && r.code.as_deref() == Some(value)
        });
        let help = match by_code {
            Some(r) => format!(
                "`{value}` is the code of `{}`: write that token, or its suffix",
                r.id
            ),
            None => {
                let near: Vec<&str> =
                    crate::suggest::near_misses(value, suffixes.iter().copied(), 3)
                        .into_iter()
                        .map(|c| c.candidate)
                        .collect();
                if near.is_empty() {
                    format!(
                        "the values of {} are: {}",
                        short(category),
                        suffixes.join(", ")
                    )
                } else {
                    format!(
                        "did you mean {}?",
                        near.iter()
                            .map(|n| format!("\"{n}\""))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )
                }
            }
        };
        return Some((
            Severity::Error,
            format!(
                "no reference item of {} is `{}`",
                short(category),
                tokens.first().map_or(value, |t| t.as_str())
            ),
            help,
            None,
        ));
    }
    let inactive: Vec<&str> = items
        .iter()
        .filter(|i| i.active == Some(false))
        .map(|i| i.id.as_str())
        .collect();
    if inactive.len() == items.len() {
        return Some((
            Severity::Warning,
            format!("`{}` is inactive", inactive.join("`, `")),
            "records may still carry it; keep the value only if old cases have it".into(),
            Some(godata_ref("goDataReferenceData", inactive[0], None)),
        ));
    }
    let allowed = meta
        .outbreak
        .as_ref()
        .and_then(|o| o.allowed_ref_data_items.as_ref())
        .and_then(|a| a.get(category))
        .and_then(|c| c.as_object());
    if let Some(allowed) = allowed
        && !items
            .iter()
            .any(|i| allowed.get(&i.id).and_then(|v| v.as_bool()) == Some(true))
    {
        return Some((
            Severity::Warning,
            "outside the outbreak's allowedRefDataItems".into(),
            "the outbreak's forms do not offer it; records may still carry it from before".into(),
            Some(godata_ref("goDataReferenceData", &items[0].id, None)),
        ));
    }
    None
}

fn allowed_problem(rj: &RecordJob<'_>, column: &str, value: &str) -> Option<Problem> {
    let list = rj
        .line_list()?
        .columns
        .iter()
        .find(|c| c.name.value == column)?
        .allowed
        .as_ref()?;
    if list.iter().any(|a| a.value == value) {
        return None;
    }
    let names: Vec<&str> = list.iter().map(|a| a.value.as_str()).collect();
    Some((
        Severity::Error,
        format!(
            "not one of the column's allowed values ({})",
            names.join(", ")
        ),
        match crate::suggest::did_you_mean(value, names.iter().copied()) {
            Some(n) => format!("did you mean \"{n}\"?"),
            None => "use one of the values `[source.columns]` allows, or add it there".into(),
        },
        Some(godata_ref("lineListColumn", column, None)),
    ))
}

/// Records whose value of a declared column is outside its `allowed`.
fn data_findings(cx: &Job<'_>, rj: &RecordJob<'_>) -> Vec<Finding> {
    let (Some(data), Some(l)) = (cx.record_data, rj.line_list()) else {
        return Vec::new();
    };
    data.outside_allowed
        .iter()
        .map(|((column, value), d)| {
            let span = l
                .columns
                .iter()
                .find(|c| c.name.value == *column)
                .map_or(l.span.clone(), |c| c.name.span.clone());
            let mut f = Finding::new(
                &RULE,
                format!(
                    "column `{column}`: {} \"{value}\", which is not among its allowed values{}",
                    records_do(d.records, "holds", "hold"),
                    ids(&d.examples.0)
                ),
                "correct the records, or add the value to `allowed` and give it an option",
            )
            .object(godata_ref("lineListColumn", column, None));
            f.config_span = Some(span);
            f
        })
        .collect()
}
