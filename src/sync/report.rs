//! The run report: one typed record of what each step of a run found, fed by
//! `RunReport::record`, which also writes the step's log line and event, so that log
//! and report cannot disagree. Written at the end, with the changed values streamed
//! from the run's journal into `reconcile.values`.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::dhis2::retry::RetryLog;
use crate::diagnostic::ObjectRef;
use crate::input::SideInfo;
use crate::rule_id::RuleId;
use crate::rules::help::plural;

use super::import;
use super::issue::SyncIssue;
use super::journal::{Journal, Records};
use super::log::Log;
use super::outcome::Outcome;
use super::preview::Tally;

/// A step of a run: its event name and line in the log, its part of the report.
pub trait Step: Serialize {
    fn event_name(&self) -> &'static str;
    /// The log line for people.
    fn line(&self) -> String;
    /// The log event's fields (by default the step as the report has it).
    fn event(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
    /// Keep the step in the report.
    fn keep(self, report: &mut RunReport);
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// The run report (JSON contract): step by step, then how the run ended.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    pub tool: Tool,
    pub job: String,
    pub started: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "camel_side")]
    pub source: Option<SideInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "camel_side")]
    pub target: Option<SideInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analytics: Option<AnalyticsStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<ExportStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconcile: Option<ReconcileStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out: Option<OutStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<import::Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<import::Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete: Option<import::Completion>,
    /// Every program indicator the run did not (fully) transfer for a defect, with the
    /// rule that excluded it: mappings left out of the plan, values left out at org
    /// units. A run that leaves anything out exits 1.
    pub not_transferred: Vec<NotTransferredPi>,
    /// Requests tried again after transient faults, per side.
    #[serde(skip_serializing_if = "Retried::is_empty")]
    pub retries: Retried,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
    pub error: Option<String>,
    /// How to fix the error, when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub events: Vec<Value>,
}

/// A side as the check's JSON report has it, in the run report's key style.
fn camel_side<S: Serializer>(side: &Option<SideInfo>, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Side<'a> {
        kind: &'a str,
        location: &'a str,
        dhis2_version: Option<&'a str>,
    }
    side.as_ref()
        .map(|i| Side {
            kind: i.kind,
            location: &i.location,
            dhis2_version: i.dhis2_version.as_deref(),
        })
        .serialize(s)
}

impl RunReport {
    pub fn new(job: &str) -> Self {
        RunReport {
            tool: Tool {
                name: "t2a",
                version: env!("CARGO_PKG_VERSION"),
            },
            job: job.to_string(),
            started: jiff::Timestamp::now().to_string(),
            source: None,
            target: None,
            check: None,
            analytics: None,
            plan: None,
            export: None,
            verify: None,
            reconcile: None,
            out: None,
            dry_run: None,
            import: None,
            complete: None,
            not_transferred: Vec::new(),
            retries: Retried::default(),
            finished: None,
            duration_ms: None,
            outcome: None,
            exit_code: None,
            error: None,
            help: None,
            events: Vec::new(),
        }
    }

    /// Log a step (its line for people, its event for machines) and keep it.
    pub fn record<S: Step>(&mut self, log: &mut Log, step: S) {
        log.event(step.event_name(), step.event(), step.line());
        step.keep(self);
    }

