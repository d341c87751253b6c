//! The run log: one event per step, as a human line on stderr or a JSON line on
//! stdout, all of them kept for the run report and appended to the run's journal as
//! they happen (so that a run killed halfway still says how far it got).

use std::io::Write;
use std::time::Instant;

use serde_json::{Value, json};

/// How the run log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

pub struct Log {
    format: LogFormat,
    started: Instant,
    events: Vec<Value>,
    quiet: bool,
    /// `-q`: print the end only.
    outcome_only: bool,
    journal: Option<std::io::BufWriter<std::fs::File>>,
}

impl Log {
    pub fn new(format: LogFormat) -> Self {
        Log {
            format,
            started: Instant::now(),
            events: Vec::new(),
            quiet: false,
            outcome_only: false,
            journal: None,
        }
    }

    /// Print only the end of the run (`-q`, for cron); the report keeps everything.
    pub fn outcome_only(mut self, yes: bool) -> Self {
        self.outcome_only = yes;
        self
    }

    /// Append every event from now on to `file`, the events so far first.
    pub fn journal_to(&mut self, file: std::fs::File) {
        let mut w = std::io::BufWriter::new(file);
        for e in &self.events {
            let _ = writeln!(w, "{e}");
        }
        let _ = w.flush();
        self.journal = Some(w);
    }

    /// A record for the journal alone (each import chunk's answer): not printed, not
    /// in the report's events.
    pub fn journal(&mut self, name: &str, fields: Value) {
        let e = self.stamp(name, fields);
        self.append(&e);
    }

    fn stamp(&self, name: &str, fields: Value) -> Value {
        let mut e = json!({
            "event": name,
            "time": jiff::Timestamp::now().to_string(),
            "elapsedMs": self.elapsed_ms() as u64,
        });
        if let (Some(obj), Value::Object(extra)) = (e.as_object_mut(), fields) {
            obj.extend(extra);
        }
        e
    }

    fn append(&mut self, e: &Value) {
        if let Some(w) = &mut self.journal {
            // Flushed per line: the journal is read after a crash.
            let _ = writeln!(w, "{e}").and_then(|()| w.flush());
        }
    }

    /// A log that keeps events but prints nothing (library use and tests).
    pub fn silent() -> Self {
        Log {
            quiet: true,
            ..Log::new(LogFormat::Json)
        }
    }

    pub fn format(&self) -> LogFormat {
        self.format
    }

    pub fn elapsed_ms(&self) -> u128 {
        self.started.elapsed().as_millis()
    }

    /// Record an event: `fields` (a JSON object) for machines, `line` for people (an
    /// empty line prints nothing; a line of several lines prints them all).
    pub fn event(&mut self, name: &str, fields: Value, line: impl AsRef<str>) {
        let e = self.stamp(name, fields);
        self.append(&e);
        if !self.quiet && (!self.outcome_only || name == "end") {
            match self.format {
                LogFormat::Json => {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{e}");
                    let _ = out.flush();
                }
                LogFormat::Human if line.as_ref().is_empty() => {}
                LogFormat::Human => {
                    let _ = writeln!(std::io::stderr(), "t2a sync: {}", line.as_ref());
                }
            }
        }
        self.events.push(e);
    }

    /// Text for people, printed only in human format (the preview, on stdout).
    pub fn print_human(&self, text: &str) {
        if !self.quiet && !self.outcome_only && self.format == LogFormat::Human {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }

    pub fn events(&self) -> &[Value] {
        &self.events
    }
}
