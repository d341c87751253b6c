//! A record job's values for a sync: the records read once and aggregated into the
//! planned cells, then served to the sync as analytics would serve PI values (the same
//! requests, rows under the target's identifiers), so verification, reconciliation,
//! the dry run and the import are those of every job.

use std::io::Write;

use fixedbitset::FixedBitSet;
use rustc_hash::{FxHashMap, FxHashSet};

use super::aggregate::{AsOf, Classified, Disaggregation, Engine, EngineBlock, EngineCategory};
use super::compile::{godata_fields, line_list_fields};
use super::data::{RecordData, SeenIds};
use super::fields::{Cell, FieldTable};
use super::godata::fields::{Getter, Spec, fill, raw_date};
use super::godata::locations::read_table;
use super::godata::model::Case;
use super::godata::query::case_filter;
use super::godata::read_export;
use super::linelist::LineListReader;
use super::predicate::{Canonical, Compiled};
use super::side::RecordSide;
use crate::config::blocks::{AggregateBlock, OptionTest, ValueRule};
use crate::config::records::{
    ClassificationAsOf, ColumnMatch, GoDataLocation, GoDataSource, LineListSource, RecordSource,
};
use crate::dhis2::RemoteError;
use crate::dhis2::data::ExportQuery;
use crate::error::Error;
use crate::idscheme::IdScheme;
use crate::job::Job;
use crate::model::Identifiable;
use crate::sync::export::Source;
use crate::sync::plan::Plan;

/// The aggregated values, answering export requests.
pub struct RecordExport {
    /// Per (stand-in PI id, period ISO): org unit index → value.
    values: FxHashMap<(String, String), FxHashMap<u32, f64>>,
    /// Per stand-in PI id: what its rows carry (data element, COC, AOC as written).
    rows: FxHashMap<String, (String, Option<String>, Option<String>)>,
    /// Org unit identifiers under the job's scheme, by target index.
    unit_ids: Vec<Option<String>>,
    by_unit_id: FxHashMap<String, u32>,
    zero_fill: bool,
}

fn canonical_none(_: u16, _: &str) -> Vec<compact_str::CompactString> {
    Vec::new()
}

/// Compile a block for the engine; `None` when it cannot be (a field it names is not
/// read, which the static rules report).
fn engine_block(
    b: &AggregateBlock,
    bound: &super::bind::BoundBlock,
    fields: &FieldTable,
    location: u16,
    (planned, period_type): (FxHashSet<crate::period::Period>, crate::period::PeriodType),
    default_coc: u32,
    canonical: Canonical<'_>,
) -> Option<EngineBlock> {
    let c = |p| Compiled::compile(p, fields, canonical).ok();
    let disaggregation = if !b.combos.is_empty() {
        let mut list = Vec::new();
        for (rule, coc) in b.combos.iter().zip(&bound.explicit) {
            list.push(((*coc)? as u32, c(&rule.filter)?));
        }
        Disaggregation::Combos(list)
    } else if !b.categories.is_empty() {
        let mut categories = Vec::new();
        for cat in &b.categories {
            let mut options = Vec::new();
            for o in &cat.options {
                options.push(match &o.test {
                    OptionTest::Predicate(p) => c(p)?,
                    OptionTest::Else => Compiled::default(),
                });
            }
            categories.push(EngineCategory {
                options,
                else_option: cat.else_option(),
            });
        }
        Disaggregation::Categories {
            categories,
            combos: bound
                .choices
                .iter()
                .map(|(&k, &coc)| (k, coc as u32))
                .collect(),
        }
    } else {
        Disaggregation::Single(default_coc)
    };
    Some(EngineBlock {
        filter: c(&b.filter)?,
        period: fields.id(&b.period.value)?,
        period_type,
        planned,
        location,
        sum: match &b.value {
            ValueRule::Count => None,
            ValueRule::Sum(f) => Some(fields.id(&f.value)?),
        },
        disaggregation,
        allowed: None,
    })
}

