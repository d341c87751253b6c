//! Synthetic national-scale pairs for benchmarks and tests: a deterministic tracker
//! (source) and HMIS (target) of a chosen size, with seeded defects whose findings are
//! known in advance.
//!
//! The shape follows a national DHIS2: five org unit levels with facilities at the
//! bottom, programs assigned to about a fifth of the facilities each, data sets per
//! program assigned to the program's facilities and some more. Every program's PIs map
//! to the data elements of its own data sets, so the clean part checks clean by
//! construction and each seeded defect is the one cause of its findings.
//!
//! A finding is compared by [`Key`]: rule code and the sorted ids of the program
//! indicators, data elements, data sets and org units it names (the objects that say
//! *which* defect it is; combos and programs are context).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use serde::Serialize;

/// Sizes of a generated pair.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub org_units: usize,
    pub programs: usize,
    pub pis: usize,
    pub data_elements: usize,
    pub category_option_combos: usize,
    pub data_sets: usize,
    pub seed: u64,
}

impl Params {
    /// The national pair of the benchmarks: 100k org units, 5k PIs in 20 programs, 20k
    /// data elements, 50k option combos, 300 data sets (about 8M assignments).
    pub fn national() -> Self {
        Params {
            org_units: 100_000,
            programs: 20,
            pis: 5_000,
            data_elements: 20_000,
            category_option_combos: 50_000,
            data_sets: 300,
            seed: 1,
        }
    }

    /// A pair for `cargo test`: the same shape at a few thousand org units.
    pub fn medium() -> Self {
        Params {
            org_units: 3_000,
            programs: 4,
            pis: 400,
            data_elements: 2_000,
            category_option_combos: 2_500,
            data_sets: 40,
            seed: 7,
        }
    }

    /// The national shape at another size, scaled from the org unit count.
    pub fn scaled(org_units: usize) -> Self {
        let n = Params::national();
        let f = org_units as f64 / n.org_units as f64;
        let at_least = |v: usize, min: usize| ((v as f64 * f) as usize).max(min);
        // Data sets and PIs come in whole groups per program (see `World::build`).
        let whole = |v: usize| v - v % n.programs;
        Params {
            org_units,
            programs: n.programs,
            pis: whole(at_least(n.pis, 200)),
            data_elements: at_least(n.data_elements, 1_000),
            category_option_combos: at_least(n.category_option_combos, 1_000),
            data_sets: whole(at_least(n.data_sets, n.programs * 2)),
            seed: n.seed,
        }
    }
}

/// A finding as the comparison sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Key {
    pub code: String,
    pub objects: Vec<String>,
}

impl Key {
    fn new(code: &str, ids: impl IntoIterator<Item = String>) -> Key {
        let mut objects: Vec<String> = ids.into_iter().collect();
        objects.sort();
        objects.dedup();
        Key {
            code: code.to_string(),
            objects,
        }
    }
}

/// The object kinds a [`Key`] keeps.
pub const KEY_KINDS: &[&str] = &[
    "programIndicator",
    "dataElement",
    "dataSet",
    "organisationUnit",
];

/// What a generated pair is expected to produce.
#[derive(Debug, Clone, Serialize)]
pub struct Expected {
    pub mappings: usize,
    pub findings: Vec<Key>,
}

impl Expected {
    /// Findings per rule code.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        counts(&self.findings)
    }
}

/// Findings per rule code.
pub fn counts(keys: &[Key]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for k in keys {
        *out.entry(k.code.clone()).or_default() += 1;
    }
    out
}

/// splitmix64: small, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// A valid DHIS2 UID: a letter, then ten base-62 digits of `i`.
pub fn uid(prefix: char, mut i: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 10];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[i % 62];
        i /= 62;
    }
    let mut s = String::with_capacity(11);
    s.push(prefix);
    s.extend(out.iter().map(|&b| b as char));
    s
}

const STAMP: &str =
    r#""created":"2019-03-01T10:00:00.000","lastUpdated":"2023-06-01T10:00:00.000""#;
const ATTRIBUTE: &str = "Aagg0000001";
const PERIOD_TYPES: [&str; 5] = ["Monthly", "Monthly", "Monthly", "Quarterly", "Weekly"];

