//! WHO Go.Data as a record source: an instance over its API, or a JSON case export
//! with its locations and reference data files (`godata-api.md` §1, §1.13).

pub mod client;
pub mod fields;
pub mod locations;
pub mod model;
pub mod query;

use std::path::Path;

use compact_str::CompactString;

use crate::config::records::{GoDataLocation, GoDataSource};
use crate::error::Error;
use model::{Case, Location, Outbreak, ReferenceItem};

/// What is read of a Go.Data source before its cases: the outbreak (absent for an
/// export without one), its reference data and the locations.
#[derive(Debug, Default)]
pub struct GoDataMeta {
    pub outbreak: Option<Outbreak>,
    /// Global items and this outbreak's own; deleted ones left out.
    pub reference: Vec<ReferenceItem>,
    /// Whether reference data was read at all (an export may come without it).
    pub reference_read: bool,
    pub locations: Vec<Location>,
    /// Why the named outbreak could not be read (not visible to the account, unknown,
    /// ambiguous by name), for `restricted-source-visibility`.
    pub outbreak_problem: Option<String>,
}

fn read_json_file<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, Error> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::usage(
            format!("cannot read the Go.Data {what} `{}`: {e}", path.display()),
            Some(
                "check the path in `[source]` (relative paths start at the config file's folder)"
                    .to_string(),
            ),
        )
    })?;
    let mut r = std::io::BufReader::new(file);
    skip_bom(&mut r);
    serde_json::from_reader(r).map_err(|e| {
        Error::usage(
            format!("`{}` is not a Go.Data {what}: {e}", path.display()),
            Some(format!(
                "it is the JSON array GET /api/{} returns",
                if what == "locations" {
                    "locations"
                } else {
                    "reference-data"
                }
            )),
        )
    })
}

fn skip_bom(r: &mut impl std::io::BufRead) {
    if let Ok(head) = r.fill_buf()
        && head.starts_with(b"\xef\xbb\xbf")
    {
        r.consume(3);
    }
}

impl GoDataMeta {
    /// The files of an offline source.
    pub fn from_export(g: &GoDataSource) -> Result<GoDataMeta, Error> {
        let GoDataLocation::Export {
            locations,
            reference_data,
            outbreak,
            ..
        } = &g.location
        else {
            return Err(Error::usage("not a Go.Data export", None));
        };
        let mut meta = GoDataMeta::default();
        if let Some(p) = outbreak {
            meta.outbreak = Some(read_json_file(&p.value, "outbreak")?);
        }
        if let Some(p) = locations {
            let all: Vec<Location> = read_json_file(&p.value, "locations")?;
            meta.locations = all
                .into_iter()
                .filter(|l| l.deleted != Some(true))
                .collect();
        }
        if let Some(p) = reference_data {
            let all: Vec<ReferenceItem> = read_json_file(&p.value, "reference data")?;
            let outbreak = g.outbreak_id();
            meta.reference = all
                .into_iter()
                .filter(|r| r.deleted != Some(true))
                .filter(|r| r.outbreak_id.is_none() || r.outbreak_id.as_deref() == outbreak)
                .collect();
            meta.reference_read = true;
        }
        Ok(meta)
    }

    /// The reference tokens a value written for a field of `category` stands for: a full
    /// token as is; a suffix (`CONFIRMED`) the items of the category ending with it
    /// (the global one, and the outbreak's own), else the system token.
    pub fn tokens(&self, category: &str, value: &str) -> Vec<CompactString> {
        if value.starts_with("LNG_") {
            return vec![value.into()];
        }
        let system = format!("{category}_{value}");
        let suffix = format!(
            "_{category_tail}_{value}",
            category_tail = category.rsplit("CATEGORY_").next().unwrap_or(category)
        );
        let mut out: Vec<CompactString> = self
            .reference
            .iter()
            .filter(|r| r.category_id.as_deref() == Some(category))
            .filter(|r| r.id == system || (r.outbreak_id.is_some() && r.id.ends_with(&suffix)))
            .map(|r| CompactString::from(r.id.as_str()))
            .collect();
        if out.is_empty() {
            out.push(system.into());
        }
        out.sort();
        out.dedup();
        out
    }

    /// The reference item with this id.
    pub fn item(&self, id: &str) -> Option<&ReferenceItem> {
        self.reference.iter().find(|r| r.id == id)
    }
}

impl GoDataSource {
    /// The outbreak id, when the job names one by id.
    pub fn outbreak_id(&self) -> Option<&str> {
        match &self.outbreak {
            Some(crate::config::records::OutbreakRef::Id(id)) => Some(&id.value),
            _ => None,
        }
    }
}

/// Every case of an export file (a JSON array), streamed: deleted cases and, when the
/// job names an outbreak, other outbreaks' cases are left out.
pub fn read_export(
    path: &Path,
    outbreak: Option<&str>,
    each: &mut dyn FnMut(&Case),
) -> Result<u64, Error> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::usage(
            format!(
                "cannot read the Go.Data case export `{}`: {e}",
                path.display()
            ),
            Some("check `[source] export`".to_string()),
        )
    })?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, file);
    skip_bom(&mut r);
    let mut de = serde_json::Deserializer::from_reader(r);
    let mut n = 0u64;
    let mut visitor = Cases {
        each: &mut |c: Case| {
            if c.deleted == Some(true) {
                return;
            }
            if let (Some(o), Some(co)) = (outbreak, c.outbreak_id.as_deref())
                && o != co
            {
                return;
            }
            n += 1;
            each(&c);
        },
    };
    serde::Deserializer::deserialize_seq(&mut de, &mut visitor).map_err(|e| {
        Error::usage(
            format!("`{}` is not a Go.Data case export: {e}", path.display()),
            Some("export the cases as JSON with useDbColumns and dontTranslateValues (an array of case objects)".to_string()),
        )
    })?;
    Ok(n)
}

struct Cases<'e> {
    each: &'e mut dyn FnMut(Case),
}

impl<'de> serde::de::Visitor<'de> for &mut Cases<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of cases")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(c) = seq.next_element::<Case>()? {
            (self.each)(c);
        }
        Ok(())
    }
}
