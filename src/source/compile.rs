//! The fields a job's blocks read, with the kind each is read as.

use super::fields::{FieldId, FieldTable, Kind};
use super::predicate::inferred_kind;
use crate::config::blocks::{AggregateBlock, OptionTest, Predicate, ValueRule};
use crate::config::records::LineListSource;

/// The fields of a line-list job: the columns its blocks and source name.
pub struct LineListFields {
    pub table: FieldTable,
    pub id: Option<FieldId>,
    pub location: FieldId,
}

fn register(table: &mut FieldTable, p: &Predicate) {
    for t in p.all_tests() {
        table.add(&t.field.value, inferred_kind(&t.test));
    }
}

/// Every predicate of a block: its `where`, its options', its combos'.
pub fn predicates(b: &AggregateBlock) -> Vec<&Predicate> {
    let mut out = vec![&b.filter];
    for c in &b.categories {
        for o in &c.options {
            if let OptionTest::Predicate(p) = &o.test {
                out.push(p);
            }
        }
    }
    out.extend(b.combos.iter().map(|c| &c.filter));
    out
}

pub fn line_list_fields(source: &LineListSource, blocks: &[AggregateBlock]) -> LineListFields {
    let mut table = FieldTable::default();
    let location = table.add(&source.org_units.column.value, Kind::Text);
    let id = source
        .id_column
        .as_ref()
        .map(|c| table.add(&c.value, Kind::Text));
    for b in blocks {
        table.add(&b.period.value, Kind::Date);
        if let ValueRule::Sum(f) = &b.value {
            table.add(&f.value, Kind::Number);
        }
        for p in predicates(b) {
            register(&mut table, p);
        }
    }
    for c in &source.columns {
        if c.allowed.is_some() {
            table.add(&c.name.value, Kind::Text);
        }
    }
    // The record's place and id stay text whatever a block compares them with.
    for f in std::iter::once(location).chain(id) {
        table.kinds[usize::from(f)] = Kind::Text;
    }
    LineListFields {
        table,
        id,
        location,
    }
}

/// The fields of a Go.Data job: every field its blocks name that Go.Data has (the
/// others are `unknown-source-field`), each with its spec, and per block the field that
/// gives its location.
pub struct GoDataFields {
    pub table: FieldTable,
    pub specs: Vec<super::godata::fields::Spec>,
    pub locations: Vec<FieldId>,
}

/// The location field a block reads: its `org_units.from`, else the source's.
pub fn location_field<'a>(
    b: &'a AggregateBlock,
    source: &'a crate::config::records::GoDataSource,
) -> &'a str {
    b.org_units_from
        .as_ref()
        .map_or(source.org_units.from.value.as_str(), |f| f.value.as_str())
}

pub fn godata_fields(
    source: &crate::config::records::GoDataSource,
    blocks: &[AggregateBlock],
) -> GoDataFields {
    use super::godata::fields::spec;
    let mut table = FieldTable::default();
    let mut specs = Vec::new();
    let mut add = |table: &mut FieldTable, name: &str| -> Option<FieldId> {
        let s = spec(name)?;
        let before = table.len();
        let id = table.add(name, s.kind());
        if table.len() > before {
            specs.push(s);
        }
        Some(id)
    };
    let mut locations = Vec::new();
    for b in blocks {
        add(&mut table, &b.period.value);
        if let ValueRule::Sum(f) = &b.value {
            add(&mut table, &f.value);
        }
        for p in predicates(b) {
            for t in p.all_tests() {
                add(&mut table, &t.field.value);
            }
        }
        let loc = location_field(b, source);
        locations.push(add(&mut table, loc).unwrap_or(FieldId::MAX));
    }
    GoDataFields {
        table,
        specs,
        locations,
    }
}