    /// Write the report (pretty-printed) to `path`; `values` fills `reconcile.values`.
    pub fn write(&self, path: &Path, values: Option<&mut Journal<String>>) -> std::io::Result<()> {
        let records = values.map(Journal::iter).transpose()?;
        let streamed = Streamed {
            report: self,
            values: RefCell::new(records),
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        serde_json::to_writer_pretty(&mut out, &streamed)?;
        out.write_all(b"\n")?;
        out.flush()
    }

    /// The account of what a run left out, for the end of its log.
    pub fn not_transferred_summary(&self) -> Option<String> {
        let not_planned = self
            .plan
            .as_ref()
            .map_or(0, |p| p.skipped.iter().filter(|s| s.rule.is_none()).count());
        if self.not_transferred.is_empty() && not_planned == 0 {
            return None;
        }
        let mut text = String::new();
        if !self.not_transferred.is_empty() {
            text.push_str(&format!(
                "not transferred for a defect: {} program indicators",
                self.not_transferred.len()
            ));
            let mut by_rule: Vec<(&str, &str, Vec<&NotTransferredPi>)> = Vec::new();
            for n in &self.not_transferred {
                match by_rule.iter_mut().find(|(code, _, _)| *code == n.rule.code) {
                    Some((_, _, list)) => list.push(n),
                    None => by_rule.push((n.rule.code, n.rule.name, vec![n])),
                }
            }
            by_rule.sort_by_key(|(code, _, _)| *code);
            for (code, name, list) in by_rule {
                text.push_str(&format!("\n  {code} {name} ({}):", list.len()));
                for n in list {
                    text.push_str(&format!(
                        "\n    \"{}\" ({}): {}",
                        n.program_indicator.name, n.program_indicator.id, n.reason
                    ));
                }
            }
        }
        if not_planned > 0 {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&format!(
                "not planned: {not_planned} program indicators have no period of their data sets' type among the job's periods (listed in the run report's plan)"
            ));
        }
        Some(text)
    }

    /// A short account for a DHIS2 message.
    pub fn summary_text(&self) -> String {
        let mut lines = Vec::new();
        if let Some(e) = &self.error {
            lines.push(format!("Error: {e}"));
        }
        if let Some(c) = &self.check {
            lines.push(format!("check: {}", json!(c.summary)));
        }
        if let Some(r) = &self.reconcile {
            lines.push(format!("reconcile: {}", r.totals.json()));
        }
        for (key, o) in [("dryRun", &self.dry_run), ("import", &self.import)] {
            if let Some(o) = o {
                lines.push(format!("{key}: {}", json!(o.import_count)));
            }
        }
        if let Some(v) = &self.verify {
            lines.push(format!("verify: {}", v.issues.len()));
        }
        if let Some(text) = self.not_transferred_summary() {
            lines.push(text);
        }
        lines.join("\n")
    }
}

/// The report as written: `reconcile.values` streamed from the journal.
struct Streamed<'a> {
    report: &'a RunReport,
    values: RefCell<Option<Records<String>>>,
}

impl Serialize for Streamed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = match serde_json::to_value(self.report).map_err(S::Error::custom)? {
            Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        let mut map = s.serialize_map(Some(fields.len()))?;
        for (k, v) in &fields {
            match (k.as_str(), v) {
                ("reconcile", Value::Object(inner)) if self.values.borrow().is_some() => {
                    map.serialize_entry(k, &WithValues(inner, &self.values))?
                }
                _ => map.serialize_entry(k, v)?,
            }
        }
        map.end()
    }
}

struct WithValues<'a>(
    &'a serde_json::Map<String, Value>,
    &'a RefCell<Option<Records<String>>>,
);

impl Serialize for WithValues<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len() + 1))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("values", &Values(self.1))?;
        map.end()
    }
}

struct Values<'a>(&'a RefCell<Option<Records<String>>>);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let records = self.0.borrow_mut().take();
        let mut seq = s.serialize_seq(records.as_ref().map(|r| r.size_hint().0))?;
        for item in records.into_iter().flatten() {
            let text = item.map_err(S::Error::custom)?;
            let raw = RawValue::from_string(text).map_err(S::Error::custom)?;
            seq.serialize_element(&*raw)?;
        }
        seq.end()
    }
}

/// The run started.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Start {
    pub job: String,
    pub dry_run: bool,
    pub out: Option<std::path::PathBuf>,
    pub from: Option<std::path::PathBuf>,
}

impl Step for Start {
    fn event_name(&self) -> &'static str {
        "start"
    }
    fn line(&self) -> String {
        format!("job {} started", self.job)
    }
    fn keep(self, _: &mut RunReport) {}
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct CheckSummary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub mappings: usize,
}

