//! The source side of a record job: what was read of the source (a line list's header;
//! for Go.Data its outbreak, reference data and locations), the blocks bound to the
//! target, and the stand-in source the rest of t2a reads.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::config::records::{GoDataLocation, LocationMatch, RecordSource};
use crate::diagnostic::{Finding, ObjectRef};
use crate::error::Error;
use crate::input::SideInfo;

use super::bind::{Binding, bind};
use super::godata::GoDataMeta;
use super::godata::client::GoDataClient;
use super::godata::locations::{LocationIndex, read_table};
use super::linelist::LineListReader;

/// A record job's source, read and bound.
#[derive(Debug)]
pub struct RecordSide {
    pub binding: Binding,
    /// A line list's columns, as its header (or first record) names them.
    pub columns: Option<Vec<String>>,
    /// A Go.Data source's outbreak, reference data and locations.
    pub godata: Option<GoDataSide>,
    pub info: SideInfo,
    /// What reading the records found, once they are read.
    pub data: std::sync::OnceLock<super::data::RecordData>,
}

/// What was read of a Go.Data source before its cases.
#[derive(Debug)]
pub struct GoDataSide {
    pub meta: GoDataMeta,
    pub locations: LocationIndex,
    /// The logged-in client of a live instance.
    pub client: Option<GoDataClient>,
}

impl RecordSide {
    /// Read what the static checks need and bind the blocks; the catalog is the
    /// stand-in source.
    pub fn load(config: &Config, target: &Catalog) -> Result<(RecordSide, Catalog), Error> {
        let Some(records) = &config.records else {
            return Err(Error::usage("the job has no record source", None));
        };
        let (columns, location, godata) = match records {
            RecordSource::LineList(l) => (
                Some(LineListReader::header(l)?),
                l.path.value.display().to_string(),
                None,
            ),
            RecordSource::GoData(g) => {
                let (meta, client) = match &g.location {
                    GoDataLocation::Export { .. } => (GoDataMeta::from_export(g)?, None),
                    GoDataLocation::Url { .. } => {
                        let client = GoDataClient::login(g)?;
                        (client.metadata(g)?, Some(client))
                    }
                };
                let table = match &g.org_units.matching {
                    LocationMatch::Table(p) => read_table(
                        &p.value,
                        target,
                        &config.mapping.org_unit_id_scheme,
                        "location_id,org_unit",
                    )?,
                    _ => Default::default(),
                };
                let locations =
                    LocationIndex::build(meta.locations.clone(), &g.org_units, &table, target);
                let location = match &g.location {
                    GoDataLocation::Url { url, .. } => url.value.to_string(),
                    GoDataLocation::Export { cases, .. } => cases.value.display().to_string(),
                };
                (
                    None,
                    location,
                    Some(GoDataSide {
                        meta,
                        locations,
                        client,
                    }),
                )
            }
        };
        let (binding, metadata) = bind(config, target);
        let side = RecordSide {
            binding,
            columns,
            godata,
            data: std::sync::OnceLock::new(),
            info: SideInfo {
                kind: records.kind(),
                location,
                dhis2_version: None,
            },
        };
        Ok((side, Catalog::new(metadata)))
    }

    /// The finding object of a block.
    pub fn block_ref(config: &Config, block: usize) -> ObjectRef {
        let name = config
            .aggregates
            .get(block)
            .map_or_else(String::new, |b| b.name.clone());
        ObjectRef {
            kind: "recordMapping",
            id: name.clone(),
            name,
        }
    }

    /// Findings of the target rules speak of program indicators; in a record job the
    /// stand-ins are blocks: name them so, place them at the block in the config.
    pub fn reword(&self, config: &Config, source: &Catalog, findings: &mut [Finding]) {
        for f in findings.iter_mut() {
            let mut block = None;
            for o in f.objects.iter_mut() {
                let b = match o.kind {
                    "programIndicator" => source
                        .program_indicators
                        .id(&o.id)
                        .and_then(|i| self.binding.origins.get(i))
                        .map(|origin| origin.block),
                    "program" => self.binding.programs.iter().position(|p| *p == o.id),
                    "recordMapping" => {
                        block.get_or_insert_with(|| {
                            config
                                .aggregates
                                .iter()
                                .position(|b| b.name == o.id)
                                .unwrap_or(0)
                        });
                        None
                    }
                    _ => None,
                };
                if let Some(b) = b {
                    *o = Self::block_ref(config, b);
                    block.get_or_insert(b);
                }
            }
            f.objects.dedup();
            for text in [&mut f.message, &mut f.help]
                .into_iter()
                .chain(f.hint.as_mut())
            {
                *text = reworded(text);
            }
            if let Some(g) = f.group.as_mut() {
                g.cause = reworded(&g.cause);
                g.item = reworded(&g.item);
                if let Some(h) = g.help.as_mut() {
                    *h = reworded(h);
                }
            }
            if let Some(b) = block.and_then(|b| config.aggregates.get(b)) {
                f.config_span
                    .get_or_insert_with(|| b.data_element.span.clone());
            }
        }
    }
}

/// PI wording made block wording.
fn reworded(text: &str) -> String {
    text.replace("program indicators block \"", "blocks \"")
        .replace("program indicator block \"", "block \"")
        .replace("on the program indicator", "in the block")
        .replace("the program indicator's", "the block's")
        .replace("program indicators", "blocks")
        .replace("program indicator", "block")
        .replace("`aggregateExportDataElement`", "`data_element`")
        .replace(
            "`aggregateExportCategoryOptionCombo`",
            "the block's option combo",
        )
        .replace(
            "`aggregateExportAttributeOptionCombo`",
            "`attribute_option_combo`",
        )
}
