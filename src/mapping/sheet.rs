//! The mapping sheet: one row per program indicator in the job's scope, as CSV or
//! JSON. `export` writes it; `apply` reads it back and says what changed.

use serde::{Deserialize, Serialize};

use super::change::{Change, Field};
use crate::error::Error;
use crate::job::Job;
use crate::job::mappings::{Combo, DeField};
use crate::model::Identifiable;
use crate::report::Report;

/// One row. The first seven columns are the mapping (what `apply` reads); the others
/// say what it resolves to in the target and what the check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub program: String,
    pub program_name: String,
    pub program_indicator: String,
    pub name: String,
    pub data_element: String,
    pub category_option_combo: String,
    pub attribute_option_combo: String,
    #[serde(default)]
    pub data_element_in_target: String,
    #[serde(default)]
    pub category_option_combo_in_target: String,
    #[serde(default)]
    pub attribute_option_combo_in_target: String,
    #[serde(default)]
    pub findings: String,
}

fn combo(cx: &Job<'_>, c: Combo) -> String {
    match c {
        Combo::Default => String::new(),
        Combo::Unknown => "(unknown)".into(),
        Combo::Disaggregated => "(disaggregated)".into(),
        Combo::Found(i) => {
            let o = &cx.target.category_option_combos[i];
            format!("{} {}", o.id(), o.name())
        }
    }
}

/// The rows of the job's scope, in the order of the source.
pub fn rows(cx: &Job<'_>, report: &Report) -> Vec<Row> {
    let (s, t) = (cx.source, cx.target);
    let mapped: std::collections::HashMap<usize, &crate::job::mappings::Mapping> =
        cx.mappings.iter().map(|m| (m.pi, m)).collect();
    cx.scope
        .iter()
        .map(|&pi| {
            let p = &s.program_indicators[pi];
            let program = p.program.as_ref().map(|r| r.id.clone()).unwrap_or_default();
            let program_name = s
                .programs
                .get(&program)
                .map(|x| x.name().to_string())
                .unwrap_or_default();
            let findings: Vec<String> = report
                .findings
                .iter()
                .filter(|f| {
                    f.objects
                        .iter()
                        .any(|o| o.kind == "programIndicator" && o.id == p.id)
                })
                .map(|f| format!("{} {}", f.rule.code, f.rule.name))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut row = Row {
                program,
                program_name,
                program_indicator: p.id.clone(),
                name: p.name().to_string(),
                findings: findings.join("; "),
                ..Row::default()
            };
            if let Some(m) = mapped.get(&pi) {
                row.data_element = m.de.clone();
                row.category_option_combo = m.coc.clone().unwrap_or_default();
                row.attribute_option_combo = m.aoc.clone().unwrap_or_default();
                row.data_element_in_target = m.target_de.map_or("(unknown)".to_string(), |d| {
                    let d = &t.data_elements[d];
                    format!("{} {}", d.id(), d.name())
                });
                row.category_option_combo_in_target = combo(cx, m.target_coc);
                row.attribute_option_combo_in_target = combo(cx, m.target_aoc);
            }
            row
        })
        .collect()
}

pub fn to_csv(rows: &[Row]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        let _ = w.serialize(r);
    }
    if rows.is_empty() {
        let _ = w.write_record([
            "program",
            "program_name",
            "program_indicator",
            "name",
            "data_element",
            "category_option_combo",
            "attribute_option_combo",
            "data_element_in_target",
            "category_option_combo_in_target",
            "attribute_option_combo_in_target",
            "findings",
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Read a sheet written by `export` (CSV, or JSON when the file starts with `[`), as
/// edited in a spreadsheet.
pub fn read(path: &std::path::Path) -> Result<Vec<Row>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::usage(format!("cannot read `{}`: {e}", path.display()), None))?;
    let bad = |e: String| {
        Error::usage(
            format!("`{}` is not a mapping sheet: {e}", path.display()),
            Some("write one with `t2a mapping export`, edit the data element and option combo columns, keep the header".to_string()),
        )
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text).map_err(|e| bad(e.to_string()));
    }
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.deserialize()
        .enumerate()
        .map(|(i, row)| row.map_err(|e| bad(format!("row {}: {e}", i + 2))))
        .collect()
}

fn value(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The changes a sheet asks for: its mapping columns against the job's mappings.
pub fn changes(cx: &Job<'_>, rows: &[Row]) -> Result<Vec<Change>, Error> {
    let s = cx.source;
    let attribute = cx.attribute.chosen().map(str::to_string);
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for row in rows {
        let Some(pi) = s.program_indicators.id(&row.program_indicator) else {
            unknown.push(row.program_indicator.clone());
            continue;
        };
        let m = cx.mappings.iter().find(|m| m.pi == pi);
        let name = s.program_indicators[pi].name().to_string();
        let de_field = match m.map(|m| m.de_field) {
            Some(DeField::ExportField) => Some(Field::DataElement),
            _ => attribute.clone().map(Field::Attribute),
        };
        let now = [
            m.map(|m| m.de.clone()),
            m.and_then(|m| m.coc.clone()),
            m.and_then(|m| m.aoc.clone()),
        ];
        let want = [
            value(&row.data_element),
            value(&row.category_option_combo),
            value(&row.attribute_option_combo),
        ];
        let fields = [
            de_field,
            Some(Field::CategoryOptionCombo),
            Some(Field::AttributeOptionCombo),
        ];
        for ((from, to), field) in now.into_iter().zip(want).zip(fields) {
            if from == to {
                continue;
            }
            let Some(field) = field else {
                return Err(Error::usage(
                    "the sheet sets data elements, but the job has no mapping attribute to hold them",
                    Some("set `mapping.attribute` in the job config".to_string()),
                ));
            };
            out.push(Change {
                program_indicator: row.program_indicator.clone(),
                name: name.clone(),
                field,
                from,
                to,
                reason: "sheet".into(),
            });
        }
    }
    if !unknown.is_empty() {
        return Err(Error::usage(
            format!(
                "the sheet names program indicators the source does not hold: {}",
                unknown.join(", ")
            ),
            Some("keep the program_indicator column as exported".to_string()),
        ));
    }
    Ok(out)
}
