//! "Did you mean" suggestions for near-miss codes, config keys and rule names.

use std::fmt;

/// Why a candidate is close to what was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Closeness {
    /// Differs only by surrounding or inner whitespace.
    Whitespace,
    /// Differs only by letter case.
    Case,
    /// A few edits apart (Levenshtein distance, case-insensitive).
    Edits(usize),
    /// The same words but one (`ANC_1ST_VISIT_OS` and `ANC_1ST_VISIT`).
    Token,
}

impl fmt::Display for Closeness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Closeness::Whitespace => f.write_str("differs only in whitespace"),
            Closeness::Case => f.write_str("differs only in letter case"),
            Closeness::Edits(1) => f.write_str("1 character apart"),
            Closeness::Edits(n) => write!(f, "{n} characters apart"),
            Closeness::Token => f.write_str("one word apart"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss<'a> {
    pub candidate: &'a str,
    pub closeness: Closeness,
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// What was written, in the forms every comparison needs (computed once for many
/// candidates: tens of thousands of codes at national scale).
struct Written<'a> {
    raw: &'a str,
    squeezed: String,
    has_space: bool,
    lower: String,
    chars: usize,
    limit: usize,
    /// The code with one of its words left out (when two or more words remain).
    minus_one: Vec<String>,
    /// Where a word could be put in: 0, each separator, the end (two words or more).
    gaps: Vec<usize>,
}

impl<'a> Written<'a> {
    fn new(raw: &'a str) -> Self {
        let chars = raw.chars().count();
        Written {
            raw,
            squeezed: squeeze(raw),
            has_space: raw.chars().any(char::is_whitespace),
            lower: raw.to_lowercase(),
            chars,
            limit: (chars / 5).clamp(1, 3),
            minus_one: minus_one(raw),
            gaps: gaps(raw),
        }
    }

    /// `candidate` is this code with one word more or less (letter case aside).
    fn one_word_apart(&self, candidate: &str) -> bool {
        if candidate.len() < self.raw.len() {
            return self
                .minus_one
                .iter()
                .any(|m| m.eq_ignore_ascii_case(candidate));
        }
        let (raw, n) = (self.raw, candidate.len());
        self.gaps.iter().any(|&p| {
            let (prefix, suffix) = raw.split_at(p);
            let Some(mid) = n
                .checked_sub(suffix.len())
                .filter(|&end| end > p)
                .and_then(|end| candidate.get(p..end))
            else {
                return false;
            };
            let fits = candidate
                .get(..p)
                .is_some_and(|c| c.eq_ignore_ascii_case(prefix))
                && candidate
                    .get(n - suffix.len()..)
                    .is_some_and(|c| c.eq_ignore_ascii_case(suffix));
            // The word put in, with its separator on the side that joins it.
            let word = if p == 0 {
                mid.strip_suffix(is_separator)
            } else {
                mid.strip_prefix(is_separator)
            };
            fits && word.is_some_and(|w| !w.is_empty() && !w.contains(is_separator))
        })
    }

    fn closeness(&self, candidate: &str) -> Option<Closeness> {
        if self.raw == candidate {
            return None;
        }
        // Without whitespace on either side, squeezing changes nothing.
        if (self.has_space || candidate.chars().any(char::is_whitespace))
            && self.squeezed == squeeze(candidate)
        {
            return Some(Closeness::Whitespace);
        }
        if self.raw.eq_ignore_ascii_case(candidate)
            || (!(self.raw.is_ascii() && candidate.is_ascii())
                && self.lower == candidate.to_lowercase())
        {
            return Some(Closeness::Case);
        }
        if self.chars.abs_diff(candidate.chars().count()) <= self.limit {
            let d = strsim::levenshtein(&self.lower, &candidate.to_lowercase());
            if d <= self.limit {
                return Some(Closeness::Edits(d));
            }
        }
        // One word more or less: one separator more or less (counted without a copy),
        // and the first or the last word shared.
        let seps = |s: &str| s.bytes().filter(|b| SEPARATORS.contains(b)).count();
        if seps(self.raw).abs_diff(seps(candidate)) != 1 {
            return None;
        }
        self.one_word_apart(candidate).then_some(Closeness::Token)
    }
}

