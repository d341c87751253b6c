//! The run log: one event per step, as a human line on stderr or a JSON line on
//! stdout, all of them kept for the run report.

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
}

impl Log {
    pub fn new(format: LogFormat) -> Self {
        Log {
            format,
            started: Instant::now(),
            events: Vec::new(),
            quiet: false,
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
        let mut e = json!({
            "event": name,
            "time": jiff::Timestamp::now().to_string(),
            "elapsed_ms": self.elapsed_ms() as u64,
        });
        if let (Some(obj), Value::Object(extra)) = (e.as_object_mut(), fields) {
            obj.extend(extra);
        }
        if !self.quiet {
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
        if !self.quiet && self.format == LogFormat::Human {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }

    pub fn events(&self) -> &[Value] {
        &self.events
    }
}
