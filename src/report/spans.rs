//! Where the objects findings name stand in the metadata files they came from: the
//! line and column of the program indicator's mapping attribute value, of its
//! `aggregateExport…` field, or of the object itself. One pass over each file with a
//! small JSON scanner that keeps nothing but the objects asked for, so a check of a
//! national file pays for it only when it has findings to place.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// A place in a file: 1-based line and column (in characters), and the byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub len: usize,
    /// What stands there.
    pub field: Field,
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
    /// A key of the job config (the finding is about the job).
    Config,
    /// A span inside a PI's `expression` or `filter`.
    Expression,
    Filter,
    OrgUnitField,
    /// `analyticsPeriodBoundaries[i].boundaryTarget`.
    BoundaryTarget(u16),
}

impl Field {
    /// What stands at the place, for a label.
    pub fn label(self) -> &'static str {
        match self {
            Field::Object => "this object",
            Field::MappingAttribute => "the mapping attribute's value",
            Field::DataElementField => "aggregateExportDataElement",
            Field::CategoryOptionCombo => "aggregateExportCategoryOptionCombo",
            Field::AttributeOptionCombo => "aggregateExportAttributeOptionCombo",
            Field::Config => "the job's setting",
            Field::Expression => "here in the expression",
            Field::Filter => "here in the filter",
            Field::OrgUnitField => "orgUnitField",
            Field::BoundaryTarget(_) => "here in the boundary target",
        }
    }

    /// The text field a finding's span names.
    fn of_span(name: &str) -> Option<Field> {
        match name {
            "expression" => Some(Field::Expression),
            "filter" => Some(Field::Filter),
            "orgUnitField" => Some(Field::OrgUnitField),
            n => n
                .strip_prefix("analyticsPeriodBoundaries[")
                .and_then(|r| r.strip_suffix("].boundaryTarget"))
                .and_then(|i| i.parse().ok())
                .map(Field::BoundaryTarget),
        }
    }

    fn key(self) -> Option<&'static [u8]> {
        match self {
            Field::DataElementField => Some(b"aggregateExportDataElement"),
            Field::CategoryOptionCombo => Some(b"aggregateExportCategoryOptionCombo"),
            Field::AttributeOptionCombo => Some(b"aggregateExportAttributeOptionCombo"),
            Field::Expression => Some(b"expression"),
            Field::Filter => Some(b"filter"),
            Field::OrgUnitField => Some(b"orgUnitField"),
            Field::Object | Field::MappingAttribute | Field::Config | Field::BoundaryTarget(_) => {
                None
            }
        }
    }
}

/// Where each wanted object (by id) and its fields stand in one file: byte ranges.
#[derive(Debug, Default)]
pub struct Located {
    places: HashMap<(String, Field), (usize, usize)>,
}

impl Located {
    /// The byte range of object `id` (its whole JSON object).
    pub fn object(&self, id: &str) -> Option<(usize, usize)> {
        self.range(id, Field::Object)
    }

    /// The byte range of `field` of object `id`.
    fn range(&self, id: &str, field: Field) -> Option<(usize, usize)> {
        self.places.get(&(id.to_string(), field)).copied()
    }
}