struct OrgUnit {
    id: String,
    parent: Option<usize>,
    level: u32,
    path: String,
}

/// The hierarchy: levels 1–4 branch, level 5 holds the facilities.
fn hierarchy(n: usize) -> Vec<OrgUnit> {
    let regions = (n / 6_667).max(2);
    let counts = [1, regions, regions * 10, regions * 100];
    let mut out: Vec<OrgUnit> = Vec::with_capacity(n);
    let mut previous: Vec<usize> = Vec::new();
    for (depth, &count) in counts.iter().enumerate() {
        let mut level = Vec::with_capacity(count);
        for k in 0..count {
            let parent = previous.get(k % previous.len().max(1)).copied();
            level.push(push_unit(&mut out, parent, depth as u32 + 1));
        }
        previous = level;
    }
    let facilities = n.saturating_sub(out.len()).max(1);
    for k in 0..facilities {
        push_unit(&mut out, Some(previous[k % previous.len()]), 5);
    }
    out
}

fn push_unit(out: &mut Vec<OrgUnit>, parent: Option<usize>, level: u32) -> usize {
    let i = out.len();
    let id = uid('O', i);
    let path = match parent {
        Some(p) => format!("{}/{id}", out[p].path),
        None => format!("/{id}"),
    };
    out.push(OrgUnit {
        id,
        parent,
        level,
        path,
    });
    i
}

/// One program indicator's mapping as generated.
#[derive(Clone)]
struct Pi {
    program: usize,
    de: String,
    coc: Option<String>,
    aoc: Option<String>,
    /// The target data element it resolves to.
    target_de: Option<usize>,
}

/// Everything the writers and the expectations need.
struct World {
    p: Params,
    units: Vec<OrgUnit>,
    /// Facilities (indices into `units`) only the source has.
    source_only: Vec<usize>,
    /// Per program: its facilities, sorted.
    program_units: Vec<Vec<usize>>,
    /// Per combo: its option combo indices; combo 0 is the default.
    combos: Vec<Vec<usize>>,
    /// Per data element: its combo.
    de_combo: Vec<usize>,
    /// Per data set: period type, data elements, org units (sorted).
    ds_type: Vec<&'static str>,
    ds_elements: Vec<Vec<usize>>,
    ds_units: Vec<Vec<usize>>,
    pis: Vec<Pi>,
    expected: Vec<Key>,
}

fn coc_code(combo: usize, k: usize) -> String {
    format!("COC_{combo:04}_{k:02}")
}

fn de_code(i: usize) -> String {
    format!("DE_{i:05}")
}

impl World {
    fn build(p: Params) -> World {
        let mut rng = Rng(p.seed);
        let mut units = hierarchy(p.org_units);
        let facilities: Vec<usize> = (0..units.len()).filter(|&i| units[i].level == 5).collect();
        // Facilities the tracker has and the HMIS lacks: unknown-org-unit.
        let seeded_units = (p.org_units / 5_000).clamp(3, 20);
        let mut source_only = Vec::new();
        for k in 0..seeded_units {
            let parent = units[facilities[k * 7 % facilities.len()]].parent;
            source_only.push(push_unit(&mut units, parent, 5));
        }

        // Programs: each facility runs a program with probability 0.21.
        let mut program_units = vec![Vec::new(); p.programs];
        for &f in &facilities {
            for list in program_units.iter_mut() {
                if rng.chance(0.21) {
                    list.push(f);
                }
            }
        }
        for (k, &f) in source_only.iter().enumerate() {
            for j in 0..=(k % 3) {
                let list = &mut program_units[(k + j) % p.programs];
                list.push(f);
            }
        }

        // Combos of 2..=49 option combos until the budget is spent; combo 0 = default.
        let mut combos: Vec<Vec<usize>> = vec![vec![0]];
        let mut next = 1;
        while next < p.category_option_combos {
            let size = (2 + combos.len() % 48).min(p.category_option_combos - next);
            combos.push((next..next + size).collect());
            next += size;
        }
        let de_combo: Vec<usize> = (0..p.data_elements)
            .map(|i| {
                if i % 5 == 0 {
                    0
                } else {
                    1 + i % (combos.len() - 1)
                }
            })
            .collect();

        // Data sets: data set d belongs to program d % programs; data element i to data
        // set i % data_sets, so program g's data elements are those with i % programs == g.
        let ds_type: Vec<&'static str> = (0..p.data_sets)
            .map(|d| PERIOD_TYPES[(d / p.programs) % PERIOD_TYPES.len()])
            .collect();
        let mut ds_elements: Vec<Vec<usize>> = vec![Vec::new(); p.data_sets];
        for i in 0..p.data_elements {
            ds_elements[i % p.data_sets].push(i);
        }
        let mut w = World {
            p,
            units,
            source_only,
            program_units,
            combos,
            de_combo,
            ds_type,
            ds_elements,
            ds_units: Vec::new(),
            pis: Vec::new(),
            expected: Vec::new(),
        };
        w.map_pis();
        w.seed_defects(&mut rng, &facilities);
        w
    }