/// The check that gates the run.
#[derive(Debug, Serialize)]
pub struct CheckStep {
    pub summary: CheckSummary,
    /// The diagnostics, as `t2a check --format json` writes them.
    pub diagnostics: Value,
}

impl Step for CheckStep {
    fn event_name(&self) -> &'static str {
        "check"
    }
    fn line(&self) -> String {
        let c = self.summary;
        format!(
            "check: {} mappings, {} errors, {} warnings, {} notes",
            c.mappings, c.errors, c.warnings, c.notes
        )
    }
    fn event(&self) -> Value {
        json!(self.summary)
    }
    fn keep(self, r: &mut RunReport) {
        r.check = Some(self);
    }
}

/// Analytics: run on the source, or judged by the age of its last run.
#[derive(Debug, Serialize)]
#[serde(untagged, rename_all = "camelCase")]
pub enum AnalyticsStep {
    Ran {
        ran: bool,
        ok: bool,
        message: String,
    },
    #[serde(rename_all = "camelCase")]
    Judged {
        ran: bool,
        last_analytics_table_success: Option<String>,
        age_seconds: Option<u64>,
        too_old: bool,
        #[serde(skip)]
        line: String,
    },
}

impl Step for AnalyticsStep {
    fn event_name(&self) -> &'static str {
        "analytics"
    }
    fn line(&self) -> String {
        match self {
            AnalyticsStep::Ran { message, .. } => message.clone(),
            AnalyticsStep::Judged { line, .. } => line.clone(),
        }
    }
    fn keep(self, r: &mut RunReport) {
        r.analytics = Some(self);
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanGroup {
    pub period_type: &'static str,
    pub periods: Vec<String>,
    pub program_indicators: usize,
    /// A record job: the blocks behind those mappings (each option combo of a block is
    /// one mapping).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<usize>,
}

/// A rule, as the report names it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleRef {
    pub code: &'static str,
    pub name: &'static str,
}

impl From<&'static RuleId> for RuleRef {
    fn from(r: &'static RuleId) -> Self {
        RuleRef {
            code: r.code,
            name: r.name,
        }
    }
}

/// A program indicator left out of the plan: for a defect (its rule), or because the
/// job asks for no period of its type.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedPi {
    pub program_indicator: ObjectRef,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleRef>,
}

/// Values of a program indicator left out for their org units.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftOutValues {
    pub program_indicator: ObjectRef,
    pub rule: RuleRef,
    pub values: usize,
    /// Some of the org units (as exported), the rest counted in `moreOrgUnits`.
    pub org_units: Vec<String>,
    pub more_org_units: usize,
    #[serde(skip)]
    pub label: String,
}

impl LeftOutValues {
    pub fn reason(&self) -> String {
        let n = self.org_units.len() + self.more_org_units;
        let what = match self.rule.code {
            "T2A012" => "the target does not know",
            _ => "not assigned a data set that holds its data element",
        };
        format!(
            "{} left out at {} {what}: {}",
            plural(self.values, "value", "values"),
            plural(n, "org unit", "org units"),
            self.org_units
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
                + if self.more_org_units > 0 { ", …" } else { "" }
        )
    }
}

/// The periods each mapping transfers, and the mappings left out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanStep {
    pub as_of: String,
    pub groups: Vec<PlanGroup>,
    pub skipped: Vec<SkippedPi>,
}

impl Step for PlanStep {
    fn event_name(&self) -> &'static str {
        "plan"
    }
    fn line(&self) -> String {
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| {
                let what = match g.blocks {
                    Some(b) => format!(
                        "{} ({})",
                        plural(b, "block", "blocks"),
                        plural(g.program_indicators, "option combo", "option combos")
                    ),
                    None => plural(g.program_indicators, "PI", "PIs"),
                };
                format!("{what} × {} {}", g.period_type, g.periods.join(","))
            })
            .collect();
        let plan = if groups.is_empty() {
            "nothing to transfer".to_string()
        } else {
            groups.join("; ")
        };
        format!("plan as of {}: {plan}", self.as_of)
    }
    fn keep(self, r: &mut RunReport) {
        r.plan = Some(self);
    }
}

