//! Where the objects findings name stand in the metadata files they came from: the
//! line and column of the program indicator's mapping attribute value, of its
//! `aggregateExport…` field, or of the object itself. One pass over each file with a
//! small JSON scanner that keeps nothing but the objects asked for, so a check of a
//! national file pays for it only when it has findings to place.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A place in a file: 1-based line and column (in characters), and the byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub len: usize,
}

/// The fields of an object a finding may point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The object as a whole (its opening brace).
    Object,
    /// The value of the mapping attribute in `attributeValues`.
    MappingAttribute,
    DataElementField,
    CategoryOptionCombo,
    AttributeOptionCombo,
}

impl Field {
    fn key(self) -> Option<&'static [u8]> {
        match self {
            Field::DataElementField => Some(b"aggregateExportDataElement"),
            Field::CategoryOptionCombo => Some(b"aggregateExportCategoryOptionCombo"),
            Field::AttributeOptionCombo => Some(b"aggregateExportAttributeOptionCombo"),
            Field::Object | Field::MappingAttribute => None,
        }
    }
}

/// Where each wanted object (by id) and its fields stand in one file.
#[derive(Debug, Default)]
pub struct Located {
    places: HashMap<(String, Field), (usize, usize)>,
    /// Byte offset of each line start, for line and column.
    line_starts: Vec<usize>,
    text_len: usize,
}

impl Located {
    fn has(&self, id: &str, field: Field) -> bool {
        self.places.contains_key(&(id.to_string(), field))
    }

    /// The place of `field` of object `id`, else of the object.
    pub fn place(&self, file: &Path, text: &[u8], id: &str, field: Field) -> Option<Place> {
        let (offset, len) = self
            .places
            .get(&(id.to_string(), field))
            .or_else(|| self.places.get(&(id.to_string(), Field::Object)))
            .copied()?;
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self
            .line_starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(0);
        let column = String::from_utf8_lossy(&text[start..offset.min(self.text_len)])
            .chars()
            .count()
            + 1;
        Some(Place {
            file: file.to_path_buf(),
            line,
            column,
            offset,
            len,
        })
    }
}

/// The kinds of object that live in the source (tracker) file.
const SOURCE_KINDS: &[&str] = &[
    "programIndicator",
    "program",
    "programIndicatorGroup",
    "attribute",
    "aggregateDataExchange",
];

/// The field a finding of `code` is about on its first object.
fn field_of(code: &str) -> &'static [Field] {
    match code {
        "T2A003" | "T2A007" => &[Field::MappingAttribute, Field::DataElementField],
        "T2A004" | "T2A005" => &[Field::CategoryOptionCombo],
        "T2A008" => &[Field::AttributeOptionCombo],
        _ => &[Field::Object],
    }
}

/// A metadata file, mapped.
struct Opened {
    path: PathBuf,
    map: memmap2::Mmap,
}

fn open(side: &crate::input::SideInfo) -> Option<Opened> {
    if side.kind != "file" {
        return None;
    }
    let path = PathBuf::from(&side.location);
    let file = std::fs::File::open(&path).ok()?;
    // SAFETY: read only, and dropped before this returns; a file changed meanwhile at
    // worst misplaces a finding (the scan stops at text that is not JSON).
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    Some(Opened { path, map })
}

/// Where each finding of `report` stands (by index), when its side is a file.
pub fn places(report: &super::Report) -> Vec<Option<Place>> {
    let mut out = vec![None; report.findings.len()];
    if report.findings.iter().all(|f| f.objects.is_empty()) {
        return out;
    }
    let sides = [open(&report.source), open(&report.target)];
    let ids: HashSet<&str> = report
        .findings
        .iter()
        .filter_map(|f| f.objects.first().map(|o| o.id.as_str()))
        .collect();
    let attribute = report.attribute.as_deref();
    let located: Vec<Option<Located>> = sides
        .iter()
        .map(|s| s.as_ref().map(|o| locate(&o.map, &ids, attribute)))
        .collect();
    for (i, f) in report.findings.iter().enumerate() {
        let Some(first) = f.objects.first() else {
            continue;
        };
        let order = if SOURCE_KINDS.contains(&first.kind) {
            [0, 1]
        } else {
            [1, 0]
        };
        out[i] = order.iter().find_map(|&s| {
            let (opened, found) = (sides[s].as_ref()?, located[s].as_ref()?);
            field_of(f.rule.code)
                .iter()
                .find_map(|&field| {
                    found
                        .place(&opened.path, &opened.map, &first.id, field)
                        .filter(|_| field == Field::Object || found.has(&first.id, field))
                })
                .or_else(|| found.place(&opened.path, &opened.map, &first.id, Field::Object))
        });
    }
    out
}