    /// PI k of program g maps to data element g + programs·k and one of its combos.
    fn map_pis(&mut self) {
        let p = self.p;
        for j in 0..p.pis {
            let program = j % p.programs;
            let k = j / p.programs;
            let de = (program + p.programs * k) % p.data_elements;
            let combo = self.de_combo[de];
            let coc = (combo != 0).then(|| {
                let n = self.combos[combo].len();
                coc_code(combo, (k / p.programs) % n)
            });
            self.pis.push(Pi {
                program,
                de: de_code(de),
                coc,
                aoc: None,
                target_de: Some(de),
            });
        }
    }

    /// PIs with a non-default combo, spread over the programs, none picked twice.
    fn pick_pis(&self, taken: &mut BTreeSet<usize>, n: usize, non_default: bool) -> Vec<usize> {
        let mut out = Vec::new();
        let step = (self.p.pis / (n * 4).max(1)).max(1) | 1;
        let mut j = 3 + taken.len() * 13;
        let mut tries = 0;
        while out.len() < n && tries < self.p.pis * 4 {
            j = (j + step) % self.p.pis;
            tries += 1;
            let pi = &self.pis[j];
            let ok = !taken.contains(&j)
                && (!non_default || pi.target_de.is_some_and(|d| self.de_combo[d] != 0));
            if ok {
                taken.insert(j);
                out.push(j);
            }
        }
        out
    }