/// The plan of a check that reads the records (`check --with-data`): the job's periods
/// as of today, as a sync would plan them.
pub fn plan_for(cx: &Job<'_>) -> Plan {
    let s = &cx.config.sync;
    let specs: Vec<String> = s.periods.iter().map(|p| p.value.clone()).collect();
    crate::sync::plan::plan(
        cx,
        &crate::sync::plan::Request {
            periods: &specs,
            period_type: s.period_type.as_ref().map(|p| p.value),
            lookback: s.lookback.unwrap_or(1),
            include_current: s.include_current,
            as_of: jiff::ZonedDateTime::now().date(),
            excluded: &[],
        },
    )
}

/// Every block compiled for the engine, with its planned periods and the org units its
/// data sets are assigned to.
fn engine_blocks(
    cx: &Job<'_>,
    plan: &Plan,
    side: &RecordSide,
    fields: &FieldTable,
    locations: &[u16],
    canonical: Canonical<'_>,
) -> Result<(Vec<EngineBlock>, Vec<bool>), Error> {
    let default_coc = cx.target.default_coc().map_or(u32::MAX, |c| c as u32);
    let mut blocks = Vec::new();
    let mut unsound = Vec::new();
    for (bi, (b, bound)) in cx
        .config
        .aggregates
        .iter()
        .zip(&side.binding.blocks)
        .enumerate()
    {
        let known = |name: &str| {
            side.columns
                .as_ref()
                .is_none_or(|c| c.iter().any(|c| c == name))
        };
        let sound = locations[bi] != u16::MAX
            && fields
                .id(&b.period.value)
                .is_some_and(|f| fields.kind(f) == crate::source::fields::Kind::Date)
            && known(&b.period.value)
            && super::compile::predicates(b)
                .iter()
                .all(|p| p.all_tests().iter().all(|t| known(&t.field.value)))
            && match &b.value {
                ValueRule::Sum(f) => known(&f.value),
                ValueRule::Count => true,
            };
        let pis: Vec<usize> = (0..side.binding.origins.len())
            .filter(|&i| side.binding.origins[i].block == bi)
            .collect();
        let mappings: Vec<usize> = cx
            .mappings
            .iter()
            .enumerate()
            .filter(|(_, m)| pis.contains(&m.pi))
            .map(|(i, _)| i)
            .collect();
        let group = plan.groups.iter().find(|g| {
            g.mappings.iter().any(|m| mappings.contains(m))
                && b.period_type
                    .as_ref()
                    .is_none_or(|t| t.value == g.period_type)
        });
        let (planned, period_type) = match group {
            Some(g) => (g.periods.iter().copied().collect(), g.period_type),
            None => (FxHashSet::default(), crate::period::PeriodType::Weekly),
        };
        // A block the static rules fault (a field the records lack) takes no record.
        let compiled = if sound {
            engine_block(
                b,
                bound,
                fields,
                locations[bi],
                (planned, period_type),
                default_coc,
                canonical,
            )
        } else {
            None
        };
        unsound.push(compiled.is_none());
        let mut block = match compiled {
            Some(block) => block,
            None => EngineBlock {
                filter: Compiled::default(),
                period: 0,
                period_type,
                planned: FxHashSet::default(),
                location: 0,
                sum: None,
                disaggregation: Disaggregation::Single(default_coc),
                allowed: None,
            },
        };
        block.allowed = bound.de.map(|de| {
            let mut bits = FixedBitSet::with_capacity(cx.target.organisation_units.len());
            for m in cx.target.memberships(de) {
                bits.union_with(cx.target.assigned(m.data_set));
            }
            bits
        });
        blocks.push(block);
    }
    Ok((blocks, unsound))
}

