//! What must hold before any value is read: the check (or, with `on_error = "skip"`,
//! what it leaves out), live instances where the run needs them, fresh analytics.

use super::*;

impl Run<'_> {
    /// Step 1: the check gates everything; `Some` ends the run. With
    /// `on_error = "skip"`, the program indicators its errors name are left out instead,
    /// unless an error concerns the whole job.
    pub(super) fn check(&mut self, cx: &Job<'_>, check: &crate::report::Report) -> Option<Outcome> {
        let counts = check.counts();
        let diagnostics = serde_json::from_str::<Value>(&check_report::render(
            check,
            Format::Json,
            &self.opts.human,
        ))
        .ok()
        .and_then(|v| v.get("diagnostics").cloned())
        .unwrap_or(Value::Null);
        self.record(CheckStep {
            summary: CheckSummary {
                errors: counts.errors,
                warnings: counts.warnings,
                notes: counts.notes,
                mappings: check.mappings,
            },
            diagnostics,
        });
        // Expression findings on PIs without a mapping are reported, not gating.
        let gating: Vec<crate::diagnostic::Finding> = check
            .findings
            .iter()
            .filter(|f| crate::rules::gates_sync(cx, f))
            .cloned()
            .collect();
        if gating.is_empty() {
            return None;
        }
        self.print_errors(check, &gating);
        let ex = skip::exclusions(cx, &gating);
        if self.config.sync.on_error == OnError::Refuse {
            self.log.event(
                "refused",
                json!({"errors": gating.len(), "skippable": ex.blocking.is_empty()}),
                if ex.blocking.is_empty() {
                    "nothing written: the check found errors; fix them, or leave out the program indicators they name with --skip-invalid (sync.on_error = \"skip\")"
                } else {
                    "nothing written: the check found errors"
                },
            );
            return Some(Outcome::CheckFailed);
        }
        if !ex.blocking.is_empty() {
            let rules: Vec<&str> = ex.blocking.iter().map(|f| f.rule.name).collect();
            self.log.event(
                "refused",
                json!({"errors": gating.len(), "skippable": false, "blocking": rules}),
                format!(
                    "nothing written: errors of {} concern the whole job, and skipping program indicators cannot get past them",
                    unique(&rules).join(", ")
                ),
            );
            return Some(Outcome::CheckFailed);
        }
        self.log.event(
            "skip-invalid",
            json!({"programIndicators": ex.excluded(), "orgUnitErrors": ex.org_units}),
            format!(
                "skipping what the errors name: {} program indicators left out{}; the rest is transferred",
                ex.excluded(),
                if ex.org_units > 0 {
                    ", values at the org units named are left out"
                } else {
                    ""
                }
            ),
        );
        self.excluded = ex.by_mapping;
        None
    }

    /// A record job's data rules, once the records are read: an error among them
    /// refuses the run as the check's do (nothing written).
    pub(super) fn data_gate(
        &mut self,
        cx: &Job<'_>,
        check: &crate::report::Report,
        side: &crate::source::side::RecordSide,
    ) -> Option<Outcome> {
        let mut findings: Vec<crate::diagnostic::Finding> =
            crate::rules::run_data(cx, &self.config.rules);
        side.reword(self.config, cx.source, &mut findings);
        // What the check said already is not said again.
        findings.retain(|f| {
            !check
                .findings
                .iter()
                .any(|c| c.rule.code == f.rule.code && c.message == f.message)
        });
        let errors: Vec<crate::diagnostic::Finding> = findings
            .iter()
            .filter(|f| f.severity == crate::diagnostic::Severity::Error)
            .cloned()
            .collect();
        for f in findings
            .iter()
            .filter(|f| f.severity != crate::diagnostic::Severity::Error)
        {
            self.log.event(
                "record-finding",
                json!({"code": f.rule.code, "rule": f.rule.name, "severity": f.severity.as_str(), "message": f.message}),
                format!("{} {} ({}): {}", f.severity.as_str(), f.rule.code, f.rule.name, f.message),
            );
        }
        if errors.is_empty() {
            return None;
        }
        self.print_errors(check, &errors);
        self.log.event(
            "refused",
            json!({"errors": errors.len(), "stage": "records"}),
            "nothing written: the records hold errors (see above); fix the job or the records and run again",
        );
        Some(Outcome::CheckFailed)
    }

    /// The check's errors, once, grouped by rule (warnings stay in the run report).
    pub(super) fn print_errors(
        &mut self,
        check: &crate::report::Report,
        gating: &[crate::diagnostic::Finding],
    ) {
        let errors: Vec<crate::diagnostic::Finding> = gating.to_vec();
        match self.opts.format {
            LogFormat::Human => {
                let errors_only = crate::report::Report::new(
                    check.source.clone(),
                    check.target.clone(),
                    check.mappings,
                    errors,
                    check.off.clone(),
                );
                self.log.print_human(&crate::report::human::findings(
                    &errors_only,
                    &self.opts.human,
                ));
            }
            LogFormat::Json => {
                let diags: Vec<Value> = errors
                    .iter()
                    .map(|f| json!({"code": f.rule.code, "rule": f.rule.name, "message": f.message, "help": f.full_help(), "objects": f.objects}))
                    .collect();
                self.log
                    .event("check-errors", json!({"diagnostics": diags}), "");
            }
        }
    }

    /// The instances the run exports from and imports into, as far as it needs them.
    pub(super) fn remotes<'p>(
        &self,
        pair: &'p Pair,
    ) -> Result<
        (
            Option<&'p crate::input::Remote>,
            Option<&'p crate::input::Remote>,
        ),
        Error,
    > {
        let source = pair.source_remote.as_ref();
        let target = pair.target_remote();
        if self.from.is_none() && source.is_none() && pair.records.is_none() {
            return Err(Error::usage(
                "the sync exports from a DHIS2 instance, but the source is a file",
                Some("give the source as a URL (`[source] url = ...` or --source), or import a verified file with --from".to_string()),
            ));
        }
        if self.opts.out.is_none() && target.is_none() {
            return Err(Error::usage(
                "the sync imports into a DHIS2 instance, but the target is a file",
                Some(
                    "give the target as a URL, or write the verified values to a file with --out"
                        .to_string(),
                ),
            ));
        }
        Ok((source, target))
    }

    /// Step 2: run analytics, or judge the age of the last run. `Some` ends the run.
    pub(super) fn analytics(
        &mut self,
        src: &crate::input::Remote,
        pair: &Pair,
    ) -> Result<Option<Outcome>, Error> {
        let (s, opts) = (&self.config.sync, self.opts);
        // A dry run starts nothing on the servers: it judges the last analytics run instead.
        if s.run_analytics && opts.dry_run {
            self.log.event(
                "analytics-skipped",
                json!({"reason": "dry run"}),
                "dry run: analytics not started; judging the last run instead",
            );
        }
        if s.run_analytics && !opts.dry_run {
            self.log.event(
                "analytics-start",
                json!({}),
                "running analytics tables on the source",
            );
            let pb = if opts.interactive && opts.format == LogFormat::Human {
                ProgressBar::new_spinner()
            } else {
                ProgressBar::hidden()
            };
            let run = freshness::run(&src.client, s, &|m| {
                pb.set_message(format!("analytics: {m}"));
                pb.tick();
            })?;
            pb.finish_and_clear();
            let (outcome, message, ok) = match &run {
                freshness::Run::Done(m) => (None, format!("analytics done: {m}"), true),
                freshness::Run::Failed(m) => (
                    Some(Outcome::AnalyticsFailed),
                    format!("analytics failed: {m}"),
                    false,
                ),
                freshness::Run::TimedOut => (
                    Some(Outcome::AnalyticsFailed),
                    format!(
                        "analytics did not finish within {}",
                        freshness::human(s.analytics_timeout)
                    ),
                    false,
                ),
            };
            self.record(AnalyticsStep::Ran {
                ran: true,
                ok,
                message,
            });
            return Ok(outcome);
        }
        let system = pair.source.system.clone().unwrap_or_default();
        let age = system.analytics_age();
        let too_old = age.is_none_or(|a| a > s.analytics_max_age);
        let age_text = age.map_or("never (or unknown)".to_string(), freshness::human);
        self.record(AnalyticsStep::Judged {
            ran: false,
            last_analytics_table_success: system.last_analytics_table_success.clone(),
            age_seconds: age.map(|a| a.as_secs()),
            too_old,
            line: format!("analytics tables last ran {age_text} ago"),
        });
        // The rule's level decides: `[rules] stale-analytics = "off"` judges nothing.
        let off = crate::rule_id::STALE_ANALYTICS.level(&self.config.rules)
            == crate::diagnostic::Level::Off;
        if !too_old || off {
            return Ok(None);
        }
        let line = format!(
            "the source's analytics tables last ran {age_text} ago, longer than sync.analytics_max_age ({}); values may be out of date",
            freshness::human(s.analytics_max_age)
        );
        self.log.event(
            "stale-analytics",
            json!({"code": "T2A025", "rule": "stale-analytics", "ageSeconds": age.map(|a| a.as_secs()), "refused": s.analytics_stale == StaleAnalytics::Refuse}),
            format!("warning[T2A025 stale-analytics]: {line}"),
        );
        Ok((s.analytics_stale == StaleAnalytics::Refuse).then_some(Outcome::AnalyticsStale))
    }
}

/// Each name once, in first-seen order.
pub(super) fn unique<'s>(names: &[&'s str]) -> Vec<&'s str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(n) {
            out.push(n);
        }
    }
    out
}
