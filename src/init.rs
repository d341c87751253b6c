//! `t2a init`: a commented job config written from what the two sides hold: the
//! mapping attribute found, the programs whose program indicators carry it, the data
//! sets they feed and their period types, and the org units to transfer.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::config::{Config, EndpointConfig};
use crate::input::Pair;
use crate::job::Job;
use crate::location::Location;
use crate::model::Identifiable;

/// A side as the config writes it; a relative file path made absolute when the
/// config goes to another folder (paths in a config are read from its own folder).
fn side(name: &str, e: Option<&EndpointConfig>, elsewhere: bool) -> String {
    match e.map(|e| &e.location) {
        Some(Location::File(p)) if elsewhere && p.is_relative() => {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            format!("[{name}]\nfile = {:?}\n", abs.display().to_string())
        }
        Some(Location::Url(u)) => format!(
            "[{name}]\nurl = \"{}\"\n# credentials: T2A_{}_TOKEN (or _USERNAME and _PASSWORD) in the environment\n",
            u.as_str().trim_end_matches('/'),
            name.to_ascii_uppercase()
        ),
        Some(Location::File(p)) => format!("[{name}]\nfile = {:?}\n", p.display().to_string()),
        None => format!("# [{name}]: the same as the source\n"),
    }
}

fn quoted(ids: &[&str]) -> String {
    let items: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", items.join(", "))
}

/// The job config text for `pair`, read with `config` (the locations given).
pub fn write(config: &Config, pair: &Pair, today: &str, elsewhere: bool) -> String {
    let cx = Job::build(&pair.source, pair.target(), config);
    let (s, t) = (cx.source, cx.target);
    let mut out = format!(
        "# t2a job config, written by `t2a init` on {today} from what the instances hold.\n\
         # Check the mapping with `t2a check` (this file is found in its folder and below),\n\
         # transfer with `t2a sync`. Every key is explained in the README, \"Job config\".\n\n"
    );
    out.push_str(&side("source", config.source.as_ref(), elsewhere));
    out.push('\n');
    out.push_str(&side("target", config.target.as_ref(), elsewhere));
    out.push_str("\n[mapping]\n");
    mapping(&cx, &mut out);
    out.push_str("\n[sync]\n");
    periods(&cx, &mut out);
    org_units(&cx, s, &mut out);
    let _ = t;
    out.push_str(
        "stale = \"report\"                       # values that disappeared: report | zero | delete\n\
         on_error = \"refuse\"                    # refuse | skip (transfer what the check's errors do not name)\n\
         \n\
         # A known defect accepted on purpose (the check then fails only on new ones):\n\
         # [[ignore]]\n\
         # rule = \"unknown-data-element\"\n\
         # program_indicator = \"UID\"\n\
         # reason = \"why it is accepted, and until when\"\n",
    );
    out
}

fn mapping(cx: &Job<'_>, out: &mut String) {
    let s = cx.source;
    match cx.attribute.chosen() {
        Some(id) => {
            let name = s.attributes.get(id).map_or("", |a| a.name());
            let _ = writeln!(
                out,
                "# The mapping attribute: \"{name}\" ({id}), on {} program indicators.\nattribute = \"{id}\"",
                cx.mappings.len()
            );
        }
        None => out.push_str(
            "# No mapping attribute was found on the program indicators: name it here.\n# attribute = \"UID\"\n",
        ),
    }
    let mut programs: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &cx.mappings {
        if let Some(p) = s.program_indicators[m.pi].program.as_ref() {
            *programs.entry(p.id.as_str()).or_default() += 1;
        }
    }
    if programs.is_empty() {
        return;
    }
    out.push_str("# The programs whose program indicators carry it:\n");
    for (id, n) in &programs {
        let name = s.programs.get(id).map_or("", |p| p.name());
        let n =
            crate::rules::help::plural(*n, "mapped program indicator", "mapped program indicators");
        let _ = writeln!(out, "#   {id} \"{name}\": {n}");
    }
    let ids: Vec<&str> = programs.keys().copied().collect();
    let _ = writeln!(out, "programs = {}", quoted(&ids));
    out.push_str(
        "data_element_id_scheme = \"CODE\"            # CODE | UID | ATTRIBUTE:<uid>\n\
         category_option_combo_id_scheme = \"CODE\"\n",
    );
}

