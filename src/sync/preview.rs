//! The preview of a transfer: counts per data set and period, and the values that
//! change (old -> new); for people (a table) and for the run report (JSON).

use std::collections::BTreeMap;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};
use serde_json::{Value, json};

use crate::job::Job;
use crate::model::Identifiable;

use super::import::data_set_of;
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
    fn add(&mut self, c: Class) {
        match c {
            Class::New => self.new += 1,
            Class::Changed => self.changed += 1,
            Class::Unchanged => self.unchanged += 1,
            Class::Stale => self.stale += 1,
        }
    }

    pub fn of(changes: &[Change]) -> Tally {
        let mut t = Tally::default();
        for c in changes {
            t.add(c.class);
        }
        t
    }

    pub fn json(&self) -> Value {
        json!({"new": self.new, "changed": self.changed, "unchanged": self.unchanged, "stale": self.stale})
    }
}

/// Counts per (data set name, period).
pub fn by_data_set(cx: &Job<'_>, changes: &[Change]) -> BTreeMap<(String, String), Tally> {
    let mut out: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for c in changes {
        let name = data_set_of(cx, &c.key)
            .map(|ds| cx.target.data_sets[ds].name().to_string())
            .unwrap_or_else(|| "(in no data set)".into());
        out.entry((name, c.key.period.clone()))
            .or_default()
            .add(c.class);
    }
    out
}

/// A change as a line: `DE / COC / AOC, period, org unit: old -> new`.
fn describe(cx: &Job<'_>, c: &Change) -> String {
    let t = cx.target;
    let m = &cx.mappings[c.mapping];
    let ou = &t.organisation_units[c.key.ou];
    let mut target = m.de.clone();
    if let Some(coc) = &m.coc {
        target.push_str(&format!(" / {coc}"));
    }
    if let Some(aoc) = &m.aoc {
        target.push_str(&format!(" / {aoc}"));
    }
    format!(
        "{target}, {}, \"{}\" ({}): {} -> {}",
        c.key.period,
        ou.name(),
        ou.id(),
        c.old.as_deref().unwrap_or("(none)"),
        c.new.as_deref().unwrap_or("(none)")
    )
}

/// The preview for people.
pub fn human(cx: &Job<'_>, changes: &[Change], stale_policy: &str) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["data set", "period", "new", "changed", "unchanged", "stale"]);
    let right = |n: usize| Cell::new(n).set_alignment(CellAlignment::Right);
    for ((ds, pe), t) in by_data_set(cx, changes) {
        table.add_row(vec![
            Cell::new(ds),
            Cell::new(pe),
            right(t.new),
            right(t.changed),
            right(t.unchanged),
            right(t.stale),
        ]);
    }
    let total = Tally::of(changes);
    table.add_row(vec![
        Cell::new("total"),
        Cell::new(""),
        right(total.new),
        right(total.changed),
        right(total.unchanged),
        right(total.stale),
    ]);
    let mut out = format!("{table}\n");
    let list = |title: &str, class: Class, out: &mut String| {
        let items: Vec<&Change> = changes.iter().filter(|c| c.class == class).collect();
        if items.is_empty() {
            return;
        }
        out.push_str(&format!("\n{title} ({}):\n", items.len()));
        for c in items.iter().take(SHOWN) {
            out.push_str(&format!("  {}\n", describe(cx, c)));
        }
        if items.len() > SHOWN {
            out.push_str(&format!(
                "  … and {} more (all in the run report)\n",
                items.len() - SHOWN
            ));
        }
    };
    list("Changed values, old -> new", Class::Changed, &mut out);
    list(
        &format!("Stale values, in the target but no longer exported; stale = \"{stale_policy}\""),
        Class::Stale,
        &mut out,
    );
    out
}

/// The preview for the run report: counts per data set and period, and every value that
/// is not unchanged.
pub fn json(cx: &Job<'_>, changes: &[Change]) -> Value {
    let t = cx.target;
    let rows: Vec<Value> = by_data_set(cx, changes)
        .into_iter()
        .map(|((ds, pe), tally)| {
            let mut v = tally.json();
            v["dataSet"] = json!(ds);
            v["period"] = json!(pe);
            v
        })
        .collect();
    let listed: Vec<Value> = changes
        .iter()
        .filter(|c| c.class != Class::Unchanged)
        .map(|c| {
            let m = &cx.mappings[c.mapping];
            json!({
                "class": c.class,
                "dataElement": m.de, "categoryOptionCombo": m.coc, "attributeOptionCombo": m.aoc,
                "period": c.key.period, "orgUnit": t.organisation_units[c.key.ou].id(),
                "old": c.old, "new": c.new,
                "programIndicator": cx.source.program_indicators[m.pi].id(),
            })
        })
        .collect();
    json!({"totals": Tally::of(changes).json(), "byDataSetPeriod": rows, "values": listed})
}