/// Characters in UTF-8 text: the bytes that start one (a loop the compiler vectorises).
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// Line (1-based) and column (1-based, in characters) of each offset, in one pass
/// (a minified file is one line: columns are counted on from offset to offset).
fn lines_of(text: &[u8], offsets: &[usize]) -> HashMap<usize, (usize, usize)> {
    let mut sorted: Vec<usize> = offsets.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = HashMap::with_capacity(sorted.len());
    // The line so far, and the characters from its start to `from`.
    let (mut line, mut from, mut column) = (1, 0, 0);
    for off in sorted {
        let off = off.min(text.len());
        let span = &text[from..off];
        match memchr::memrchr(b'\n', span) {
            Some(last) => {
                line += memchr::memchr_iter(b'\n', span).count();
                column = chars_in(&span[last + 1..]);
            }
            None => column += chars_in(span),
        }
        from = off;
        out.insert(off, (line, column + 1));
    }
    out
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

/// Where each finding of `report` stands (by index), when its side is a file. Both
/// files are scanned at once.
pub fn places(report: &super::Report) -> Vec<Option<Place>> {
    let mut out = vec![None; report.findings.len()];
    if report.findings.iter().all(|f| f.objects.is_empty()) {
        return out;
    }
    let sides = [open(&report.source), open(&report.target)];
    let firsts = || report.findings.iter().filter_map(|f| f.objects.first());
    let ids: HashSet<&str> = firsts().map(|o| o.id.as_str()).collect();
    // The collections of those objects: `dataElement` -> `dataElements`, ….
    let collections: HashSet<String> = firsts().map(|o| format!("{}s", o.kind)).collect();
    let attribute = report.attribute.as_deref();
    let scan = |s: &Option<Opened>| {
        s.as_ref()
            .map(|o| locate(&o.map, &ids, &collections, attribute))
    };
    let (a, b) = rayon::join(|| scan(&sides[0]), || scan(&sides[1]));
    let located = [a, b];
    // Each finding's range, then lines and columns per file in one pass each.
    let mut ranges: Vec<Option<(usize, usize, usize, Field)>> = vec![None; report.findings.len()];
    for (i, f) in report.findings.iter().enumerate() {
        let Some(first) = f.objects.first() else {
            continue;
        };
        if f.config_span.is_some()
            || f.config_key
                .is_some_and(|k| config_span(report, k).is_some())
        {
            continue;
        }
        let order = if SOURCE_KINDS.contains(&first.kind) {
            [0, 1]
        } else {
            [1, 0]
        };
        if let Some(fs) = &f.field
            && let Some(field) = Field::of_span(&fs.name)
        {
            let inside = order.iter().find_map(|&s| {
                let (o, l) = located[s].as_ref()?.range(&first.id, field)?;
                let text = &sides[s].as_ref()?.map[o..o + l];
                let (a, b) = (
                    in_json_string(text, fs.bytes.0)?,
                    in_json_string(text, fs.bytes.1)?,
                );
                Some((s, o + a, (b - a).max(1), field))
            });
            if inside.is_some() {
                ranges[i] = inside;
                continue;
            }
        }
        ranges[i] = order.iter().find_map(|&s| {
            let found = located[s].as_ref()?;
            field_of(f.rule.code)
                .iter()
                .chain([&Field::Object])
                .find_map(|&field| found.range(&first.id, field).map(|r| (r, field)))
                .map(|((o, l), field)| (s, o, l, field))
        });
    }
    config_places(report, &mut out);
    for (s, opened) in sides.iter().enumerate() {
        let Some(opened) = opened else { continue };
        let offsets: Vec<usize> = ranges
            .iter()
            .flatten()
            .filter(|r| r.0 == s)
            .map(|r| r.1)
            .collect();
        let lines = lines_of(&opened.map, &offsets);
        for (i, r) in ranges.iter().enumerate() {
            if let Some(&(_, offset, len, field)) = r.as_ref().filter(|r| r.0 == s) {
                let (line, column) = lines.get(&offset).copied().unwrap_or((1, 1));
                out[i] = Some(Place {
                    file: opened.path.clone(),
                    line,
                    column,
                    offset,
                    len,
                    field,
                });
            }
        }
    }
    out
}

/// The offset in a JSON string literal (`"…"`, as written in the file) of byte `at` of
/// its decoded value: escapes take more room in the file than in the value.
fn in_json_string(raw: &[u8], at: usize) -> Option<usize> {
    let mut i = 1; // after the opening quote
    let mut decoded = 0;
    while decoded < at {
        match *raw.get(i)? {
            b'"' => return None,
            b'\\' => {
                let (file, value) = match *raw.get(i + 1)? {
                    b'u' => {
                        let hex = std::str::from_utf8(raw.get(i + 2..i + 6)?).ok()?;
                        let unit = u32::from_str_radix(hex, 16).ok()?;
                        if (0xD800..0xDC00).contains(&unit) {
                            // A surrogate pair: two escapes, one 4-byte character.
                            (12, 4)
                        } else {
                            (6, char::from_u32(unit).map_or(3, char::len_utf8))
                        }
                    }
                    _ => (2, 1),
                };
                i += file;
                decoded += value;
            }
            _ => {
                i += 1;
                decoded += 1;
            }
        }
    }
    Some(i)
}

fn config_span<'r>(report: &'r super::Report, key: &str) -> Option<&'r std::ops::Range<usize>> {
    report.config.as_ref()?;
    report
        .config_spans
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, s)| s)
}

/// Findings about the job stand at their key in the job config.
fn config_places(report: &super::Report, out: &mut [Option<Place>]) {
    let Some(config) = &report.config else { return };
    let text = config.text.as_bytes();
    for (i, f) in report.findings.iter().enumerate() {
        let Some(span) = f
            .config_span
            .as_ref()
            .or_else(|| f.config_key.and_then(|k| config_span(report, k)))
        else {
            continue;
        };
        let lines = lines_of(text, &[span.start]);
        let (line, column) = lines.get(&span.start).copied().unwrap_or((1, 1));
        out[i] = Some(Place {
            file: config.path.clone(),
            line,
            column,
            offset: span.start,
            len: span.end.saturating_sub(span.start),
            field: Field::Config,
        });
    }
}

