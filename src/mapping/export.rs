//! `t2a mapping export`: the sheet as CSV or JSON.

use super::sheet::{Row, to_csv};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SheetFormat {
    Csv,
    Json,
}

pub fn render(rows: &[Row], format: SheetFormat) -> String {
    match format {
        SheetFormat::Csv => to_csv(rows),
        SheetFormat::Json => serde_json::to_string_pretty(rows).unwrap_or_default() + "\n",
    }
}
