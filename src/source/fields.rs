//! The fields blocks read from a record, and the cells a reader fills for each record.
//!
//! Blocks are compiled once against a field table: each field they name gets an id and
//! a kind, and a reader fills one cell per field per record (into a reused buffer), so
//! that evaluation never looks a name up.

use compact_str::CompactString;
use jiff::civil::Date;
use rustc_hash::FxHashMap;

/// How a field's value is held once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text compared by equality (line-list cells, Go.Data reference ids, locations).
    Text,
    Number,
    Date,
    Bool,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Number => "number",
            Kind::Date => "date",
            Kind::Bool => "boolean",
        }
    }
}

/// One field's value in one record.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Cell {
    /// Absent, null or an empty cell.
    #[default]
    Null,
    /// Present but not readable as the field's kind (a line-list date that does not
    /// parse, an age with neither years, months nor a birth date).
    Unknown,
    Text(CompactString),
    Number(f64),
    Date(Date),
    Bool(bool),
}

impl Cell {
    pub fn is_value(&self) -> bool {
        !matches!(self, Cell::Null | Cell::Unknown)
    }
}

/// Field id: index into a record's cells.
pub type FieldId = u16;

/// The fields a job's blocks read, each once, with the kind each is read as.
#[derive(Debug, Clone, Default)]
pub struct FieldTable {
    pub names: Vec<String>,
    pub kinds: Vec<Kind>,
    by_name: FxHashMap<String, FieldId>,
}

impl FieldTable {
    /// The field's id, adding it with `kind` the first time. A later, stricter use
    /// (number or date over text) wins: a line-list column compared with numbers is
    /// read as a number.
    pub fn add(&mut self, name: &str, kind: Kind) -> FieldId {
        if let Some(&id) = self.by_name.get(name) {
            let k = &mut self.kinds[usize::from(id)];
            if *k == Kind::Text && kind != Kind::Text {
                *k = kind;
            }
            return id;
        }
        let id = FieldId::try_from(self.names.len()).unwrap_or(FieldId::MAX);
        self.names.push(name.to_string());
        self.kinds.push(kind);
        self.by_name.insert(name.to_string(), id);
        id
    }

    pub fn id(&self, name: &str) -> Option<FieldId> {
        self.by_name.get(name).copied()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn kind(&self, id: FieldId) -> Kind {
        self.kinds[usize::from(id)]
    }
}

/// A number as a line list writes it: `12`, `12.5`, `12,5` is not one.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}
