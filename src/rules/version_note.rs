//! What version-aware rules say when the target's version is not known.

use crate::diagnostic::Finding;
use crate::rule_id::RuleId;

/// The latest DHIS2 version t2a knows (what an unknown target is taken for).
pub const LATEST: &str = "2.43";

/// The one note of a version-aware rule that assumed the latest version: how many
/// objects it would name on an older target, and how to say the version.
pub fn assumed_latest(rule: &'static RuleId, would: usize, one: &str, many: &str) -> Finding {
    let named = super::help::plural(would, one, many);
    Finding::note(
        rule,
        format!(
            "the target's DHIS2 version is unknown: assumed {LATEST} or later, where this does not bite; on 2.42 or older it would name {named}"
        ),
        "set `dhis2_version` in [target] (e.g. \"2.41.4\"), or check against the live target or a `t2a snapshot` of it, which records its version",
    )
}