const SEPARATORS: &[u8] = b"_- ./";

fn is_separator(c: char) -> bool {
    matches!(c, '_' | '-' | ' ' | '.' | '/')
}

/// A code with each of its words left out in turn, when two words or more remain.
fn minus_one(raw: &str) -> Vec<String> {
    let words: Vec<&str> = raw.split(is_separator).collect();
    if words.len() < 3 || words.iter().any(|w| w.is_empty()) {
        return Vec::new();
    }
    let sep = raw
        .chars()
        .find(|&c| is_separator(c))
        .map_or("_".to_string(), |c| c.to_string());
    (0..words.len())
        .map(|skip| {
            words
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, w)| *w)
                .collect::<Vec<_>>()
                .join(&sep)
        })
        .collect()
}

/// Where a word could be put into a code of two words or more.
fn gaps(raw: &str) -> Vec<usize> {
    let seps: Vec<usize> = raw
        .char_indices()
        .filter(|(_, c)| is_separator(*c))
        .map(|(i, _)| i)
        .collect();
    if seps.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0];
    out.extend(seps);
    out.push(raw.len());
    out
}

/// How close `candidate` is to `written`, if close enough to suggest.
pub fn closeness(written: &str, candidate: &str) -> Option<Closeness> {
    Written::new(written).closeness(candidate)
}

/// The closest candidates, best first, at most `max`.
pub fn near_misses<'a>(
    written: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<NearMiss<'a>> {
    let w = Written::new(written);
    let mut found: Vec<NearMiss<'a>> = candidates
        .into_iter()
        .filter_map(|c| {
            w.closeness(c).map(|closeness| NearMiss {
                candidate: c,
                closeness,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        a.closeness
            .cmp(&b.closeness)
            .then(a.candidate.cmp(b.candidate))
    });
    found.dedup_by(|a, b| a.candidate == b.candidate);
    found.truncate(max);
    found
}

/// The single best suggestion for a misspelt key or name (looser than for codes:
/// keys are short and users mistype them freely).
pub fn did_you_mean<'a>(
    written: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&written.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_rank_whitespace_then_case_then_edits() {
        let codes = [
            "TB_COHORT_PBC_RIF_S",
            "tb_cohort_pcd_rif_s",
            "TB_COHORT_PCD_RIF_S ",
            "UNRELATED",
        ];
        let found = near_misses("TB_COHORT_PCD_RIF_S", codes, 5);
        assert_eq!(
            found
                .iter()
                .map(|n| (n.candidate, n.closeness))
                .collect::<Vec<_>>(),
            vec![
                ("TB_COHORT_PCD_RIF_S ", Closeness::Whitespace),
                ("tb_cohort_pcd_rif_s", Closeness::Case),
                ("TB_COHORT_PBC_RIF_S", Closeness::Edits(2)),
            ]
        );
    }

    #[test]
    fn a_code_with_one_word_more_or_less_is_near() {
        assert_eq!(
            closeness("MAL_CASES_CONFIRMED", "MAL_CASES"),
            Some(Closeness::Token)
        );
        assert_eq!(
            closeness("ANC_VISIT", "ANC_1ST_VISIT"),
            Some(Closeness::Token)
        );
        // One shared word is not enough; two words more is not one word apart.
        assert_eq!(closeness("MAL_CONFIRMED", "MAL"), None);
        assert_eq!(closeness("MAL_CASES_NEW_CONFIRMED", "MAL_CASES"), None);
    }

    #[test]
    fn far_codes_are_not_suggested() {
        assert!(near_misses("TB_NEW_EPISODES_PBC_Q", ["TB_LAB_CULTURE_TESTS"], 3).is_empty());
        assert_eq!(closeness("ABC", "ABC"), None);
    }

    #[test]
    fn did_you_mean_keys() {
        assert_eq!(
            did_you_mean("atribute", ["attribute", "programs"]),
            Some("attribute")
        );
        assert_eq!(did_you_mean("zzz", ["attribute", "programs"]), None);
    }
}
