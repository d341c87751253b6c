//! The `[sync]` section: which periods and org units move, how they are imported,
//! what happens to stale values, and how a run reports.

use std::time::Duration;

use super::Spanned;
use super::walk::{Issues, TableReader};
use crate::idscheme::is_uid;
use crate::period::{PeriodType, RelativeType, period_spec_type};
use crate::suggest::did_you_mean;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportStrategy {
    #[default]
    CreateAndUpdate,
    Create,
    Update,
}

impl ImportStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStrategy::CreateAndUpdate => "CREATE_AND_UPDATE",
            ImportStrategy::Create => "CREATE",
            ImportStrategy::Update => "UPDATE",
        }
    }
}

/// What to do with target values the export no longer produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stale {
    #[default]
    Report,
    Zero,
    Delete,
}

/// What to do when the source's analytics tables are older than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StaleAnalytics {
    #[default]
    Warn,
    Refuse,
}

/// What a sync does when the check finds errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Write nothing.
    #[default]
    Refuse,
    /// Leave out the program indicators the errors name, transfer the rest.
    Skip,
}

/// When to send a DHIS2 message about a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Notify {
    Never,
    #[default]
    Failure,
    Always,
}

/// Which instance receives the run message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotifyInstance {
    Source,
    #[default]
    Target,
}

#[derive(Debug, Clone)]
pub struct SyncConfig {
    pub period_type: Option<Spanned<PeriodType>>,
    /// ISO or relative periods, as written.
    pub periods: Vec<Spanned<String>>,
    pub lookback: Option<u64>,
    pub include_current: bool,
    /// Analytics `ou` items: UIDs, `LEVEL-n`, `OU_GROUP-uid`, `USER_ORGUNIT…`.
    pub org_units: Vec<Spanned<String>>,
    pub import_strategy: ImportStrategy,
    pub run_analytics: bool,
    /// Oldest acceptable `lastAnalyticsTableSuccess`.
    pub analytics_max_age: Duration,
    pub analytics_stale: StaleAnalytics,
    /// How long to wait for a triggered analytics run.
    pub analytics_timeout: Duration,
    /// How often to ask about a triggered analytics run.
    pub analytics_poll: Duration,
    /// `lastYears` of the triggered analytics run (all years when unset).
    pub analytics_last_years: Option<u64>,
    pub stale: Stale,
    pub on_error: OnError,
    /// Conflicts the server-side dry run may report before the import is abandoned.
    pub max_conflicts: u64,
    /// Values per import request.
    pub import_chunk: u64,
    pub complete_data_sets: bool,
    pub complete_min_values: u64,
    /// Where the run report goes; `{job}` and `{time}` are replaced; empty for none.
    pub report: Option<String>,
    pub notify: Notify,
    pub notify_instance: NotifyInstance,
    pub notify_users: Vec<Spanned<String>>,
    pub notify_user_groups: Vec<Spanned<String>>,
    /// Record jobs: send 0 for every planned cell of an assigned org unit that no
    /// record fell in (`zero_fill = "assigned"`).
    pub zero_fill: bool,
    /// Record jobs: the share of a block's admitted records that may be dropped before
    /// `records-not-aggregated` is an error.
    pub max_dropped_percent: f64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            period_type: None,
            periods: Vec::new(),
            lookback: None,
            include_current: false,
            org_units: Vec::new(),
            import_strategy: ImportStrategy::default(),
            run_analytics: false,
            analytics_max_age: Duration::from_secs(24 * 3600),
            analytics_stale: StaleAnalytics::default(),
            analytics_timeout: Duration::from_secs(3 * 3600),
            analytics_poll: Duration::from_secs(10),
            analytics_last_years: None,
            stale: Stale::default(),
            on_error: OnError::default(),
            max_conflicts: 0,
            import_chunk: 5000,
            complete_data_sets: false,
            complete_min_values: 1,
            report: None,
            notify: Notify::default(),
            notify_instance: NotifyInstance::default(),
            notify_users: Vec::new(),
            notify_user_groups: Vec::new(),
            zero_fill: false,
            max_dropped_percent: 0.0,
        }
    }
}

