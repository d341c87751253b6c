//! Line lists: CSV (any one-byte delimiter, RFC 4180 quotes and quoted newlines, UTF-8
//! with or without BOM, CRLF), a JSON array of objects, or NDJSON. Records stream
//! through a reused cell buffer; nothing but the current record is held.
//!
//! Cells are trimmed; an empty cell is null. A column read as a number that does not
//! parse is unknown; a date is read with the configured formats (ISO by default), a
//! date-time with an offset is placed in the configured zone, and a value that two
//! formats read as different days is an input error (`03/04/2024`).

use std::path::Path;

use compact_str::CompactString;
use jiff::civil::Date;
use rustc_hash::FxHashMap;

use super::fields::{Cell, FieldId, FieldTable, Kind, parse_number};
use crate::config::records::{LineListFormat, LineListSource};
use crate::error::Error;

/// How a line list's dates read.
pub struct DateReader {
    formats: Vec<String>,
    tz: jiff::tz::TimeZone,
    /// Text → day, for the dates seen (they repeat: one per day of the outbreak).
    cache: FxHashMap<CompactString, Result<Date, DateError>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    Unreadable,
    /// Two formats read it as two days.
    Ambiguous(String, String),
}

impl DateReader {
    pub fn new(formats: &[String], tz: jiff::tz::TimeZone) -> Self {
        DateReader {
            formats: formats.to_vec(),
            tz,
            cache: FxHashMap::default(),
        }
    }

    pub fn read(&mut self, s: &str) -> Result<Date, DateError> {
        if let Some(r) = self.cache.get(s) {
            return r.clone();
        }
        let r = self.parse(s);
        if self.cache.len() < 100_000 {
            self.cache.insert(s.into(), r.clone());
        }
        r
    }

    fn parse(&self, s: &str) -> Result<Date, DateError> {
        if self.formats.is_empty() {
            return iso_day(s, &self.tz).ok_or(DateError::Unreadable);
        }
        let mut found: Option<(Date, &str)> = None;
        for f in &self.formats {
            let Ok(tm) = jiff::fmt::strtime::parse(f, s) else {
                continue;
            };
            let day = match tm.to_timestamp() {
                Ok(ts) => self.tz.to_datetime(ts).date(),
                Err(_) => match tm.to_date() {
                    Ok(d) => d,
                    Err(_) => continue,
                },
            };
            match found {
                Some((d, first)) if d != day => {
                    return Err(DateError::Ambiguous(first.to_string(), f.clone()));
                }
                Some(_) => {}
                None => found = Some((day, f)),
            }
        }
        found.map(|(d, _)| d).ok_or(DateError::Unreadable)
    }
}

/// `YYYY-MM-DD`, a civil date-time (in the zone), or an instant with an offset or `Z`
/// (converted into the zone).
pub fn iso_day(s: &str, tz: &jiff::tz::TimeZone) -> Option<Date> {
    if let Ok(d) = s.parse::<Date>() {
        return Some(d);
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(tz.to_datetime(ts).date());
    }
    s.parse::<jiff::civil::DateTime>().ok().map(|dt| dt.date())
}

/// A record source's bad input: where, what, how to fix.
fn input_error(path: &Path, at: &str, what: impl Into<String>, help: &str) -> Error {
    Error::usage(
        format!("{}{at}: {}", path.display(), what.into()),
        Some(help.to_string()),
    )
}

/// Reads the records of a line list, calling `each` with the cells of every record and
/// its id (the `id_column` cell).
pub struct LineListReader<'a> {
    pub source: &'a LineListSource,
    pub fields: &'a FieldTable,
    pub id_field: Option<FieldId>,
}

