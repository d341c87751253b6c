//! `t2a coverage`: every data element × category option combo of the data sets the
//! job feeds, with the program indicators that send to it. A cell nobody feeds is a gap
//! in the report; a cell two feed is overwritten on import (`duplicate-target`).

use crate::job::Job;
use crate::job::mappings::Combo;
use crate::model::Identifiable;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CoverageFormat {
    /// A table for people
    Table,
    /// CSV, one row per cell
    Csv,
}

/// One cell of the matrix.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Cell {
    pub data_set: String,
    pub period_type: String,
    pub data_element: String,
    pub category_option_combo: String,
    pub status: &'static str,
    pub program_indicators: Vec<String>,
}

fn code_or_name<T: Identifiable>(o: &T) -> String {
    o.code().unwrap_or(o.name()).to_string()
}

/// The cells, by data set (by name), data element (by code) and option combo.
pub fn cells(cx: &Job<'_>) -> Vec<Cell> {
    let (s, t) = (cx.source, cx.target);
    let mut sets = cx.graph.fed_data_sets();
    sets.sort_by_key(|&ds| t.data_sets[ds].name().to_string());
    let mut out = Vec::new();
    for ds in sets {
        let set = &t.data_sets[ds];
        let mut des: Vec<(usize, Option<usize>)> = set
            .data_set_elements
            .iter()
            .filter_map(|e| {
                let de = t.data_elements.id(&e.data_element.id)?;
                let over = e
                    .category_combo
                    .as_ref()
                    .and_then(|r| t.category_combos.id(&r.id));
                Some((de, over.or(t.de_combo(de))))
            })
            .collect();
        des.sort_by_key(|&(de, _)| code_or_name(&t.data_elements[de]));
        for (de, combo) in des {
            let cocs: Vec<Option<usize>> = match combo {
                Some(c) if !t.is_default_combo(c) => {
                    t.combo_cocs(c).iter().map(|&i| Some(i)).collect()
                }
                _ => vec![None],
            };
            for coc in cocs {
                let feeding: Vec<String> = cx
                    .graph
                    .mappings_of(de)
                    .into_iter()
                    .map(|mi| &cx.mappings[mi])
                    .filter(|m| match (m.target_coc, coc) {
                        (Combo::Found(c), Some(want)) => c == want,
                        (Combo::Disaggregated, Some(want)) => m.fed_cocs(t).contains(&want),
                        (Combo::Default, None) => true,
                        // A PI with the default COC on a default combo's only COC.
                        (Combo::Found(c), None) => {
                            combo.is_none_or(|k| t.combo_cocs(k).contains(&c))
                        }
                        _ => false,
                    })
                    .map(|m| {
                        let pi = &s.program_indicators[m.pi];
                        format!("{} ({})", pi.name(), pi.id)
                    })
                    .collect();
                out.push(Cell {
                    data_set: set.name().to_string(),
                    period_type: set.period_type.clone().unwrap_or_default(),
                    data_element: code_or_name(&t.data_elements[de]),
                    category_option_combo: coc.map_or("default".to_string(), |c| {
                        code_or_name(&t.category_option_combos[c])
                    }),
                    status: match feeding.len() {
                        0 => "gap",
                        1 => "fed",
                        _ => "double",
                    },
                    program_indicators: feeding,
                });
            }
        }
    }
    out
}

pub fn render(cells: &[Cell], format: CoverageFormat, unicode: bool) -> String {
    match format {
        CoverageFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record([
                "data_set",
                "period_type",
                "data_element",
                "category_option_combo",
                "status",
                "program_indicators",
            ]);
            for c in cells {
                let _ = w.write_record([
                    c.data_set.as_str(),
                    &c.period_type,
                    &c.data_element,
                    &c.category_option_combo,
                    c.status,
                    &c.program_indicators.join("; "),
                ]);
            }
            String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
        }
        CoverageFormat::Table => {
            let mut table = comfy_table::Table::new();
            table.load_preset(if unicode {
                comfy_table::presets::UTF8_FULL_CONDENSED
            } else {
                comfy_table::presets::ASCII_MARKDOWN
            });
            table.set_header(["data set", "data element", "option combo", "", "fed by"]);
            for c in cells {
                let mark = match c.status {
                    "gap" => "gap",
                    "double" => "DOUBLE",
                    _ => "",
                };
                table.add_row([
                    format!("{} ({})", c.data_set, c.period_type),
                    c.data_element.clone(),
                    c.category_option_combo.clone(),
                    mark.to_string(),
                    c.program_indicators.join("\n"),
                ]);
            }
            let gaps = cells.iter().filter(|c| c.status == "gap").count();
            let doubles = cells.iter().filter(|c| c.status == "double").count();
            format!(
                "{table}\n{} cells: {} fed, {gaps} gaps, {doubles} fed twice or more\n",
                cells.len(),
                cells.len() - gaps - doubles
            )
        }
    }
}
