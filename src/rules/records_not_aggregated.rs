use super::records::{block_finding, ids, record_job, records};
use crate::config::blocks::{OptionTest, Test};
use crate::diagnostic::{Finding, Severity};
use crate::job::Job;
use crate::source::aggregate::Drop;
use crate::source::godata::fields::Spec;

declare_rule! {
    /// ## What it does
    /// With the records read (`check --with-data`, `sync`): counts, per block and
    /// reason, the records that pass the block's `where` in a planned period but get
    /// no value: no date in its `period` field, no location, no option of some
    /// category takes it (a gender left empty, a third value, an unknown age with no
    /// `"unknown"` or `"else"` option), its options make no option combo, `value.sum`
    /// has no number (records at an org unit the data set is not assigned to are
    /// `unassigned-org-unit`'s, records from an unmapped place `unmapped-location`'s,
    /// records two options take `overlapping-disaggregation`'s). Each diagnostic gives the count and up to three record ids. It is a warning while a
    /// block drops at most `[sync] max_dropped_percent` of its records (default 0),
    /// and an error above, which stops a sync.
    ///
    /// Without the records, a note names the active reference values the options of
    /// a category leave out (a Go.Data instance's own gender or outcome values), and
    /// custom classifications that resemble a counted one but that no block counts.
    ///
    /// ## Why is this bad?
    /// Dropped records are cases the HMIS never sees; the total of the data element is
    /// lower than the outbreak's, and no import conflict says so.
    ///
    /// ## How to fix
    /// Add the missing option (an `"else"` option catches the rest), fill in the
    /// records, or accept a small share with `max_dropped_percent`.
    ///
    /// ## Example
    /// 9 of 54 cases have no gender, and the SEX table has only FEMALE and MALE.
    pub static RULE = {
        id: RECORDS_NOT_AGGREGATED,
        summary: "records that pass a block's where but get no value",
        check: check,
    }
}

fn reason(b: &crate::config::blocks::AggregateBlock, why: &Drop, n: u64) -> Option<String> {
    let v = |one: &str, many: &str| {
        if n == 1 {
            one.to_string()
        } else {
            many.to_string()
        }
    };
    Some(match why {
        Drop::NoPeriodDate => format!("{} no `{}` date", v("has", "have"), b.period.value),
        Drop::NoLocation => format!("{} no location", v("has", "have")),
        Drop::NoOption(c) => {
            let c = &b.categories[usize::from(*c)];
            format!(
                "{} no option of category {}",
                v("fits", "fit"),
                c.category.value
            )
        }
        Drop::NoCombo => format!(
            "{} options that make no option combo of the target",
            v("has", "have")
        ),
        Drop::NoExplicitCombo => format!("{} none of the block's combos", v("fits", "fit")),
        Drop::NoValue => format!("{} no number to sum", v("has", "have")),
        // Judged by their own rules: unmapped-location, overlapping-disaggregation,
        // unassigned-org-unit (the org unit found, rules.md precedence 4).
        Drop::UnmappedLocation
        | Drop::TwoOptions(..)
        | Drop::TwoCombos(..)
        | Drop::UnassignedOrgUnit(_) => return None,
    })
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let mut out = static_notes(cx);
    let Some(data) = cx.record_data else {
        return out;
    };
    let max = cx.config.sync.max_dropped_percent;
    for (bi, b) in rj.blocks.iter().enumerate() {
        // A block whose fields do not hold up (unknown-source-field) read nothing.
        if data.unsound.get(bi).copied().unwrap_or(false) {
            continue;
        }
        let mut drops: Vec<(&Drop, &crate::source::aggregate::Dropped)> = data
            .aggregates
            .dropped
            .iter()
            .filter(|((x, _), _)| *x as usize == bi)
            .map(|((_, w), d)| (w, d))
            .collect();
        drops.sort_by(|a, b| a.0.cmp(b.0));
        let dropped: u64 = drops.iter().map(|(_, d)| d.records).sum();
        let aggregated = data.aggregates.aggregated.get(bi).copied().unwrap_or(0);
        let share = if dropped + aggregated == 0 {
            0.0
        } else {
            100.0 * dropped as f64 / (dropped + aggregated) as f64
        };
        for (why, d) in drops {
            let Some(text) = reason(b, why, d.records) else {
                continue;
            };
            let mut f = block_finding(
                &RULE,
                cx,
                bi,
                b.data_element.span.clone(),
                format!(
                    "block \"{}\": {} of the planned periods {text}{}; {:.1} % of the block's records were dropped",
                    b.name,
                    records(d.records),
                    ids(&d.examples.0),
                    share
                ),
                "add an option that takes them (\"else\" catches the rest), complete the records, or allow a share with `[sync] max_dropped_percent`",
            );
            if share > max {
                f.severity = Severity::Error;
                f.fixed = true;
            }
            out.push(f);
        }
    }
    out
}

