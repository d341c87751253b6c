//! `t2a check`: load both sides, check the config against them, run the rules.

use miette::SourceSpan;

use crate::catalog::Catalog;
use crate::config::{Config, Spanned};
use crate::error::Error;
use crate::idscheme::is_uid;
pub use crate::input::{Pair, load_pair};
use crate::job::Job;
use crate::report::Report;
use crate::rules;
use crate::timing;

/// Check the config's references to source objects: programs, program indicator groups
/// and org units must exist where the source lists that collection.
pub fn validate_config_refs(config: &Config, source: &Catalog) -> Result<(), Error> {
    let Some(file) = &config.file else {
        return Ok(());
    };
    let check = |list: &[Spanned<String>],
                 present: bool,
                 exists: &dyn Fn(&str) -> bool,
                 key: &str,
                 what: &str| {
        if !present {
            return Ok(());
        }
        for item in list {
            if is_uid(&item.value) && !exists(&item.value) {
                return Err(Error::from(crate::error::ConfigValueError {
                    message: format!(
                        "{what} `{}` in `{key}` does not exist in the source",
                        item.value
                    ),
                    src: file.named(),
                    span: SourceSpan::from(item.span.clone()),
                    label: format!("no such {what} in the source"),
                    help: format!(
                        "use the UID of a {what} of the source (see the Maintenance app), or remove it"
                    ),
                }));
            }
        }
        Ok(())
    };
    check(
        &config.mapping.programs,
        source.programs.present(),
        &|id| source.programs.id(id).is_some(),
        "mapping.programs",
        "program",
    )?;
    check(
        &config.mapping.program_indicator_groups,
        source.program_indicator_groups.present(),
        &|id| source.program_indicator_groups.id(id).is_some(),
        "mapping.program_indicator_groups",
        "program indicator group",
    )?;
    check(
        &config.sync.org_units,
        !source.organisation_units.is_empty(),
        &|id| source.organisation_units.id(id).is_some(),
        "sync.org_units",
        "org unit",
    )?;
    Ok(())
}

/// Run the check on a loaded pair.
pub fn check_pair(config: &Config, pair: &Pair) -> Result<Report, Error> {
    check_with_context(config, pair).map(|(_, report)| report)
}

/// Run the check and keep what it computed (mappings, graph) for the sync.
pub fn check_with_context<'a>(
    config: &'a Config,
    pair: &'a Pair,
) -> Result<(Job<'a>, Report), Error> {
    validate_config_refs(config, &pair.source)?;
    let mut cx = timing::phase("job", || Job::build(&pair.source, pair.target(), config));
    cx.records = pair.records.as_ref();
    if let Some(side) = &pair.records
        && config.with_data
    {
        let plan = crate::source::run::plan_for(&cx);
        crate::source::run::RecordExport::build(&cx, &plan, side)?;
        cx.record_data = side.data.get();
    }
    let mut findings = timing::phase("rules", || rules::run(&cx, &config.rules));
    if let Some(side) = &pair.records {
        side.reword(config, &pair.source, &mut findings);
    }
    let off = rules::RULES
        .iter()
        .filter(|r| r.level(&config.rules) == crate::diagnostic::Level::Off)
        .map(|r| r.code)
        .collect();
    let mut report = Report::new(
        pair.report_sides.0.clone(),
        pair.report_sides.1.clone(),
        cx.mappings.len(),
        findings,
        off,
    );
    report.attribute = cx.attribute.chosen().map(str::to_string);
    report.inapplicable = rules::RULES
        .iter()
        .filter(|r| !rules::applies(r, &cx))
        .map(|r| r.code)
        .collect();
    let unresolved = report
        .findings
        .iter()
        .filter(|f| f.rule.code == "T2A003")
        .count();
    // One side read as both, and most targets missing: the aggregate side was
    // probably left out.
    if pair.target.is_none() && report.mappings > 0 && unresolved * 2 > report.mappings {
        report.hints.push(format!(
            "{unresolved} of {} mappings target data elements that {} does not hold; with only --source it is the target too: was --target forgotten?",
            report.mappings, pair.report_sides.0.location
        ));
    }
    crate::report::suppress::apply_ignores(&mut report, &config.ignores, config.file.as_ref());
    report.config = config.file.clone();
    let s = &config.sync;
    let spans = [
        (
            "sync.period_type",
            s.period_type.as_ref().map(|p| p.span.clone()),
        ),
        ("sync.periods", s.periods.first().map(|p| p.span.clone())),
        (
            "mapping.attribute",
            config.mapping.attribute.as_ref().map(|a| a.span.clone()),
        ),
    ];
    report.config_spans = spans
        .into_iter()
        .filter_map(|(k, span)| Some((k, span?)))
        .collect();
    // The period type's span stands in for the periods when only those are given.
    if !report
        .config_spans
        .iter()
        .any(|(k, _)| *k == "sync.period_type")
        && let Some(span) = s.periods.first().map(|p| p.span.clone())
    {
        report.config_spans.push(("sync.period_type", span));
    }
    let url = |e: Option<&crate::config::EndpointConfig>| match e.map(|e| &e.location) {
        Some(crate::location::Location::Url(u)) => {
            Some(u.as_str().trim_end_matches('/').to_string())
        }
        _ => None,
    };
    report.urls = [
        url(config.source.as_ref()),
        url(config.target.as_ref().or(config.source.as_ref())),
    ];
    Ok((cx, report))
}

/// Load and check.
pub fn check(config: &Config) -> Result<Report, Error> {
    let pair = load_pair(config)?;
    check_pair(config, &pair)
}
