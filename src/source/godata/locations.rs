//! Go.Data locations → target org units (`godata-api.md` §1.9, §3.1 `match`): by id,
//! by `identifiers[].code` (a code, or a UID where the converter wrote one), or by a
//! table; an unmapped location rolls up to its nearest mapped ancestor.

use rustc_hash::FxHashMap;

use super::model::Location;
use crate::catalog::Catalog;
use crate::config::records::{LocationLink, LocationMatch};
use crate::error::Error;
use crate::idscheme::IdScheme;

/// How one location links to the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Its own org unit (index).
    Direct(usize),
    /// An ancestor's org unit (the ancestor's id, the org unit).
    RolledUp(String, usize),
    /// Two identifiers name two org units.
    Ambiguous(Vec<usize>),
    /// Neither it nor an ancestor maps.
    Unmapped,
}

impl Link {
    pub fn org_unit(&self) -> Option<usize> {
        match self {
            Link::Direct(o) | Link::RolledUp(_, o) => Some(*o),
            _ => None,
        }
    }
}

/// The locations and each one's link.
#[derive(Debug, Default)]
pub struct LocationIndex {
    pub locations: Vec<Location>,
    by_id: FxHashMap<String, usize>,
    /// Per location: its own match, before roll-up.
    own: Vec<Link>,
    /// Per location: its link after roll-up.
    pub links: Vec<Link>,
    /// `match = "table"` or `"id"`: the org unit of a location id the locations read do
    /// not hold (an export without a locations file, a deleted location), found by the
    /// table or as a UID without roll-up.
    direct: FxHashMap<String, usize>,
}

fn own_link(
    l: &Location,
    link: &LocationLink,
    table: &FxHashMap<String, usize>,
    target: &Catalog,
) -> Link {
    let ous = &target.organisation_units;
    match &link.matching {
        LocationMatch::Id => ous.id(&l.id).map_or(Link::Unmapped, Link::Direct),
        LocationMatch::Table(_) => table
            .get(&l.id)
            .map_or(Link::Unmapped, |&o| Link::Direct(o)),
        LocationMatch::Identifier => {
            let mut found: Vec<usize> = l
                .identifiers
                .iter()
                .filter_map(|i| i.code.as_deref())
                .filter_map(|c| match &link.identifier_prefix {
                    Some(p) => c.strip_prefix(p.as_str()),
                    None => Some(c),
                })
                .filter_map(|c| ous.resolve(&IdScheme::Code, c).or_else(|| ous.id(c)))
                .collect();
            found.sort_unstable();
            found.dedup();
            match found.as_slice() {
                [] => Link::Unmapped,
                [one] => Link::Direct(*one),
                _ => Link::Ambiguous(found),
            }
        }
    }
}

/// A link table's rows (`location_id,org_unit`, or a line list's `value,org_unit`):
/// the first column to the org unit the second names under the job's org unit scheme.
pub fn read_table(
    path: &std::path::Path,
    target: &Catalog,
    scheme: &IdScheme,
    header: &str,
) -> Result<FxHashMap<String, usize>, Error> {
    let bad = |e: String| {
        Error::usage(
            format!("cannot read the org unit table `{}`: {e}", path.display()),
            Some(format!("it is a CSV with the header `{header}`")),
        )
    };
    let mut r = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let mut out = FxHashMap::default();
    for row in r.records() {
        let row = row.map_err(|e| bad(e.to_string()))?;
        if let (Some(loc), Some(ou)) = (row.get(0), row.get(1))
            && let Some(o) = target.organisation_units.resolve(scheme, ou.trim())
        {
            out.insert(loc.trim().to_string(), o);
        }
    }
    Ok(out)
}

impl LocationIndex {
    pub fn build(
        locations: Vec<Location>,
        link: &LocationLink,
        table: &FxHashMap<String, usize>,
        target: &Catalog,
    ) -> LocationIndex {
        let by_id: FxHashMap<String, usize> = locations
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.clone(), i))
            .collect();
        let own: Vec<Link> = locations
            .iter()
            .map(|l| own_link(l, link, table, target))
            .collect();
        let links = (0..locations.len())
            .map(|i| {
                let mine = &own[i];
                if *mine != Link::Unmapped || !link.roll_up {
                    return mine.clone();
                }
                // Walk up, guarding against cycles in a hand-made tree.
                let mut at = i;
                for _ in 0..64 {
                    let Some(p) = locations[at]
                        .parent_location_id
                        .as_deref()
                        .and_then(|p| by_id.get(p))
                    else {
                        break;
                    };
                    at = *p;
                    if let Some(o) = own[at].org_unit() {
                        return Link::RolledUp(locations[at].id.clone(), o);
                    }
                }
                Link::Unmapped
            })
            .collect();
        let direct = match &link.matching {
            LocationMatch::Table(_) => table.clone(),
            LocationMatch::Id => target
                .organisation_units
                .iter()
                .enumerate()
                .map(|(i, o)| (o.id.to_string(), i))
                .collect(),
            LocationMatch::Identifier => FxHashMap::default(),
        };
        LocationIndex {
            direct,
            locations,
            by_id,
            own,
            links,
        }
    }

    pub fn get(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The org unit of a location id (`None`: unknown, unmapped or ambiguous).
    pub fn org_unit(&self, id: &str) -> Option<usize> {
        match self.get(id) {
            Some(i) => self.links[i].org_unit(),
            None => self.direct.get(id).copied(),
        }
    }

    /// The location's own match, before roll-up.
    pub fn own(&self, i: usize) -> &Link {
        &self.own[i]
    }

    /// The location's ancestors, nearest first.
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = i;
        while let Some(p) = self.locations[at]
            .parent_location_id
            .as_deref()
            .and_then(|p| self.get(p))
        {
            if out.contains(&p) || out.len() > 64 {
                break;
            }
            out.push(p);
            at = p;
        }
        out
    }
}
