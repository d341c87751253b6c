//! One collection of a side's metadata with its lookups: by UID, by code, by the value
//! of an attribute. Objects are sorted by id, so that nothing reported depends on the
//! order a file or server listed them in; the first of two objects with one key wins.

use std::ops::Deref;

use rustc_hash::FxHashMap;

use crate::idscheme::IdScheme;
use crate::model::Identifiable;

/// An id as a hash key: up to 15 bytes packed into an integer (every DHIS2 UID), so a
/// lookup hashes and compares without reading the object; longer ids keep their text.
#[derive(Default)]
struct IdIndex {
    packed: FxHashMap<u128, u32>,
    long: FxHashMap<Box<str>, u32>,
}

fn pack(id: &str) -> Option<u128> {
    let b = id.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..b.len()].copy_from_slice(b);
    buf[15] = b.len() as u8;
    Some(u128::from_le_bytes(buf))
}

impl IdIndex {
    fn with_capacity(n: usize) -> Self {
        let mut packed = FxHashMap::default();
        packed.reserve(n);
        IdIndex {
            packed,
            long: FxHashMap::default(),
        }
    }

    fn insert_first(&mut self, id: &str, i: u32) {
        match pack(id) {
            Some(k) => {
                self.packed.entry(k).or_insert(i);
            }
            None => {
                self.long.entry(id.into()).or_insert(i);
            }
        }
    }

    fn get(&self, id: &str) -> Option<usize> {
        match pack(id) {
            Some(k) => self.packed.get(&k),
            None => self.long.get(id),
        }
        .map(|&i| i as usize)
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
        items.sort_by(|a, b| a.id().cmp(b.id()));
        let mut by_id = IdIndex::with_capacity(items.len());
        let mut by_code: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut by_attribute: FxHashMap<&str, FxHashMap<Box<str>, u32>> = FxHashMap::default();
        for (i, o) in items.iter().enumerate() {
            let i = i as u32;
            by_id.insert_first(o.id(), i);
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
    pub fn keys<'a>(&'a self, scheme: &'a IdScheme) -> impl Iterator<Item = &'a str> + 'a {
        self.items.iter().enumerate().filter_map(move |(i, o)| {
            let key = match scheme {
                IdScheme::Uid => Some(o.id()),
                IdScheme::Code => o.code(),
                IdScheme::Attribute(a) => o.attribute_value(a),
            }?;
            (self.resolve(scheme, key) == Some(i)).then_some(key)
        })
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
