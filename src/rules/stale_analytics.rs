use crate::diagnostic::Finding;
use crate::job::Job;
use crate::model::human_duration;

declare_rule! {
    /// ## What it does
    /// Reads when the source last generated its analytics tables
    /// (`lastAnalyticsTableSuccess` of `/api/system/info`, by the server's own clock
    /// `serverDate`) and fires when that is longer ago than `sync.analytics_max_age`
    /// (default 24 h), or when the tables never ran. It judges live sources and
    /// `t2a snapshot` files, which carry that block; a metadata package says nothing
    /// about analytics and is not judged. A job with `sync.run_analytics = true` runs
    /// the tables before it exports, and is not judged either.
    ///
    /// `t2a sync` warns and goes on, or with `sync.analytics_stale = "refuse"` stops
    /// before exporting; `[rules] stale-analytics = "off"` turns both off.
    ///
    /// ## Why is this bad?
    /// Program indicator values come from the analytics tables, not from the tracker
    /// data itself. Tables generated three days ago export the figures of three days
    /// ago: the HMIS gets last week's numbers under this week's run, and nobody can tell.
    ///
    /// ## How to fix
    /// Schedule analytics table generation before the sync (a nightly job in the Data
    /// Administration app), or let the sync run it: `sync.run_analytics = true`. If the
    /// source runs analytics less often on purpose, raise `sync.analytics_max_age`.
    ///
    /// ## Example
    /// The tracker's tables last ran on Monday night; a sync on Thursday morning exports
    /// Monday's figures.
    pub static RULE = {
        id: STALE_ANALYTICS,
        summary: "the source's analytics tables are older than the job allows, so the values it exports may be out of date",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let sync = &cx.config.sync;
    // Only an instance's own reading (or a snapshot of it) says when analytics ran.
    let Some(system) = cx
        .source
        .system
        .as_ref()
        .filter(|s| s.server_date.is_some())
    else {
        return Vec::new();
    };
    if sync.run_analytics {
        return Vec::new();
    }
    let max = sync.analytics_max_age;
    let age = system.analytics_age();
    if age.is_some_and(|a| a <= max) {
        return Vec::new();
    }
    let when = match age {
        Some(a) => format!("last ran {} ago", human_duration(a)),
        None => "never ran (no `lastAnalyticsTableSuccess`)".to_string(),
    };
    vec![Finding::new(
        &RULE,
        format!(
            "the source's analytics tables {when}, longer than `sync.analytics_max_age` ({}); exported values may be out of date",
            human_duration(max)
        ),
        "generate the analytics tables before the sync (Data Administration > Analytics tables), or set `sync.run_analytics = true`; raise `sync.analytics_max_age` if the source runs them less often on purpose",
    )]
}
