//! Writing the run report: the report's fields as the run collected them, and the
//! changed values streamed from the run's journal into `reconcile.values`, so that a
//! million changes are never one JSON value in memory.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::journal::{Journal, Records};

/// Write the report (pretty-printed) to `path`; `values` fills `reconcile.values`.
pub fn write(
    path: &Path,
    rep: &Map<String, Value>,
    values: Option<&mut Journal<String>>,
) -> std::io::Result<()> {
    let records = values.map(Journal::iter).transpose()?;
    let report = Report {
        rep,
        values: RefCell::new(records),
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    serde_json::to_writer_pretty(&mut out, &report)?;
    out.write_all(b"\n")?;
    out.flush()
}

type Stream = RefCell<Option<Records<String>>>;

struct Report<'a> {
    rep: &'a Map<String, Value>,
    values: Stream,
}

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.rep.len()))?;
        for (k, v) in self.rep {
            match (k.as_str(), v) {
                ("reconcile", Value::Object(fields)) if self.values.borrow().is_some() => map
                    .serialize_entry(
                        k,
                        &Reconcile {
                            fields,
                            values: &self.values,
                        },
                    )?,
                _ => map.serialize_entry(k, v)?,
            }
        }
        map.end()
    }
}

struct Reconcile<'a> {
    fields: &'a Map<String, Value>,
    values: &'a Stream,
}

impl Serialize for Reconcile<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.fields.len() + 1))?;
        for (k, v) in self.fields {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("values", &Values(self.values))?;
        map.end()
    }
}

struct Values<'a>(&'a Stream);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let records = self.0.borrow_mut().take();
        let mut seq = s.serialize_seq(records.as_ref().map(|r| r.size_hint().0))?;
        for item in records.into_iter().flatten() {
            let text = item.map_err(S::Error::custom)?;
            let raw = RawValue::from_string(text).map_err(S::Error::custom)?;
            seq.serialize_element(&*raw)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_streamed_into_reconcile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let mut rep = Map::new();
        rep.insert("job".into(), Value::from("x"));
        rep.insert(
            "reconcile".into(),
            serde_json::json!({"totals": {"new": 2}}),
        );
        let mut j: Journal<String> = Journal::new().unwrap();
        j.push(&r#"{"class":"new","n":1}"#.to_string()).unwrap();
        j.push(&r#"{"class":"new","n":2}"#.to_string()).unwrap();
        write(&path, &rep, Some(&mut j)).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["reconcile"]["totals"]["new"], 2);
        assert_eq!(v["reconcile"]["values"][1]["n"], 2);
        write(&path, &rep, None).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(v["reconcile"]["values"].is_null());
    }
}
