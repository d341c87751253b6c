//! The preview of a transfer: counts per data set and period, and the values that
//! change (old -> new); for people (a table) and for the run report (JSON). Built as
//! the changes stream by, keeping counts and the first few lines only.

use std::collections::BTreeMap;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};
use serde_json::{Value, json};

use crate::job::Job;
use crate::model::Identifiable;

use super::import::data_set_of;
use super::lookups::Lookups;
use super::reconcile::{Change, Class};

/// How many changed values the human preview lists.
const SHOWN: usize = 25;

#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct Tally {
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub stale: usize,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, t: Tally) {
        self.new += t.new;
        self.changed += t.changed;
        self.unchanged += t.unchanged;
        self.stale += t.stale;
    }
}

impl Tally {
    pub fn add(&mut self, c: Class) {
        match c {
            Class::New => self.new += 1,
            Class::Changed => self.changed += 1,
            Class::Unchanged => self.unchanged += 1,
            Class::Stale => self.stale += 1,
        }
    }

    pub fn json(&self) -> Value {
        json!({"new": self.new, "changed": self.changed, "unchanged": self.unchanged, "stale": self.stale})
    }
}

/// Lines of one class: the first few, and how many in all.
#[derive(Debug, Default)]
struct Sample {
    lines: Vec<String>,
    count: usize,
}

/// Counts and samples of the changes seen so far.
#[derive(Debug, Default)]
pub struct Preview {
    pub tally: Tally,
    /// Per (data set, period): counts.
    by_data_set: BTreeMap<(Option<usize>, u16), Tally>,
    /// The counts of the last (data set, period), not merged yet.
    last: Option<((Option<usize>, u16), Tally)>,
    /// The period names, for output.
    isos: Vec<String>,
    changed: Sample,
    stale: Sample,
}

impl Preview {
    pub fn add(&mut self, cx: &Job<'_>, lk: &Lookups, c: &Change) {
        self.tally.add(c.class);
        let ds = data_set_of(cx, lk, c.mapping as usize, &c.key);
        // Changes come in key order: mostly the data set and period of the last one.
        match &mut self.last {
            Some((key, t)) if *key == (ds, c.key.period) => t.add(c.class),
            _ => {
                if let Some((key, t)) = self.last.take() {
                    self.merge(key, t);
                }
                let mut t = Tally::default();
                t.add(c.class);
                self.last = Some(((ds, c.key.period), t));
            }
        }
        if self.isos.is_empty() {
            self.isos.clone_from(&lk.isos);
        }
        let sample = match c.class {
            Class::Changed => &mut self.changed,
            Class::Stale => &mut self.stale,
            _ => return,
        };
        sample.count += 1;
        if sample.lines.len() < SHOWN {
            sample.lines.push(describe(cx, lk, c));
        }
    }

    fn merge(&mut self, key: (Option<usize>, u16), t: Tally) {
        *self.by_data_set.entry(key).or_default() += t;
    }

    /// Counts per (data set name, period), sorted by name and period.
    fn rows(&self, cx: &Job<'_>) -> Vec<(String, &str, Tally)> {
        let mut all = self.by_data_set.clone();
        if let Some((key, t)) = self.last {
            *all.entry(key).or_default() += t;
        }
        let mut rows: Vec<(String, &str, Tally)> = all
            .iter()
            .map(|(&(ds, pe), &t)| {
                let name = ds.map_or_else(
                    || "(in no data set)".to_string(),
                    |ds| cx.target.data_sets[ds].name().to_string(),
                );
                (name, self.isos[pe as usize].as_str(), t)
            })
            .collect();
        rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        // One name for two data sets: add up, as one row per name and period.
        rows.dedup_by(|b, a| {
            let same = a.0 == b.0 && a.1 == b.1;
            if same {
                a.2 += b.2;
            }
            same
        });
        rows
    }

