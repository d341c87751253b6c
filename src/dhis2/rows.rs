//! Data value rows read straight from a response body (`{"dataValues": [...]}`, the
//! analytics export and `GET /api/dataValueSets`), borrowed from the body and handed
//! over one at a time: a million values never exist as a million owned rows.

use std::borrow::Cow;
use std::fmt;

use serde::Deserializer as _;
use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One data value as written; absent or empty COC/AOC mean the default combo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row<'a> {
    pub data_element: Cow<'a, str>,
    pub period: Cow<'a, str>,
    pub org_unit: Cow<'a, str>,
    pub category_option_combo: Option<Cow<'a, str>>,
    pub attribute_option_combo: Option<Cow<'a, str>>,
    pub value: Option<Cow<'a, str>>,
    /// Only on reads with `includeDeleted`, and in hand-edited files.
    pub deleted: Option<bool>,
}

impl Row<'_> {
    pub fn coc(&self) -> Option<&str> {
        self.category_option_combo
            .as_deref()
            .filter(|c| !c.is_empty())
    }

    pub fn aoc(&self) -> Option<&str> {
        self.attribute_option_combo
            .as_deref()
            .filter(|c| !c.is_empty())
    }
}

/// Call `f` for every row of a `{"dataValues": [...]}` body, in order; other properties
/// are skipped, and a body without `dataValues` has no rows. Returns the row count.
///
/// 2.43 leaves out of each value the `period`, `orgUnit` and `attributeOptionCombo` the
/// envelope holds (§12.3): rows get them from the envelope, which 2.43 writes first.
pub fn for_each_row<'a>(
    body: &'a [u8],
    mut f: impl FnMut(Row<'a>),
) -> Result<usize, serde_json::Error> {
    // sonic-rs first (SIMD, about twice serde_json's speed here); where it stops,
    // serde_json decides: it hands over the rows sonic-rs did not, or says what is wrong
    // with line and column. A body whose envelope comes after its values is read with
    // the envelope taken out first.
    let mut delivered = 0;
    let mut de = sonic_rs::Deserializer::from_slice(body);
    let fast = de
        .deserialize_map(Body(
            &mut |row| {
                delivered += 1;
                f(row)
            },
            Envelope::default(),
        ))
        .and_then(|n| de.end().map(|()| n));
    if let Ok(n) = fast {
        return Ok(n);
    }
    let envelope = envelope(body).unwrap_or_default();
    let mut seen = 0;
    let mut de = serde_json::Deserializer::from_slice(body);
    let n = de.deserialize_map(Body(
        &mut |row| {
            seen += 1;
            if seen > delivered {
                f(row)
            }
        },
        envelope,
    ))?;
    de.end()?;
    Ok(n)
}

/// The envelope of a body, wherever it stands (its values skipped).
fn envelope(body: &[u8]) -> Option<Envelope<'_>> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Only<'a> {
        #[serde(borrow, default)]
        period: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        org_unit: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        attribute_option_combo: Option<Cow<'a, str>>,
    }
    let o: Only<'_> = serde_json::from_slice(body).ok()?;
    Some(Envelope {
        period: o.period,
        org_unit: o.org_unit,
        aoc: o.attribute_option_combo,
    })
}

/// As `for_each_row`, reading the body from `input` as it comes (a file of any size);
/// the rows own their text.
pub fn for_each_row_in(
    input: impl std::io::Read,
    mut f: impl FnMut(Row<'static>),
) -> Result<usize, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_reader(input);
    let n = de.deserialize_map(Body(&mut f, Envelope::default()))?;
    de.end()?;
    Ok(n)
}

struct Body<'f, 'de, F>(&'f mut F, Envelope<'de>);

/// What the envelope says for every value that leaves it out.
#[derive(Default, Clone)]
struct Envelope<'a> {
    period: Option<Cow<'a, str>>,
    org_unit: Option<Cow<'a, str>>,
    aoc: Option<Cow<'a, str>>,
}

impl<'de, F: FnMut(Row<'de>)> Visitor<'de> for Body<'_, 'de, F> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with `dataValues`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let mut n = 0;
        let mut envelope = self.1;
        while let Some(field) = map.next_key_seed(FieldSeed)? {
            match field {
                Field::DataValues => {
                    n += map.next_value_seed(Rows(&mut *self.0, &envelope))?;
                }
                Field::Period => {
                    envelope.period = map.next_value::<Option<Text<'de>>>()?.map(|t| t.0)
                }
                Field::OrgUnit => {
                    envelope.org_unit = map.next_value::<Option<Text<'de>>>()?.map(|t| t.0)
                }
                Field::Aoc => envelope.aoc = map.next_value::<Option<Text<'de>>>()?.map(|t| t.0),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(n)
    }
}

