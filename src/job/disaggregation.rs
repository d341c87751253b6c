//! 2.42+ disaggregated program indicators (dhis2-api.md §12.5).
//!
//! A PI whose `categoryCombo` or `attributeCombo` is not the default exports one value
//! per option combo that its category mappings reach, under the COC/AOC UIDs *of the
//! source* (no id scheme translates them), instead of the fixed
//! `aggregateExport*OptionCombo`. DHIS2 validates the mappings only when the export runs
//! (`ProgramCategoryMappingValidator`, E4071–E4074), and then the whole request fails.
//! This module works out, from the source alone, what such a PI exports and what will
//! stop it; the rules `disaggregation-mapping-invalid` and
//! `disaggregation-combo-mismatch` report it.

use rustc_hash::FxHashSet;

use crate::catalog::Catalog;
use crate::idscheme::IdScheme;
use crate::model::{Identifiable, Program, ProgramCategoryMapping, ProgramIndicator, Ref};

/// The UID DHIS2 gives the default category combo on every instance (set by the
/// bootstrap), so a file without the combo still tells the default apart.
const DEFAULT_COMBO_UID: &str = "bjDvmb4bfuf";

/// Which option combo a side exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SideKind {
    /// `categoryCombo`: category option combos.
    Coc,
    /// `attributeCombo`: attribute option combos.
    Aoc,
}

impl SideKind {
    pub fn field(self) -> &'static str {
        match self {
            SideKind::Coc => "categoryCombo",
            SideKind::Aoc => "attributeCombo",
        }
    }

    pub fn what(self) -> &'static str {
        match self {
            SideKind::Coc => "category option combo",
            SideKind::Aoc => "attribute option combo",
        }
    }
}

/// One disaggregated side of a PI.
#[derive(Debug, Clone)]
pub struct Side {
    pub kind: SideKind,
    /// The combo's UID as the PI names it.
    pub combo: String,
    /// The combo in the source (`None`: the source does not hold it).
    pub source_combo: Option<usize>,
    /// Source UIDs of the option combos it can export: those of the combo whose every
    /// option has an option mapping among the PI's mappings. Sorted.
    pub exported: Vec<String>,
    /// Whether the source lists the options of every option combo of the combo (when
    /// not, every option combo counts as exported).
    pub options_known: bool,
    /// The combo's option combos it never exports (no mapping reaches their options).
    pub unreached: Vec<String>,
    /// Each exported UID in the target (matched by UID).
    pub in_target: Vec<Option<usize>>,
}

/// What stops DHIS2 from exporting a disaggregated PI (each ends the whole request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// E4071: a mapping id that is not in the PI's program.
    UnknownMapping(String),
    /// E4072: a mapping names a category the source lacks.
    UnknownCategory { mapping: String, category: String },
    /// E4073: an option mapping names an option the source lacks.
    UnknownOption { mapping: String, option: String },
    /// E4079: one option twice in a mapping.
    DuplicateOption { mapping: String, option: String },
    /// E4074: a category of the PI's combos that none of its mappings covers.
    UnmappedCategory { kind: SideKind, category: String },
    /// Two of the PI's mappings for one needed category: DHIS2 keys them by category
    /// (`Collectors.toMap`) and fails on the second.
    TwoMappingsForCategory {
        category: String,
        mappings: Vec<String>,
    },
    /// An option mapped for a category it is not an option of: a row falling into it has
    /// no option combo ("Couldn't resolve orderedOptionCombo").
    OptionNotInCategory {
        mapping: String,
        option: String,
        category: String,
    },
    /// Two option combos of the PI's combo with the same options: the resolver of option
    /// sets to option combos fails on the second.
    DuplicateOptionCombos { kind: SideKind, cocs: Vec<String> },
    /// The PI's combo is not in the source.
    UnknownCombo { kind: SideKind, combo: String },
    /// The mappings reach no option combo of the combo: every row is dropped.
    NothingExported { kind: SideKind },
}

/// A disaggregated PI: its sides (at least one) and what stops its export.
#[derive(Debug, Clone)]
pub struct Disaggregation {
    pub coc: Option<Side>,
    pub aoc: Option<Side>,
    pub problems: Vec<Problem>,
}

