//! One collection of a side's metadata with its lookups: by UID, by code, by the value
//! of an attribute. Objects are sorted by id, so that nothing reported depends on the
//! order a file or server listed them in; the first of two objects with one key wins.

use std::ops::Deref;

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxHashMap;

use crate::idscheme::IdScheme;
use crate::model::Identifiable;

/// Ids as hash keys: up to 15 bytes packed into an integer (every DHIS2 UID), kept in
/// item order beside a table of indices, so that a lookup touches two small arrays and
/// never the objects (millions of lookups at national scale); longer ids keep their text.
#[derive(Default)]
pub struct IdIndex {
    keys: Vec<u128>,
    table: HashTable<u32>,
    long: FxHashMap<Box<str>, u32>,
}

/// An id of at most 15 bytes as one integer: the bytes, little-endian, and the length
/// in the top byte. UIDs (11 bytes) take two loads and no copy.
fn pack(id: &str) -> Option<u128> {
    let b = id.as_bytes();
    let n = b.len();
    if n > 15 {
        return None;
    }
    let (lo, hi) = if n >= 8 {
        let lo = u64::from_le_bytes(b[..8].try_into().ok()?);
        // The bytes after the first 8, from an overlapping load of the last 8.
        let last = u64::from_le_bytes(b[n - 8..].try_into().ok()?);
        (lo, if n > 8 { last >> (8 * (16 - n)) } else { 0 })
    } else {
        let mut buf = [0u8; 8];
        buf[..n].copy_from_slice(b);
        (u64::from_le_bytes(buf), 0)
    };
    Some(u128::from(lo) | (u128::from(hi) << 64) | ((n as u128) << 120))
}

/// foldhash mixes every byte into the bits the table probes with; FxHash does not, and
/// ids that share a prefix (sequential or generated UIDs) would crowd a few buckets.
fn hash(key: u128) -> u64 {
    foldhash::fast::FixedState::with_seed(0).hash_one(key)
}

impl IdIndex {
    /// Index ids by position; the first of repeated ids wins.
    pub fn build<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let mut index = IdIndex {
            keys: Vec::with_capacity(ids.len()),
            table: HashTable::with_capacity(ids.len()),
            long: FxHashMap::default(),
        };
        for (i, id) in ids.enumerate() {
            let key = pack(id);
            // Long ids never match a packed key.
            index.keys.push(key.unwrap_or(u128::MAX));
            match key {
                Some(k) => {
                    let keys = &index.keys;
                    let h = hash(k);
                    if index.table.find(h, |&j| keys[j as usize] == k).is_none() {
                        index
                            .table
                            .insert_unique(h, i as u32, |&j| hash(keys[j as usize]));
                    }
                }
                None => {
                    index.long.entry(id.into()).or_insert(i as u32);
                }
            }
        }
        index
    }

    /// The position of an id.
    pub fn get(&self, id: &str) -> Option<usize> {
        match pack(id) {
            Some(k) => self
                .table
                .find(hash(k), |&j| self.keys[j as usize] == k)
                .map(|&j| j as usize),
            None => self.long.get(id).map(|&j| j as usize),
        }
    }
}

/// The objects of one collection, indexed.
pub struct Collection<T> {
    items: Vec<T>,
    present: bool,
    by_id: IdIndex,
    by_code: FxHashMap<Box<str>, u32>,
    /// Per attribute UID (sorted): value -> object.
    by_attribute: Vec<(String, FxHashMap<Box<str>, u32>)>,
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Collection {
            items: Vec::new(),
            present: false,
            by_id: IdIndex::default(),
            by_code: FxHashMap::default(),
            by_attribute: Vec::new(),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Collection<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collection")
            .field("present", &self.present)
            .field("len", &self.items.len())
            .finish()
    }
}

impl<T> Deref for Collection<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T: Identifiable> Collection<T> {
    /// Index a collection; `None` is a collection the metadata does not hold (a package
    /// without org units), which is not the same as an empty one.
    pub fn new(items: Option<Vec<T>>) -> Self {
        let present = items.is_some();
        let mut items = items.unwrap_or_default();
        // A parsed list keeps the capacity it grew to: up to twice what it holds.
        items.shrink_to_fit();
        // Stable: of two objects with one id, the first listed wins. Lists fetched with
        // `order=id:asc` come sorted already.
        if !items.is_sorted_by(|a, b| a.id() <= b.id()) {
            items.sort_by(|a, b| a.id().cmp(b.id()));
        }
        let by_id = IdIndex::build(items.iter().map(|o| o.id()));
        let mut by_code: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut by_attribute: FxHashMap<&str, FxHashMap<Box<str>, u32>> = FxHashMap::default();
        for (i, o) in items.iter().enumerate() {
            let i = i as u32;
            if let Some(code) = o.code() {
                by_code.entry(code.into()).or_insert(i);
            }
            for av in o.attribute_values() {
                by_attribute
                    .entry(av.attribute.id.as_str())
                    .or_default()
                    .entry(av.value.as_str().into())
                    .or_insert(i);
            }
        }
        let mut by_attribute: Vec<(String, FxHashMap<Box<str>, u32>)> = by_attribute
            .into_iter()
            .map(|(a, m)| (a.to_string(), m))
            .collect();
        by_attribute.sort_by(|a, b| a.0.cmp(&b.0));
        Collection {
            present,
            by_id,
            by_code,
            by_attribute,
            items,
        }
    }