    fn seed_defects(&mut self, rng: &mut Rng, facilities: &[usize]) {
        let p = self.p;
        let n = |national: usize| (national * p.pis / 5_000).max(2);
        let mut taken = BTreeSet::new();
        for j in self.pick_pis(&mut taken, n(30), false) {
            // Unknown data element: a code the target lacks (a near miss of a real one).
            let pi = &mut self.pis[j];
            pi.de = format!("{}_OLD", pi.de);
            pi.target_de = None;
        }
        for j in self.pick_pis(&mut taken, n(20), true) {
            self.pis[j].coc = Some(format!("NO_SUCH_COC_{j}"));
        }
        for j in self.pick_pis(&mut taken, n(20), true) {
            // An option combo of another combo.
            let combo = self.de_combo[self.pis[j].target_de.unwrap_or(0)];
            let other = 1 + combo % (self.combos.len() - 1);
            let other = if other == combo {
                1 + other % (self.combos.len() - 1)
            } else {
                other
            };
            self.pis[j].coc = Some(coc_code(other, 0));
        }
        for j in self.pick_pis(&mut taken, n(20), true) {
            self.pis[j].coc = None;
        }
        for j in self.pick_pis(&mut taken, n(10), false) {
            self.pis[j].aoc = Some(format!("NO_SUCH_AOC_{j}"));
        }
        // Duplicates: a PI takes the target of another PI of its program.
        for j in self.pick_pis(&mut taken, n(15), false) {
            let twin = (j + p.programs) % p.pis;
            if taken.insert(twin) {
                let src = self.pis[j].clone();
                let t = &mut self.pis[twin];
                t.de = src.de;
                t.coc = src.coc;
                t.target_de = src.target_de;
            }
        }

        // Data elements in no data set, and data elements in two of different types.
        let mut clean_sets: BTreeSet<usize> = (0..p.data_sets).collect();
        for j in self.pick_pis(&mut taken, n(10), false) {
            if let Some(de) = self.pis[j].target_de {
                self.ds_elements[de % p.data_sets].retain(|&e| e != de);
                clean_sets.remove(&(de % p.data_sets));
            }
        }
        for j in self.pick_pis(&mut taken, n(10), false) {
            let Some(de) = self.pis[j].target_de else {
                continue;
            };
            let home = de % p.data_sets;
            let other = (0..p.data_sets / p.programs)
                .map(|q| q * p.programs + home % p.programs)
                .find(|&d| self.ds_type[d] != self.ds_type[home]);
            if let Some(other) = other {
                self.ds_elements[other].push(de);
                clean_sets.remove(&home);
                clean_sets.remove(&other);
            }
        }

        // Org units of data sets: the program's facilities, some others, and for a few
        // data sets without shared data elements, some of the program's left out.
        let mut in_program = vec![vec![false; self.units.len()]; p.programs];
        for (g, list) in self.program_units.iter().enumerate() {
            for &f in list {
                in_program[g][f] = true;
            }
        }
        let gaps: Vec<usize> = clean_sets
            .iter()
            .copied()
            .step_by((clean_sets.len() / 5).max(1))
            .take(5)
            .collect();
        let mut removed: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for (k, &d) in gaps.iter().enumerate() {
            let list = &self.program_units[d % p.programs];
            let count = (1 + k * 9).min(list.len());
            let set = removed.entry(d).or_default();
            while set.len() < count {
                let f = list[rng.below(list.len())];
                if !self.source_only.contains(&f) {
                    set.insert(f);
                }
            }
        }
        self.ds_units = (0..p.data_sets)
            .map(|d| {
                let g = d % p.programs;
                let none = BTreeSet::new();
                let out = removed.get(&d).unwrap_or(&none);
                facilities
                    .iter()
                    .copied()
                    .filter(|&f| (in_program[g][f] || rng.chance(0.08)) && !out.contains(&f))
                    .collect()
            })
            .collect();
        self.expect(&removed);
    }

    /// The findings the seeded defects cause, computed from the generated mappings.
    fn expect(&mut self, removed: &BTreeMap<usize, BTreeSet<usize>>) {
        let pi_id = |j: usize| uid('I', j);
        let de_id = |i: usize| uid('E', i);
        let mut de_sets: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (d, elements) in self.ds_elements.iter().enumerate() {
            for &e in elements {
                de_sets.entry(e).or_default().push(d);
            }
        }
        let mut out = Vec::new();
        let mut by_target: BTreeMap<(usize, Option<String>), Vec<usize>> = BTreeMap::new();
        let mut by_de: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (j, pi) in self.pis.iter().enumerate() {
            let Some(de) = pi.target_de else {
                out.push(Key::new("T2A003", [pi_id(j)]));
                continue;
            };
            by_de.entry(de).or_default().push(j);
            let combo = self.de_combo[de];
            let coc_combo = pi.coc.as_deref().and_then(|c| self.combo_of_code(c));
            match (&pi.coc, coc_combo) {
                (Some(_), None) => out.push(Key::new("T2A004", [pi_id(j), de_id(de)])),
                (Some(c), Some(cc)) if cc != combo => {
                    out.push(Key::new("T2A005", [pi_id(j), de_id(de)]));
                    by_target.entry((de, Some(c.clone()))).or_default().push(j);
                }
                (None, _) if combo != 0 => {
                    out.push(Key::new("T2A006", [pi_id(j), de_id(de)]));
                    by_target.entry((de, None)).or_default().push(j);
                }
                (c, _) => by_target.entry((de, c.clone())).or_default().push(j),
            }
            if pi.aoc.is_some() {
                out.push(Key::new("T2A008", [pi_id(j)]));
            }
        }
        for ((de, _), pis) in &by_target {
            // AOC-bearing PIs hold an unknown AOC: their key does not resolve.
            let pis: Vec<usize> = pis
                .iter()
                .copied()
                .filter(|&j| self.pis[j].aoc.is_none())
                .collect();
            if pis.len() > 1 {
                let ids = pis.iter().map(|&j| pi_id(j)).chain([de_id(*de)]);
                out.push(Key::new("T2A007", ids));
            }
        }
        for (&de, pis) in &by_de {
            let sets = de_sets.get(&de).map(Vec::as_slice).unwrap_or(&[]);
            let ids = pis.iter().map(|&j| pi_id(j)).chain([de_id(de)]);
            if sets.is_empty() {
                out.push(Key::new("T2A009", ids));
            } else {
                let types: BTreeSet<&str> = sets.iter().map(|&d| self.ds_type[d]).collect();
                if types.len() > 1 {
                    let ids = ids.chain(sets.iter().map(|&d| uid('S', d)));
                    out.push(Key::new("T2A011", ids));
                }
            }
        }
        for &f in &self.source_only {
            out.push(Key::new("T2A012", [self.units[f].id.clone()]));
        }
        for (&d, units) in removed {
            let program = d % self.p.programs;
            let des: BTreeSet<usize> = self.ds_elements[d]
                .iter()
                .copied()
                .filter(|e| {
                    by_de
                        .get(e)
                        .is_some_and(|pis| pis.iter().any(|&j| self.pis[j].program == program))
                })
                .collect();
            if des.is_empty() || units.is_empty() {
                continue;
            }
            let ids = [uid('S', d)]
                .into_iter()
                .chain(units.iter().map(|&u| self.units[u].id.clone()))
                .chain(des.iter().map(|&e| de_id(e)));
            out.push(Key::new("T2A013", ids));
        }
        out.sort();
        self.expected = out;
    }

