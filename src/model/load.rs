//! Reading metadata JSON files, with diagnostics that point at the spot.

use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use super::Metadata;

#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    #[error("cannot read metadata file `{}`: {error}", path.display())]
    #[diagnostic(
        code(t2a::input::unreadable),
        help(
            "pass a DHIS2 metadata JSON file (the shape of `GET /api/metadata`) or a base URL such as https://dhis2.example.org"
        )
    )]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("`{}` is not valid JSON: {message}", path.display())]
    #[diagnostic(
        code(t2a::input::invalid_json),
        help(
            "fix the JSON at line {line}, column {column}; a DHIS2 metadata export is one JSON object of collections"
        )
    )]
    Json {
        path: PathBuf,
        message: String,
        line: usize,
        column: usize,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("`{}` is not a DHIS2 metadata file: {message}", path.display())]
    #[diagnostic(
        code(t2a::input::not_metadata),
        help(
            "expected one JSON object with collections such as `programIndicators`, `dataElements`, `dataSets` (the shape of `GET /api/metadata`); fix the value at line {line}, column {column}"
        )
    )]
    Shape {
        path: PathBuf,
        message: String,
        line: usize,
        column: usize,
        #[source_code]
        src: NamedSource<String>,
        #[label("{message}")]
        span: SourceSpan,
    },
}

/// Read and parse a metadata file.
pub fn load_metadata_file(path: &Path) -> Result<Metadata, Box<LoadError>> {
    let io = |error| {
        Box::new(LoadError::Io {
            path: path.to_path_buf(),
            error,
        })
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let regular = file.metadata().map_err(io)?.is_file();
    // SAFETY: the map is only read, and dropped before this function returns. A file
    // truncated by another process while it is read would fault; one rewritten in place
    // reads as a mix of old and new text, which the parse then rejects or takes as
    // written, as a plain read of a file being written would.
    let mapped = match regular {
        true => unsafe { memmap2::MmapOptions::new().populate().map(&file) }.ok(),
        false => None,
    };
    match mapped {
        Some(map) => parse_metadata(path, &map),
        None => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(io)?;
            parse_metadata(path, &bytes)
        }
    }
}

/// Parse metadata JSON; `path` only names the input in diagnostics.
pub fn parse_metadata(path: &Path, bytes: &[u8]) -> Result<Metadata, Box<LoadError>> {
    // Editors on Windows may prefix a byte order mark, which JSON does not allow.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // serde would read `[]` as an empty struct; a metadata file is an object.
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if let Some(i) = start.filter(|&i| bytes[i] != b'{') {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let line = text[..i.min(text.len())].matches('\n').count() + 1;
        let column = i - text[..i.min(text.len())].rfind('\n').map_or(0, |n| n + 1) + 1;
        return Err(Box::new(LoadError::Shape {
            path: path.to_path_buf(),
            message: "expected a JSON object".into(),
            line,
            column,
            span: SourceSpan::from((i, 1)),
            src: NamedSource::new(path.display().to_string(), text),
        }));
    }
    // The parallel path for valid files; serde_json decides everything else.
    if let Some(m) = std::str::from_utf8(bytes).ok().and_then(super::fast::parse) {
        return Ok(m);
    }
    serde_json::from_slice(bytes).map_err(|err| Box::new(json_error(path, bytes, &err)))
}

fn json_error(path: &Path, bytes: &[u8], err: &serde_json::Error) -> LoadError {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (line, column) = (err.line(), err.column());
    let offset = offset_of(&text, line, column);
    let span = SourceSpan::from((offset, usize::from(offset < text.len())));
    // serde_json appends " at line L column C"; the label and help say it already.
    let full = err.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    let src = NamedSource::new(path.display().to_string(), text);
    let path = path.to_path_buf();
    match err.classify() {
        serde_json::error::Category::Data => LoadError::Shape {
            path,
            message,
            line,
            column,
            src,
            span,
        },
        _ => LoadError::Json {
            path,
            message,
            line,
            column,
            src,
            span,
        },
    }
}

/// Byte offset of a 1-based line and column as serde_json reports them.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let mut offset = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_points_at_line_and_column() {
        let err =
            parse_metadata(Path::new("x.json"), b"{\n  \"dataElements\": [,]\n}").unwrap_err();
        match *err {
            LoadError::Json {
                line, column, span, ..
            } => {
                assert_eq!((line, column), (2, 20));
                assert_eq!(span.offset(), 2 + 19);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_shape_is_reported_as_not_metadata() {
        let err = parse_metadata(Path::new("x.json"), b"{\"dataElements\": {}}").unwrap_err();
        assert!(matches!(*err, LoadError::Shape { .. }), "{err:?}");
        let err = parse_metadata(Path::new("x.json"), b"[]").unwrap_err();
        assert!(matches!(*err, LoadError::Shape { .. }), "{err:?}");
    }

    #[test]
    fn byte_order_mark_is_accepted() {
        let m = parse_metadata(Path::new("x.json"), b"\xEF\xBB\xBF{\"dataSets\": []}").unwrap();
        assert!(m.data_sets.is_some());
    }

    #[test]
    fn absent_and_empty_collections_differ() {
        let m = parse_metadata(Path::new("x.json"), b"{\"dataSets\": []}").unwrap();
        assert!(m.data_sets.as_ref().is_some_and(Vec::is_empty));
        assert!(m.organisation_units.is_none());
    }
}