    /// Whether the metadata held this collection at all.
    pub fn present(&self) -> bool {
        self.present
    }

    pub fn id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id)
    }

    /// The object with this UID.
    pub fn get(&self, id: &str) -> Option<&T> {
        self.id(id).map(|i| &self.items[i])
    }

    fn attribute(&self, attribute: &str) -> Option<&FxHashMap<Box<str>, u32>> {
        self.by_attribute
            .binary_search_by(|(a, _)| a.as_str().cmp(attribute))
            .ok()
            .map(|k| &self.by_attribute[k].1)
    }

    /// Exact match under a scheme: no trimming, no case folding.
    pub fn resolve(&self, scheme: &IdScheme, value: &str) -> Option<usize> {
        match scheme {
            IdScheme::Uid => self.id(value),
            IdScheme::Code => self.by_code.get(value).map(|&i| i as usize),
            IdScheme::Attribute(a) => self.attribute(a)?.get(value).map(|&i| i as usize),
        }
    }

    /// The schemes other than `scheme` under which `value` resolves (for help texts).
    pub fn other_schemes(&self, scheme: &IdScheme, value: &str) -> Vec<(IdScheme, usize)> {
        let attributes = self
            .by_attribute
            .iter()
            .map(|(a, _)| IdScheme::Attribute(a.clone()));
        [IdScheme::Code, IdScheme::Uid]
            .into_iter()
            .chain(attributes)
            .filter(|s| s != scheme)
            .filter_map(|s| self.resolve(&s, value).map(|i| (s, i)))
            .collect()
    }

    /// Every value a scheme matches (once each), for near-miss suggestions.
    pub fn keys<'a>(&'a self, scheme: &'a IdScheme) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        match scheme {
            // Sorted by id: a repeated id follows its first.
            IdScheme::Uid => Box::new(
                self.items
                    .iter()
                    .enumerate()
                    .filter(|(i, o)| *i == 0 || self.items[i - 1].id() != o.id())
                    .map(|(_, o)| o.id()),
            ),
            IdScheme::Code => Box::new(self.by_code.keys().map(|k| &**k)),
            IdScheme::Attribute(a) => match self.attribute(a) {
                Some(m) => Box::new(m.keys().map(|k| &**k)),
                None => Box::new(std::iter::empty()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DataElement;

    fn de(id: &str, code: Option<&str>) -> DataElement {
        DataElement {
            id: id.into(),
            code: code.map(str::to_string),
            ..DataElement::default()
        }
    }

    #[test]
    fn packing_is_one_to_one() {
        let ids = [
            "",
            "a",
            "ab",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "abcdefghij0",
            "abcdefghij1",
            "bbcdefghij0",
            "abcdefghijklmno",
        ];
        let keys: std::collections::HashSet<u128> = ids.iter().filter_map(|i| pack(i)).collect();
        assert_eq!(keys.len(), ids.len());
        assert_eq!(pack("abcdefghijklmnop"), None);
        let mut buf = [0u8; 16];
        buf[..11].copy_from_slice(b"abcdefghij0");
        buf[15] = 11;
        assert_eq!(pack("abcdefghij0"), Some(u128::from_le_bytes(buf)));
    }

    #[test]
    fn sorted_first_wins_and_long_ids_resolve() {
        let long = "an-id-longer-than-fifteen-bytes";
        let c = Collection::new(Some(vec![
            de("b0000000000", Some("X")),
            de("a0000000000", Some("X")),
            de(long, None),
        ]));
        assert_eq!(c[0].id, "a0000000000");
        assert_eq!(c.resolve(&IdScheme::Code, "X"), Some(0));
        assert_eq!(c.get(long).map(|d| d.id.as_str()), Some(long));
        assert_eq!(c.id("a000000000"), None);
        assert_eq!(c.keys(&IdScheme::Code).collect::<Vec<_>>(), ["X"]);
        assert!(c.present() && !Collection::<DataElement>::new(None).present());
    }
}
