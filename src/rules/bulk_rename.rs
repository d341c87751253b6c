//! Bulk renames: several unknown codes that each match a target code under one
//! substitution of words (`*_DOSES` -> `*_ADMINISTERED`, `OLD_*` -> `NEW_*`), the sign
//! of a renaming done in the target and not in the program indicators.

use std::collections::BTreeMap;

/// One substitution of words and the code pairs it explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substitution {
    /// `_DOSES` -> `_ADMINISTERED` (at the end), or `OLD_` -> `NEW_` (at the start).
    pub from: String,
    pub to: String,
    pub at_end: bool,
    /// (unknown code, target code), sorted.
    pub pairs: Vec<(String, String)>,
}

impl Substitution {
    pub fn pattern(&self) -> String {
        if self.at_end {
            format!("`*{}` → `*{}`", self.from, self.to)
        } else {
            format!("`{}*` → `{}*`", self.from, self.to)
        }
    }
}

fn words(s: &str) -> Vec<&str> {
    s.split('_').collect()
}

/// The words of a part, joined back with the separators it stood between.
fn join(ws: &[&str], leading: bool) -> String {
    if ws.is_empty() {
        return String::new();
    }
    let body = ws.join("_");
    if leading {
        format!("_{body}")
    } else {
        format!("{body}_")
    }
}

/// The substitutions that explain at least two unknown codes, largest first. A code
/// counts for a substitution only with one target code under it.
pub fn substitutions<'a>(
    unknown: &[&'a str],
    codes: impl Iterator<Item = &'a str>,
) -> Vec<Substitution> {
    // The target codes by their first word and by their last two: a substitution keeps
    // one of them, so only those are compared (20k codes at national scale).
    let split: Vec<(&str, Vec<&str>)> = codes.map(|c| (c, words(c))).collect();
    let mut by_head: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    let mut by_tail: std::collections::HashMap<(&str, &str), Vec<usize>> = Default::default();
    for (i, (_, w)) in split.iter().enumerate() {
        by_head.entry(w[0]).or_default().push(i);
        if let [.., a, b] = w.as_slice() {
            by_tail.entry((*a, *b)).or_default().push(i);
        }
    }
    // (at_end, from, to) -> pairs
    let mut found: BTreeMap<(bool, String, String), Vec<(String, String)>> = BTreeMap::new();
    for &u in unknown {
        let wu = words(u);
        let mut candidates: Vec<usize> = by_head.get(wu[0]).cloned().unwrap_or_default();
        if let [.., a, b] = wu.as_slice() {
            candidates.extend(by_tail.get(&(*a, *b)).into_iter().flatten());
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut mine: BTreeMap<(bool, String, String), Vec<String>> = BTreeMap::new();
        for &ci in &candidates {
            let (c, wc) = (split[ci].0, &split[ci].1);
            let head = wu.iter().zip(wc).take_while(|(a, b)| a == b).count();
            let tail = wu
                .iter()
                .rev()
                .zip(wc.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            // A local change: one or two words swapped, dropped or added.
            let local = |a: usize, b: usize| a <= 2 && b <= 2 && a + b > 0;
            if head >= 1
                && head < wu.len().max(wc.len())
                && local(wu.len() - head, wc.len() - head)
                && head + tail.min(wu.len() - head) >= 2
            {
                let key = (true, join(&wu[head..], true), join(&wc[head..], true));
                mine.entry(key).or_default().push(c.to_string());
            } else if tail >= 2 && local(wu.len() - tail, wc.len() - tail) {
                let key = (
                    false,
                    join(&wu[..wu.len() - tail], false),
                    join(&wc[..wc.len() - tail], false),
                );
                mine.entry(key).or_default().push(c.to_string());
            }
        }
        for (key, targets) in mine {
            if let [only] = targets.as_slice() {
                found
                    .entry(key)
                    .or_default()
                    .push((u.to_string(), only.clone()));
            }
        }
    }
    let mut out: Vec<Substitution> = found
        .into_iter()
        .filter(|(_, pairs)| pairs.len() >= 2)
        .map(|((at_end, from, to), mut pairs)| {
            pairs.sort();
            Substitution {
                from,
                to,
                at_end,
                pairs,
            }
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.pairs.len()));
    // A code explained by a larger substitution is not listed again.
    let mut seen: Vec<String> = Vec::new();
    out.retain_mut(|s| {
        s.pairs.retain(|(u, _)| !seen.contains(u));
        seen.extend(s.pairs.iter().map(|(u, _)| u.clone()));
        s.pairs.len() >= 2
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renaming_of_many_codes_is_one_substitution() {
        let target = [
            "EPI_BCG_ADMINISTERED",
            "EPI_OPV0_ADMINISTERED",
            "EPI_MR1_ADMINISTERED",
            "EPI_MR1_DOSES_OLD",
            "MAL_CASES",
        ];
        let unknown = [
            "EPI_BCG_DOSES",
            "EPI_OPV0_DOSES",
            "EPI_MR1_DOSES",
            "MAL_DEATHS",
        ];
        let subs = substitutions(&unknown, target.iter().copied());
        assert_eq!(subs.len(), 1, "{subs:?}");
        let s = &subs[0];
        assert_eq!(s.pattern(), "`*_DOSES` → `*_ADMINISTERED`");
        assert_eq!(
            s.pairs,
            [
                (
                    "EPI_BCG_DOSES".to_string(),
                    "EPI_BCG_ADMINISTERED".to_string()
                ),
                (
                    "EPI_MR1_DOSES".to_string(),
                    "EPI_MR1_ADMINISTERED".to_string()
                ),
                (
                    "EPI_OPV0_DOSES".to_string(),
                    "EPI_OPV0_ADMINISTERED".to_string()
                ),
            ]
        );
    }

    #[test]
    fn one_code_is_no_pattern() {
        let subs = substitutions(&["MAL_CASES_CONFIRMED"], ["MAL_CASES"].into_iter());
        assert!(subs.is_empty());
    }
}
