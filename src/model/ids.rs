//! `IdList`: a list of object references (`[{"id": "..."}, ...]`) stored as one string.
//!
//! National instances assign data sets to millions of org units; one heap `String` per
//! reference costs more than the rest of the metadata together. DHIS2 ids are UIDs of
//! one length, so the list keeps their bytes back to back (11 bytes a reference) and
//! only records where each id ends when lengths differ.

use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Default, PartialEq, Eq)]
pub struct IdList {
    text: String,
    count: usize,
    /// The length of every id while they all have the same length (0: not uniform).
    width: usize,
    /// End offsets, once lengths differ.
    ends: Vec<u32>,
}

impl IdList {
    pub fn new() -> Self {
        IdList::default()
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn push(&mut self, id: &str) {
        let uniform = self.ends.is_empty() && (self.count == 0 || id.len() == self.width);
        if uniform && !id.is_empty() {
            self.width = id.len();
        } else if self.ends.is_empty() {
            // Lengths differ from here on: record where each earlier id ended.
            self.ends = (1..=self.count).map(|k| (k * self.width) as u32).collect();
            self.width = 0;
        }
        self.text.push_str(id);
        if !self.ends.is_empty() || self.width == 0 {
            self.ends.push(self.text.len() as u32);
        }
        self.count += 1;
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        if i >= self.count {
            return None;
        }
        if self.ends.is_empty() {
            return self.text.get(i * self.width..(i + 1) * self.width);
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.count).map(|i| self.get(i).unwrap_or(""))
    }

    pub fn contains(&self, id: &str) -> bool {
        self.iter().any(|x| x == id)
    }
}

impl<'a> FromIterator<&'a str> for IdList {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut l = IdList::new();
        for id in iter {
            l.push(id);
        }
        l
    }
}

impl fmt::Debug for IdList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for IdList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct R<'a> {
            id: &'a str,
        }
        let mut seq = s.serialize_seq(Some(self.count))?;
        for id in self.iter() {
            seq.serialize_element(&R { id })?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for IdList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct List;
        impl<'de> Visitor<'de> for List {
            type Value = IdList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of references ({\"id\": \"...\"})")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IdList, A::Error> {
                let mut l = IdList::new();
                if let Some(n) = seq.size_hint() {
                    l.text.reserve(n * 11);
                }
                while seq.next_element_seed(Reference(&mut l))?.is_some() {}
                Ok(l)
            }
        }
        d.deserialize_seq(List)
    }
}

/// One `{"id": "..."}`, its id pushed onto the list without an allocation of its own;
/// other properties of the reference are skipped.
struct Reference<'l>(&'l mut IdList);

impl<'de> DeserializeSeed<'de> for Reference<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Reference<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a reference ({\"id\": \"...\"})")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(is_id) = map.next_key_seed(KeyIs("id"))? {
            if is_id && !seen {
                map.next_value_seed(Push(&mut *self.0))?;
                seen = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !seen {
            return Err(serde::de::Error::missing_field("id"));
        }
        Ok(())
    }
}

/// Reads a property name and says whether it is the one looked for, without copying it.
pub struct KeyIs(pub &'static str);

impl<'de> DeserializeSeed<'de> for KeyIs {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property name")
    }
    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

struct Push<'l>(&'l mut IdList);

impl<'de> DeserializeSeed<'de> for Push<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Push<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id (a string)")
    }
    fn visit_str<E: serde::de::Error>(self, id: &str) -> Result<(), E> {
        self.0.push(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_and_mixed_lengths_round_trip() {
        let l: IdList = ["aaaaaaaaaaa", "bbbbbbbbbbb"].into_iter().collect();
        assert!(l.ends.is_empty());
        assert_eq!(l.iter().collect::<Vec<_>>(), ["aaaaaaaaaaa", "bbbbbbbbbbb"]);
        let l: IdList = ["ab", "abc", "", "x"].into_iter().collect();
        assert_eq!(l.iter().collect::<Vec<_>>(), ["ab", "abc", "", "x"]);
        let l: IdList = ["", "abc"].into_iter().collect();
        assert_eq!(l.iter().collect::<Vec<_>>(), ["", "abc"]);
        assert_eq!(l.get(2), None);
    }

    #[test]
    fn reads_and_writes_reference_lists() {
        let l: IdList =
            serde_json::from_str(r#"[{"id":"ou1"},{"id":"ou22","name":"x"},{"id":"o\u0075"}]"#)
                .unwrap();
        assert_eq!(l.iter().collect::<Vec<_>>(), ["ou1", "ou22", "ou"]);
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"[{"id":"ou1"},{"id":"ou22"},{"id":"ou"}]"#
        );
        assert!(serde_json::from_str::<IdList>(r#"[{"name":"x"}]"#).is_err());
    }
}
