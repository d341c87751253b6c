//! A few lines of a metadata file around a place, as miette source code: the labels
//! of human diagnostics point into the file without holding all of it (a national file
//! is hundreds of megabytes, often on one line).

use std::path::Path;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::spans::Place;

/// How much of a long line is shown on each side of the place.
const AROUND: usize = 60;
/// Lines longer than this are cut to a window.
const LONG: usize = 240;

#[derive(Debug)]
pub struct Snippet {
    name: String,
    text: String,
    /// 0-based line and column of `text`'s start in the file.
    line: usize,
    column: usize,
    /// The place, relative to `text`.
    pub span: SourceSpan,
}

fn floor_char(text: &[u8], mut i: usize) -> usize {
    while i > 0 && i < text.len() && (text[i] & 0xC0) == 0x80 {
        i -= 1;
    }
    i
}

impl Snippet {
    /// The lines around `place` in `text` (the file's bytes), or a window of a long line.
    pub fn around(place: &Place, text: &[u8]) -> Option<Snippet> {
        let at = place.offset.min(text.len());
        // An object is pointed at by its opening brace, not drawn whole.
        let len = if place.field == super::spans::Field::Object {
            1
        } else {
            place.len
        };
        let end = (at + len).min(text.len());
        // Line ends are looked for near the place only: a minified file is one line of
        // hundreds of megabytes, and anything past LONG is cut to a window anyway.
        let near = at.saturating_sub(LONG + 1);
        let line_start = match memchr::memrchr(b'\n', &text[near..at]) {
            Some(i) => near + i + 1,
            None if near == 0 => 0,
            None => near,
        };
        let far = (end + LONG + 1).min(text.len());
        let line_end = memchr::memchr(b'\n', &text[end..far]).map_or(far, |i| end + i);
        let (from, to, line, column) = if line_end - line_start > LONG {
            let from = floor_char(text, at.saturating_sub(AROUND).max(line_start));
            let to = floor_char(text, (end + AROUND).min(line_end));
            let column = place.column.saturating_sub(1) - (at - from).min(place.column - 1);
            (from, to, place.line - 1, column)
        } else {
            // The line before and the line after, for context, when they are short.
            let before_end = line_start.saturating_sub(1);
            let before_near = before_end.saturating_sub(LONG);
            let from = match memchr::memrchr(b'\n', &text[before_near..before_end]) {
                Some(i) => before_near + i + 1,
                None if before_near == 0 => 0,
                None => line_start,
            };
            let after = (line_end + 1).min(text.len());
            let after_far = (after + LONG).min(text.len());
            let to = match memchr::memchr(b'\n', &text[after..after_far]) {
                Some(i) => after + i,
                None if after_far == text.len() => text.len(),
                None => line_end,
            };
            let before = usize::from(from < line_start);
            (from, to, place.line - 1 - before, 0)
        };
        let text = String::from_utf8_lossy(&text[from..to]).into_owned();
        let span_len = (end - at).min(text.len().saturating_sub(at - from));
        Some(Snippet {
            name: display(&place.file),
            span: SourceSpan::from((at - from, span_len)),
            text,
            line,
            column,
        })
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let column = if inner.line() == 0 {
            inner.column() + self.column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.line,
            column,
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::spans::Field;

    fn place(text: &str, needle: &str) -> Place {
        let offset = text.find(needle).expect("needle");
        let line = text[..offset].matches('\n').count() + 1;
        let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1) + 1;
        Place {
            file: "f.json".into(),
            line,
            column,
            offset,
            len: needle.len(),
            field: Field::MappingAttribute,
        }
    }

    #[test]
    fn a_short_line_comes_with_its_neighbours() {
        let text = "{\n  \"a\": 1,\n  \"value\": \"X\",\n  \"b\": 2\n}\n";
        let s = Snippet::around(&place(text, "\"X\""), text.as_bytes()).expect("snippet");
        assert_eq!(s.text, "  \"a\": 1,\n  \"value\": \"X\",\n  \"b\": 2");
        assert_eq!(s.line, 1, "0-based: the line before the place");
        assert_eq!(
            &s.text[s.span.offset()..s.span.offset() + s.span.len()],
            "\"X\""
        );
    }

    #[test]
    fn a_minified_file_shows_a_window_of_its_one_line() {
        let mut text = "{\"x\":\"".to_string() + &"a".repeat(5_000_000);
        text.push_str("\",\"value\":\"CODE\",\"y\":\"");
        text.push_str(&"b".repeat(5_000_000));
        text.push_str("\"}");
        let p = place(&text, "\"CODE\"");
        let s = Snippet::around(&p, text.as_bytes()).expect("snippet");
        assert!(s.text.len() <= 2 * AROUND + 6, "{}", s.text.len());
        assert_eq!(
            &s.text[s.span.offset()..s.span.offset() + s.span.len()],
            "\"CODE\""
        );
        assert_eq!(
            s.column + s.span.offset(),
            p.column - 1,
            "columns count from the line's start"
        );
    }
}
