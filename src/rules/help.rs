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
    unresolved_hints_for(objects, scheme, value, kind, scheme_key, None, None)
}

/// As `unresolved_hints`, near misses limited to `among` (the objects that would be
/// right, such as the option combos of the data element's combo) when given, and
/// equally near ones ranked by how alike their names are to `context` (the program
/// indicator's name).
pub fn unresolved_hints_for<T: Identifiable>(
    objects: &Collection<T>,
    scheme: &IdScheme,
    value: &str,
    kind: &str,
    scheme_key: &str,
    among: Option<&[usize]>,
    context: Option<&str>,
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
        let keys: Vec<&str> = match among {
            Some(ids) => ids
                .iter()
                .filter_map(|&i| match scheme {
                    IdScheme::Code => objects[i].code(),
                    IdScheme::Uid => Some(objects[i].id()),
                    IdScheme::Attribute(_) => None,
                })
                .collect(),
            None => objects.keys(scheme).collect(),
        };
        let mut close = near_misses(value, keys, MAX_SUGGESTIONS * 3);
        if let Some(context) = context {
            let like = |c: &str| {
                let name = objects.resolve(scheme, c).map_or("", |i| objects[i].name());
                strsim::jaro_winkler(&context.to_lowercase(), &name.to_lowercase())
            };
            // Stable: the same closeness, the more alike name first.
            close.sort_by(|a, b| {
                a.closeness
                    .cmp(&b.closeness)
                    .then(like(b.candidate).total_cmp(&like(a.candidate)))
            });
        }
        close.truncate(MAX_SUGGESTIONS);
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
