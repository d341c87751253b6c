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
    LineListFields {
        table,
        id,
        location,
    }
}