fn periods(cx: &Job<'_>, out: &mut String) {
    let t = cx.target;
    // Period type -> data set -> mapped program indicators feeding it.
    let mut by_type: BTreeMap<String, BTreeMap<usize, usize>> = BTreeMap::new();
    for m in &cx.mappings {
        let Some(de) = m.target_de else { continue };
        for ds in cx.graph.data_sets_of(de) {
            let pt = t.data_sets[ds].period_type.clone().unwrap_or_default();
            *by_type.entry(pt).or_default().entry(ds).or_default() += 1;
        }
    }
    if by_type.is_empty() {
        out.push_str(
            "# No mapped data element is in a data set of the target yet.\nlookback = 1\n",
        );
        return;
    }
    out.push_str("# The data sets the mapped program indicators feed, by period type:\n");
    for (pt, sets) in &by_type {
        for (&ds, n) in sets {
            let d = &t.data_sets[ds];
            let n = crate::rules::help::plural(*n, "program indicator", "program indicators");
            let _ = writeln!(out, "#   {pt}: {} \"{}\": {n}", d.id, d.name());
        }
    }
    if by_type.len() == 1 {
        let pt = by_type.keys().next().map_or("", String::as_str);
        let _ = writeln!(out, "period_type = \"{pt}\"");
    } else {
        let types: Vec<&str> = by_type.keys().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "# Several period types ({}): each mapping gets the periods of its data sets' type;\n# or write one job per type with `period_type`.",
            types.join(", ")
        );
    }
    out.push_str(
        "lookback = 1                             # the last complete period of each type\n",
    );
}

fn org_units(cx: &Job<'_>, s: &crate::catalog::Catalog, out: &mut String) {
    let ous = &s.organisation_units;
    let mut assigned: Vec<usize> = Vec::new();
    for m in &cx.mappings {
        let Some(p) = s.program_indicators[m.pi].program.as_ref() else {
            continue;
        };
        if let Some(prog) = s.programs.get(&p.id) {
            assigned.extend(prog.organisation_units.iter().filter_map(|id| ous.id(id)));
        }
    }
    assigned.sort_unstable();
    assigned.dedup();
    if assigned.is_empty() {
        out.push_str(
            "# The source holds no org units for these programs (packages ship none): name the\n\
             # root and the level that reports, as the analytics `ou` dimension reads them.\n\
             # org_units = [\"ROOT_UID\", \"LEVEL-4\"]\n",
        );
        return;
    }
    // The deepest org unit above all of them, and the level most of them are at.
    let paths: Vec<Vec<&str>> = assigned
        .iter()
        .filter_map(|&i| ous[i].path.as_deref())
        .map(|p| p.split('/').filter(|s| !s.is_empty()).collect())
        .collect();
    let mut root: Vec<&str> = paths.first().cloned().unwrap_or_default();
    for p in &paths[1..] {
        let common = root.iter().zip(p).take_while(|(a, b)| a == b).count();
        root.truncate(common);
    }
    let mut levels: BTreeMap<u32, usize> = BTreeMap::new();
    for &i in &assigned {
        if let Some(l) = ous[i].level {
            *levels.entry(l).or_default() += 1;
        }
    }
    let level = levels.iter().max_by_key(|(_, n)| **n).map(|(l, _)| *l);
    match (root.last(), level) {
        (Some(r), Some(l)) => {
            let name = ous.get(r).map_or("", |o| o.name());
            let _ = writeln!(
                out,
                "# The programs run at {} org units, most at level {l}, all under \"{name}\" ({r}):\norg_units = [\"{r}\", \"LEVEL-{l}\"]",
                assigned.len()
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "# The programs run at {} org units; without their paths and levels the root\n# cannot be told: name it and the reporting level.\n# org_units = [\"ROOT_UID\", \"LEVEL-4\"]",
                assigned.len()
            );
        }
    }
}
