//! Blocks bound to the target: each block's data element, the categories and options
//! its tables name, and the option combo each choice of options makes.
//!
//! The rest of t2a (the target rules, the sync plan, verification, reconciliation and
//! import) works on program indicators. A record job therefore gets a source made for
//! it: one stand-in program indicator per (block, option combo) it can write, carrying
//! the block's data element and that combo as a 2.42 PI carries its export fields, and
//! one stand-in program per block whose org units are those its data sets are assigned
//! to. Findings and reports name the block, never the stand-in.

use rustc_hash::FxHashMap;

use super::aggregate::pack;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::config::blocks::AggregateBlock;
use crate::model::{Identifiable, Metadata, Program, ProgramIndicator, Ref};

/// A category named by a block, resolved in the data element's combo.
#[derive(Debug, Clone)]
pub struct BoundCategory {
    /// The target category (`None`: not a category of the combo).
    pub target: Option<usize>,
    /// Per option of the table (config order): the target option, when it is one of the
    /// category's.
    pub options: Vec<Option<usize>>,
}

/// One block, resolved.
#[derive(Debug, Clone, Default)]
pub struct BoundBlock {
    pub de: Option<usize>,
    /// The combo its values are disaggregated by (the data set element's override when
    /// one data set overrides it).
    pub combo: Option<usize>,
    pub categories: Vec<BoundCategory>,
    /// Each choice of options (packed, see `aggregate::pack`) → the option combo.
    pub choices: FxHashMap<u128, usize>,
    /// Per explicit combo: the option combo it names, when it resolves.
    pub explicit: Vec<Option<usize>>,
    /// Categories of the combo the block's tables leave out.
    pub missing_categories: Vec<usize>,
}

/// What a stand-in program indicator stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub block: usize,
    /// The option combo (target index), `None` for the default or one not resolved.
    pub coc: Option<usize>,
    /// The options of the combo, as the block names them (`FEMALE, AGE_0_4`).
    pub options: Vec<String>,
}

/// A record job bound to its target.
#[derive(Debug, Clone, Default)]
pub struct Binding {
    pub blocks: Vec<BoundBlock>,
    /// Per stand-in PI (same index as in the made source, which is sorted by id).
    pub origins: Vec<Origin>,
    /// Per block: its stand-in program's id.
    pub programs: Vec<String>,
}

impl Binding {
    /// The stand-in PI of a block's option combo.
    pub fn pi_of(&self, block: usize, coc: Option<usize>) -> Option<usize> {
        self.origins
            .iter()
            .position(|o| o.block == block && o.coc == coc)
    }
}

/// A stable UID-shaped id for a stand-in (FNV-1a over its parts, base 62).
pub fn stand_in_id(kind: char, parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0x1f]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(11);
    out.push(kind);
    for _ in 0..10 {
        out.push(char::from(DIGITS[(h % 62) as usize]));
        h /= 62;
    }
    out
}

