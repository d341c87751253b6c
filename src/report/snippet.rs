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
        let line_start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
        let line_end = memchr::memchr(b'\n', &text[end..]).map_or(text.len(), |i| end + i);
        let (from, to, line, column) = if line_end - line_start > LONG {
            let from = floor_char(text, at.saturating_sub(AROUND).max(line_start));
            let to = floor_char(text, (end + AROUND).min(line_end));
            let column = place.column.saturating_sub(1) - (at - from).min(place.column - 1);
            (from, to, place.line - 1, column)
        } else {
            // The line before and the line after, for context.
            let from =
                memchr::memrchr(b'\n', &text[..line_start.saturating_sub(1)]).map_or(0, |i| i + 1);
            let to = memchr::memchr(b'\n', &text[(line_end + 1).min(text.len())..])
                .map_or(text.len(), |i| line_end + 1 + i);
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
