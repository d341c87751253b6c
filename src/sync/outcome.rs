//! How a run ends: the outcome's stable name, its exit code and its words.

use serde::Serialize;

/// How a run ended. Names are stable (JSON log and run report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Values were imported.
    Synced,
    /// The target already holds every value.
    NothingToChange,
    /// `--dry-run`: the server-side dry run passed; nothing written.
    DryRun,
    /// `--out`: the verified values were written to a file.
    Written,
    CheckFailed,
    AnalyticsStale,
    AnalyticsFailed,
    VerifyFailed,
    Conflicts,
    /// The user answered no at the confirmation.
    Declined,
    /// Ctrl-C or SIGTERM: stopped between requests (`--resume` continues).
    Interrupted,
    /// A remote or input failure.
    Failed,
}

impl Outcome {
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            Outcome::Synced | Outcome::NothingToChange | Outcome::DryRun | Outcome::Written
        )
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Synced | Outcome::NothingToChange | Outcome::DryRun | Outcome::Written => 0,
            Outcome::Failed => 3,
            Outcome::Interrupted => crate::interrupt::EXIT_INTERRUPTED,
            _ => 1,
        }
    }
}

pub fn outcome_text(o: Outcome) -> &'static str {
    match o {
        Outcome::Synced => "synced",
        Outcome::NothingToChange => "nothing to change",
        Outcome::DryRun => "dry run passed, nothing written",
        Outcome::Written => "verified values written to file",
        Outcome::CheckFailed => "check failed, nothing written",
        Outcome::AnalyticsStale => "analytics too old, nothing written",
        Outcome::AnalyticsFailed => "analytics run failed, nothing written",
        Outcome::VerifyFailed => "export failed verification, nothing written",
        Outcome::Conflicts => "import conflicts",
        Outcome::Declined => "declined, nothing written",
        Outcome::Interrupted => "interrupted",
        Outcome::Failed => "failed",
    }
}