fn by_code_or_name<'a, T: Identifiable + 'a>(
    items: impl Iterator<Item = (usize, &'a T)>,
    key: &str,
) -> Option<usize> {
    let items: Vec<(usize, &T)> = items.collect();
    items
        .iter()
        .find(|(_, t)| t.code() == Some(key))
        .or_else(|| items.iter().find(|(_, t)| t.name() == key))
        .map(|(i, _)| *i)
}

/// The combo a block's values are disaggregated by.
fn combo_of(target: &Catalog, de: usize) -> Option<usize> {
    let combos = target.effective_combos(de);
    match combos.as_slice() {
        [one] => Some(*one),
        [] => None,
        several => target
            .de_combo(de)
            .filter(|c| several.contains(c))
            .or(several.first().copied()),
    }
}

fn bind_block(b: &AggregateBlock, target: &Catalog, config: &Config) -> BoundBlock {
    let mut out = BoundBlock {
        de: target.data_elements.resolve(
            &config.mapping.data_element_id_scheme,
            &b.data_element.value,
        ),
        ..BoundBlock::default()
    };
    out.explicit = b
        .combos
        .iter()
        .map(|c| {
            target.category_option_combos.resolve(
                &config.mapping.category_option_combo_id_scheme,
                &c.category_option_combo.value,
            )
        })
        .collect();
    let Some(de) = out.de else {
        return out;
    };
    out.combo = combo_of(target, de);
    let Some(combo) = out.combo else {
        return out;
    };
    let combo_categories: Vec<usize> = target.category_combos[combo]
        .categories
        .iter()
        .filter_map(|id| target.categories.id(id))
        .collect();
    for c in &b.categories {
        let cat = by_code_or_name(
            combo_categories.iter().map(|&i| (i, &target.categories[i])),
            &c.category.value,
        );
        let options = c
            .options
            .iter()
            .map(|o| {
                let cat = cat?;
                let opts = target.categories[cat]
                    .category_options
                    .iter()
                    .filter_map(|id| target.category_options.id(id));
                by_code_or_name(
                    opts.map(|i| (i, &target.category_options[i])),
                    &o.option.value,
                )
            })
            .collect();
        out.categories.push(BoundCategory {
            target: cat,
            options,
        });
    }
    if b.categories.is_empty() {
        return out;
    }
    out.missing_categories = combo_categories
        .iter()
        .copied()
        .filter(|c| !out.categories.iter().any(|b| b.target == Some(*c)))
        .collect();
    if !out.missing_categories.is_empty() || out.categories.iter().any(|c| c.target.is_none()) {
        return out;
    }
    // Option sets of the combo's option combos → the combo.
    let mut by_options: FxHashMap<Vec<usize>, usize> = FxHashMap::default();
    for &coc in target.combo_cocs(combo) {
        let mut opts: Vec<usize> = target.category_option_combos[coc]
            .category_options
            .iter()
            .filter_map(|id| target.category_options.id(id))
            .collect();
        opts.sort_unstable();
        by_options.insert(opts, coc);
    }
    // Every choice of one resolved option per category.
    let mut choice: Vec<(u16, usize)> = Vec::new();
    walk_choices(&out.categories, 0, &mut choice, &mut |ch| {
        let mut opts: Vec<usize> = ch.iter().map(|(_, o)| *o).collect();
        opts.sort_unstable();
        if let Some(&coc) = by_options.get(&opts) {
            let key: Vec<u16> = ch.iter().map(|(i, _)| *i).collect();
            out.choices.insert(pack(&key), coc);
        }
    });
    out
}

/// One option (table index, target option) per category.
type Choice = [(u16, usize)];

fn walk_choices(
    cats: &[BoundCategory],
    at: usize,
    choice: &mut Vec<(u16, usize)>,
    each: &mut dyn FnMut(&Choice),
) {
    if at == cats.len() {
        return each(choice);
    }
    for (i, o) in cats[at].options.iter().enumerate() {
        if let Some(o) = o {
            choice.push((i as u16, *o));
            walk_choices(cats, at + 1, choice, each);
            choice.pop();
        }
    }
}

/// Whether an org unit is within `sync.org_units`: one of the listed UIDs or below one,
/// at a listed `LEVEL-n` (all when the list is empty).
fn within(target: &Catalog, ou: usize, listed: &[crate::config::Spanned<String>]) -> bool {
    if listed.is_empty() {
        return true;
    }
    let o = &target.organisation_units[ou];
    let path = o.path.as_deref().unwrap_or("");
    let uids: Vec<&str> = listed
        .iter()
        .map(|l| l.value.as_str())
        .filter(|v| crate::idscheme::is_uid(v))
        .collect();
    let levels: Vec<u32> = listed
        .iter()
        .filter_map(|l| l.value.strip_prefix("LEVEL-")?.parse().ok())
        .collect();
    let under = uids.is_empty()
        || uids
            .iter()
            .any(|u| o.id() == *u || path.split('/').any(|p| p == *u));
    let at_level = levels.is_empty() || o.effective_level().is_some_and(|l| levels.contains(&l));
    under && at_level
}

/// Bind the blocks and make the stand-in source.
pub fn bind(config: &Config, target: &Catalog) -> (Binding, Metadata) {
    let blocks: Vec<BoundBlock> = config
        .aggregates
        .iter()
        .map(|b| bind_block(b, target, config))
        .collect();
    let coc_scheme = &config.mapping.category_option_combo_id_scheme;
    let coc_id = |c: usize| {
        coc_scheme
            .identifier(&target.category_option_combos[c])
            .map(str::to_string)
    };
    let mut origins = Vec::new();
    let mut pis = Vec::new();
    let mut programs = Vec::new();
    let mut program_ids = Vec::new();
    for (bi, (b, bound)) in config.aggregates.iter().zip(&blocks).enumerate() {
        let program = stand_in_id('P', &["program", &b.name]);
        program_ids.push(program.clone());
        let mut written: Vec<(Option<usize>, Option<String>, Vec<String>)> = Vec::new();
        if !b.combos.is_empty() {
            for (rule, coc) in b.combos.iter().zip(&bound.explicit) {
                written.push((
                    *coc,
                    Some(rule.category_option_combo.value.clone()),
                    vec![rule.category_option_combo.value.clone()],
                ));
            }
        } else if !b.categories.is_empty() {
            let mut choices: Vec<(&u128, &usize)> = bound.choices.iter().collect();
            choices.sort();
            for (&key, &coc) in choices {
                let names: Vec<String> = (0..b.categories.len())
                    .map(|ci| {
                        let shift = 16 * (b.categories.len() - 1 - ci);
                        let oi = ((key >> shift) & 0xffff) as usize;
                        b.categories[ci].options[oi].option.value.clone()
                    })
                    .collect();
                written.push((Some(coc), coc_id(coc), names));
            }
        } else {
            written.push((None, None, Vec::new()));
        }
        for (coc, coc_written, options) in written {
            let id = stand_in_id('R', &[&b.name, coc_written.as_deref().unwrap_or("")]);
            let name = if options.is_empty() {
                format!("block \"{}\"", b.name)
            } else {
                format!("block \"{}\" ({})", b.name, options.join(", "))
            };
            pis.push(ProgramIndicator {
                id,
                name: Some(name),
                program: Some(Ref::new(program.clone())),
                analytics_type: Some("EVENT".into()),
                aggregation_type: Some("SUM".into()),
                decimals: matches!(b.value, crate::config::blocks::ValueRule::Count).then_some(0),
                aggregate_export_data_element: Some(b.data_element.value.clone()),
                aggregate_export_category_option_combo: coc_written,
                aggregate_export_attribute_option_combo: b
                    .attribute_option_combo
                    .as_ref()
                    .map(|a| a.value.clone()),
                ..ProgramIndicator::default()
            });
            origins.push(Origin {
                block: bi,
                coc,
                options,
            });
        }
        let mut units: Vec<&str> = Vec::new();
        if let Some(de) = bound.de {
            for m in target.memberships(de) {
                units.extend(
                    target
                        .assigned(m.data_set)
                        .ones()
                        .filter(|&ou| within(target, ou, &config.sync.org_units))
                        .map(|ou| target.organisation_units[ou].id()),
                );
            }
        }
        units.sort_unstable();
        units.dedup();
        programs.push(Program {
            id: program,
            name: Some(format!("block \"{}\"", b.name)),
            program_type: Some("WITHOUT_REGISTRATION".into()),
            organisation_units: units.into_iter().collect(),
            ..Program::default()
        });
    }
    // The catalog sorts by id: keep the origins in its order.
    let mut paired: Vec<(ProgramIndicator, Origin)> = pis.into_iter().zip(origins).collect();
    paired.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let (pis, origins): (Vec<_>, Vec<_>) = paired.into_iter().unzip();
    let metadata = Metadata {
        programs: Some(programs),
        program_indicators: Some(pis),
        organisation_units: Some(target.organisation_units.iter().cloned().collect()),
        ..Metadata::default()
    };
    (
        Binding {
            blocks,
            origins,
            programs: program_ids,
        },
        metadata,
    )
}
