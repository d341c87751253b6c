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

/// Where the run report goes.
#[derive(Debug, Clone)]
pub enum ReportAt {
    /// `--report FILE`: exactly there.
    Exact(PathBuf),
    /// `sync.report` filled in for this run: made unique with `-2`, `-3`….
    Template(PathBuf),
}

fn suffixed(path: &Path, n: u32, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    if n > 1 {
        s.push(format!("-{n}"));
    }
    s.push(ext);
    PathBuf::from(s)
}

impl RunFiles {
    /// Names for a new run: the journal and kept values in `state_dir` as
    /// `{job}-{time}`, else `{job}-{time}-2`… so that runs within one second never
    /// overwrite each other (the journal is created at once, atomically, which reserves
    /// the name); the report where `report` says, with the same suffix.
    pub fn reserve(
        state_dir: &Path,
        job: &str,
        time: &str,
        report_at: &ReportAt,
    ) -> std::io::Result<RunFiles> {
        std::fs::create_dir_all(state_dir)?;
        let stem = state_dir.join(format!("{job}-{time}"));
        let mut n = 1;
        loop {
            let report = match report_at {
                ReportAt::Exact(p) => p.clone(),
                ReportAt::Template(p) => suffixed(&p.with_extension(""), n, ".json"),
            };
            let journal = suffixed(&stem, n, ".journal.jsonl");
            let taken = matches!(report_at, ReportAt::Template(_)) && report.exists();
            if !taken {
                match OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&journal)
                {
                    Ok(_) => {
                        return Ok(RunFiles {
                            report,
                            values: suffixed(&stem, n, ".values.json"),
                            journal,
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(e),
                }
            }
            n += 1;
        }
    }

    /// The files of a journal (its report is named in the journal itself).
    pub fn of_journal(journal: &Path) -> RunFiles {
        let name = journal.to_string_lossy();
        let stem = name.strip_suffix(".journal.jsonl").unwrap_or(&name);
        RunFiles {
            report: PathBuf::from(format!("{stem}.json")),
            journal: journal.to_path_buf(),
            values: PathBuf::from(format!("{stem}.values.json")),
        }
    }
}

/// The folder of a job's lock and of its runs' journals: the fixed part of the report
/// template (`t2a-reports/` of `t2a-reports/{job}-{time}.json`), relative to the config
/// file's folder; that folder itself when the template has no folder or reports are off.
pub fn state_dir(template: &str, config_dir: &Path) -> PathBuf {
    let fixed = &template[..template.find('{').unwrap_or(template.len())];
    let dir = match fixed.rfind(['/', '\\']) {
        Some(i) => &fixed[..i],
        None => "",
    };
    if dir.is_empty() {
        config_dir.to_path_buf()
    } else if Path::new(dir).is_absolute() {
        PathBuf::from(dir)
    } else {
        config_dir.join(dir)
    }
}

/// What a journal says of its run.
#[derive(Debug, Clone)]
pub struct Journaled {
    pub files: RunFiles,
    pub job: Option<String>,
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
            job: None,
            started: None,
            outcome: None,
            sent: 0,
        };
        for line in BufReader::new(f).split(b'\n') {
            let Ok(e) = serde_json::from_slice::<Value>(&line?) else {
                // A line cut short by a crash (or a full disk) ends what can be read.
                break;
            };
            match e["event"].as_str() {
                Some("start") => {
                    j.started = e["time"].as_str().map(str::to_string);
                    j.job = e["job"].as_str().map(str::to_string);
                }
                Some("chunk") if e["dryRun"] == false => {
                    j.sent += e["values"].as_u64().unwrap_or(0);
                }
                Some("end") => {
                    j.outcome = e["outcome"].as_str().map(str::to_string);
                    if let Some(r) = e["report"].as_str() {
                        j.files.report = PathBuf::from(r);
                    }
                }
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

/// The run of `job` to resume: `given`, else the newest resumable run of the job in
/// `dir` (by what its journal records, not by its file name).
pub fn to_resume(dir: &Path, job: &str, given: Option<&Path>) -> Result<Journaled, Error> {
    let unreadable = |p: &Path, e: std::io::Error| {
        Error::usage(
            format!("cannot read the journal `{}`: {e}", p.display()),
            None,
        )
    };
    let j = match given {
        Some(p) => Journaled::read(p).map_err(|e| unreadable(p, e))?,
        None => {
            let mut runs: Vec<Journaled> = journals(dir)
                .into_iter()
                .filter_map(|p| Journaled::read(&p).ok())
                .filter(|j| j.job.as_deref() == Some(job))
                .collect();
            runs.sort_by(|a, b| a.started.cmp(&b.started));
            match runs.iter().rev().find(|j| j.resumable()) {
                Some(j) => j.clone(),
                None => {
                    let last = runs.last().map_or(String::new(), |j| {
                        format!(
                            " (its last run, {}, ended {})",
                            j.started.as_deref().unwrap_or("?"),
                            j.outcome.as_deref().unwrap_or("without an end")
                        )
                    });
                    return Err(Error::usage(
                        format!(
                            "job `{job}` has no interrupted or failed run with kept values to resume in {}{last}: there is nothing to resume",
                            dir.display()
                        ),
                        Some("run the sync without --resume (a plain run is always safe: what landed is found unchanged)".to_string()),
                    ));
                }
            }
        }
    };
    if j.job.as_deref().is_some_and(|other| other != job) {
        return Err(Error::usage(
            format!(
                "the journal `{}` is of job `{}`, not `{job}`",
                j.files.journal.display(),
                j.job.as_deref().unwrap_or("")
            ),
            Some("resume a run with the job's own config".to_string()),
        ));
    }
    if !j.resumable() {
        return Err(Error::usage(
            format!(
                "the run of `{}` ended {} with no values kept: there is nothing to resume",
                j.files.journal.display(),
                j.outcome.as_deref().unwrap_or("without an end")
            ),
            Some("run the sync without --resume (a plain run is always safe: what landed is found unchanged)".to_string()),
        ));
    }
    Ok(j)
}

fn journals(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(".journal.jsonl"))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_within_one_second_get_names_of_their_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("runs");
        let at = ReportAt::Template(state.join("malaria-20240215T101010.json"));
        let a = RunFiles::reserve(&state, "malaria", "20240215T101010", &at).expect("first");
        std::fs::write(&a.report, "{}").expect("report");
        let b = RunFiles::reserve(&state, "malaria", "20240215T101010", &at).expect("second");
        assert_eq!(a.report, state.join("malaria-20240215T101010.json"));
        assert_eq!(b.report, state.join("malaria-20240215T101010-2.json"));
        assert_eq!(
            b.journal,
            state.join("malaria-20240215T101010-2.journal.jsonl")
        );
        assert!(a.journal.exists() && b.journal.exists());
        assert_eq!(RunFiles::of_journal(&b.journal).values, b.values);
        // A report given on the command line is used as given; the journal stays unique.
        let exact = ReportAt::Exact(dir.path().join("latest.json"));
        let c = RunFiles::reserve(&state, "malaria", "20240215T101010", &exact).expect("third");
        assert_eq!(c.report, dir.path().join("latest.json"));
        assert_eq!(
            c.journal,
            state.join("malaria-20240215T101010-3.journal.jsonl")
        );
    }

    #[test]
    fn the_state_folder_is_the_fixed_part_of_the_report_template() {
        let cfg = Path::new("/jobs");
        assert_eq!(
            state_dir("t2a-reports/{job}-{time}.json", cfg),
            cfg.join("t2a-reports")
        );
        assert_eq!(
            state_dir("reports/{time}/{job}.json", cfg),
            cfg.join("reports")
        );
        assert_eq!(
            state_dir("/var/log/t2a/{job}.json", cfg),
            PathBuf::from("/var/log/t2a")
        );
        assert_eq!(state_dir("report.json", cfg), cfg.to_path_buf());
        assert_eq!(state_dir("", cfg), cfg.to_path_buf());
    }

    fn write_run(dir: &Path, job: &str, time: &str, lines: &[&str], values: bool) -> RunFiles {
        let at = ReportAt::Template(dir.join(format!("{job}-{time}.json")));
        let f = RunFiles::reserve(dir, job, time, &at).expect("reserve");
        std::fs::write(&f.journal, lines.join("\n")).expect("journal");
        if values {
            std::fs::write(&f.values, "{}").expect("values");
        }
        f
    }

    #[test]
    fn a_journal_tells_how_its_run_ended_and_resume_takes_the_newest_of_the_job() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let start =
            |job: &str, t: &str| format!(r#"{{"event":"start","job":"{job}","time":"{t}"}}"#);
        let a = write_run(
            d,
            "malaria",
            "1",
            &[
                &start("malaria", "2024-02-15T10:00:00Z"),
                r#"{"event":"chunk","dryRun":true,"values":500}"#,
                r#"{"event":"chunk","dryRun":false,"values":500}"#,
                r#"{"event":"end","outc"#,
            ],
            true,
        );
        // Cut inside a character, too.
        let mut cut = std::fs::read(&a.journal).expect("journal");
        cut.extend_from_slice(&[0xE2, 0x82]);
        std::fs::write(&a.journal, cut).expect("journal");
        let j = Journaled::read(&a.journal).expect("read");
        assert_eq!(j.started.as_deref(), Some("2024-02-15T10:00:00Z"));
        assert_eq!(
            (j.sent, j.outcome.as_deref()),
            (500, None),
            "a cut line is no end"
        );
        assert!(j.resumable());
        // A newer run of another job whose name starts alike is not this job's.
        write_run(
            d,
            "malaria-kids",
            "2",
            &[&start("malaria-kids", "2024-02-16T10:00:00Z")],
            true,
        );
        // A newer run of the job that stopped before keeping values does not hide it.
        write_run(
            d,
            "malaria",
            "3",
            &[
                &start("malaria", "2024-02-17T10:00:00Z"),
                r#"{"event":"end","outcome":"interrupted"}"#,
            ],
            false,
        );
        let found = to_resume(d, "malaria", None).expect("found");
        assert_eq!(found.files.journal, a.journal);
        let kids = to_resume(d, "malaria-kids", None).expect("kids");
        assert!(
            kids.files
                .journal
                .to_string_lossy()
                .contains("malaria-kids-2")
        );
        assert!(to_resume(d, "tb", None).is_err());
        let other = to_resume(d, "tb", Some(&a.journal)).expect_err("another job's journal");
        assert!(other.to_string().contains("of job `malaria`"), "{other}");
    }
}
