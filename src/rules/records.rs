//! What the record rules (T2A040–T2A049) share: the blocks and their predicates with
//! where each stands, what a field is in this source, and findings that name a block
//! and point into the job config.

use std::ops::Range;

use crate::config::blocks::{AggregateBlock, FieldTest, OptionTest, Predicate};
use crate::config::records::{GoDataSource, LineListSource, RecordSource};
use crate::diagnostic::{Finding, ObjectRef};
use crate::job::Job;
use crate::rule_id::RuleId;
use crate::source::godata::fields::{Spec, spec};
use crate::source::side::RecordSide;

/// Where a predicate of a block stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Where,
    /// Category and option (indices into the block's tables).
    Option(usize, usize),
    Combo(usize),
}

/// Every predicate of a block with its place.
pub fn placed(b: &AggregateBlock) -> Vec<(Place, &Predicate)> {
    let mut out = vec![(Place::Where, &b.filter)];
    for (ci, c) in b.categories.iter().enumerate() {
        for (oi, o) in c.options.iter().enumerate() {
            if let OptionTest::Predicate(p) = &o.test {
                out.push((Place::Option(ci, oi), p));
            }
        }
    }
    for (i, c) in b.combos.iter().enumerate() {
        out.push((Place::Combo(i), &c.filter));
    }
    out
}

/// Every field test of a block with its place.
pub fn tests(b: &AggregateBlock) -> Vec<(Place, &FieldTest)> {
    placed(b)
        .into_iter()
        .flat_map(|(place, p)| p.all_tests().into_iter().map(move |t| (place, t)))
        .collect()
}

/// The record job's parts, when the job is one.
pub struct RecordJob<'a> {
    pub side: &'a RecordSide,
    pub source: &'a RecordSource,
    pub blocks: &'a [AggregateBlock],
}

pub fn record_job<'a>(cx: &'a Job<'_>) -> Option<RecordJob<'a>> {
    Some(RecordJob {
        side: cx.records?,
        source: cx.config.records.as_ref()?,
        blocks: &cx.config.aggregates,
    })
}

impl RecordJob<'_> {
    pub fn godata(&self) -> Option<&GoDataSource> {
        match self.source {
            RecordSource::GoData(g) => Some(g),
            RecordSource::LineList(_) => None,
        }
    }

    pub fn line_list(&self) -> Option<&LineListSource> {
        match self.source {
            RecordSource::LineList(l) => Some(l),
            RecordSource::GoData(_) => None,
        }
    }
}

/// What a field name is in the job's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldIs {
    GoData(Spec),
    /// A line-list column (its index in the header).
    Column(usize),
    /// Not a field of the source.
    Unknown,
}

pub fn field_is(rj: &RecordJob<'_>, name: &str) -> FieldIs {
    match rj.source {
        RecordSource::GoData(_) => spec(name).map_or(FieldIs::Unknown, FieldIs::GoData),
        RecordSource::LineList(_) => rj
            .side
            .columns
            .as_ref()
            .and_then(|cols| cols.iter().position(|c| c == name))
            .map_or(FieldIs::Unknown, FieldIs::Column),
    }
}

/// A finding about a block, standing at `span` in the config.
pub fn block_finding(
    rule: &'static RuleId,
    cx: &Job<'_>,
    block: usize,
    span: Range<usize>,
    message: String,
    help: impl Into<String>,
) -> Finding {
    let mut f = Finding::new(rule, message, help).object(RecordSide::block_ref(cx.config, block));
    f.config_span = Some(span);
    f
}

/// A Go.Data object by id (never by a person's name: locations and reference data are
/// not people).
pub fn godata_ref(kind: &'static str, id: &str, name: Option<&str>) -> ObjectRef {
    ObjectRef {
        kind,
        id: id.to_string(),
        name: name.unwrap_or("").to_string(),
    }
}

/// Up to three record ids, for a message.
pub fn ids(examples: &[compact_str::CompactString]) -> String {
    if examples.is_empty() {
        return String::new();
    }
    let list: Vec<&str> = examples.iter().map(|s| s.as_str()).collect();
    format!(" (e.g. {})", list.join(", "))
}

/// `1 record has` / `3 records have`: the count with the verb that agrees.
pub fn records_do(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", records(n), if n == 1 { one } else { many })
}

/// `1 record` / `3 records`.
pub fn records(n: u64) -> String {
    if n == 1 {
        "1 record".into()
    } else {
        format!("{n} records")
    }
}