struct Rows<'f, 'e, 'de, F>(&'f mut F, &'e Envelope<'de>);

impl<'de, F: FnMut(Row<'de>)> DeserializeSeed<'de> for Rows<'_, '_, 'de, F> {
    type Value = usize;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Row<'de>)> Visitor<'de> for Rows<'_, '_, 'de, F> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of data values")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while seq
            .next_element_seed(RowSeed(&mut *self.0, self.1))?
            .is_some()
        {
            n += 1;
        }
        Ok(n)
    }
}

/// One row, handed to the callback where it is read (a row is not moved around).
struct RowSeed<'f, 'e, 'de, F>(&'f mut F, &'e Envelope<'de>);

impl<'de, F: FnMut(Row<'de>)> DeserializeSeed<'de> for RowSeed<'_, '_, 'de, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F: FnMut(Row<'de>)> Visitor<'de> for RowSeed<'_, '_, 'de, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a data value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut row = Row::default();
        let (mut de, mut pe, mut ou) = (false, false, false);
        while let Some(field) = map.next_key_seed(FieldSeed)? {
            match field {
                Field::DataElement => {
                    row.data_element = map.next_value::<Text<'de>>()?.0;
                    de = true;
                }
                Field::Period => {
                    row.period = map.next_value::<Text<'de>>()?.0;
                    pe = true;
                }
                Field::OrgUnit => {
                    row.org_unit = map.next_value::<Text<'de>>()?.0;
                    ou = true;
                }
                Field::Coc => {
                    row.category_option_combo = map.next_value::<Option<Text<'de>>>()?.map(|t| t.0)
                }
                Field::Aoc => {
                    row.attribute_option_combo = map.next_value::<Option<Text<'de>>>()?.map(|t| t.0)
                }
                Field::Value => row.value = map.next_value::<Lenient<'de>>()?.0,
                Field::Deleted => row.deleted = map.next_value::<Option<bool>>()?,
                Field::Other | Field::DataValues => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let envelope = self.1;
        if !pe && let Some(p) = &envelope.period {
            row.period = p.clone();
            pe = true;
        }
        if !ou && let Some(o) = &envelope.org_unit {
            row.org_unit = o.clone();
            ou = true;
        }
        if row.attribute_option_combo.is_none() {
            row.attribute_option_combo.clone_from(&envelope.aoc);
        }
        for (seen, name) in [(de, "dataElement"), (pe, "period"), (ou, "orgUnit")] {
            if !seen {
                return Err(A::Error::missing_field(name));
            }
        }
        (self.0)(row);
        Ok(())
    }
}

/// The properties of a data value the sync reads; a key is matched without being
/// copied (nine keys a row, millions of rows).
enum Field {
    DataValues,
    DataElement,
    Period,
    OrgUnit,
    Coc,
    Aoc,
    Value,
    Deleted,
    Other,
}

struct FieldSeed;

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Field, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = Field;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property name")
    }
    fn visit_str<E>(self, key: &str) -> Result<Field, E> {
        Ok(match key {
            "dataValues" => Field::DataValues,
            "dataElement" => Field::DataElement,
            "period" => Field::Period,
            "orgUnit" => Field::OrgUnit,
            "categoryOptionCombo" => Field::Coc,
            "attributeOptionCombo" => Field::Aoc,
            "value" => Field::Value,
            "deleted" => Field::Deleted,
            _ => Field::Other,
        })
    }
}

/// A string, borrowed from the body unless it holds escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Text<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

/// DHIS2 writes values as strings; numbers and booleans are read as their JSON text.
struct Lenient<'a>(Option<Cow<'a, str>>);

impl<'de> serde::Deserialize<'de> for Lenient<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor)
    }
}

struct LenientVisitor;