impl LineListReader<'_> {
    /// The header of a CSV, or the keys of the first record of a JSON line list (BOM
    /// removed), for the static checks.
    pub fn header(source: &LineListSource) -> Result<Vec<String>, Error> {
        let path = &source.path.value;
        let file = open(path)?;
        match source.format {
            LineListFormat::Csv => {
                let mut r = csv_reader(source, file);
                let h = r
                    .headers()
                    .map_err(|e| input_error(path, "", format!("cannot read the header: {e}"), "check that the file is CSV with a header line and the configured `delimiter`"))?;
                Ok(h.iter()
                    .map(|c| c.trim_start_matches('\u{feff}').to_string())
                    .collect())
            }
            LineListFormat::Json | LineListFormat::Ndjson => {
                let mut keys: Vec<String> = Vec::new();
                let mut first = true;
                read_json(source, file, &mut |obj, _| {
                    if first {
                        keys = obj.keys().cloned().collect();
                        first = false;
                    }
                    Ok(false)
                })?;
                Ok(keys)
            }
        }
    }

    pub fn read(&self, each: &mut dyn FnMut(&[Cell], Option<&str>)) -> Result<u64, Error> {
        let path = &self.source.path.value;
        let file = open(path)?;
        let mut dates = DateReader::new(
            &self
                .source
                .date_formats
                .iter()
                .map(|f| f.value.clone())
                .collect::<Vec<_>>(),
            self.source.timezone.tz.clone(),
        );
        let mut cells = vec![Cell::Null; self.fields.len()];
        let mut n = 0u64;
        match self.source.format {
            LineListFormat::Csv => {
                let mut r = csv_reader(self.source, file);
                let header = r
                    .byte_headers()
                    .map_err(|e| {
                        input_error(
                            path,
                            "",
                            format!("cannot read the header: {e}"),
                            "check the file's `delimiter` and quoting",
                        )
                    })?
                    .clone();
                let columns: Vec<Option<usize>> = self
                    .fields
                    .names
                    .iter()
                    .map(|name| {
                        header.iter().position(|h| {
                            let h = h.strip_prefix(b"\xef\xbb\xbf").unwrap_or(h);
                            h == name.as_bytes()
                        })
                    })
                    .collect();
                let mut row = csv::ByteRecord::new();
                loop {
                    match r.read_byte_record(&mut row) {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => {
                            let line = e
                                .position()
                                .map_or(String::new(), |p| format!(":{}", p.line()));
                            return Err(input_error(
                                path,
                                &line,
                                format!("not readable as CSV: {e}"),
                                "check quotes and the configured `delimiter`",
                            ));
                        }
                    }
                    n += 1;
                    let line = row.position().map_or(n + 1, |p| p.line());
                    for (f, col) in columns.iter().enumerate() {
                        let raw = col.and_then(|c| row.get(c)).unwrap_or(b"");
                        let Ok(text) = std::str::from_utf8(raw) else {
                            return Err(input_error(
                                path,
                                &format!(":{line}"),
                                format!("column `{}` is not UTF-8", self.fields.names[f]),
                                "save the file as UTF-8",
                            ));
                        };
                        cells[f] = self
                            .cell(f, text.trim(), &mut dates)
                            .map_err(|e| date_error(path, line, &self.fields.names[f], text, e))?;
                    }
                    let id = self.id_of(&cells);
                    each(&cells, id.as_deref());
                }
            }
            LineListFormat::Json | LineListFormat::Ndjson => {
                read_json(self.source, file, &mut |obj, line| {
                    n += 1;
                    for (f, name) in self.fields.names.iter().enumerate() {
                        cells[f] = match obj.get(name) {
                            None | Some(serde_json::Value::Null) => Cell::Null,
                            Some(serde_json::Value::String(s)) => self
                                .cell(f, s.trim(), &mut dates)
                                .map_err(|e| date_error(path, line, name, s, e))?,
                            Some(serde_json::Value::Bool(b)) => {
                                match self.fields.kind(f as FieldId) {
                                    Kind::Bool => Cell::Bool(*b),
                                    _ => Cell::Text(if *b { "true" } else { "false" }.into()),
                                }
                            }
                            Some(serde_json::Value::Number(x)) => {
                                match self.fields.kind(f as FieldId) {
                                    Kind::Number => x.as_f64().map_or(Cell::Unknown, Cell::Number),
                                    Kind::Text => Cell::Text(x.to_string().into()),
                                    _ => Cell::Unknown,
                                }
                            }
                            Some(_) => Cell::Unknown,
                        };
                    }
                    let id = self.id_of(&cells);
                    each(&cells, id.as_deref());
                    Ok(true)
                })?;
            }
        }
        Ok(n)
    }

    fn id_of(&self, cells: &[Cell]) -> Option<CompactString> {
        match self.id_field.map(|f| &cells[usize::from(f)]) {
            Some(Cell::Text(s)) => Some(s.clone()),
            _ => None,
        }
    }

    fn cell(&self, f: usize, text: &str, dates: &mut DateReader) -> Result<Cell, DateError> {
        if text.is_empty() {
            return Ok(Cell::Null);
        }
        Ok(match self.fields.kinds[f] {
            Kind::Text => Cell::Text(text.into()),
            Kind::Number => parse_number(text).map_or(Cell::Unknown, Cell::Number),
            Kind::Bool => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Cell::Bool(true),
                "false" | "no" | "0" => Cell::Bool(false),
                _ => Cell::Unknown,
            },
            Kind::Date => match dates.read(text) {
                Ok(d) => Cell::Date(d),
                Err(DateError::Unreadable) => Cell::Unknown,
                Err(e) => return Err(e),
            },
        })
    }
}