    fn combo_of_code(&self, code: &str) -> Option<usize> {
        let rest = code.strip_prefix("COC_")?;
        let (combo, k) = rest.split_once('_')?;
        let (combo, k): (usize, usize) = (combo.parse().ok()?, k.parse().ok()?);
        (combo < self.combos.len() && k < self.combos[combo].len()).then_some(combo)
    }
}

/// A generated pair: write the source and target files, keep the expected findings.
pub struct Pair {
    world: World,
}

impl Pair {
    pub fn generate(p: Params) -> Pair {
        Pair {
            world: World::build(p),
        }
    }

    pub fn expected(&self) -> Expected {
        Expected {
            mappings: self.world.pis.len(),
            findings: self.world.expected.clone(),
        }
    }

    /// The tracker: attribute, programs with their org units, PIs, the hierarchy.
    pub fn write_source(&self, out: &mut impl Write) -> io::Result<()> {
        let w = &self.world;
        write!(
            out,
            r#"{{"system":{{"version":"2.41.4"}},"attributes":[{{"id":"{ATTRIBUTE}","name":"Data element for aggregate data export","code":"DATA_ELEMENT_AGG","valueType":"TEXT","programIndicatorAttribute":true,{STAMP}}}],"#
        )?;
        out.write_all(b"\"programs\":[")?;
        for (g, units) in w.program_units.iter().enumerate() {
            sep(out, g)?;
            write!(
                out,
                r#"{{"id":"{}","name":"Programme {g}","code":"PRG_{g:02}","programType":"WITH_REGISTRATION",{STAMP},"organisationUnits":["#,
                uid('P', g)
            )?;
            refs(out, units.iter().map(|&u| w.units[u].id.as_str()))?;
            out.write_all(b"]}")?;
        }
        // One stage per programme with two data elements, which the PI expressions read.
        out.write_all(b"],\"programStages\":[")?;
        for g in 0..w.program_units.len() {
            sep(out, g)?;
            write!(
                out,
                r#"{{"id":"{}","name":"Visit of programme {g}","program":{{"id":"{}"}},"repeatable":true,"programStageDataElements":[{{"dataElement":{{"id":"{}"}}}},{{"dataElement":{{"id":"{}"}}}}],{STAMP}}}"#,
                uid('S', g),
                uid('P', g),
                uid('X', 0),
                uid('X', 1)
            )?;
        }
        write!(
            out,
            r#"],"dataElements":[{{"id":"{}","name":"Cases","valueType":"INTEGER_ZERO_OR_POSITIVE","domainType":"TRACKER"}},{{"id":"{}","name":"Confirmed","valueType":"TEXT","domainType":"TRACKER"}}]"#,
            uid('X', 0),
            uid('X', 1)
        )?;
        out.write_all(b",\"programIndicators\":[")?;
        for (j, pi) in w.pis.iter().enumerate() {
            sep(out, j)?;
            let (stage, d0, d1) = (uid('S', pi.program), uid('X', 0), uid('X', 1));
            // Four shapes of real packages, in turn.
            let (expression, filter) = match j % 4 {
                0 => (
                    format!("d2:count(#{{{stage}.{d0}}})"),
                    format!("#{{{stage}.{d1}}} == 'Yes'"),
                ),
                1 => (
                    "V{event_count}".to_string(),
                    format!(
                        "d2:condition('#{{{stage}.{d1}}} == \\\"Yes\\\"', true, false) && V{{event_status}} == 'COMPLETED'"
                    ),
                ),
                2 => (
                    format!("if(#{{{stage}.{d0}}} > 10, 1, 0)"),
                    format!(
                        "d2:daysBetween(V{{enrollment_date}}, V{{event_date}}) <= 30 && d2:hasValue(#{{{stage}.{d0}}})"
                    ),
                ),
                _ => (
                    format!("#{{{stage}.{d0}}}"),
                    format!("is(#{{{stage}.{d1}}} in 'Yes', 'Probable') /* 2.41 */"),
                ),
            };
            write!(
                out,
                r##"{{"id":"{}","name":"PI {j:05} of programme {g}","shortName":"PI {j:05}","code":"PI_{j:05}","program":{{"id":"{}"}},"analyticsType":"EVENT","expression":"{expression}","filter":"{filter}","analyticsPeriodBoundaries":[{{"boundaryTarget":"EVENT_DATE","analyticsPeriodBoundaryType":"AFTER_START_OF_REPORTING_PERIOD"}},{{"boundaryTarget":"EVENT_DATE","analyticsPeriodBoundaryType":"BEFORE_END_OF_REPORTING_PERIOD"}}],"aggregationType":"SUM","decimals":0,{STAMP}"##,
                uid('I', j),
                uid('P', pi.program),
                g = pi.program % 10
            )?;
            if let Some(c) = &pi.coc {
                write!(out, r#","aggregateExportCategoryOptionCombo":"{c}""#)?;
            }
            if let Some(a) = &pi.aoc {
                write!(out, r#","aggregateExportAttributeOptionCombo":"{a}""#)?;
            }
            write!(
                out,
                r#","attributeValues":[{{"attribute":{{"id":"{ATTRIBUTE}"}},"value":"{}"}}]}}"#,
                pi.de
            )?;
        }
        out.write_all(b"],\"organisationUnits\":[")?;
        write_units(out, &w.units, |_| true)?;
        out.write_all(b"]}\n")
    }

    /// The HMIS: combos, option combos, data elements, data sets, the hierarchy.
    pub fn write_target(&self, out: &mut impl Write) -> io::Result<()> {
        let w = &self.world;
        out.write_all(br#"{"system":{"version":"2.41.4"},"categoryCombos":["#)?;
        for (c, _) in w.combos.iter().enumerate() {
            sep(out, c)?;
            let name = if c == 0 {
                "default".to_string()
            } else {
                format!("Combo {c}")
            };
            write!(
                out,
                r#"{{"id":"{}","name":"{name}","dataDimensionType":"DISAGGREGATION",{STAMP}}}"#,
                uid('C', c)
            )?;
        }
        out.write_all(b"],\"categoryOptionCombos\":[")?;
        let mut first = true;
        for (c, cocs) in w.combos.iter().enumerate() {
            for (k, &coc) in cocs.iter().enumerate() {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                let (name, code) = if c == 0 {
                    ("default".to_string(), "default".to_string())
                } else {
                    (format!("Option {k} of combo {c}"), coc_code(c, k))
                };
                write!(
                    out,
                    r#"{{"id":"{}","name":"{name}","code":"{code}","categoryCombo":{{"id":"{}"}},{STAMP}}}"#,
                    uid('K', coc),
                    uid('C', c)
                )?;
            }
        }
        out.write_all(b"],\"dataElements\":[")?;
        for (i, &combo) in w.de_combo.iter().enumerate() {
            sep(out, i)?;
            write!(
                out,
                r#"{{"id":"{}","name":"Data element {i:05}","shortName":"DE {i:05}","code":"{}","valueType":"INTEGER_ZERO_OR_POSITIVE","domainType":"AGGREGATE","aggregationType":"SUM","zeroIsSignificant":false,"categoryCombo":{{"id":"{}"}},{STAMP}}}"#,
                uid('E', i),
                de_code(i),
                uid('C', combo)
            )?;
        }
        out.write_all(b"],\"dataSets\":[")?;
        for d in 0..w.p.data_sets {
            sep(out, d)?;
            write!(
                out,
                r#"{{"id":"{}","name":"Data set {d:03}","code":"DS_{d:03}","periodType":"{}","categoryCombo":{{"id":"{}"}},"expiryDays":0,"openFuturePeriods":0,{STAMP},"dataSetElements":["#,
                uid('S', d),
                w.ds_type[d],
                uid('C', 0)
            )?;
            for (k, &e) in w.ds_elements[d].iter().enumerate() {
                sep(out, k)?;
                write!(out, r#"{{"dataElement":{{"id":"{}"}}}}"#, uid('E', e))?;
            }
            out.write_all(b"],\"organisationUnits\":[")?;
            refs(out, w.ds_units[d].iter().map(|&u| w.units[u].id.as_str()))?;
            out.write_all(b"]}")?;
        }
        out.write_all(b"],\"organisationUnits\":[")?;
        write_units(out, &w.units, |u| !w.source_only.contains(&u))?;
        out.write_all(b"]}\n")
    }
}

fn sep(out: &mut impl Write, i: usize) -> io::Result<()> {
    if i > 0 {
        out.write_all(b",")?;
    }
    Ok(())
}

fn refs<'a>(out: &mut impl Write, ids: impl Iterator<Item = &'a str>) -> io::Result<()> {
    for (k, id) in ids.enumerate() {
        sep(out, k)?;
        write!(out, r#"{{"id":"{id}"}}"#)?;
    }
    Ok(())
}

fn write_units(
    out: &mut impl Write,
    units: &[OrgUnit],
    keep: impl Fn(usize) -> bool,
) -> io::Result<()> {
    let mut first = true;
    for (i, u) in units.iter().enumerate().filter(|(i, _)| keep(*i)) {
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        write!(
            out,
            r#"{{"id":"{}","name":"Unit {i:06}","shortName":"Unit {i:06}","code":"OU_{i:06}","path":"{}","level":{},"openingDate":"1990-01-01T00:00:00.000",{STAMP}"#,
            u.id, u.path, u.level
        )?;
        if let Some(p) = u.parent {
            write!(out, r#","parent":{{"id":"{}"}}"#, units[p].id)?;
        }
        out.write_all(b"}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_valid_and_distinct() {
        let a = uid('O', 0);
        let b = uid('O', 61);
        let c = uid('O', 62);
        assert!(crate::idscheme::is_uid(&a) && crate::idscheme::is_uid(&c));
        assert_eq!(a.len(), 11);
        assert!(a != b && b != c);
    }

    #[test]
    fn generation_is_deterministic_and_seeds_every_core_defect() {
        let one = Pair::generate(Params::medium()).expected();
        let two = Pair::generate(Params::medium()).expected();
        assert_eq!(one.findings, two.findings);
        let counts = one.counts();
        for code in [
            "T2A003", "T2A004", "T2A005", "T2A006", "T2A007", "T2A008", "T2A009", "T2A011",
            "T2A012", "T2A013",
        ] {
            assert!(
                counts.get(code).copied().unwrap_or(0) > 0,
                "{code}: {counts:?}"
            );
        }
    }
}