/// Count the period dates of a case and those not at midnight in the zone: date-only
/// fields are stored as midnight there, so many others mean the zone is wrong.
fn midnight(c: &Case, getters: &[Getter], tz: &jiff::tz::TimeZone, data: &mut RecordData) {
    // createdAt and updatedAt are real instants, not date-only fields.
    for g in getters
        .iter()
        .filter(|g| !matches!(g, Getter::CreatedAt | Getter::UpdatedAt))
    {
        let raw = raw_date(c, *g);
        if let Some(ts) = raw.and_then(|r| r.parse::<jiff::Timestamp>().ok()) {
            data.dates += 1;
            let t = tz.to_datetime(ts).time();
            if t != jiff::civil::Time::midnight() {
                data.dates_off_midnight += 1;
            }
        }
    }
}

/// A case's classification history as instants (entries that do not read are left
/// out; the current classification then stands).
fn history(c: &Case) -> Vec<Classified> {
    c.classification_history
        .iter()
        .filter_map(|h| {
            let from = h.start_date.as_deref()?.parse::<jiff::Timestamp>().ok()?;
            let until = match h.end_date.as_deref() {
                None => None,
                Some(e) => Some(e.parse::<jiff::Timestamp>().ok()?),
            };
            Some((from, until, h.classification.as_deref()?.into()))
        })
        .collect()
}

/// A line-list org unit value → the target org unit (index).
type UnitOf<'a> = Box<dyn Fn(&str) -> Option<u32> + 'a>;

/// Where a line list's org unit values land: the target's codes or UIDs (its own
/// indexes), or a table of `value,org_unit` rows.
fn line_list_units<'a>(l: &LineListSource, cx: &'a Job<'_>) -> Result<UnitOf<'a>, Error> {
    let t = &cx.target.organisation_units;
    Ok(match &l.org_units.matching {
        ColumnMatch::Code => Box::new(move |v| t.resolve(&IdScheme::Code, v).map(|i| i as u32)),
        ColumnMatch::Uid => Box::new(move |v| t.id(v).map(|i| i as u32)),
        ColumnMatch::Table(path) => {
            let table = read_table(
                &path.value,
                cx.target,
                &cx.config.mapping.org_unit_id_scheme,
                "value,org_unit",
            )?;
            Box::new(move |v| table.get(v).map(|&i| i as u32))
        }
    })
}

impl RecordExport {
    /// Read and aggregate the records of the planned periods.
    pub fn build(cx: &Job<'_>, plan: &Plan, side: &RecordSide) -> Result<RecordExport, Error> {
        let out = match &cx.config.records {
            Some(RecordSource::LineList(l)) => Self::line_list(cx, plan, side, l)?,
            Some(RecordSource::GoData(g)) => Self::godata(cx, plan, side, g)?,
            None => return Err(Error::usage("the job has no record source", None)),
        };
        let export = Self::from_data(cx, side, &out);
        // The first read's findings stand (a run reads once).
        let _ = side.data.set(out);
        Ok(export)
    }

    fn line_list(
        cx: &Job<'_>,
        plan: &Plan,
        side: &RecordSide,
        l: &LineListSource,
    ) -> Result<RecordData, Error> {
        let fields = line_list_fields(l, &cx.config.aggregates);
        let canonical: Canonical<'_> = &canonical_none;
        let locations = vec![fields.location; cx.config.aggregates.len()];
        let (blocks, unsound) =
            engine_blocks(cx, plan, side, &fields.table, &locations, canonical)?;
        let units = line_list_units(l, cx)?;
        let locate = |v: &str| units(v);
        let reader = LineListReader {
            source: l,
            fields: &fields.table,
            id_field: fields.id,
        };
        let mut engine = Engine::new(&blocks, &locate);
        let mut data = RecordData {
            no_id_column: l.id_column.is_none(),
            unsound,
            ..RecordData::default()
        };
        let allowed: Vec<(u16, &str, FxHashSet<&str>)> = l
            .columns
            .iter()
            .filter_map(|c| {
                let list = c.allowed.as_ref()?;
                Some((
                    fields.table.id(&c.name.value)?,
                    c.name.value.as_str(),
                    list.iter().map(|a| a.value.as_str()).collect(),
                ))
            })
            .collect();
        let mut seen = SeenIds::default();
        reader.read(&mut |cells, id| {
            for (f, column, ok) in &allowed {
                if let Cell::Text(v) = &cells[usize::from(*f)]
                    && !ok.contains(v.as_str())
                {
                    data.outside(column, v, id);
                }
            }
            // A repeated row is counted once: the first of an id stands.
            if let Some(id) = id
                && seen.repeated(id, &mut data)
            {
                return;
            }
            engine.add(cells, id);
        })?;
        data.aggregates = engine.out;
        Ok(data)
    }

