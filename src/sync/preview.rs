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

#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub stale: usize,
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
    by_data_set: BTreeMap<(String, String), Tally>,
    changed: Sample,
    stale: Sample,
}

impl Preview {
    pub fn add(&mut self, cx: &Job<'_>, lk: &Lookups, c: &Change) {
        self.tally.add(c.class);
        let name = data_set_of(cx, lk, &c.key)
            .map(|ds| cx.target.data_sets[ds].name().to_string())
            .unwrap_or_else(|| "(in no data set)".into());
        self.by_data_set
            .entry((name, lk.isos[c.key.period as usize].clone()))
            .or_default()
            .add(c.class);
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

    /// The preview for people.
    pub fn human(&self, stale_policy: &str) -> String {
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
        for ((ds, pe), t) in &self.by_data_set {
            table.add_row(row(ds, pe, t));
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
    pub fn by_data_set_json(&self) -> Value {
        let rows: Vec<Value> = self
            .by_data_set
            .iter()
            .map(|((ds, pe), tally)| {
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

/// A change for the run report (unchanged values are not listed).
pub fn change_json(cx: &Job<'_>, lk: &Lookups, c: &Change) -> Value {
    let t = cx.target;
    let m = &cx.mappings[c.mapping as usize];
    json!({
        "class": c.class,
        "dataElement": m.de, "categoryOptionCombo": m.coc, "attributeOptionCombo": m.aoc,
        "period": lk.isos[c.key.period as usize], "orgUnit": t.organisation_units[c.key.ou as usize].id(),
        "old": c.old, "new": c.new,
        "programIndicator": cx.source.program_indicators[m.pi].id(),
    })
}
