//! The files of one run, side by side in the reports folder: the run report
//! (`NAME.json`, written at the end), the journal (`NAME.journal.jsonl`, one line per
//! event as it happens, each import chunk's answer among them) and, from the moment
//! the first value is about to be written until the run ends well, the verified values
//! (`NAME.values.json`, as `--out` writes them, plan included) that `--resume` imports.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;

#[derive(Debug, Clone)]
pub struct RunFiles {
    pub report: PathBuf,
    pub journal: PathBuf,
    pub values: PathBuf,
}

impl RunFiles {
    fn named(stem: &Path) -> RunFiles {
        let with = |ext: &str| {
            let mut s = stem.as_os_str().to_owned();
            s.push(ext);
            PathBuf::from(s)
        };
        RunFiles {
            report: with(".json"),
            journal: with(".journal.jsonl"),
            values: with(".values.json"),
        }
    }

    /// Names for a new run from the report path the template gave: `NAME`, else
    /// `NAME-2`, `NAME-3`… so that runs within one second never overwrite each other.
    /// The journal is created at once (atomically), which reserves the name.
    pub fn reserve(report: &Path) -> std::io::Result<RunFiles> {
        let stem = report.with_extension("");
        if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        for n in 1.. {
            let candidate = if n == 1 {
                stem.clone()
            } else {
                let mut s = stem.as_os_str().to_owned();
                s.push(format!("-{n}"));
                PathBuf::from(s)
            };
            let files = RunFiles::named(&candidate);
            if files.report.exists() {
                continue;
            }
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&files.journal)
            {
                Ok(_) => return Ok(files),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        unreachable!("an unbounded range ends only by returning")
    }

    /// The files of a report path given on the command line: used as given.
    pub fn exact(report: &Path) -> RunFiles {
        RunFiles {
            report: report.to_path_buf(),
            ..RunFiles::named(&report.with_extension(""))
        }
    }

    /// The files of a journal.
    pub fn of_journal(journal: &Path) -> RunFiles {
        let name = journal.to_string_lossy();
        let stem = name.strip_suffix(".journal.jsonl").unwrap_or(&name);
        RunFiles::named(Path::new(stem))
    }
}

/// What a journal says of its run.
#[derive(Debug, Clone)]
pub struct Journaled {
    pub files: RunFiles,
    pub started: Option<String>,
    /// The outcome of its end event; none when the run never ended (killed).
    pub outcome: Option<String>,
    /// Values the run's import had sent, by its own count.
    pub sent: u64,
}

impl Journaled {
    pub fn read(journal: &Path) -> std::io::Result<Journaled> {
        let f = std::fs::File::open(journal)?;
        let mut j = Journaled {
            files: RunFiles::of_journal(journal),
            started: None,
            outcome: None,
            sent: 0,
        };
        for line in BufReader::new(f).lines() {
            let Ok(e) = serde_json::from_str::<Value>(&line?) else {
                // A line cut short by a crash ends what can be read.
                break;
            };
            match e["event"].as_str() {
                Some("start") => j.started = e["time"].as_str().map(str::to_string),
                Some("chunk") if e["dryRun"] == false => {
                    j.sent += e["values"].as_u64().unwrap_or(0);
                }
                Some("end") => j.outcome = e["outcome"].as_str().map(str::to_string),
                _ => {}
            }
        }
        Ok(j)
    }

    /// Whether `--resume` can continue it: it stopped before its end (interrupted,
    /// failed, killed) with its values kept.
    pub fn resumable(&self) -> bool {
        matches!(
            self.outcome.as_deref(),
            None | Some("interrupted" | "failed")
        ) && self.files.values.exists()
    }
}

/// The run of `job` to resume: `given`, else the newest journal of the job in `dir`.
pub fn to_resume(dir: &Path, job: &str, given: Option<&Path>) -> Result<Journaled, Error> {
    let journal = match given {
        Some(p) => p.to_path_buf(),
        None => newest_journal(dir, job).ok_or_else(|| {
            Error::usage(
                format!("no run of job `{job}` to resume in {}", dir.display()),
                Some("run the sync without --resume".to_string()),
            )
        })?,
    };
    let j = Journaled::read(&journal).map_err(|e| {
        Error::usage(
            format!("cannot read the journal `{}`: {e}", journal.display()),
            None,
        )
    })?;
    if !j.resumable() {
        let how = match &j.outcome {
            Some(o) => format!("ended `{o}`"),
            None => "kept no values to import".to_string(),
        };
        return Err(Error::usage(
            format!(
                "the last run of job `{job}` ({}) {how}: there is nothing to resume",
                journal.display()
            ),
            Some("run the sync without --resume (a plain run is always safe: what landed is found unchanged)".to_string()),
        ));
    }
    Ok(j)
}

fn newest_journal(dir: &Path, job: &str) -> Option<PathBuf> {
    let prefix = format!("{job}-");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".journal.jsonl")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_within_one_second_get_names_of_their_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let report = dir.path().join("runs/malaria-20240215T101010.json");
        let a = RunFiles::reserve(&report).expect("first");
        let b = RunFiles::reserve(&report).expect("second");
        assert_eq!(a.report, report);
        assert_eq!(
            b.report,
            dir.path().join("runs/malaria-20240215T101010-2.json")
        );
        assert_eq!(
            b.journal,
            dir.path()
                .join("runs/malaria-20240215T101010-2.journal.jsonl")
        );
        assert!(a.journal.exists() && b.journal.exists());
        assert_eq!(RunFiles::of_journal(&b.journal).values, b.values);
    }

    #[test]
    fn a_journal_tells_how_its_run_ended() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = RunFiles::reserve(&dir.path().join("malaria-1.json")).expect("reserve");
        std::fs::write(
            &files.journal,
            concat!(
                r#"{"event":"start","time":"2024-02-15T10:00:00Z"}"#,
                "\n",
                r#"{"event":"chunk","dryRun":true,"values":500}"#,
                "\n",
                r#"{"event":"chunk","dryRun":false,"values":500}"#,
                "\n",
                r#"{"event":"end","outc"#
            ),
        )
        .expect("write");
        let j = Journaled::read(&files.journal).expect("read");
        assert_eq!(j.started.as_deref(), Some("2024-02-15T10:00:00Z"));
        assert_eq!(j.sent, 500);
        assert_eq!(j.outcome, None, "a cut line is no end");
        assert!(!j.resumable(), "no values kept");
        std::fs::write(&files.values, "{}").expect("values");
        assert!(j.resumable());
        let found = to_resume(dir.path(), "malaria", None).expect("found");
        assert_eq!(found.files.journal, files.journal);
        assert!(to_resume(dir.path(), "tb", None).is_err());
    }
}
