//! `t2a check`: load both sides, check the config against them, run the rules.

use miette::SourceSpan;

use crate::catalog::Catalog;
use crate::config::{Config, EndpointConfig, Spanned};
use crate::dhis2::Side;
use crate::dhis2::metadata::Needs;
use crate::error::Error;
use crate::idscheme::is_uid;
use crate::input::{Loaded, Remote, load};
use crate::job::Job;
use crate::report::Report;
use crate::rules;

/// The source and target catalogs; `target` is `None` when one instance (or file) is
/// both.
pub struct Pair {
    pub source: Catalog,
    pub target: Option<Catalog>,
    pub report_sides: (crate::input::SideInfo, crate::input::SideInfo),
    pub source_remote: Option<Remote>,
    pub target_remote: Option<Remote>,
}

impl Pair {
    pub fn target(&self) -> &Catalog {
        self.target.as_ref().unwrap_or(&self.source)
    }

    /// The target instance (the source's when one instance is both).
    pub fn target_remote(&self) -> Option<&Remote> {
        if self.target.is_some() {
            self.target_remote.as_ref()
        } else {
            self.source_remote.as_ref()
        }
    }
}

/// Load source and target (concurrently when both are remote).
pub fn load_pair(config: &Config) -> Result<Pair, Error> {
    let source = config.source.as_ref().ok_or_else(|| {
        Error::usage(
            "no source given",
            Some(
                "pass --source URL|FILE, or a config with a [source] section (--config job.toml)"
                    .to_string(),
            ),
        )
    })?;
    let target = config
        .target
        .as_ref()
        .filter(|t| t.location != source.location);
    match target {
        None => {
            let loaded = load(Side::Source, source, Needs::BOTH)?;
            let info = loaded.info.clone();
            Ok(Pair {
                source: Catalog::new(loaded.metadata),
                target: None,
                report_sides: (info.clone(), info),
                source_remote: loaded.remote,
                target_remote: None,
            })
        }
        Some(target) => {
            let (s, t) = load_both(source, target)?;
            Ok(Pair {
                report_sides: (s.info, t.info),
                source: Catalog::new(s.metadata),
                target: Some(Catalog::new(t.metadata)),
                source_remote: s.remote,
                target_remote: t.remote,
            })
        }
    }
}

fn load_both(source: &EndpointConfig, target: &EndpointConfig) -> Result<(Loaded, Loaded), Error> {
    let src_needs = Needs {
        source: true,
        target: false,
    };
    let tgt_needs = Needs {
        source: false,
        target: true,
    };
    let (s, t) = std::thread::scope(|scope| {
        let t = scope.spawn(|| load(Side::Target, target, tgt_needs));
        let s = load(Side::Source, source, src_needs);
        let t = match t.join() {
            Ok(t) => t,
            Err(p) => std::panic::resume_unwind(p),
        };
        (s, t)
    });
    Ok((s?, t?))
}

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
    let cx = Job::build(&pair.source, pair.target(), config);
    let findings = rules::run(&cx, &config.rules);
    let off = rules::RULES
        .iter()
        .filter(|r| r.level(&config.rules) == crate::diagnostic::Level::Off)
        .map(|r| r.code)
        .collect();
    let report = Report::new(
        pair.report_sides.0.clone(),
        pair.report_sides.1.clone(),
        cx.mappings.len(),
        findings,
        off,
    );
    Ok((cx, report))
}

/// Load and check.
pub fn check(config: &Config) -> Result<Report, Error> {
    let pair = load_pair(config)?;
    check_pair(config, &pair)
}