impl<'de> Visitor<'de> for LenientVisitor {
    type Value = Lenient<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value (string, number or boolean)")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Lenient<'de>, E> {
        Ok(Lenient(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<Lenient<'de>, E> {
        Ok(Lenient(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_string<E>(self, v: String) -> Result<Lenient<'de>, E> {
        Ok(Lenient(Some(Cow::Owned(v))))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Lenient<'de>, E> {
        Ok(Lenient(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Lenient<'de>, E> {
        Ok(Lenient(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Lenient<'de>, E> {
        // As serde_json writes the number (`12.0`).
        let text = serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string());
        Ok(Lenient(Some(Cow::Owned(text))))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Lenient<'de>, E> {
        Ok(Lenient(Some(Cow::Borrowed(if v {
            "true"
        } else {
            "false"
        }))))
    }
    fn visit_unit<E>(self) -> Result<Lenient<'de>, E> {
        Ok(Lenient(None))
    }
    fn visit_none<E>(self) -> Result<Lenient<'de>, E> {
        Ok(Lenient(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(body: &str) -> Result<Vec<Row<'static>>, serde_json::Error> {
        let mut out = Vec::new();
        let body: &'static str = Box::leak(body.to_string().into_boxed_str());
        for_each_row(body.as_bytes(), |r| out.push(r))?;
        Ok(out)
    }

    #[test]
    fn values_read_with_explicit_nulls_numbers_and_escapes() {
        let r = rows(
            r#"{"dataValues":[{"dataElement":"a","period":"202401","orgUnit":"o\u0031","categoryOptionCombo":null,
                "attributeOptionCombo":"","value":12,"storedBy":null,"comment":null,"followup":false},
                {"dataElement":"b","period":"202401","orgUnit":"o","value":12.0,"deleted":true},
                {"dataElement":"c","period":"202401","orgUnit":"o","value":null}], "pager": {}}"#,
        )
        .unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].org_unit, "o1");
        assert_eq!(r[0].value.as_deref(), Some("12"));
        assert_eq!((r[0].coc(), r[0].aoc()), (None, None));
        assert_eq!(r[1].value.as_deref(), Some("12.0"));
        assert_eq!(r[1].deleted, Some(true));
        assert_eq!(r[2].value, None);
        assert!(matches!(r[0].data_element, Cow::Borrowed(_)));
    }

    #[test]
    fn values_get_what_the_envelope_holds() {
        let r = rows(
            r#"{"dataSet":"ds","period":"202401","orgUnit":"ou1","dataValues":[
                {"dataElement":"a","categoryOptionCombo":"c","value":"1"},
                {"dataElement":"b","period":"202402","orgUnit":"ou2","value":"2"}]}"#,
        )
        .unwrap();
        assert_eq!((&*r[0].period, &*r[0].org_unit), ("202401", "ou1"));
        assert_eq!((&*r[1].period, &*r[1].org_unit), ("202402", "ou2"));
        assert!(rows(r#"{"dataValues":[{"dataElement":"a","value":"1"}]}"#).is_err());
        // The envelope after the values still counts.
        let r = rows(
            r#"{"dataValues":[{"dataElement":"a","value":"1"}],"period":"202401","orgUnit":"ou1"}"#,
        )
        .unwrap();
        assert_eq!((&*r[0].period, &*r[0].org_unit), ("202401", "ou1"));
    }

    /// Found by the property tests: serde_json's default float parsing can be one ULP
    /// off, so a file read back (streamed) gave `-985881.101617352` for a value the
    /// in-memory reader (sonic-rs) read as written. Both must give the same text.
    #[test]
    fn numbers_read_the_same_in_memory_and_streamed() {
        let body = r#"{"period":"","orgUnit":"","dataValues":[{"dataElement":"","value":-985881.1016173519}]}"#;
        let mut streamed = Vec::new();
        for_each_row_in(body.as_bytes(), |r| {
            streamed.push(r.value.map(|v| v.into_owned()))
        })
        .unwrap();
        let mem = rows(body).unwrap();
        assert_eq!(mem[0].value.as_deref(), Some("-985881.1016173519"));
        assert_eq!(streamed[0].as_deref(), Some("-985881.1016173519"));
    }

    #[test]
    fn bodies_without_values_and_broken_rows() {
        assert_eq!(rows(r#"{"pager":{}}"#).unwrap().len(), 0);
        assert!(rows(r#"{"dataValues":[{"period":"202401","orgUnit":"o"}]}"#).is_err());
        assert!(rows(r#"{"dataValues":[]} x"#).is_err());
        assert!(rows(r#"[]"#).is_err());
    }
}