/// One open container of the scan.
struct Open {
    is_object: bool,
    /// The key under which it stands in its parent object.
    key: Vec<u8>,
    start: usize,
}

/// What the scan keeps of the collection item (depth 3) it is in.
#[derive(Default)]
struct Item {
    id: Option<String>,
    fields: Vec<(Field, usize, usize)>,
    /// In the current `attributeValues` element: its value's span and attribute id.
    av_value: Option<(usize, usize)>,
    av_attribute: Option<String>,
}

/// Scan `text` (a metadata document) for the objects of `ids`, with the mapping
/// attribute `attribute`. Text that is not JSON yields what was found before it.
pub fn locate(text: &[u8], ids: &HashSet<&str>, attribute: Option<&str>) -> Located {
    let mut out = Located {
        line_starts: vec![0],
        text_len: text.len(),
        ..Located::default()
    };
    let mut stack: Vec<Open> = Vec::new();
    let mut key: Option<Vec<u8>> = None;
    let mut expect_key = false;
    let mut item = Item::default();
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        match b {
            b'\n' => out.line_starts.push(i + 1),
            b'{' | b'[' => {
                let under = key.take().unwrap_or_default();
                stack.push(Open {
                    is_object: b == b'{',
                    key: under,
                    start: i,
                });
                expect_key = b == b'{';
                if b == b'{' && stack.len() == 3 {
                    item = Item::default();
                }
            }
            b'}' | b']' => {
                let closed = stack.pop();
                if let Some(c) = &closed {
                    close(&mut out, &mut item, &stack, c, i, (ids, attribute));
                }
                expect_key = false;
            }
            b',' => expect_key = stack.last().is_some_and(|o| o.is_object),
            b'"' => {
                let end = string_end(text, i);
                if expect_key {
                    key = Some(unescaped(&text[i + 1..end.saturating_sub(1)]));
                    expect_key = false;
                } else {
                    value(&mut item, &stack, key.take(), text, i, end);
                }
                i = end;
                continue;
            }
            b':' | b' ' | b'\t' | b'\r' => {}
            _ => {
                // A number, true, false or null.
                let end = i + text[i..]
                    .iter()
                    .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                    .unwrap_or(text.len() - i);
                value(&mut item, &stack, key.take(), text, i, end);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Past the closing quote of the string that opens at `start`.
fn string_end(text: &[u8], start: usize) -> usize {
    let mut j = start + 1;
    while j < text.len() {
        match text[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    text.len()
}

/// Keys are compared as written; the few escapes in ids and keys are rare enough that
/// only `\"` and `\\` are undone.
fn unescaped(raw: &[u8]) -> Vec<u8> {
    if !raw.contains(&b'\\') {
        return raw.to_vec();
    }
    String::from_utf8_lossy(raw)
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
        .into_bytes()
}

fn text_of(text: &[u8], start: usize, end: usize) -> String {
    let raw = &text[start..end];
    let inner = raw
        .strip_prefix(b"\"")
        .and_then(|r| r.strip_suffix(b"\""))
        .unwrap_or(raw);
    String::from_utf8_lossy(&unescaped(inner)).into_owned()
}

/// A scalar value at `start..end` under `key`, in the containers of `stack`.
fn value(
    item: &mut Item,
    stack: &[Open],
    key: Option<Vec<u8>>,
    text: &[u8],
    start: usize,
    end: usize,
) {
    let Some(key) = key else {
        return;
    };
    match stack.len() {
        // A field of the collection item.
        3 => {
            if key == b"id" {
                item.id = Some(text_of(text, start, end));
            }
            for f in [
                Field::DataElementField,
                Field::CategoryOptionCombo,
                Field::AttributeOptionCombo,
            ] {
                if f.key() == Some(key.as_slice()) {
                    item.fields.push((f, start, end - start));
                }
            }
        }
        // A field of an `attributeValues` element.
        5 if stack[3].key == b"attributeValues" && key == b"value" => {
            item.av_value = Some((start, end - start));
        }
        // The id of an `attributeValues` element's attribute.
        6 if stack[3].key == b"attributeValues" && stack[5].key == b"attribute" && key == b"id" => {
            item.av_attribute = Some(text_of(text, start, end));
        }
        _ => {}
    }
}

/// A container closed at `at`: an `attributeValues` element settles whether it holds
/// the mapping attribute; a collection item is kept when its id is wanted.
fn close(
    out: &mut Located,
    item: &mut Item,
    stack: &[Open],
    closed: &Open,
    at: usize,
    want: (&HashSet<&str>, Option<&str>),
) {
    let (ids, attribute) = want;
    if closed.is_object && stack.len() == 4 && stack[3].key == b"attributeValues" {
        let (v, a) = (item.av_value.take(), item.av_attribute.take());
        if let Some((s, l)) = v.filter(|_| attribute.is_none_or(|want| a.as_deref() == Some(want)))
        {
            item.fields.push((Field::MappingAttribute, s, l));
        }
        return;
    }
    if closed.is_object && stack.len() == 2 {
        if let Some(id) = item.id.take().filter(|id| ids.contains(id.as_str())) {
            out.places.insert(
                (id.clone(), Field::Object),
                (closed.start, at + 1 - closed.start),
            );
            for &(f, s, l) in &item.fields {
                out.places.entry((id.clone(), f)).or_insert((s, l));
            }
        }
        *item = Item::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "system": {"id": "sys", "version": "2.41"},
  "programIndicators": [
    {"id": "piOther0001", "name": "other"},
    {
      "name": "Malaria cases (male)",
      "attributeValues": [
        {"value": "IGNORED", "attribute": {"id": "attrOther01"}},
        {"value": "MAL_CASES_X", "attribute": {"id": "attrDeAgg01"}}
      ],
      "id": "piCasesM001",
      "aggregateExportCategoryOptionCombo": "MALE"
    }
  ],
  "dataElements": [{"id": "deCases0001", "code": "MAL_CASES", "nested": {"id": "piCasesM001"}}]
}"#;

    #[test]
    fn fields_and_objects_are_placed_by_line_and_column() {
        let ids = HashSet::from(["piCasesM001", "deCases0001", "absent00001"]);
        let found = locate(DOC.as_bytes(), &ids, Some("attrDeAgg01"));
        let at = |id: &str, f: Field| {
            found
                .place(Path::new("tracker.json"), DOC.as_bytes(), id, f)
                .map(|p| {
                    (
                        p.line,
                        p.column,
                        DOC[p.offset..p.offset + p.len].to_string(),
                    )
                })
        };
        assert_eq!(
            at("piCasesM001", Field::MappingAttribute),
            Some((9, 19, "\"MAL_CASES_X\"".into()))
        );
        assert_eq!(
            at("piCasesM001", Field::CategoryOptionCombo),
            Some((12, 45, "\"MALE\"".into()))
        );
        // Without the field, the object itself.
        let object = at("piCasesM001", Field::AttributeOptionCombo).expect("object");
        assert_eq!((object.0, object.1), (5, 5));
        assert_eq!(
            at("deCases0001", Field::Object).map(|p| (p.0, p.1)),
            Some((15, 20))
        );
        assert_eq!(at("absent00001", Field::Object), None);
        assert_eq!(at("piOther0001", Field::Object), None, "not asked for");
    }

    #[test]
    fn text_that_is_not_json_places_nothing_and_does_not_panic() {
        let ids = HashSet::from(["a"]);
        for bad in [
            "",
            "{",
            "\"",
            "{\"a\":[{\"id\":\"a\"",
            "]]]}}}",
            "{\"id\":\"\\",
        ] {
            let _ = locate(bad.as_bytes(), &ids, None);
        }
    }
}
