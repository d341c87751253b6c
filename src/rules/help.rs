//! Help texts shared by the resolution rules: the value under another id scheme,
//! near-miss codes, renamed data elements.

use crate::catalog::Collection;
use crate::idscheme::IdScheme;
use crate::model::Identifiable;
use crate::suggest::near_misses;

/// How many near misses a help line names.
const MAX_SUGGESTIONS: usize = 3;

/// What to tell a user whose `value` did not resolve under `scheme` among `objects`.
/// `kind` is a human noun ("data element"), `scheme_key` the config key that sets the
/// scheme. Returns the hint sentences (without the final "how to fix").
pub fn unresolved_hints<T: Identifiable>(
    objects: &Collection<T>,
    scheme: &IdScheme,
    value: &str,
    kind: &str,
    scheme_key: &str,
) -> Vec<String> {
    let mut hints = Vec::new();
    for (other, i) in objects.other_schemes(scheme, value) {
        let o = &objects[i];
        let what = match &other {
            IdScheme::Uid => "the UID".to_string(),
            IdScheme::Code => "the code".to_string(),
            IdScheme::Attribute(a) => format!("the value of attribute {a}"),
        };
        let under_job = match (scheme, o.code()) {
            (IdScheme::Code, Some(code)) => format!("write its code `{code}` or "),
            (IdScheme::Uid, _) => format!("write its UID `{}` or ", o.id()),
            _ => String::new(),
        };
        hints.push(format!(
            "`{value}` is {what} of {kind} \"{}\" ({}), which would match under the {other} scheme; this job resolves by {scheme}: {under_job}set `mapping.{scheme_key} = \"{other}\"`",
            o.name(),
            o.id()
        ));
    }
    if hints.is_empty() {
        let close = near_misses(value, objects.keys(scheme), MAX_SUGGESTIONS);
        if !close.is_empty() {
            let list: Vec<String> = close
                .iter()
                .map(|n| {
                    let name = objects
                        .resolve(scheme, n.candidate)
                        .map(|i| objects[i].name())
                        .unwrap_or("");
                    format!("`{}` \"{name}\" ({})", n.candidate, n.closeness)
                })
                .collect();
            hints.push(format!("closest: {}", list.join(", ")));
        }
    }
    hints
}

/// Name a list of objects for a message: first few, then "and N more".
pub fn list_some(names: &[String], max: usize) -> String {
    if names.len() <= max {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..max].join(", "), names.len() - max)
    }
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