impl SyncConfig {
    /// The period type(s) the job transfers, from `period_type` or its periods.
    pub fn period_types(&self) -> Vec<RelativeType> {
        if let Some(t) = &self.period_type {
            return vec![RelativeType::Exact(t.value)];
        }
        let mut out: Vec<RelativeType> = Vec::new();
        for p in &self.periods {
            if let Some(t) = period_spec_type(&p.value)
                && !out.contains(&t)
            {
                out.push(t);
            }
        }
        out
    }
}

pub const SYNC_KEYS: &[&str] = &[
    "period_type",
    "periods",
    "lookback",
    "include_current",
    "org_units",
    "import_strategy",
    "run_analytics",
    "analytics_max_age",
    "analytics_stale",
    "analytics_timeout",
    "analytics_poll",
    "analytics_last_years",
    "stale",
    "on_error",
    "max_conflicts",
    "import_chunk",
    "complete_data_sets",
    "complete_min_values",
    "report",
    "notify",
    "notify_instance",
    "notify_users",
    "notify_user_groups",
    "zero_fill",
    "max_dropped_percent",
];

pub fn is_org_unit_item(s: &str) -> bool {
    is_uid(s)
        || s.strip_prefix("LEVEL-")
            .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n >= 1) || is_uid(n))
        || s.strip_prefix("OU_GROUP-").is_some_and(is_uid)
        || matches!(
            s,
            "USER_ORGUNIT" | "USER_ORGUNIT_CHILDREN" | "USER_ORGUNIT_GRANDCHILDREN"
        )
}

pub fn read(v: toml_span::Value<'_>, issues: &mut Issues) -> Option<SyncConfig> {
    let mut t = TableReader::new(v, "sync", SYNC_KEYS, issues)?;
    let mut s = SyncConfig::default();
    if let Some(pt) = t.string("period_type", issues) {
        match pt.value.parse::<PeriodType>() {
            Ok(v) => s.period_type = Some(Spanned::new(v, pt.span)),
            Err(()) => {
                let names = PeriodType::ALL.map(PeriodType::name);
                let help = match did_you_mean(&pt.value, names) {
                    Some(n) => format!("did you mean \"{n}\"?"),
                    None => format!("use a DHIS2 period type: {}", names.join(", ")),
                };
                issues.push(
                    pt.span,
                    format!("unknown period type \"{}\"", pt.value),
                    "unknown period type",
                    Some(help),
                );
            }
        }
    }
    read_periods(&mut t, &mut s, issues);
    if let Some(b) = t.bool("include_current", issues) {
        s.include_current = b.value;
    }
    if let Some(list) = t.strings("org_units", issues) {
        for ou in &list.value {
            if !is_org_unit_item(&ou.value) {
                issues.push(
                    ou.span.clone(),
                    format!("\"{}\" is not an org unit item", ou.value),
                    "expected a UID, LEVEL-n or OU_GROUP-uid",
                    Some("org units are analytics `ou` items: a UID, `LEVEL-4`, `OU_GROUP-<uid>` or `USER_ORGUNIT`".into()),
                );
            }
        }
        s.org_units = list.value;
    }
    if let Some(v) = t.choice(
        "import_strategy",
        &[
            ("CREATE_AND_UPDATE", ImportStrategy::CreateAndUpdate),
            ("CREATE", ImportStrategy::Create),
            ("UPDATE", ImportStrategy::Update),
        ],
        issues,
    ) {
        s.import_strategy = v;
    }
    if let Some(b) = t.bool("run_analytics", issues) {
        s.run_analytics = b.value;
    }
    if let Some(d) = t.duration("analytics_max_age", issues) {
        s.analytics_max_age = d;
    }
    if let Some(v) = t.choice(
        "analytics_stale",
        &[
            ("warn", StaleAnalytics::Warn),
            ("refuse", StaleAnalytics::Refuse),
        ],
        issues,
    ) {
        s.analytics_stale = v;
    }
    if let Some(d) = t.duration("analytics_timeout", issues) {
        s.analytics_timeout = d;
    }
    if let Some(d) = t.duration("analytics_poll", issues) {
        s.analytics_poll = d;
    }
    s.analytics_last_years = t.uint("analytics_last_years", 100, issues).map(|v| v.value);
    if let Some(v) = t.choice(
        "stale",
        &[
            ("report", Stale::Report),
            ("zero", Stale::Zero),
            ("delete", Stale::Delete),
        ],
        issues,
    ) {
        s.stale = v;
    }
    if let Some(v) = t.choice(
        "on_error",
        &[("refuse", OnError::Refuse), ("skip", OnError::Skip)],
        issues,
    ) {
        s.on_error = v;
    }
    if let Some(v) = t.uint("max_conflicts", u32::MAX.into(), issues) {
        s.max_conflicts = v.value;
    }
    if let Some(v) = t.uint("import_chunk", 100_000, issues) {
        if v.value == 0 {
            issues.push(
                v.span,
                "`sync.import_chunk` must be at least 1",
                "zero",
                None,
            );
        } else {
            s.import_chunk = v.value;
        }
    }
    if let Some(b) = t.bool("complete_data_sets", issues) {
        s.complete_data_sets = b.value;
    }
    if let Some(v) = t.uint("complete_min_values", 1_000_000, issues) {
        s.complete_min_values = v.value;
    }
    s.report = t.string("report", issues).map(|r| r.value);
    if let Some(v) = t.choice(
        "notify",
        &[
            ("never", Notify::Never),
            ("failure", Notify::Failure),
            ("always", Notify::Always),
        ],
        issues,
    ) {
        s.notify = v;
    }
    if let Some(v) = t.choice(
        "notify_instance",
        &[
            ("target", NotifyInstance::Target),
            ("source", NotifyInstance::Source),
        ],
        issues,
    ) {
        s.notify_instance = v;
    }
    s.notify_users = t.uids("notify_users", "user", issues);
    s.notify_user_groups = t.uids("notify_user_groups", "user group", issues);
    if let Some(z) = t.choice("zero_fill", &[("none", false), ("assigned", true)], issues) {
        s.zero_fill = z;
    }
    if let Some(v) = t.take("max_dropped_percent") {
        let span = v.span;
        match v.as_float().or_else(|| v.as_integer().map(|i| i as f64)) {
            Some(p) if (0.0..=100.0).contains(&p) => s.max_dropped_percent = p,
            _ => issues.push(
                span.start..span.end,
                "`sync.max_dropped_percent` must be a number from 0 to 100",
                "expected a percentage",
                Some("e.g. `max_dropped_percent = 2.5`".into()),
            ),
        }
    }
    t.finish(issues);
    Some(s)
}

