//! The aggregation engine: records in, one accumulator per (block, option combo, org
//! unit, period) out. Memory holds the cells and the drop counts, never the records.
//!
//! Per record and block: the period date places it (records outside the planned
//! periods are ignored, not dropped); then the block's `where`; then the location, one
//! option per category (or one explicit combo) and the value. A record that passes
//! `where` in a planned period but gets no cell is dropped, with its reason.

use compact_str::CompactString;
use jiff::civil::Date;
use rustc_hash::{FxHashMap, FxHashSet};

use super::fields::{Cell, FieldId};
use super::predicate::Compiled;
use crate::period::{Period, PeriodType};

/// One category of a block's combo: its options' predicates, in the block's order.
#[derive(Debug, Clone)]
pub struct EngineCategory {
    pub options: Vec<Compiled>,
    /// The option that takes what no other does.
    pub else_option: Option<u16>,
}

/// How a record's cell picks its option combo.
#[derive(Debug, Clone)]
pub enum Disaggregation {
    /// One combo (the default, or the block's only COC).
    Single(u32),
    /// One option per category; the combo of those options, packed 16 bits per category
    /// (see `pack`). A choice the map lacks has no combo in the target.
    Categories {
        categories: Vec<EngineCategory>,
        combos: FxHashMap<u128, u32>,
    },
    /// Explicit combos and the records each takes.
    Combos(Vec<(u32, Compiled)>),
}

/// Up to eight option indices as one key.
pub fn pack(choice: &[u16]) -> u128 {
    choice
        .iter()
        .take(8)
        .fold(0u128, |k, &o| (k << 16) | u128::from(o))
}

/// A block compiled for the engine.
#[derive(Debug, Clone)]
pub struct EngineBlock {
    pub filter: Compiled,
    pub period: FieldId,
    pub period_type: PeriodType,
    /// The periods the job sends for this block.
    pub planned: FxHashSet<Period>,
    pub location: FieldId,
    /// `value = { sum = … }`; `None` counts.
    pub sum: Option<FieldId>,
    pub disaggregation: Disaggregation,
    /// The org units its data element's data sets are assigned to (`None`: any).
    pub allowed: Option<fixedbitset::FixedBitSet>,
}

/// Where a location value lands.
pub trait Locate {
    /// The target org unit (index) of a location value.
    fn org_unit(&self, value: &str) -> Option<u32>;
}

impl<F: Fn(&str) -> Option<u32>> Locate for F {
    fn org_unit(&self, value: &str) -> Option<u32> {
        self(value)
    }
}

/// A record's cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    pub block: u32,
    pub combo: u32,
    pub org_unit: u32,
    pub period: Period,
}

/// Up to three record ids, for provenance and diagnostics (ids only, never content).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Examples(pub Vec<CompactString>);

