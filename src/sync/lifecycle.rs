//! The beginning and the end of a run: the job's lock, the run to resume and the
//! run's files first; the end line, the message and the run report last.

use super::*;

impl Run<'_> {
    /// Before anything is read: the job's lock, the run to resume, the run's files
    /// (the journal from here on).
    pub(super) fn begin(&mut self) -> Result<(), Error> {
        let (config, opts) = (self.config, self.opts);
        let dir = state_dir(config);
        let lock = lock::JobLock::acquire(&dir, &opts.job)?;
        if let Some(w) = lock.stale_warning() {
            self.log
                .event("stale-lock", json!({"holder": lock.stale}), w);
        }
        self._lock = Some(lock);
        if let Some(given) = &opts.resume {
            let resumed = runs::to_resume(&dir, &opts.job, given.as_deref())?;
            self.log.event(
                "resume",
                json!({"journal": resumed.files.journal, "started": resumed.started, "outcome": resumed.outcome, "sent": resumed.sent}),
                format!(
                    "resuming the run of {} ({}; {} values sent then): importing its verified values, as planned then",
                    resumed.started.as_deref().unwrap_or("an unknown time"),
                    resumed.outcome.as_deref().unwrap_or("it never ended"),
                    resumed.sent
                ),
            );
            self.from = Some(resumed.files.values.clone());
            self.resumed = Some(resumed.files);
        }
        let time = jiff::ZonedDateTime::now()
            .strftime("%Y%m%dT%H%M%S")
            .to_string();
        let Some(at) = report_at(config, opts, &time) else {
            return Ok(());
        };
        let files = runs::RunFiles::reserve(&dir, &opts.job, &time, &at).map_err(|e| {
            Error::usage(
                format!(
                    "cannot create the run's journal in `{}`: {e}",
                    dir.display()
                ),
                Some("check that the reports folder is writable (sync.report)".to_string()),
            )
        })?;
        let journal = std::fs::OpenOptions::new()
            .append(true)
            .open(&files.journal)
            .map_err(|e| Error::Write {
                path: files.journal.clone(),
                error: e,
            })?;
        self.log.journal_to(journal);
        self.files = Some(files);
        Ok(())
    }

    /// What an interrupted run had written, and how to go on.
    /// What a run that stopped short (interrupted, or failed during the import) had
    /// written, and how to go on.
    pub(super) fn stopped_text(&self, outcome: Outcome) -> String {
        let how = outcome_text(outcome);
        let sent = self.report.import.as_ref().map_or(0, |o| {
            o.values.new + o.values.changed + o.values.zeroed + o.values.deleted
        });
        if sent == 0 {
            return format!("{how}: nothing written");
        }
        let of = self
            .changes
            .as_ref()
            .map_or(String::new(), |c| format!(" of {}", c.writes + c.deletes));
        let resume = if self.files.is_some() {
            "; `t2a sync --resume` imports the rest (a plain run is safe too)"
        } else {
            "; run the sync again to import the rest"
        };
        format!("{how} after writing {sent}{of} values{resume}")
    }

    /// Log the end, send the message, write the run report.
    pub(super) fn finish(&mut self, pair: Option<&Pair>, outcome: Outcome, error: Option<&Error>) {
        let outcome = if error.is_some_and(Error::is_interrupted) {
            Outcome::Interrupted
        } else {
            outcome
        };
        let duration_ms = self.log.elapsed_ms() as u64;
        let error_text = error.map(|e| e.to_string());
        let help = error.and_then(|e| miette::Diagnostic::help(e).map(|h| h.to_string()));
        let exit_code = error.map_or(self.exit_code(outcome), Error::exit_code);
        let not_transferred = self.report.not_transferred.len();
        let retried = |r: Option<&crate::input::Remote>| {
            r.map(|r| r.client.retries()).filter(|l| l.count > 0)
        };
        self.report.retries = report::Retried {
            source: retried(pair.and_then(|p| p.source_remote.as_ref())),
            target: retried(pair.and_then(Pair::target_remote)),
        };
        if let Some(line) = self.report.retries.line() {
            self.log.event("retries", json!(self.report.retries), line);
        }
        if let Some(text) = self.report.not_transferred_summary() {
            self.log.event(
                "not-transferred",
                json!({"programIndicators": not_transferred}),
                text,
            );
        }
        let partial = if not_transferred > 0 && !outcome.is_failure() {
            format!("; {not_transferred} program indicators not (fully) transferred")
        } else {
            String::new()
        };
        let text = match outcome {
            Outcome::Interrupted | Outcome::Failed => self.stopped_text(outcome),
            o => outcome_text(o).to_string(),
        };
        let report_file = self.files.as_ref().map(|f| f.report.clone());
        let report_note = report_file
            .as_ref()
            .map_or(String::new(), |p| format!("; run report {}", p.display()));
        self.log.event(
            "end",
            json!({"outcome": outcome, "exitCode": exit_code, "notTransferred": not_transferred, "durationMs": duration_ms, "error": error_text, "help": help, "report": report_file, "message": text}),
            format!(
                "{text}{partial} in {:.1} s{report_note}",
                duration_ms as f64 / 1000.0
            ),
        );
        let r = &mut self.report;
        r.finished = Some(jiff::Timestamp::now().to_string());
        r.duration_ms = Some(duration_ms);
        r.outcome = Some(outcome);
        r.exit_code = Some(exit_code);
        r.error = error_text;
        r.help = help;
        let config = self.config;
        if notify::wanted(config, outcome) && pair.is_none() {
            self.log.event(
                "notify",
                json!({"sent": false, "error": "the run ended before the instances were read"}),
                "message not sent: the run ended before the instances were read",
            );
        } else if notify::wanted(config, outcome) {
            // The one request made after a stop: the message says the run was stopped.
            crate::interrupt::allow_last_requests();
            let subject = format!("t2a sync {}: {}", self.opts.job, outcome_text(outcome));
            let text = self.report.summary_text();
            let sent = notify::send(
                config,
                pair.and_then(|p| p.source_remote.as_ref()),
                pair.and_then(Pair::target_remote),
                &subject,
                &text,
            );
            let line = match &sent {
                Ok(()) => "message sent".to_string(),
                Err(e) => format!("could not send the message: {e}"),
            };
            self.log.event(
                "notify",
                json!({"sent": sent.is_ok(), "error": sent.err()}),
                line,
            );
        }
        self.report.events = self.log.events().to_vec();
        let Some(files) = self.files.clone() else {
            return;
        };
        // The kept values serve `--resume` only after a run that stopped short.
        if !matches!(outcome, Outcome::Interrupted | Outcome::Failed) {
            let _ = std::fs::remove_file(&files.values);
        }
        // What it resumed is done only when everything landed; else it stays for another
        // `--resume` (unless this run kept the values anew: see `keep_values`).
        if let (Some(r), Outcome::Synced | Outcome::NothingToChange) = (&self.resumed, outcome) {
            let _ = std::fs::remove_file(&r.values);
        }
        let path = files.report;
        let values = self.changes.as_mut().map(|c| &mut c.report);
        let written = std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))
            .and_then(|()| self.report.write(&path, values));
        match written {
            Ok(()) => {}
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "t2a sync: cannot write the run report {}: {e}",
                    path.display()
                );
            }
        }
    }
}