fn date_error(path: &Path, line: u64, column: &str, text: &str, e: DateError) -> Error {
    let what = match e {
        // The cell itself is not shown: it may be a birth date.
        DateError::Ambiguous(a, b) => format!(
            "`{column}` ({} characters) is a different day under \"{a}\" and under \"{b}\"",
            text.chars().count()
        ),
        DateError::Unreadable => format!("`{column}` is not a date"),
    };
    input_error(
        path,
        &format!(":{line}"),
        what,
        "keep only the date format the file uses in `date_formats` (day first and month first cannot both be tried)",
    )
}

fn open(path: &Path) -> Result<std::fs::File, Error> {
    std::fs::File::open(path).map_err(|e| {
        Error::usage(
            format!("cannot read the line list `{}`: {e}", path.display()),
            Some(
                "check `[source] path` (relative paths start at the config file's folder)"
                    .to_string(),
            ),
        )
    })
}

fn csv_reader(
    source: &LineListSource,
    file: std::fs::File,
) -> csv::Reader<std::io::BufReader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .delimiter(source.delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file))
}

type Object = serde_json::Map<String, serde_json::Value>;

/// Each object of a JSON array or of NDJSON lines, with its line (NDJSON) or its
/// position in the array; `each` answers whether to go on.
fn read_json(
    source: &LineListSource,
    file: std::fs::File,
    each: &mut dyn FnMut(&Object, u64) -> Result<bool, Error>,
) -> Result<(), Error> {
    let path = &source.path.value;
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    match source.format {
        LineListFormat::Ndjson => {
            use std::io::BufRead;
            for (i, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| {
                    input_error(
                        path,
                        &format!(":{}", i + 1),
                        format!("cannot read: {e}"),
                        "save the file as UTF-8",
                    )
                })?;
                let t = line.trim_start_matches('\u{feff}').trim();
                if t.is_empty() {
                    continue;
                }
                let obj: Object = serde_json::from_str(t).map_err(|e| {
                    input_error(
                        path,
                        &format!(":{}", i + 1),
                        format!("not a JSON object: {e}"),
                        "NDJSON holds one JSON object per line",
                    )
                })?;
                if !each(&obj, i as u64 + 1)? {
                    return Ok(());
                }
            }
            Ok(())
        }
        _ => {
            use std::io::BufRead;
            let mut r = reader;
            // A BOM would make the JSON unreadable: skip it, then stream the rest.
            let head = r.fill_buf().map_err(|e| {
                input_error(path, "", format!("cannot read: {e}"), "check the path")
            })?;
            if head.starts_with(b"\xef\xbb\xbf") {
                r.consume(3);
            }
            let mut de = serde_json::Deserializer::from_reader(r);
            let mut seq = ArrayOfObjects { each, error: None };
            let r = serde::Deserializer::deserialize_seq(&mut de, &mut seq);
            if let Some(e) = seq.error {
                return Err(e);
            }
            r.map_err(|e| {
                input_error(
                    path,
                    &format!(":{}", e.line()),
                    format!("not a JSON array of objects: {e}"),
                    "a JSON line list is one array of objects, one per record",
                )
            })
        }
    }
}

struct ArrayOfObjects<'e> {
    each: &'e mut dyn FnMut(&Object, u64) -> Result<bool, Error>,
    error: Option<Error>,
}