    fn godata(
        cx: &Job<'_>,
        plan: &Plan,
        side: &RecordSide,
        g: &GoDataSource,
    ) -> Result<RecordData, Error> {
        let Some(gd) = &side.godata else {
            return Err(Error::usage("the Go.Data source was not read", None));
        };
        let fields = godata_fields(g, &cx.config.aggregates);
        let canonical = |id: u16, v: &str| -> Vec<compact_str::CompactString> {
            match fields.specs.get(usize::from(id)).and_then(|s| s.category()) {
                Some(cat) => gd.meta.tokens(cat, v),
                None => Vec::new(),
            }
        };
        let (blocks, unsound) =
            engine_blocks(cx, plan, side, &fields.table, &fields.locations, &canonical)?;
        let locate = |v: &str| gd.locations.org_unit(v).map(|o| o as u32);
        let tz = &g.timezone.tz;
        let as_of = (g.classification_as_of == ClassificationAsOf::PeriodEnd)
            .then(|| fields.table.id("classification"))
            .flatten()
            .map(|field| AsOf {
                field,
                tz: tz.clone(),
            });
        let mut engine = Engine::new(&blocks, &locate);
        engine.as_of = as_of.clone();
        let mut cells = vec![Cell::Null; fields.table.len()];
        let period_specs: Vec<Getter> = blocks
            .iter()
            .filter_map(|b| match fields.specs.get(usize::from(b.period)) {
                Some(Spec::Date(g)) => Some(*g),
                _ => None,
            })
            .collect();
        match &g.location {
            GoDataLocation::Export { cases, .. } => {
                let mut add = |c: &Case| {
                    fill(c, &fields.specs, tz, g.zero_age_is_known, &mut cells);
                    engine.add_classified(&cells, c.id.as_deref(), &history(c));
                };
                let mut data = RecordData {
                    unsound: unsound.clone(),
                    ..RecordData::default()
                };
                let mut seen = SeenIds::default();
                let mut add = |c: &Case| {
                    midnight(c, &period_specs, tz, &mut data);
                    if let Some(id) = c.id.as_deref()
                        && seen.repeated(id, &mut data)
                    {
                        return;
                    }
                    add(c);
                };
                read_export(&cases.value, g.outbreak_id(), &mut add)?;
                data.aggregates = engine.out;
                Ok(data)
            }
            GoDataLocation::Url { .. } => {
                let Some(client) = &gd.client else {
                    return Err(Error::usage(
                        "the Go.Data instance was not logged in to",
                        None,
                    ));
                };
                let with_history = g.classification_as_of == ClassificationAsOf::PeriodEnd;
                let filter = case_filter(&blocks, &fields, tz, with_history);
                // The outbreak changing during a read shows in the counts or in a
                // repeated id: read again from scratch, twice at most.
                let mut last = None;
                let mut dates = (0, 0);
                for _ in 0..3 {
                    let mut engine = Engine::new(&blocks, &locate);
                    engine.as_of = as_of.clone();
                    let mut probe = RecordData::default();
                    let check = client.read_cases(&filter, &mut |c: &Case| {
                        midnight(c, &period_specs, tz, &mut probe);
                        fill(c, &fields.specs, tz, g.zero_age_is_known, &mut cells);
                        engine.add_classified(&cells, c.id.as_deref(), &history(c));
                    })?;
                    let done = check.consistent();
                    dates = (probe.dates, probe.dates_off_midnight);
                    last = Some((engine.out, check));
                    if done {
                        break;
                    }
                }
                let (out, check) = last.ok_or_else(|| Error::usage("no read", None))?;
                let mut data = RecordData {
                    aggregates: out,
                    read: Some(check),
                    unsound,
                    ..RecordData::default()
                };
                data.dates = dates.0;
                data.dates_off_midnight = dates.1;
                Ok(data)
            }
        }
    }