/// Values left out, as a log event of their own (the verify step keeps them).
impl Step for LeftOutValues {
    fn event_name(&self) -> &'static str {
        "left-out"
    }
    /// Listed once, grouped, at the end of the run (`not_transferred_summary`).
    fn line(&self) -> String {
        String::new()
    }
    fn keep(self, _: &mut RunReport) {}
}

/// Retries per side.
#[derive(Debug, Default, Serialize)]
pub struct Retried {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<RetryLog>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<RetryLog>,
}

impl Retried {
    pub fn is_empty(&self) -> bool {
        self.source.is_none() && self.target.is_none()
    }

    /// A log line, when anything was retried.
    pub fn line(&self) -> Option<String> {
        let parts: Vec<String> = [("source", &self.source), ("target", &self.target)]
            .into_iter()
            .filter_map(|(side, r)| {
                let r = r.as_ref()?;
                let last = r.recent.last().map(String::as_str).unwrap_or("");
                Some(format!("{} requests to the {side} (last: {last})", r.count))
            })
            .collect();
        (!parts.is_empty()).then(|| format!("retried after transient faults: {}", parts.join("; ")))
    }
}

/// A program indicator not (fully) transferred for a defect.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotTransferredPi {
    pub program_indicator: ObjectRef,
    pub rule: RuleRef,
    pub reason: String,
}

/// A mapping not transferred, as a log event of its own.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotTransferred {
    #[serde(flatten)]
    pub skipped: SkippedPi,
    #[serde(skip)]
    pub label: String,
}

impl Step for NotTransferred {
    fn event_name(&self) -> &'static str {
        "skipped"
    }
    /// Listed once, grouped, at the end of the run (`not_transferred_summary`).
    fn line(&self) -> String {
        String::new()
    }
    fn keep(self, _: &mut RunReport) {}
}

/// What was read: the export's requests, or a file.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportStep {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<std::path::PathBuf>,
    pub rows: usize,
}

impl Step for ExportStep {
    fn event_name(&self) -> &'static str {
        if self.path.is_some() {
            "from"
        } else {
            "export"
        }
    }
    fn line(&self) -> String {
        match (&self.path, self.requests) {
            (Some(p), _) => format!("read {} values from {}", self.rows, p.display()),
            (None, n) => format!(
                "export: {} rows from {} requests",
                self.rows,
                n.unwrap_or(0)
            ),
        }
    }
    fn keep(self, r: &mut RunReport) {
        r.export = Some(self);
    }
}

/// Verification of every value read.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyStep {
    pub values: usize,
    pub skipped_zeros: usize,
    pub empty: usize,
    pub issues: Vec<SyncIssue>,
    /// Values (of a `--from` file) of program indicators the plan leaves out.
    pub of_skipped: usize,
    /// Values never sent, for their org units.
    pub left_out: Vec<LeftOutValues>,
}

impl Step for VerifyStep {
    fn event_name(&self) -> &'static str {
        "verify"
    }
    fn line(&self) -> String {
        let zeros = if self.skipped_zeros > 0 {
            format!(
                ", {} zeros left out (positive-integer data elements cannot hold 0)",
                self.skipped_zeros
            )
        } else {
            String::new()
        };
        let skipped = if self.of_skipped > 0 {
            format!(
                ", {} values of program indicators left out not sent",
                self.of_skipped
            )
        } else {
            String::new()
        };
        format!(
            "verify: {} values, {} problems{zeros}{skipped}",
            self.values,
            self.issues.len()
        )
    }
    fn event(&self) -> Value {
        json!({"values": self.values, "issues": self.issues.len(), "skippedZeros": self.skipped_zeros, "ofSkipped": self.of_skipped, "leftOut": self.left_out})
    }
    fn keep(self, r: &mut RunReport) {
        r.verify = Some(self);
    }
}

