//! Writing: the confirmation, the values kept for `--resume`, the server-side dry run
//! and the import, data set completion.

use super::*;

impl Run<'_> {
    /// Step 7a: ask, unless `--yes` or `--dry-run`. `Some` ends the run.
    pub(super) fn confirm(&self, to_write: usize, pair: &Pair) -> Result<Option<Outcome>, Error> {
        let opts = self.opts;
        if opts.yes || opts.dry_run {
            return Ok(None);
        }
        if !opts.interactive {
            return Err(Error::usage(
                format!("refusing to write {to_write} values without confirmation: no terminal to ask on"),
                Some("pass --yes to import unattended, or --dry-run to stop after the server-side dry run".to_string()),
            ));
        }
        let asked = ask(&format!(
            "Import {to_write} values into {}? [y/N] ",
            pair.report_sides.1.location
        ));
        Ok(match asked {
            None => Some(Outcome::Interrupted),
            Some(false) => Some(Outcome::Declined),
            Some(true) => None,
        })
    }

    /// Before the first write: the verified values, as `--out` writes them, beside the
    /// journal, for `--resume` (removed when the run ends well).
    pub(super) fn keep_values(
        &mut self,
        cx: &Job<'_>,
        lk: &Lookups,
        plan: &Plan,
        collected: &mut Collected,
    ) -> Result<(), Error> {
        let Some(files) = &self.files else {
            return Ok(());
        };
        let record = plan.record(cx, self.as_of.unwrap_or_else(today));
        let provenance = file::Provenance::new(cx, &self.opts.job, record);
        let path = files.values.clone();
        let values = collected.write_file(cx, lk, &path, &provenance)?;
        self.log
            .event("values-kept", json!({"path": path, "values": values}), "");
        // A resumed run's kept values replace those of the run it resumes: one run of
        // the chain is resumable at a time.
        if let Some(r) = &self.resumed {
            let _ = std::fs::remove_file(&r.values);
        }
        Ok(())
    }

    /// Step 7b: the server-side dry run, then the import. `Some` ends the run.
    pub(super) fn import(
        &mut self,
        tgt: &crate::input::Remote,
        cx: &Job<'_>,
        lk: &Lookups,
        to_write: usize,
    ) -> Result<Option<Outcome>, Error> {
        let dry = self.send(tgt, cx, lk, to_write, true)?;
        if dry.interrupted {
            return Ok(Some(Outcome::Interrupted));
        }
        if self.failed(&dry) {
            print_issues(
                &self.log,
                "The server-side dry run reported conflicts; nothing was written",
                &with_abort(&dry),
            );
            return Ok(Some(Outcome::Conflicts));
        }
        if self.opts.dry_run {
            return Ok(Some(Outcome::DryRun));
        }
        let done = self.send(tgt, cx, lk, to_write, false)?;
        if done.interrupted {
            return Ok(Some(Outcome::Interrupted));
        }
        if self.failed(&done) {
            print_issues(
                &self.log,
                "The import reported conflicts",
                &with_abort(&done),
            );
            return Ok(Some(Outcome::Conflicts));
        }
        Ok(None)
    }

    pub(super) fn send(
        &mut self,
        tgt: &crate::input::Remote,
        cx: &Job<'_>,
        lk: &Lookups,
        to_write: usize,
        dry_run: bool,
    ) -> Result<import::Outcome, Error> {
        let what = if dry_run { "server dry run" } else { "import" };
        let pb = bar(self.opts, to_write, what);
        let how = import::How {
            version: tgt.version,
            dry_run,
            chunk: self.config.sync.import_chunk as usize,
        };
        let journal = self
            .changes
            .as_mut()
            .map(|c| &mut c.journal)
            .ok_or_else(|| Error::usage("the run has no reconciled changes to import", None))?;
        let log = &mut self.log;
        let (outcome, failed) = import::run(&tgt.client, cx, lk, journal, how, &mut |chunk| {
            pb.set_position(chunk.done as u64);
            log.journal("chunk", json!(chunk));
        });
        pb.finish_and_clear();
        // Recorded even when it failed halfway: what landed before is in the report.
        self.record(ImportStep {
            dry_run,
            outcome: outcome.clone(),
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(outcome),
        }
    }

    pub(super) fn failed(&self, out: &import::Outcome) -> bool {
        out.aborted.is_some() || out.conflicts as u64 > self.config.sync.max_conflicts
    }

    /// Step 8: complete the data sets the values went into (`complete_data_sets`).
    pub(super) fn complete(
        &mut self,
        tgt: &crate::input::Remote,
        cx: &Job<'_>,
        lk: &Lookups,
    ) -> Result<(), Error> {
        let sync = &self.config.sync;
        if !sync.complete_data_sets {
            return Ok(());
        }
        let min = sync.complete_min_values;
        let journal = self.journal()?;
        let c = import::complete_data_sets(&tgt.client, cx, lk, journal, min)?;
        self.record(c);
        Ok(())
    }
}

/// The problems of an import, the abort first.
pub(super) fn with_abort(out: &import::Outcome) -> Vec<SyncIssue> {
    let mut issues = out.issues.clone();
    if let Some(a) = &out.aborted {
        issues.insert(
            0,
            SyncIssue::new(
                issue::IssueKind::ImportConflict,
                format!("the target aborted the import: {a}"),
                "see the target's server log",
            ),
        );
    }
    issues
}

pub(super) fn print_issues(log: &Log, title: &str, issues: &[SyncIssue]) {
    let mut text = format!("\n{title}:\n");
    for i in issues {
        let count = if i.values > 1 {
            format!(" ({} values)", i.values)
        } else {
            String::new()
        };
        text.push_str(&format!("  × {}{count}\n    help: {}\n", i.message, i.help));
    }
    log.print_human(&text);
}

/// Ask on the terminal; `None` when a stop (Ctrl-C) came first. The answer is read on
/// a thread of its own, so that the stop need not wait for a line.
pub(super) fn ask(question: &str) -> Option<bool> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut answer = String::new();
        let read = std::io::stdin().lock().read_line(&mut answer);
        let _ = tx.send(read.map(|_| answer));
    });
    loop {
        if crate::interrupt::requested() {
            let _ = writeln!(err);
            return None;
        }
        match rx.recv_timeout(std::time::Duration::from_millis(50)) {
            Ok(Ok(answer)) => {
                return Some(matches!(
                    answer.trim().to_ascii_lowercase().as_str(),
                    "y" | "yes"
                ));
            }
            Ok(Err(_)) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Some(false);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
}