/// The API resource of a finding's object when its side is an instance
/// (`https://hmis.example.org/api/dataElements/UID`).
pub fn resource(report: &super::Report, f: &crate::diagnostic::Finding) -> Option<String> {
    let first = f.objects.first()?;
    // An unknown org unit is one the source has and the target lacks.
    let side = if SOURCE_KINDS.contains(&first.kind) || f.rule.code == "T2A012" {
        0
    } else {
        1
    };
    let base = report.urls[side].as_ref()?;
    Some(format!("{base}/api/{}s/{}", first.kind, first.id))
}

/// The offset of `inner`, a slice of `outer`, in `outer`.
fn offset_in(outer: &[u8], inner: &str) -> Option<usize> {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    (i >= o && i + inner.len() <= o + outer.len()).then(|| i - o)
}

/// Scan `text` (a metadata document) for the objects of `ids` in the top-level
/// `collections`, with the mapping attribute `attribute`. sonic-rs skips what is not
/// asked for (other collections, the long lists inside objects) at SIMD speed; the
/// collections asked for are read in parallel. Text that is not JSON yields what was
/// found before it.
pub fn locate(
    text: &[u8],
    ids: &HashSet<&str>,
    collections: &HashSet<String>,
    attribute: Option<&str>,
) -> Located {
    use rayon::prelude::*;
    let mut wanted: Vec<&str> = Vec::new();
    for entry in sonic_rs::to_object_iter(text) {
        let Ok((key, value)) = entry else { break };
        if collections.contains(key.as_ref()) {
            let raw = value.as_raw_str();
            // The value's text lives in `text` (a borrowed slice), so it can outlive
            // the iterator's item.
            if let Some(o) = offset_in(text, raw) {
                wanted.push(std::str::from_utf8(&text[o..o + raw.len()]).unwrap_or(""));
            }
        }
    }
    let parts: Vec<Located> = wanted
        .par_iter()
        .map(|raw| {
            let mut out = Located::default();
            for item in sonic_rs::to_array_iter(*raw) {
                let Ok(item) = item else { break };
                let raw = item.as_raw_str();
                if let Some(start) = offset_in(text, raw) {
                    item_places(&mut out, text, raw, start, ids, attribute);
                }
            }
            out
        })
        .collect();
    let mut out = Located::default();
    for p in parts {
        out.places.extend(p.places);
    }
    out
}

/// The places of one collection item, when its id is wanted.
fn item_places(
    out: &mut Located,
    text: &[u8],
    raw: &str,
    start: usize,
    ids: &HashSet<&str>,
    attribute: Option<&str>,
) {
    use sonic_rs::JsonValueTrait;
    // Most items are not asked for: their id (near the top, as DHIS2 writes them)
    // decides before the rest is read.
    let wanted = sonic_rs::get(raw, &["id"])
        .ok()
        .is_some_and(|v| v.as_str().is_some_and(|id| ids.contains(id)));
    if !wanted {
        return;
    }
    let mut id: Option<String> = None;
    let mut fields: Vec<(Field, usize, usize)> = Vec::new();
    let span = |v: &sonic_rs::LazyValue<'_>| {
        let r = v.as_raw_str();
        offset_in(text, r).map(|o| (o, r.len()))
    };
    for entry in sonic_rs::to_object_iter(raw) {
        let Ok((key, value)) = entry else { return };
        match key.as_ref() {
            "id" => id = value.as_str().map(str::to_string),
            "attributeValues" => {
                if let Some((o, l)) = mapping_value(text, &value, attribute) {
                    fields.push((Field::MappingAttribute, o, l));
                }
            }
            "analyticsPeriodBoundaries" => {
                for (i, b) in sonic_rs::to_array_iter(value.as_raw_str()).enumerate() {
                    let Ok(b) = b else { break };
                    if let Ok(t) = sonic_rs::get(b.as_raw_str(), &["boundaryTarget"])
                        && let Some((o, l)) = span(&t)
                    {
                        fields.push((Field::BoundaryTarget(i as u16), o, l));
                    }
                }
            }
            k => {
                let field = [
                    Field::DataElementField,
                    Field::CategoryOptionCombo,
                    Field::AttributeOptionCombo,
                    Field::Expression,
                    Field::Filter,
                    Field::OrgUnitField,
                ]
                .into_iter()
                .find(|f| f.key() == Some(k.as_bytes()));
                if let (Some(f), Some((o, l))) = (field, span(&value)) {
                    fields.push((f, o, l));
                }
            }
        }
    }
    let Some(id) = id.filter(|id| ids.contains(id.as_str())) else {
        return;
    };
    out.places
        .insert((id.clone(), Field::Object), (start, raw.len()));
    for (f, o, l) in fields {
        out.places.entry((id.clone(), f)).or_insert((o, l));
    }
}