impl Disaggregation {
    pub fn sides(&self) -> impl Iterator<Item = &Side> {
        self.coc.iter().chain(self.aoc.iter())
    }
}

/// Whether a PI's combo reference is the default one (absent, or named `default` in
/// either instance, or the bootstrap UID). Unknown combos count as not default.
fn is_default(source: &Catalog, target: &Catalog, r: Option<&Ref>) -> bool {
    let Some(id) = r.map(|r| r.id.as_str()).filter(|s| !s.is_empty()) else {
        return true;
    };
    if let Some(c) = source.category_combos.get(id) {
        return c.is_default();
    }
    if let Some(c) = target.category_combos.get(id) {
        return c.is_default();
    }
    id == DEFAULT_COMBO_UID
}

/// The disaggregation of a PI, or `None` when both its combos are the default.
pub fn analyse(
    source: &Catalog,
    target: &Catalog,
    pi: &ProgramIndicator,
) -> Option<Disaggregation> {
    let coc_on = !is_default(source, target, pi.category_combo.as_ref());
    let aoc_on = !is_default(source, target, pi.attribute_combo.as_ref());
    if !coc_on && !aoc_on {
        return None;
    }
    let program = pi.program.as_ref().and_then(|p| source.programs.get(&p.id));
    let mut problems = Vec::new();
    let mappings = pi_mappings(pi, program, &mut problems);
    for m in &mappings {
        check_mapping(source, m, &mut problems);
    }
    let side = |kind, r: Option<&Ref>, problems: &mut Vec<Problem>| {
        let combo = r.map(|r| r.id.clone()).unwrap_or_default();
        build_side(source, target, kind, combo, &mappings, problems)
    };
    let coc = coc_on.then(|| side(SideKind::Coc, pi.category_combo.as_ref(), &mut problems));
    let aoc = aoc_on.then(|| side(SideKind::Aoc, pi.attribute_combo.as_ref(), &mut problems));
    Some(Disaggregation { coc, aoc, problems })
}

/// The program's mappings the PI names, in its order (E4071 for those not found).
fn pi_mappings<'a>(
    pi: &ProgramIndicator,
    program: Option<&'a Program>,
    problems: &mut Vec<Problem>,
) -> Vec<&'a ProgramCategoryMapping> {
    let mut out = Vec::new();
    for id in &pi.category_mapping_ids {
        match program.and_then(|p| p.category_mappings.iter().find(|m| &m.id == id)) {
            Some(m) => out.push(m),
            // Without the program in the source nothing can be said.
            None if program.is_none() => {}
            None => problems.push(Problem::UnknownMapping(id.clone())),
        }
    }
    out
}

/// E4072, E4073, E4079 and options of another category, for one mapping.
fn check_mapping(source: &Catalog, m: &ProgramCategoryMapping, problems: &mut Vec<Problem>) {
    let category = source.categories.get(&m.category_id);
    if source.categories.present() && category.is_none() {
        problems.push(Problem::UnknownCategory {
            mapping: m.id.clone(),
            category: m.category_id.clone(),
        });
    }
    let mut seen = FxHashSet::default();
    for om in &m.option_mappings {
        let option = om.option_id.as_str();
        if !seen.insert(option) {
            problems.push(Problem::DuplicateOption {
                mapping: m.id.clone(),
                option: option.to_string(),
            });
        }
        if source.category_options.present() && source.category_options.id(option).is_none() {
            problems.push(Problem::UnknownOption {
                mapping: m.id.clone(),
                option: option.to_string(),
            });
        } else if let Some(c) = category
            && !c.category_options.is_empty()
            && !c.category_options.iter().any(|o| o == option)
        {
            problems.push(Problem::OptionNotInCategory {
                mapping: m.id.clone(),
                option: option.to_string(),
                category: m.category_id.clone(),
            });
        }
    }
}

