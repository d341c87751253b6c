//! The values of the run: its plan, the export (or a `--from` file), verification,
//! reconciliation with the target and the preview.

use super::write::print_issues;
use super::*;

impl Run<'_> {
    /// What a `--from` file records of how it was made; its id schemes must be the
    /// job's.
    pub(super) fn provenance(
        &mut self,
        cx: &Job<'_>,
        path: &std::path::Path,
    ) -> Result<Option<file::Provenance>, Error> {
        let f = std::fs::File::open(path)
            .map_err(|e| Error::usage(format!("cannot read `{}`: {e}", path.display()), None))?;
        let provenance = file::provenance(std::io::BufReader::new(f))
            .map_err(|e| not_a_data_value_set(path, &e))?;
        let Some(p) = provenance else {
            self.log.event(
                "from-unplanned",
                json!({"path": path}),
                format!(
                    "{} records no plan (not written by `t2a sync --out`): verifying against a fresh plan",
                    path.display()
                ),
            );
            return Ok(None);
        };
        if let Some(diff) = p.schemes.differences(&file::Schemes::of(cx)) {
            return Err(Error::usage(
                format!(
                    "`{}` was written with other id schemes than the job has now ({diff})",
                    path.display()
                ),
                Some(
                    "set the job's [mapping] id schemes back, or write the file again with --out"
                        .to_string(),
                ),
            ));
        }
        Ok(Some(p))
    }

    /// Step 3: the periods each mapping transfers: planned now, or as a `--from` file
    /// records.
    pub(super) fn plan(
        &mut self,
        cx: &Job<'_>,
        provenance: Option<&file::Provenance>,
    ) -> Result<Plan, Error> {
        let config = self.config;
        let plan = match provenance {
            Some(p) => {
                let as_of = p.plan.as_of.parse::<Date>().map_err(|e| {
                    Error::usage(
                        format!("the file's plan has an invalid day `{}`: {e}", p.plan.as_of),
                        None,
                    )
                })?;
                if self.opts.as_of.is_some_and(|d| d != as_of) {
                    self.log.event(
                        "as-of-ignored",
                        json!({"asOf": as_of.to_string()}),
                        format!("--as-of ignored: the file was planned as of {as_of}, and is verified against that plan"),
                    );
                }
                self.as_of = Some(as_of);
                Plan::from_record(cx, &p.plan, &self.excluded).map_err(|e| {
                    Error::usage(
                        format!("the file's plan does not fit the job any more: {e}"),
                        Some("write the file again with `t2a sync --out`".to_string()),
                    )
                })?
            }
            None => {
                let as_of = self.opts.as_of.unwrap_or_else(today);
                self.as_of = Some(as_of);
                // Validated when the config was read (`--period` is folded into it).
                let specs: Vec<String> = config
                    .sync
                    .periods
                    .iter()
                    .map(|p| p.value.clone())
                    .collect();
                plan::plan(
                    cx,
                    &plan::Request {
                        periods: &specs,
                        period_type: config.sync.period_type.as_ref().map(|p| p.value),
                        lookback: config.sync.lookback.unwrap_or(1),
                        include_current: config.sync.include_current,
                        as_of,
                        excluded: &self.excluded,
                    },
                )
            }
        };
        let as_of = self.as_of.unwrap_or_else(today);
        let skipped: Vec<SkippedPi> = plan
            .skipped
            .iter()
            .map(|s| SkippedPi {
                program_indicator: cx.pi_ref(&cx.mappings[s.mapping]),
                reason: s.reason.clone(),
                rule: s.rule.map(RuleRef::from),
            })
            .collect();
        for s in &skipped {
            if let Some(rule) = s.rule {
                self.report.not_transferred.push(NotTransferredPi {
                    program_indicator: s.program_indicator.clone(),
                    rule,
                    reason: s.reason.clone(),
                });
            }
        }
        self.record(PlanStep {
            as_of: as_of.to_string(),
            groups: plan
                .groups
                .iter()
                .map(|g| PlanGroup {
                    period_type: g.period_type.name(),
                    periods: g.periods.iter().map(|p| p.iso()).collect(),
                    program_indicators: g.mappings.len(),
                    blocks: cx.records.map(|_| {
                        let mut b: Vec<usize> = g
                            .mappings
                            .iter()
                            .filter_map(|&m| cx.block_of(&cx.mappings[m]))
                            .collect();
                        b.sort_unstable();
                        b.dedup();
                        b.len()
                    }),
                })
                .collect(),
            skipped: skipped.clone(),
        });
        for (s, skipped) in plan.skipped.iter().zip(skipped) {
            self.record(NotTransferred {
                skipped,
                label: cx.pi_label(&cx.mappings[s.mapping]),
            });
        }
        Ok(plan)
    }

    /// Step 4: export every request, verified into buckets as it comes.
    pub(super) fn export(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        source: Option<&crate::input::Remote>,
        collected: &mut Collected,
    ) -> Result<(), Error> {
        let Some(src) = source else {
            return Ok(());
        };
        let requests = transfer::export_requests(cx, plan, &mut self.log);
        let n = requests.count;
        let pb = bar(self.opts, n, "export");
        let remote = export::Remote {
            client: &src.client,
            version: src.version,
        };
        collected.export(&remote, cx, lk, requests, &|| pb.inc(1))?;
        pb.finish_and_clear();
        self.record(ExportStep {
            requests: Some(n),
            path: None,
            rows: collected.verified.rows,
        });
        Ok(())
    }

    /// Step 4 of a record job: read and aggregate the records, then take their values
    /// as an export's.
    pub(super) fn records(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        side: &crate::source::side::RecordSide,
        collected: &mut Collected,
    ) -> Result<(), Error> {
        let export = crate::timing::phase("aggregate records", || {
            crate::source::run::RecordExport::build(cx, plan, side)
        })?;
        let Some(data) = side.data.get() else {
            return Err(Error::usage("the records were not read", None));
        };
        let a = &data.aggregates;
        let dropped: u64 = a.dropped.values().map(|d| d.records).sum();
        self.log.event(
            "records",
            serde_json::json!({"read": a.records, "aggregated": a.aggregated.iter().sum::<u64>(), "dropped": dropped, "cells": a.cells.len()}),
            format!(
                "records: {} read, {} aggregated into {} cells, {dropped} dropped",
                a.records,
                a.aggregated.iter().sum::<u64>(),
                a.cells.len()
            ),
        );
        let requests = transfer::export_requests(cx, plan, &mut self.log);
        let n = requests.count;
        collected.export(&export, cx, lk, requests, &|| ())?;
        self.record(ExportStep {
            requests: Some(n),
            path: None,
            rows: collected.verified.rows,
        });
        Ok(())
    }

    /// Step 4, `--from`: read a file written by `--out`, verified as an export is.
    pub(super) fn read_file(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        path: &std::path::Path,
        collected: &mut Collected,
    ) -> Result<(), Error> {
        let file = std::fs::File::open(path)
            .map_err(|e| Error::usage(format!("cannot read `{}`: {e}", path.display()), None))?;
        let rows = collected
            .file(cx, lk, plan, std::io::BufReader::new(file))?
            .map_err(|e| not_a_data_value_set(path, &e))?;
        self.record(ExportStep {
            requests: None,
            path: Some(path.to_path_buf()),
            rows,
        });
        Ok(())
    }

    /// Steps 5–6: verification, then reconciliation bucket by bucket (keys with two
    /// values are found per bucket: before reconciling each, or all of them when the
    /// export already has problems to list). `None`: verification failed.
    pub(super) fn verify_and_reconcile(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        store: Option<&dyn reconcile::Store>,
        pair: &Pair,
        collected: &mut Collected,
    ) -> Result<Option<Changes>, Error> {
        let values = collected.values();
        let mut verified = std::mem::take(&mut collected.verified);
        let changes = if verified.issues.is_empty() {
            match collected.reconcile(cx, lk, plan, store, pair.target_version())? {
                Ok(changes) => Some(changes),
                Err(duplicates) => {
                    verified.issues.extend(duplicates);
                    None
                }
            }
        } else {
            collected.check_duplicates(cx, lk)?;
            verified
                .issues
                .extend(std::mem::take(&mut collected.verified.issues));
            None
        };
        let issues = verified.issues.into_sorted();
        let left_out = self.left_out(cx, std::mem::take(&mut verified.left_out));
        let failed = !issues.is_empty();
        if failed {
            print_issues(
                &self.log,
                "The export failed verification; nothing was written",
                &issues,
            );
        }
        self.record(VerifyStep {
            values,
            skipped_zeros: verified.skipped_zeros,
            empty: verified.empty,
            issues,
            of_skipped: verified.of_skipped,
            left_out,
        });
        Ok(changes.filter(|_| !failed))
    }

    /// Values left out for their org units: logged per PI, and listed as not
    /// transferred.
    pub(super) fn left_out(
        &mut self,
        cx: &Job<'_>,
        gaps: std::collections::BTreeMap<(u32, verify::OrgUnitGap), verify::LeftOut>,
    ) -> Vec<LeftOutValues> {
        let mut out = Vec::new();
        for ((m, gap), l) in gaps {
            let mapping = &cx.mappings[m as usize];
            let entry = LeftOutValues {
                program_indicator: cx.pi_ref(mapping),
                rule: gap.rule().into(),
                values: l.values,
                org_units: l.org_units.into_iter().collect(),
                more_org_units: l.more_org_units,
                label: cx.pi_label(mapping),
            };
            self.report.not_transferred.push(NotTransferredPi {
                program_indicator: entry.program_indicator.clone(),
                rule: entry.rule,
                reason: entry.reason(),
            });
            self.record(entry.clone());
            out.push(entry);
        }
        out
    }

    /// The preview: counts per data set and period, and the values that change.
    pub(super) fn preview(&mut self, cx: &Job<'_>, changes: &Changes) {
        let stale_policy = match self.config.sync.stale {
            Stale::Report => "report",
            Stale::Zero => "zero",
            Stale::Delete => "delete",
        };
        self.record(ReconcileStep {
            totals: changes.preview.tally,
            by_data_set_period: changes.preview.by_data_set_json(cx),
            stale_policy,
        });
        self.log
            .print_human(&changes.preview.human(cx, stale_policy));
    }
}

pub(super) fn not_a_data_value_set(path: &std::path::Path, e: &serde_json::Error) -> Error {
    Error::usage(
        format!("`{}` is not a dataValueSet JSON: {e}", path.display()),
        Some("give a file written by `t2a sync --out` (an object with `dataValues`)".to_string()),
    )
}