/// Where the `value` of the `attributeValues` element whose attribute is `attribute`
/// (or the first, when the job's attribute is not known) stands in `text`.
fn mapping_value(
    text: &[u8],
    values: &sonic_rs::LazyValue<'_>,
    attribute: Option<&str>,
) -> Option<(usize, usize)> {
    use sonic_rs::JsonValueTrait;
    for element in sonic_rs::to_array_iter(values.as_raw_str()) {
        let element = element.ok()?;
        let mut value = None;
        let mut of = None;
        for entry in sonic_rs::to_object_iter(element.as_raw_str()) {
            let (key, v) = entry.ok()?;
            match key.as_ref() {
                "value" => {
                    let raw = v.as_raw_str();
                    value = offset_in(text, raw).map(|o| (o, raw.len()));
                }
                "attribute" => {
                    of = sonic_rs::get(v.as_raw_str(), &["id"])
                        .ok()
                        .and_then(|id| id.as_str().map(str::to_string));
                }
                _ => {}
            }
        }
        if attribute.is_none_or(|a| of.as_deref() == Some(a)) && value.is_some() {
            return value;
        }
    }
    None
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

    fn at(found: &Located, id: &str, f: Field) -> Option<(usize, usize, String)> {
        found.range(id, f).map(|(o, l)| {
            let (line, col) = lines_of(DOC.as_bytes(), &[o])[&o];
            (line, col, DOC[o..o + l].to_string())
        })
    }

    #[test]
    fn fields_and_objects_are_placed_by_line_and_column() {
        let ids = HashSet::from(["piCasesM001", "deCases0001", "absent00001"]);
        let collections =
            HashSet::from(["programIndicators".to_string(), "dataElements".to_string()]);
        let found = locate(DOC.as_bytes(), &ids, &collections, Some("attrDeAgg01"));
        assert_eq!(
            at(&found, "piCasesM001", Field::MappingAttribute),
            Some((9, 19, "\"MAL_CASES_X\"".into()))
        );
        assert_eq!(
            at(&found, "piCasesM001", Field::CategoryOptionCombo),
            Some((12, 45, "\"MALE\"".into()))
        );
        // A field it does not have is not placed; the object is.
        assert_eq!(at(&found, "piCasesM001", Field::AttributeOptionCombo), None);
        let object = at(&found, "piCasesM001", Field::Object).expect("object");
        assert_eq!((object.0, object.1), (5, 5));
        let de = at(&found, "deCases0001", Field::Object).expect("data element");
        assert_eq!((de.0, de.1), (15, 20));
        assert_eq!(at(&found, "absent00001", Field::Object), None);
        assert_eq!(
            at(&found, "piOther0001", Field::Object),
            None,
            "not asked for"
        );
        // Another collection is not searched.
        let only_des = HashSet::from(["dataElements".to_string()]);
        let found = locate(DOC.as_bytes(), &ids, &only_des, None);
        assert_eq!(at(&found, "piCasesM001", Field::Object), None);
    }

    #[test]
    fn text_that_is_not_json_places_nothing_and_does_not_panic() {
        let ids = HashSet::from(["a"]);
        let collections = HashSet::from(["a".to_string()]);
        for bad in [
            "",
            "{",
            "\"",
            "{\"a\":[{\"id\":\"a\"",
            "]]]}}}",
            "{\"id\":\"\\",
        ] {
            let _ = locate(bad.as_bytes(), &ids, &collections, None);
        }
    }
}

#[cfg(test)]
mod json_string_tests {
    use super::in_json_string;

    #[test]
    fn value_offsets_map_through_escapes() {
        let raw = br#""a\"b\u00e9c\n\ud83d\ude00d""#;
        // value: a " b é(2 bytes) c \n 😀(4 bytes) d
        assert_eq!(in_json_string(raw, 0), Some(1));
        assert_eq!(in_json_string(raw, 1), Some(2));
        assert_eq!(in_json_string(raw, 2), Some(4));
        assert_eq!(in_json_string(raw, 3), Some(5));
        assert_eq!(in_json_string(raw, 5), Some(11));
        assert_eq!(in_json_string(raw, 7), Some(14));
        assert_eq!(in_json_string(raw, 11), Some(26));
        assert_eq!(in_json_string(raw, 40), None);
    }
}