fn build_side(
    source: &Catalog,
    target: &Catalog,
    kind: SideKind,
    combo: String,
    mappings: &[&ProgramCategoryMapping],
    problems: &mut Vec<Problem>,
) -> Side {
    let source_combo = source.category_combos.id(&combo);
    let mut side = Side {
        kind,
        combo,
        source_combo,
        exported: Vec::new(),
        options_known: true,
        unreached: Vec::new(),
        in_target: Vec::new(),
    };
    let Some(c) = source_combo else {
        problems.push(Problem::UnknownCombo {
            kind,
            combo: side.combo.clone(),
        });
        return side;
    };
    // E4074 and two mappings for one category, over the combo's categories.
    let mut mapped_options: FxHashSet<&str> = FxHashSet::default();
    let mut unmapped = false;
    for cat in source.category_combos[c].categories.iter() {
        if source.categories.get(cat).is_some_and(|c| c.is_default()) {
            continue;
        }
        let of_cat: Vec<&&ProgramCategoryMapping> =
            mappings.iter().filter(|m| m.category_id == cat).collect();
        match of_cat.len() {
            0 => {
                unmapped = true;
                problems.push(Problem::UnmappedCategory {
                    kind,
                    category: cat.to_string(),
                })
            }
            1 => {}
            _ => problems.push(Problem::TwoMappingsForCategory {
                category: cat.to_string(),
                mappings: of_cat.iter().map(|m| m.id.clone()).collect(),
            }),
        }
        for m in of_cat {
            mapped_options.extend(m.option_mappings.iter().map(|o| o.option_id.as_str()));
        }
    }
    // What it exports, and option combos that share their options.
    let mut by_options: rustc_hash::FxHashMap<Vec<&str>, &str> = Default::default();
    for &ci in source.combo_cocs(c) {
        let coc = &source.category_option_combos[ci];
        let mut options: Vec<&str> = coc.category_options.iter().collect();
        if options.is_empty() {
            side.options_known = false;
            side.exported.push(coc.id.clone());
            continue;
        }
        options.sort_unstable();
        if let Some(first) = by_options.insert(options.clone(), coc.id()) {
            problems.push(Problem::DuplicateOptionCombos {
                kind,
                cocs: vec![first.to_string(), coc.id.clone()],
            });
        }
        if options.iter().all(|o| mapped_options.contains(o)) {
            side.exported.push(coc.id.clone());
        } else {
            side.unreached.push(coc.id.clone());
        }
    }
    side.exported.sort_unstable();
    side.unreached.sort_unstable();
    // An unmapped category already says why nothing is reached.
    if side.exported.is_empty() && !side.unreached.is_empty() && !unmapped {
        problems.push(Problem::NothingExported { kind });
    }
    side.in_target = side
        .exported
        .iter()
        .map(|id| target.category_option_combos.id(id))
        .collect();
    side
}

/// How a disaggregated side misses the target data element.
#[derive(Debug, Clone, Default)]
pub struct Misfit {
    /// The PI's combo is none of the combos the target collects the data element with.
    pub combo_mismatch: bool,
    /// Exported UIDs the target does not hold.
    pub missing: Vec<String>,
    /// Exported option combos the target holds, but outside those combos.
    pub outside: Vec<usize>,
    /// Exported option combos with no identifier under the job's COC id scheme (no
    /// code, say): their values cannot be imported under it.
    pub unnamed: Vec<usize>,
}

/// How a side misses the `allowed` combos of the target (the data element's own and
/// overrides for the COC side, the attribute combos of its data sets for the AOC
/// side); `None` when everything it exports lands.
pub fn misfit(
    target: &Catalog,
    allowed: &[usize],
    side: &Side,
    scheme: &IdScheme,
) -> Option<Misfit> {
    let combo_mismatch = !allowed
        .iter()
        .any(|&c| target.category_combos[c].id == side.combo);
    let mut m = Misfit {
        combo_mismatch,
        ..Misfit::default()
    };
    for (uid, found) in side.exported.iter().zip(&side.in_target) {
        match *found {
            None => m.missing.push(uid.clone()),
            Some(c) if !allowed.iter().any(|&k| target.combo_cocs(k).contains(&c)) => {
                m.outside.push(c)
            }
            Some(c)
                if scheme
                    .identifier(&target.category_option_combos[c])
                    .is_none() =>
            {
                m.unnamed.push(c)
            }
            Some(_) => {}
        }
    }
    let fits = !m.combo_mismatch && m.missing.is_empty() && m.outside.is_empty();
    (!fits || !m.unnamed.is_empty()).then_some(m)
}