impl Examples {
    fn add(&mut self, id: Option<&str>) {
        if let Some(id) = id
            && self.0.len() < 3
        {
            self.0.push(id.into());
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Acc {
    pub value: f64,
    pub records: u64,
    pub examples: Examples,
}

/// Why a record that passed a block's `where` got no cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Drop {
    /// No value in the period field.
    NoPeriodDate,
    /// No location value.
    NoLocation,
    /// A location value that resolves to no org unit (counted per value too).
    UnmappedLocation,
    /// An org unit the data element's data sets are not assigned to.
    UnassignedOrgUnit(u32),
    /// No option of this category (index) takes it.
    NoOption(u16),
    /// Two options of this category take it: counted twice otherwise.
    TwoOptions(u16, u16, u16),
    /// Its options make no combo of the target's.
    NoCombo,
    /// No explicit combo takes it.
    NoExplicitCombo,
    /// Two explicit combos take it.
    TwoCombos(u32, u32),
    /// `value.sum` has no number.
    NoValue,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dropped {
    pub records: u64,
    pub examples: Examples,
}

/// What the records gave.
#[derive(Debug, Default)]
pub struct Aggregates {
    pub cells: FxHashMap<CellKey, Acc>,
    /// Per block and reason.
    pub dropped: FxHashMap<(u32, Drop), Dropped>,
    /// Per block: location values that resolve to nothing, with their record counts.
    pub unmapped: FxHashMap<(u32, CompactString), Dropped>,
    /// Per block: records in planned periods that passed `where`, and those aggregated.
    pub admitted: Vec<u64>,
    pub aggregated: Vec<u64>,
    /// Records read.
    pub records: u64,
}

/// One classification of a record's history: from, until (`None`: still in force).
pub type Classified = (jiff::Timestamp, Option<jiff::Timestamp>, CompactString);

/// `classification_as_of = "period_end"`: the field to replace and the zone that says
/// when a period ends.
#[derive(Debug, Clone)]
pub struct AsOf {
    pub field: FieldId,
    pub tz: jiff::tz::TimeZone,
}

/// Aggregates records as they are read.
pub struct Engine<'a> {
    blocks: &'a [EngineBlock],
    locate: &'a dyn Locate,
    pub as_of: Option<AsOf>,
    scratch: Vec<Cell>,
    pub out: Aggregates,
    /// Per block: each day's planned period (a few hundred days, read a million times).
    period_cache: Vec<FxHashMap<Date, Option<Period>>>,
    choice: Vec<u16>,
}

impl<'a> Engine<'a> {
    pub fn new(blocks: &'a [EngineBlock], locate: &'a dyn Locate) -> Self {
        Engine {
            blocks,
            locate,
            out: Aggregates {
                admitted: vec![0; blocks.len()],
                aggregated: vec![0; blocks.len()],
                ..Aggregates::default()
            },
            period_cache: vec![FxHashMap::default(); blocks.len()],
            choice: Vec::new(),
            as_of: None,
            scratch: Vec::new(),
        }
    }

    /// One record with its classification history: each block sees the
    /// classification in force at the end of the period the record falls in (the
    /// current one when the history says nothing of that instant).
    pub fn add_classified(&mut self, cells: &[Cell], id: Option<&str>, history: &[Classified]) {
        let Some(as_of) = self.as_of.clone().filter(|_| !history.is_empty()) else {
            return self.add(cells, id);
        };
        self.out.records += 1;
        for (b, block) in self.blocks.iter().enumerate() {
            let Cell::Date(d) = &cells[usize::from(block.period)] else {
                self.add_to(b, block, cells, id);
                continue;
            };
            let Some(p) = self.period_of(b, block, *d) else {
                continue;
            };
            // The last instant of the period: just before the next one starts.
            let end = p
                .end
                .tomorrow()
                .ok()
                .and_then(|next| next.to_zoned_datetime(as_of.tz.clone()).ok())
                .map(|z| z.timestamp() - jiff::SignedDuration::from_millis(1));
            let in_force = end.and_then(|t| {
                history
                    .iter()
                    .find(|(from, until, _)| *from <= t && until.is_none_or(|u| t < u))
            });
            match in_force {
                Some((_, _, token)) => {
                    self.scratch.clear();
                    self.scratch.extend_from_slice(cells);
                    self.scratch[usize::from(as_of.field)] = Cell::Text(token.clone());
                    let scratch = std::mem::take(&mut self.scratch);
                    self.add_to(b, block, &scratch, id);
                    self.scratch = scratch;
                }
                None => self.add_to(b, block, cells, id),
            }
        }
    }

    /// One record: its cells (one per field of the table) and its id.
    pub fn add(&mut self, cells: &[Cell], id: Option<&str>) {
        self.out.records += 1;
        for (b, block) in self.blocks.iter().enumerate() {
            self.add_to(b, block, cells, id);
        }
    }

    fn period_of(&mut self, b: usize, block: &EngineBlock, d: Date) -> Option<Period> {
        *self.period_cache[b].entry(d).or_insert_with(|| {
            Period::containing(block.period_type, d).filter(|p| block.planned.contains(p))
        })
    }

    fn drop(&mut self, b: usize, why: Drop, id: Option<&str>) {
        let d = self.out.dropped.entry((b as u32, why)).or_default();
        d.records += 1;
        d.examples.add(id);
    }

    fn add_to(&mut self, b: usize, block: &EngineBlock, cells: &[Cell], id: Option<&str>) {
        // A block with no planned period counts nothing (and one the static rules
        // fault has placeholder fields that must not be read).
        if block.planned.is_empty() {
            return;
        }
        let period = match &cells[usize::from(block.period)] {
            Cell::Date(d) => match self.period_of(b, block, *d) {
                Some(p) => Some(p),
                None => return,
            },
            _ => None,
        };
        if !block.filter.matches(cells) {
            return;
        }
        self.out.admitted[b] += 1;
        let Some(period) = period else {
            return self.drop(b, Drop::NoPeriodDate, id);
        };
        let org_unit = match &cells[usize::from(block.location)] {
            Cell::Text(loc) => match self.locate.org_unit(loc) {
                Some(ou) => ou,
                None => {
                    let u = self
                        .out
                        .unmapped
                        .entry((b as u32, loc.clone()))
                        .or_default();
                    u.records += 1;
                    u.examples.add(id);
                    return self.drop(b, Drop::UnmappedLocation, id);
                }
            },
            _ => return self.drop(b, Drop::NoLocation, id),
        };
        if let Some(allowed) = &block.allowed
            && !allowed.contains(org_unit as usize)
        {
            return self.drop(b, Drop::UnassignedOrgUnit(org_unit), id);
        }
        let combo = match self.combo_of(block, cells) {
            Ok(c) => c,
            Err(why) => return self.drop(b, why, id),
        };
        let value = match block.sum {
            None => 1.0,
            Some(f) => match &cells[usize::from(f)] {
                Cell::Number(n) => *n,
                _ => return self.drop(b, Drop::NoValue, id),
            },
        };
        self.out.aggregated[b] += 1;
        let acc = self
            .out
            .cells
            .entry(CellKey {
                block: b as u32,
                combo,
                org_unit,
                period,
            })
            .or_default();
        acc.value += value;
        acc.records += 1;
        acc.examples.add(id);
    }

    fn combo_of(&mut self, block: &EngineBlock, cells: &[Cell]) -> Result<u32, Drop> {
        match &block.disaggregation {
            Disaggregation::Single(c) => Ok(*c),
            Disaggregation::Combos(list) => {
                let mut found: Option<u32> = None;
                for (c, p) in list {
                    if p.matches(cells) {
                        if let Some(first) = found {
                            return Err(Drop::TwoCombos(first, *c));
                        }
                        found = Some(*c);
                    }
                }
                found.ok_or(Drop::NoExplicitCombo)
            }
            Disaggregation::Categories { categories, combos } => {
                self.choice.clear();
                for (ci, cat) in categories.iter().enumerate() {
                    let ci = ci as u16;
                    let mut found: Option<u16> = None;
                    for (oi, p) in cat.options.iter().enumerate() {
                        let oi = oi as u16;
                        if Some(oi) == cat.else_option || !p.matches(cells) {
                            continue;
                        }
                        if let Some(first) = found {
                            return Err(Drop::TwoOptions(ci, first, oi));
                        }
                        found = Some(oi);
                    }
                    match found.or(cat.else_option) {
                        Some(o) => self.choice.push(o),
                        None => return Err(Drop::NoOption(ci)),
                    }
                }
                combos
                    .get(&pack(&self.choice))
                    .copied()
                    .ok_or(Drop::NoCombo)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Spanned;
    use crate::config::blocks::{FieldTest, Predicate, Scalar, Test};
    use crate::source::fields::{FieldTable, Kind};

    fn eq(field: &str, v: &str) -> Predicate {
        Predicate {
            tests: vec![FieldTest {
                field: Spanned::new(field.into(), 0..0),
                test: Test::OneOf(vec![Spanned::new(Scalar::Str(v.into()), 0..0)]),
                span: 0..0,
            }],
            ..Predicate::default()
        }
    }

    #[test]
    fn records_land_in_cells_or_are_dropped_with_their_reason() {
        let mut f = FieldTable::default();
        let (sex, day, ou) = (
            f.add("sex", Kind::Text),
            f.add("day", Kind::Date),
            f.add("ou", Kind::Text),
        );
        let none: crate::source::predicate::Canonical<'_> = &|_, _| Vec::new();
        let c = |p: &Predicate| Compiled::compile(p, &f, none).expect("compiles");
        let week =
            Period::containing(PeriodType::Weekly, jiff::civil::date(2024, 3, 4)).expect("week");
        let mut combos = FxHashMap::default();
        combos.insert(pack(&[0]), 10);
        combos.insert(pack(&[1]), 11);
        let block = EngineBlock {
            filter: Compiled::default(),
            period: day,
            period_type: PeriodType::Weekly,
            planned: [week].into_iter().collect(),
            location: ou,
            sum: None,
            allowed: None,
            disaggregation: Disaggregation::Categories {
                categories: vec![EngineCategory {
                    // "F" is taken by both the first and the second option: an overlap.
                    options: vec![c(&eq("sex", "F")), c(&eq("sex", "M")), c(&eq("sex", "F"))],
                    else_option: None,
                }],
                combos,
            },
        };
        let blocks = [block];
        let locate = |v: &str| (v == "D1").then_some(7);
        let mut e = Engine::new(&blocks, &locate);
        let rec = |s: &str, d: Option<jiff::civil::Date>, o: &str| {
            let mut cells = vec![Cell::Null; 3];
            cells[usize::from(sex)] = if s.is_empty() {
                Cell::Null
            } else {
                Cell::Text(s.into())
            };
            cells[usize::from(day)] = d.map_or(Cell::Null, Cell::Date);
            cells[usize::from(ou)] = Cell::Text(o.into());
            cells
        };
        let d = Some(jiff::civil::date(2024, 3, 6));
        e.add(&rec("M", d, "D1"), Some("a"));
        e.add(&rec("M", d, "D1"), Some("b"));
        e.add(
            &rec("M", Some(jiff::civil::date(2024, 4, 1)), "D1"),
            Some("later"),
        );
        e.add(&rec("M", None, "D1"), Some("no-date"));
        e.add(&rec("M", d, "D9"), Some("elsewhere"));
        e.add(&rec("", d, "D1"), Some("no-sex"));
        e.add(&rec("F", d, "D1"), Some("twice"));
        let out = e.out;
        assert_eq!(out.records, 7);
        assert_eq!(
            out.admitted[0], 6,
            "the record of a later week is ignored, not dropped"
        );
        assert_eq!(out.aggregated[0], 2);
        let cell = &out.cells[&CellKey {
            block: 0,
            combo: 11,
            org_unit: 7,
            period: week,
        }];
        assert_eq!((cell.value, cell.records), (2.0, 2));
        assert_eq!(cell.examples.0, ["a", "b"]);
        let reasons: Vec<(Drop, u64)> = {
            let mut v: Vec<_> = out
                .dropped
                .iter()
                .map(|((_, d), x)| (d.clone(), x.records))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            reasons,
            [
                (Drop::NoPeriodDate, 1),
                (Drop::UnmappedLocation, 1),
                (Drop::NoOption(0), 1),
                (Drop::TwoOptions(0, 0, 2), 1)
            ]
        );
        assert_eq!(out.unmapped[&(0, "D9".into())].examples.0, ["elsewhere"]);
    }
}

#[cfg(test)]
mod as_of_tests {
    use super::*;
    use crate::config::Spanned;
    use crate::config::blocks::{FieldTest, Predicate, Scalar, Test};
    use crate::source::fields::{FieldTable, Kind};

    #[test]
    fn a_period_counts_the_classification_in_force_at_its_end() {
        let mut f = FieldTable::default();
        let (cls, day, ou) = (
            f.add("classification", Kind::Text),
            f.add("day", Kind::Date),
            f.add("ou", Kind::Text),
        );
        let none: crate::source::predicate::Canonical<'_> = &|_, _| Vec::new();
        let confirmed = Predicate {
            tests: vec![FieldTest {
                field: Spanned::new("classification".into(), 0..0),
                test: Test::OneOf(vec![Spanned::new(Scalar::Str("CONFIRMED".into()), 0..0)]),
                span: 0..0,
            }],
            ..Predicate::default()
        };
        let w10 =
            Period::containing(PeriodType::Weekly, jiff::civil::date(2024, 3, 4)).expect("week");
        let block = EngineBlock {
            filter: Compiled::compile(&confirmed, &f, none).expect("compiles"),
            period: day,
            period_type: PeriodType::Weekly,
            planned: [w10].into_iter().collect(),
            location: ou,
            sum: None,
            disaggregation: Disaggregation::Single(0),
            allowed: None,
        };
        let blocks = [block];
        let locate = |_: &str| Some(1);
        let mut cells = vec![Cell::Null; 3];
        cells[usize::from(cls)] = Cell::Text("DISCARDED".into());
        cells[usize::from(day)] = Cell::Date(jiff::civil::date(2024, 3, 5));
        cells[usize::from(ou)] = Cell::Text("D1".into());
        let ts = |s: &str| s.parse::<jiff::Timestamp>().expect("instant");
        // Confirmed on 6 March, discarded on 20 March: in force at the end of W10
        // (Sunday 10 March) is CONFIRMED, whatever it is now.
        let history: Vec<Classified> = vec![
            (
                ts("2024-03-04T08:00:00Z"),
                Some(ts("2024-03-06T09:00:00Z")),
                "SUSPECT".into(),
            ),
            (
                ts("2024-03-06T09:00:00Z"),
                Some(ts("2024-03-20T10:00:00Z")),
                "CONFIRMED".into(),
            ),
            (ts("2024-03-20T10:00:00Z"), None, "DISCARDED".into()),
        ];
        let key = CellKey {
            block: 0,
            combo: 0,
            org_unit: 1,
            period: w10,
        };
        let mut current = Engine::new(&blocks, &locate);
        current.add(&cells, Some("c1"));
        assert!(
            !current.out.cells.contains_key(&key),
            "counted as it is now: discarded"
        );
        let mut as_of = Engine::new(&blocks, &locate);
        as_of.as_of = Some(AsOf {
            field: cls,
            tz: jiff::tz::TimeZone::UTC,
        });
        as_of.add_classified(&cells, Some("c1"), &history);
        assert_eq!(
            as_of.out.cells.get(&key).map(|a| a.records),
            Some(1),
            "counted as it was at the week's end"
        );
        // Classified only after the week: no entry is in force at its end, and the
        // current classification stands (godata-api.md §3.1).
        let late: Vec<Classified> = vec![(ts("2024-03-12T00:00:00Z"), None, "CONFIRMED".into())];
        let mut cells_now = cells.clone();
        cells_now[usize::from(cls)] = Cell::Text("CONFIRMED".into());
        let mut e = Engine::new(&blocks, &locate);
        e.as_of = Some(AsOf {
            field: cls,
            tz: jiff::tz::TimeZone::UTC,
        });
        e.add_classified(&cells_now, Some("c2"), &late);
        assert_eq!(
            e.out.cells.get(&key).map(|a| a.records),
            Some(1),
            "no entry in force then: the current one stands"
        );
    }
}