/// What the transfer does to each key; the values are streamed in when written.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileStep {
    pub totals: Tally,
    pub by_data_set_period: Value,
    #[serde(skip)]
    pub stale_policy: &'static str,
}

impl Step for ReconcileStep {
    fn event_name(&self) -> &'static str {
        "reconcile"
    }
    fn line(&self) -> String {
        let t = self.totals;
        format!(
            "reconcile: {} new, {} changed, {} unchanged, {} stale (stale = \"{}\")",
            t.new, t.changed, t.unchanged, t.stale, self.stale_policy
        )
    }
    fn event(&self) -> Value {
        let mut e = self.totals.json();
        e["byDataSetPeriod"] = self.by_data_set_period.clone();
        e
    }
    fn keep(self, r: &mut RunReport) {
        r.reconcile = Some(self);
    }
}

/// `--out`: the verified values written to a file.
#[derive(Debug, Serialize)]
pub struct OutStep {
    pub path: std::path::PathBuf,
    pub values: usize,
}

impl Step for OutStep {
    fn event_name(&self) -> &'static str {
        "out"
    }
    fn line(&self) -> String {
        format!(
            "wrote {} verified values to {}",
            self.values,
            self.path.display()
        )
    }
    fn keep(self, r: &mut RunReport) {
        r.out = Some(self);
    }
}

/// The server-side dry run, or the import.
#[derive(Debug)]
pub struct ImportStep {
    pub dry_run: bool,
    pub outcome: import::Outcome,
}

impl Serialize for ImportStep {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.outcome.serialize(s)
    }
}

impl Step for ImportStep {
    fn event_name(&self) -> &'static str {
        if self.dry_run { "dry-run" } else { "import" }
    }
    fn line(&self) -> String {
        let (o, c, v) = (
            &self.outcome,
            self.outcome.import_count,
            self.outcome.values,
        );
        format!(
            "{}: {} new, {} changed, {} set to zero, {} deleted in {}; the target counted {} imported, {} updated, {} deleted, {} ignored, {} conflicts{}",
            if self.dry_run {
                "server dry run"
            } else {
                "import"
            },
            v.new,
            v.changed,
            v.zeroed,
            v.deleted,
            plural(o.requests, "request", "requests"),
            c.imported,
            c.updated,
            c.deleted,
            c.ignored,
            o.conflicts,
            if o.interrupted {
                "; interrupted before the rest"
            } else {
                ""
            }
        )
    }
    fn keep(self, r: &mut RunReport) {
        if self.dry_run {
            r.dry_run = Some(self.outcome);
        } else {
            r.import = Some(self.outcome);
        }
    }
}

impl Step for import::Completion {
    fn event_name(&self) -> &'static str {
        "complete"
    }
    fn line(&self) -> String {
        format!(
            "completed {} data set registrations ({} conflicts)",
            self.registrations, self.conflicts
        )
    }
    fn keep(self, r: &mut RunReport) {
        r.complete = Some(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_streamed_into_reconcile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let mut rep = RunReport::new("x");
        rep.reconcile = Some(ReconcileStep {
            totals: Tally {
                new: 2,
                ..Tally::default()
            },
            by_data_set_period: json!([]),
            stale_policy: "report",
        });
        let mut j: Journal<String> = Journal::new().unwrap();
        j.push(&r#"{"class":"new","n":1}"#.to_string()).unwrap();
        j.push(&r#"{"class":"new","n":2}"#.to_string()).unwrap();
        rep.write(&path, Some(&mut j)).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["job"], "x");
        assert_eq!(v["reconcile"]["totals"]["new"], 2);
        assert_eq!(v["reconcile"]["values"][1]["n"], 2);
        rep.write(&path, None).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(v["reconcile"]["values"].is_null());
    }
}
