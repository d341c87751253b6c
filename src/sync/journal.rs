//! On-disk journals: the state of a run that must outlive a chunk (verified values,
//! changes) goes to temporary files as compact records, so memory stays flat however
//! many values a run moves. Files are removed when the journal is dropped.
//!
//! A record is a length and the bytes of `Record::encode`: fixed-width fields, little
//! endian, then at most one text that runs to the end of the record.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::marker::PhantomData;

use tempfile::TempPath;

/// What a journal holds.
pub trait Record: Sized {
    fn encode(&self, out: &mut Vec<u8>);
    /// `None` for bytes that are not a record of this type.
    fn decode(bytes: &[u8]) -> Option<Self>;
}

impl Record for String {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        std::str::from_utf8(bytes).ok().map(str::to_string)
    }
}

/// Reads fixed-width fields off the front of a record.
pub struct Fields<'a>(pub &'a [u8]);

impl<'a> Fields<'a> {
    pub fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    pub fn u32(&mut self) -> Option<u32> {
        self.take::<4>().map(u32::from_le_bytes)
    }
    pub fn u16(&mut self) -> Option<u16> {
        self.take::<2>().map(u16::from_le_bytes)
    }
    pub fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }
    /// A text of `len` bytes.
    pub fn text(&mut self, len: usize) -> Option<&'a str> {
        let (head, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        std::str::from_utf8(head).ok()
    }
    /// The rest, as text.
    pub fn rest(&mut self) -> Option<&'a str> {
        self.text(self.0.len())
    }
}

/// An append-only file of records; read back in order, as often as needed. It holds one
/// open file at most (a run may have hundreds of buckets).
pub struct Journal<T> {
    path: TempPath,
    out: Option<BufWriter<File>>,
    len: usize,
    buf: Vec<u8>,
    _t: PhantomData<T>,
}

fn corrupt() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "a journal record does not read back",
    )
}

impl<T: Record> Journal<T> {
    pub fn new() -> std::io::Result<Self> {
        let (file, path) = tempfile::Builder::new()
            .prefix("t2a-journal-")
            .tempfile()?
            .into_parts();
        Ok(Journal {
            path,
            out: Some(BufWriter::with_capacity(1 << 14, file)),
            len: 0,
            buf: Vec::new(),
            _t: PhantomData,
        })
    }

    /// Append a record: its length, then its encoding.
    pub fn push(&mut self, record: &T) -> std::io::Result<()> {
        self.push_bytes(|buf| record.encode(buf))
    }

    /// Append a record that `write` encodes straight into the record's buffer.
    pub fn push_bytes(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> std::io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        write(&mut buf);
        let out = match self.out.as_mut() {
            Some(o) => o,
            None => {
                let f = std::fs::OpenOptions::new().append(true).open(&self.path)?;
                self.out.insert(BufWriter::with_capacity(1 << 14, f))
            }
        };
        out.write_all(&(buf.len() as u32).to_le_bytes())?;
        out.write_all(&buf)?;
        self.buf = buf;
        self.len += 1;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every record so far, in order (what was pushed is flushed first).
    pub fn iter(&mut self) -> std::io::Result<Records<T>> {
        if let Some(mut out) = self.out.take() {
            out.flush()?;
        }
        Ok(Records {
            input: BufReader::with_capacity(1 << 14, File::open(&self.path)?),
            left: self.len,
            buf: Vec::new(),
            _t: PhantomData,
        })
    }

    /// Every record so far, in memory (for a journal known to be small).
    pub fn read_all(&mut self) -> std::io::Result<Vec<T>> {
        let mut out = Vec::with_capacity(self.len);
        for r in self.iter()? {
            out.push(r?);
        }
        Ok(out)
    }
}

/// The records of a journal, in order.
pub struct Records<T> {
    input: BufReader<File>,
    left: usize,
    buf: Vec<u8>,
    _t: PhantomData<T>,
}

impl<T: Record> Iterator for Records<T> {
    type Item = std::io::Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut len = [0u8; 4];
        if let Err(e) = self.input.read_exact(&mut len) {
            return Some(Err(e));
        }
        self.buf.resize(u32::from_le_bytes(len) as usize, 0);
        if let Err(e) = self.input.read_exact(&mut self.buf) {
            return Some(Err(e));
        }
        Some(T::decode(&self.buf).ok_or_else(corrupt))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// Records spread over a fixed number of journals ("buckets"), so that each bucket
/// can be worked on in memory while the whole does not fit.
pub struct Buckets<T> {
    pub journals: Vec<Journal<T>>,
}

impl<T: Record> Buckets<T> {
    pub fn new(n: usize) -> std::io::Result<Self> {
        Ok(Buckets {
            journals: (0..n.max(1))
                .map(|_| Journal::new())
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn len(&self) -> usize {
        self.journals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.journals.is_empty()
    }

    pub fn push(&mut self, bucket: usize, record: &T) -> std::io::Result<()> {
        let n = self.journals.len();
        self.journals[bucket % n].push(record)
    }

    /// Records in all buckets.
    pub fn records(&self) -> usize {
        self.journals.iter().map(Journal::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_in_order_after_more_pushes() {
        let mut j: Journal<String> = Journal::new().unwrap();
        j.push(&"one".into()).unwrap();
        j.push(&String::new()).unwrap();
        assert_eq!(j.read_all().unwrap(), ["one", ""]);
        j.push(&"three".into()).unwrap();
        let all: Vec<String> = j.iter().unwrap().map(Result::unwrap).collect();
        assert_eq!(all, ["one", "", "three"]);
        let path = j.path.to_path_buf();
        drop(j);
        assert!(!path.exists());
    }

    #[test]
    fn buckets_spread_by_index() {
        let mut b: Buckets<String> = Buckets::new(3).unwrap();
        for i in 0..10 {
            b.push(i, &i.to_string()).unwrap();
        }
        assert_eq!(b.records(), 10);
        assert_eq!(b.journals[1].read_all().unwrap(), ["1", "4", "7"]);
    }

    #[test]
    fn fields_read_what_was_written() {
        let mut f = Fields(&[1, 0, 0, 0, 2, 0, 7, b'h', b'i', b'!']);
        assert_eq!((f.u32(), f.u16(), f.u8()), (Some(1), Some(2), Some(7)));
        assert_eq!(f.text(2), Some("hi"));
        assert_eq!(f.rest(), Some("!"));
        assert_eq!(f.u32(), None);
    }
}