    fn from_data(cx: &Job<'_>, side: &RecordSide, data: &RecordData) -> RecordExport {
        let aggregates = &data.aggregates;
        let pis = &cx.source.program_indicators;
        let scheme = &cx.config.mapping.org_unit_id_scheme;
        let unit_ids: Vec<Option<String>> = cx
            .target
            .organisation_units
            .iter()
            .map(|o| scheme.identifier(o).map(str::to_string))
            .collect();
        // Requests name org units by UID (the stand-in programs' units); rows carry
        // them under the job's scheme.
        let by_unit_id = cx
            .target
            .organisation_units
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id().to_string(), i as u32))
            .collect();
        let mut values: FxHashMap<(String, String), FxHashMap<u32, f64>> = FxHashMap::default();
        for (k, acc) in &aggregates.cells {
            let Some(pi) = side
                .binding
                .pi_of(k.block as usize, Some(k.combo as usize))
                .or_else(|| side.binding.pi_of(k.block as usize, None))
            else {
                continue;
            };
            values
                .entry((pis[pi].id.clone(), k.period.iso()))
                .or_default()
                .insert(k.org_unit, acc.value);
        }
        let rows = cx
            .mappings
            .iter()
            .map(|m| {
                (
                    pis[m.pi].id.clone(),
                    (m.de.clone(), m.coc.clone(), m.aoc.clone()),
                )
            })
            .collect();
        RecordExport {
            values,
            rows,
            unit_ids,
            by_unit_id,
            zero_fill: cx.config.sync.zero_fill,
        }
    }

    fn body(&self, q: &ExportQuery) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"dataValues\":[");
        let mut first = true;
        let units: Vec<u32> =
            q.ou.iter()
                .filter_map(|o| self.by_unit_id.get(o.as_str()).copied())
                .collect();
        for dx in &q.dx {
            let Some((de, coc, aoc)) = self.rows.get(dx) else {
                continue;
            };
            for pe in &q.pe {
                let cells = self.values.get(&(dx.clone(), pe.clone()));
                for &ou in &units {
                    let value = match cells.and_then(|c| c.get(&ou)) {
                        Some(v) => *v,
                        None if self.zero_fill => 0.0,
                        None => continue,
                    };
                    let Some(ou_id) = &self.unit_ids[ou as usize] else {
                        continue;
                    };
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    let row = serde_json::json!({
                        "dataElement": de,
                        "period": pe,
                        "orgUnit": ou_id,
                        "categoryOptionCombo": coc,
                        "attributeOptionCombo": aoc,
                        "value": number(value),
                    });
                    let _ = write!(out, "{row}");
                }
            }
        }
        out.extend_from_slice(b"]}");
        out
    }
}

/// A value as DHIS2 writes it: whole numbers without a point.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

impl Source for RecordExport {
    fn export(&self, query: &ExportQuery) -> Result<(String, bytes::Bytes), RemoteError> {
        Ok(("records".to_string(), bytes::Bytes::from(self.body(query))))
    }

    fn concurrency(&self) -> usize {
        1
    }
}