fn read_periods(t: &mut TableReader<'_>, s: &mut SyncConfig, issues: &mut Issues) {
    if let Some(list) = t.strings("periods", issues) {
        // Periods of several types are fine: each mapping gets those of its data sets'
        // type. With `period_type`, every period must be of that type.
        for p in list.value {
            match period_spec_type(&p.value) {
                Some(pt) => {
                    if let Some(job) = &s.period_type
                        && !pt.matches(job.value)
                    {
                        issues.push(
                            p.span.clone(),
                            format!(
                                "\"{}\" is {pt} but `sync.period_type` is {}",
                                p.value, job.value
                            ),
                            "disagrees with period_type",
                            Some("keep only one of `period_type` and `periods`, or make them agree".into()),
                        );
                    }
                    s.periods.push(p);
                }
                None => issues.push(
                    p.span,
                    format!("\"{}\" is neither an ISO period nor a relative period", p.value),
                    "unknown period",
                    Some("write ISO periods like \"202401\", \"2024Q1\", \"2024W5\" or relative ones like \"LAST_MONTH\", \"LAST_3_MONTHS\"".into()),
                ),
            }
        }
    }
    if let Some(l) = t.uint("lookback", 1000, issues) {
        if !s.periods.is_empty() {
            issues.push(
                l.span.clone(),
                "`sync.lookback` counts periods back from the last complete one and cannot be combined with `sync.periods`",
                "conflicts with periods",
                Some("use either explicit `periods` or `period_type` + `lookback`".into()),
            );
        }
        s.lookback = Some(l.value);
    }
}