impl<'de> serde::de::Visitor<'de> for &mut ArrayOfObjects<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0u64;
        while let Some(obj) = seq.next_element::<Object>()? {
            i += 1;
            match (self.each)(&obj, i) {
                Ok(true) => {}
                Ok(false) => {
                    // Drain the rest without keeping it.
                    while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                    return Ok(());
                }
                Err(e) => {
                    self.error = Some(e);
                    while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;
    use crate::config::records::RecordSource;
    use crate::source::compile::line_list_fields;

    fn job(dir: &Path, file: &str, extra: &str) -> Config {
        let text = format!(
            "[source]\nkind = \"linelist\"\npath = \"{file}\"\nid_column = \"id\"\n{extra}\n[source.org_units]\ncolumn = \"ou\"\n[[aggregate]]\ndata_element = \"X\"\nperiod = \"onset\"\nwhere = {{ age = {{ gte = 0 }} }}\n"
        );
        Config::parse(&dir.join("job.toml"), text).expect("job reads")
    }

    fn read_all(c: &Config) -> Result<Vec<Vec<Cell>>, Error> {
        let Some(RecordSource::LineList(source)) = &c.records else {
            panic!("line list");
        };
        let fields = line_list_fields(source, &c.aggregates);
        let r = LineListReader {
            source,
            fields: &fields.table,
            id_field: fields.id,
        };
        let mut out = Vec::new();
        r.read(&mut |cells, _| out.push(cells.to_vec()))?;
        Ok(out)
    }

    #[test]
    fn csv_json_and_ndjson_give_the_same_cells() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("a.csv"),
            "\u{feff}id;name;age;onset;ou\r\n1;\"Doe;\r\nJane\";34;2024-03-05;D1\r\n2;x; ;2024-03-06T23:30:00Z;D2\r\n3;y;n/a;;D1\r\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("a.json"),
            "\u{feff}[{\"id\":\"1\",\"name\":\"Doe\",\"age\":34,\"onset\":\"2024-03-05\",\"ou\":\"D1\"},{\"id\":\"2\",\"age\":null,\"onset\":\"2024-03-06T23:30:00Z\",\"ou\":\"D2\"},{\"id\":\"3\",\"age\":\"n/a\",\"onset\":\"\",\"ou\":\"D1\"}]",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("a.ndjson"),
            "{\"id\":\"1\",\"age\":\"34\",\"onset\":\"2024-03-05\",\"ou\":\"D1\"}\n\n{\"id\":\"2\",\"onset\":\"2024-03-06T23:30:00Z\",\"ou\":\"D2\"}\n{\"id\":\"3\",\"age\":\"n/a\",\"ou\":\"D1\"}\n",
        )
        .expect("write");
        let zone = "timezone = \"Africa/Nairobi\"";
        let csv = read_all(&job(
            dir.path(),
            "a.csv",
            &format!("delimiter = \";\"\n{zone}"),
        ))
        .expect("csv");
        let json = read_all(&job(dir.path(), "a.json", zone)).expect("json");
        let nd = read_all(&job(dir.path(), "a.ndjson", zone)).expect("ndjson");
        assert_eq!(csv.len(), 3);
        assert_eq!(csv, json);
        assert_eq!(csv, nd);
        // Fields: ou, id, onset, age (in the order registered).
        assert_eq!(csv[0][3], Cell::Number(34.0));
        assert_eq!(
            csv[1][2],
            Cell::Date(jiff::civil::date(2024, 3, 7)),
            "23:30Z is the 7th in Nairobi"
        );
        assert_eq!(csv[1][3], Cell::Null, "a blank cell is null");
        assert_eq!(csv[2][3], Cell::Unknown, "n/a is not a number");
        assert_eq!(csv[2][2], Cell::Null);
    }

    #[test]
    fn a_date_two_formats_read_differently_is_an_input_error_at_its_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("a.csv"),
            "id,age,onset,ou\n1,3,25/03/2024,D1\n2,4,03/04/2024,D1\n",
        )
        .expect("write");
        let c = job(
            dir.path(),
            "a.csv",
            "date_formats = [\"%d/%m/%Y\", \"%m/%d/%Y\"]",
        );
        let e = read_all(&c).unwrap_err().to_string();
        assert!(e.contains("a.csv:3"), "{e}");
        assert!(
            e.contains("is a different day under \"%d/%m/%Y\" and under \"%m/%d/%Y\""),
            "{e}"
        );
        assert!(!e.contains("03/04/2024"), "the cell is not shown: {e}");
        let c = job(dir.path(), "a.csv", "date_formats = [\"%d/%m/%Y\"]");
        let rows = read_all(&c).expect("one format reads");
        assert_eq!(rows[1][2], Cell::Date(jiff::civil::date(2024, 4, 3)));
    }
}