    /// The preview for people.
    pub fn human(&self, cx: &Job<'_>, stale_policy: &str) -> String {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        table.set_header(["data set", "period", "new", "changed", "unchanged", "stale"]);
        let right = |n: usize| Cell::new(n).set_alignment(CellAlignment::Right);
        let row = |name: &str, pe: &str, t: &Tally| {
            vec![
                Cell::new(name),
                Cell::new(pe),
                right(t.new),
                right(t.changed),
                right(t.unchanged),
                right(t.stale),
            ]
        };
        for (ds, pe, t) in self.rows(cx) {
            table.add_row(row(&ds, pe, &t));
        }
        table.add_row(row("total", "", &self.tally));
        let mut out = format!("{table}\n");
        let list = |title: &str, s: &Sample, out: &mut String| {
            if s.count == 0 {
                return;
            }
            out.push_str(&format!("\n{title} ({}):\n", s.count));
            for line in &s.lines {
                out.push_str(&format!("  {line}\n"));
            }
            if s.count > s.lines.len() {
                out.push_str(&format!(
                    "  … and {} more (all in the run report)\n",
                    s.count - s.lines.len()
                ));
            }
        };
        list("Changed values, old -> new", &self.changed, &mut out);
        list(
            &format!(
                "Stale values, in the target but no longer exported; stale = \"{stale_policy}\""
            ),
            &self.stale,
            &mut out,
        );
        out
    }

    /// Counts per data set and period, for the log and the run report.
    pub fn by_data_set_json(&self, cx: &Job<'_>) -> Value {
        let rows: Vec<Value> = self
            .rows(cx)
            .into_iter()
            .map(|(ds, pe, tally)| {
                let mut v = tally.json();
                v["dataSet"] = json!(ds);
                v["period"] = json!(pe);
                v
            })
            .collect();
        Value::Array(rows)
    }
}

/// A change as a line: `DE / COC / AOC, period, org unit: old -> new`.
fn describe(cx: &Job<'_>, lk: &Lookups, c: &Change) -> String {
    let t = cx.target;
    let m = &cx.mappings[c.mapping as usize];
    let ou = &t.organisation_units[c.key.ou as usize];
    let mut target = m.de.clone();
    if let Some(coc) = &m.coc {
        target.push_str(&format!(" / {coc}"));
    }
    if let Some(aoc) = &m.aoc {
        target.push_str(&format!(" / {aoc}"));
    }
    format!(
        "{target}, {}, \"{}\" ({}): {} -> {}",
        lk.isos[c.key.period as usize],
        ou.name(),
        ou.id(),
        c.old.as_deref().unwrap_or("(none)"),
        c.new.as_deref().unwrap_or("(none)")
    )
}

/// A change as the run report lists it (unchanged values are not listed).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listed<'a> {
    class: Class,
    data_element: &'a str,
    category_option_combo: Option<&'a str>,
    attribute_option_combo: Option<&'a str>,
    period: &'a str,
    org_unit: &'a str,
    old: Option<&'a str>,
    new: Option<&'a str>,
    program_indicator: &'a str,
    /// A record job: the block and options the value comes from, how many records
    /// made it and up to three of their ids (never their content).
    #[serde(skip_serializing_if = "Option::is_none")]
    records: Option<Provenance<'a>>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance<'a> {
    block: &'a str,
    options: &'a [String],
    records: u64,
    ids: Vec<&'a str>,
}

/// Where a record job's value comes from.
fn provenance<'a>(cx: &'a Job<'_>, lk: &Lookups, c: &Change) -> Option<Provenance<'a>> {
    let side = cx.records?;
    let m = &cx.mappings[c.mapping as usize];
    let origin = side.binding.origins.get(m.pi)?;
    let block = cx.config.aggregates.get(origin.block)?;
    let combo = origin.coc.or(cx.target.default_coc())? as u32;
    let key = crate::source::aggregate::CellKey {
        block: origin.block as u32,
        combo,
        org_unit: c.key.ou,
        period: *lk.periods.get(c.key.period as usize)?,
    };
    let acc = side.data.get().and_then(|d| d.aggregates.cells.get(&key));
    Some(Provenance {
        block: &block.name,
        options: &origin.options,
        records: acc.map_or(0, |a| a.records),
        ids: acc.map_or_else(Vec::new, |a| {
            a.examples.0.iter().map(|s| s.as_str()).collect()
        }),
    })
}

pub fn listed<'a>(cx: &'a Job<'_>, lk: &'a Lookups, c: &'a Change) -> Listed<'a> {
    let m = &cx.mappings[c.mapping as usize];
    let (coc, aoc) = cx.written_combos(m, c.key.coc(), c.key.aoc());
    Listed {
        class: c.class,
        data_element: &m.de,
        category_option_combo: coc,
        attribute_option_combo: aoc,
        period: &lk.isos[c.key.period as usize],
        org_unit: cx.target.organisation_units[c.key.ou as usize].id(),
        old: c.old.as_deref(),
        new: c.new.as_deref(),
        program_indicator: cx.source.program_indicators[m.pi].id(),
        records: provenance(cx, lk, c),
    }
}