/// Active reference values that a category's options leave out, and custom
/// classifications no block counts.
fn static_notes(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let Some(g) = rj.side.godata.as_ref().filter(|g| g.meta.reference_read) else {
        return Vec::new();
    };
    let meta = &g.meta;
    let mut out = Vec::new();
    let mut counted: Vec<String> = Vec::new();
    for (bi, b) in rj.blocks.iter().enumerate() {
        for t in b.filter.all_tests() {
            if t.field.value == "classification"
                && let Test::OneOf(v) = &t.test
            {
                for s in v {
                    if let crate::config::blocks::Scalar::Str(s) = &s.value {
                        counted.extend(
                            meta.tokens(crate::source::godata::fields::CLASSIFICATION, s)
                                .into_iter()
                                .map(|t| t.to_string()),
                        );
                    }
                }
            }
        }
        for c in &b.categories {
            if c.options.iter().any(|o| matches!(o.test, OptionTest::Else)) {
                continue;
            }
            // The reference field the options test, when they all test one.
            let mut field: Option<(&str, &'static str)> = None;
            let mut accepted: Vec<String> = Vec::new();
            for o in &c.options {
                let OptionTest::Predicate(p) = &o.test else {
                    continue;
                };
                for t in p.all_tests() {
                    if let Some(Spec::Reference(cat, _)) =
                        crate::source::godata::fields::spec(&t.field.value)
                    {
                        field = Some((t.field.value.as_str(), cat));
                        if let Test::OneOf(v) = &t.test {
                            for s in v {
                                if let crate::config::blocks::Scalar::Str(s) = &s.value {
                                    accepted.extend(
                                        meta.tokens(cat, s).into_iter().map(|t| t.to_string()),
                                    );
                                }
                            }
                        }
                    }
                }
            }
            let Some((name, cat)) = field else { continue };
            let left: Vec<&str> = meta
                .reference
                .iter()
                .filter(|r| r.category_id.as_deref() == Some(cat) && r.active != Some(false))
                .filter(|r| !accepted.contains(&r.id))
                .map(|r| r.id.as_str())
                .collect();
            if !left.is_empty() {
                out.push(Finding::note(
                    &RULE,
                    format!("block \"{}\", category {}: no option takes the active `{name}` values {}; records holding them will be dropped", b.name, c.category.value, left.join(", ")),
                    "add an option for them, or an \"else\" option",
                ));
                if let Some(f) = out.last_mut() {
                    f.config_span = Some(c.category.span.clone());
                    f.objects
                        .push(crate::source::side::RecordSide::block_ref(cx.config, bi));
                }
            }
        }
    }
    // Custom classifications resembling a counted one (…_CONFIRMED_ASYMPTOMATIC beside
    // …_CONFIRMED) that no block counts.
    if !counted.is_empty() {
        let stem = |id: &str| -> String {
            let s = id.rsplit("CASE_CLASSIFICATION_").next().unwrap_or(id);
            s.chars().take(6).collect()
        };
        let stems: Vec<String> = counted.iter().map(|c| stem(c)).collect();
        let uncounted: Vec<&str> = meta
            .reference
            .iter()
            .filter(|r| {
                r.category_id.as_deref() == Some(crate::source::godata::fields::CLASSIFICATION)
                    && r.active != Some(false)
            })
            .filter(|r| !counted.contains(&r.id) && stems.contains(&stem(&r.id)))
            .map(|r| r.id.as_str())
            .collect();
        if !uncounted.is_empty() {
            out.push(Finding::note(
                &RULE,
                format!(
                    "classifications {} resemble counted ones, but no block counts them",
                    uncounted.join(", ")
                ),
                "add them to the `classification` list of the blocks that should count them",
            ));
        }
    }
    out
}