pub(super) const REPORT_TEMPLATE: &str = "t2a-reports/{job}-{time}.json";

/// The config file's folder, which relative paths of the job start from.
pub(super) fn config_dir(config: &Config) -> PathBuf {
    config
        .file
        .as_ref()
        .and_then(|f| f.path.parent())
        .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf)
}

/// Where the run report goes: `--report`, else `sync.report` (empty: none), else
/// `t2a-reports/{job}-{time}.json` beside the config file.
pub(super) fn report_at(config: &Config, opts: &Options, time: &str) -> Option<runs::ReportAt> {
    if let Some(p) = &opts.report {
        return Some(runs::ReportAt::Exact(p.clone()));
    }
    let template = config.sync.report.as_deref().unwrap_or(REPORT_TEMPLATE);
    if template.is_empty() {
        return None;
    }
    let path = PathBuf::from(template.replace("{job}", &opts.job).replace("{time}", time));
    Some(runs::ReportAt::Template(if path.is_relative() {
        config_dir(config).join(path)
    } else {
        path
    }))
}

/// Where a job's lock and its runs' journals live (see `runs::state_dir`).
pub(super) fn state_dir(config: &Config) -> PathBuf {
    let template = config.sync.report.as_deref().unwrap_or(REPORT_TEMPLATE);
    runs::state_dir(template, &config_dir(config))
}
