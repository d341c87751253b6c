//! What verification and reconciliation look up per value, computed once per run:
//! the planned periods as small indices, each mapping's target key, planned periods and
//! data sets per period type. A million values then cost hash lookups, not scans.

use fixedbitset::FixedBitSet;
use rustc_hash::FxHashMap;

use crate::job::Job;
use crate::period::{Period, PeriodType};

use super::plan::Plan;

/// A data value key in the target: indices into the target's collections (COC and AOC
/// +1, 0 for the default combo) and into the run's periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub de: u32,
    pub coc: u32,
    pub aoc: u32,
    pub period: u16,
    pub ou: u32,
}

impl Key {
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.de.to_le_bytes());
        out.extend_from_slice(&self.coc.to_le_bytes());
        out.extend_from_slice(&self.aoc.to_le_bytes());
        out.extend_from_slice(&self.period.to_le_bytes());
        out.extend_from_slice(&self.ou.to_le_bytes());
    }

    pub fn decode(f: &mut super::journal::Fields<'_>) -> Option<Key> {
        Some(Key {
            de: f.u32()?,
            coc: f.u32()?,
            aoc: f.u32()?,
            period: f.u16()?,
            ou: f.u32()?,
        })
    }

    pub fn coc(&self) -> Option<usize> {
        self.coc.checked_sub(1).map(|c| c as usize)
    }

    pub fn aoc(&self) -> Option<usize> {
        self.aoc.checked_sub(1).map(|c| c as usize)
    }
}

/// A combo index as a key part.
pub fn combo_part(c: Option<usize>) -> u32 {
    c.map_or(0, |c| c as u32 + 1)
}

/// The target of a mapping as key parts: data element, COC, AOC.
pub type Target = (u32, u32, u32);

/// One target of a mapping: the COC and AOC its rows carry (as DHIS2 exports them: the
/// fixed strings of the PI, or for a disaggregated side the option combo's UID), and
/// where they land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub coc: Option<String>,
    pub aoc: Option<String>,
    pub target: Target,
}

/// What a mapping's rows carry, with their targets.
fn sent(t: &crate::catalog::Catalog, m: &crate::job::Mapping) -> Vec<Sent> {
    use crate::job::Combo;
    let written = |c: Combo, fixed: &Option<String>, i: Option<usize>| match c {
        Combo::Disaggregated => i.map(|i| t.category_option_combos[i].id.clone()),
        _ => fixed.clone(),
    };
    m.keys(t)
        .into_iter()
        .map(|(de, coc, aoc)| Sent {
            // The default COC of a disaggregated side is exported under its UID too.
            coc: written(m.target_coc, &m.coc, coc.or(t.default_coc())),
            aoc: written(m.target_aoc, &m.aoc, aoc.or(t.default_coc())),
            target: (de as u32, combo_part(coc), combo_part(aoc)),
        })
        .collect()
}

pub struct Lookups {
    /// The planned periods, sorted, each once.
    pub periods: Vec<Period>,
    pub isos: Vec<String>,
    by_iso: FxHashMap<String, u16>,
    by_period: FxHashMap<Period, u16>,
    /// Per mapping: the periods (indices) it is planned for.
    planned: Vec<FixedBitSet>,
    /// Per mapping: what its rows carry (COC and AOC as exported) and the target each
    /// lands on; one entry, or one per exported option combo of a disaggregated PI.
    pub targets: Vec<Vec<Sent>>,
    /// Target -> the mapping that sends it (the last planned one: the check's duplicate
    /// rule leaves only one when it passes).
    by_target: FxHashMap<Target, usize>,
    /// Per mapping: the data sets holding its data element, per period type.
    data_sets: Vec<Vec<(PeriodType, Vec<usize>)>>,
}

impl Lookups {
    pub fn new(cx: &Job<'_>, plan: &Plan) -> Lookups {
        let t = cx.target;
        let mut periods: Vec<Period> = plan
            .groups
            .iter()
            .flat_map(|g| g.periods.iter().copied())
            .collect();
        periods.sort();
        periods.dedup();
        let isos: Vec<String> = periods.iter().map(Period::iso).collect();
        let by_iso = isos
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u16))
            .collect();
        let by_period: FxHashMap<Period, u16> = periods
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, i as u16))
            .collect();
        let n = cx.mappings.len();
        let mut planned = vec![FixedBitSet::with_capacity(periods.len()); n];
        for g in &plan.groups {
            for &m in &g.mappings {
                for p in &g.periods {
                    planned[m].insert(by_period[p] as usize);
                }
            }
        }
        let targets: Vec<Vec<Sent>> = cx.mappings.iter().map(|m| sent(t, m)).collect();
        // A planned mapping owns its target over one left out that shares it.
        let mut by_target: FxHashMap<Target, usize> = FxHashMap::default();
        for (i, list) in targets.iter().enumerate() {
            for k in list.iter().map(|s| s.target) {
                if !planned[i].is_clear() {
                    by_target.insert(k, i);
                } else {
                    by_target.entry(k).or_insert(i);
                }
            }
        }
        let data_sets = cx
            .mappings
            .iter()
            .map(|m| {
                let mut by_type: Vec<(PeriodType, Vec<usize>)> = Vec::new();
                let Some(de) = m.target_de else {
                    return by_type;
                };
                for ds in cx.graph.data_sets_of(de) {
                    let Some(pt) = t.data_sets[ds].period_type.as_deref() else {
                        continue;
                    };
                    let Ok(pt) = pt.parse::<PeriodType>() else {
                        continue;
                    };
                    match by_type.iter_mut().find(|(p, _)| *p == pt) {
                        Some((_, list)) => list.push(ds),
                        None => by_type.push((pt, vec![ds])),
                    }
                }
                by_type
            })
            .collect();
        Lookups {
            periods,
            isos,
            by_iso,
            by_period,
            planned,
            targets,
            by_target,
            data_sets,
        }
    }

    /// The index of a period as written, if it is a planned period.
    pub fn period(&self, written: &str) -> Option<u16> {
        if let Some(&i) = self.by_iso.get(written) {
            return Some(i);
        }
        Period::parse(written).and_then(|p| self.by_period.get(&p).copied())
    }

    /// Whether a mapping is planned for any period.
    pub fn is_planned_at_all(&self, mapping: usize) -> bool {
        !self.planned[mapping].is_clear()
    }

    pub fn is_planned(&self, mapping: usize, period: u16) -> bool {
        self.planned[mapping].contains(period as usize)
    }

    /// The mapping that sends a target.
    pub fn mapping_of(&self, target: Target) -> Option<usize> {
        self.by_target.get(&target).copied()
    }

    /// The data sets of a mapping's data element with a period type.
    pub fn data_sets(&self, mapping: usize, ptype: PeriodType) -> &[usize] {
        self.data_sets[mapping]
            .iter()
            .find(|(p, _)| *p == ptype)
            .map_or(&[], |(_, l)| &l[..])
    }

    pub fn ptype(&self, period: u16) -> PeriodType {
        self.periods[period as usize].ptype
    }

    /// The key of a value for a target, period and org unit.
    pub fn key(target: Target, period: u16, ou: usize) -> Key {
        let (de, coc, aoc) = target;
        Key {
            de,
            coc,
            aoc,
            period,
            ou: ou as u32,
        }
    }
}
