//! On-disk journals: the state of a run that must outlive a chunk (verified values,
//! changes) goes to temporary files as compact records, so memory stays flat however
//! many values a run moves. Files are removed when the journal is dropped.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tempfile::NamedTempFile;

/// An append-only file of records; read back in order, as often as needed.
pub struct Journal<T> {
    file: NamedTempFile,
    out: Option<BufWriter<File>>,
    len: usize,
    buf: Vec<u8>,
    _t: PhantomData<T>,
}

fn corrupt(e: postcard::Error) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("journal record: {e}"),
    )
}

impl<T: Serialize + DeserializeOwned> Journal<T> {
    pub fn new() -> std::io::Result<Self> {
        let file = tempfile::Builder::new().prefix("t2a-journal-").tempfile()?;
        let out = Some(BufWriter::with_capacity(1 << 16, file.reopen()?));
        Ok(Journal {
            file,
            out,
            len: 0,
            buf: Vec::new(),
            _t: PhantomData,
        })
    }

    /// Append a record: its length, then its postcard encoding.
    pub fn push(&mut self, record: &T) -> std::io::Result<()> {
        self.buf.clear();
        let buf = postcard::to_extend(record, std::mem::take(&mut self.buf)).map_err(corrupt)?;
        let out = match self.out.as_mut() {
            Some(o) => o,
            None => {
                let mut f = self.file.reopen()?;
                std::io::Seek::seek(&mut f, std::io::SeekFrom::End(0))?;
                self.out.insert(BufWriter::with_capacity(1 << 16, f))
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
            input: BufReader::with_capacity(1 << 16, self.file.reopen()?),
            left: self.len,
            buf: Vec::new(),
            _t: PhantomData,
        })
    }

    /// Every record so far, in memory (for a journal known to be small).
    pub fn read_all(&mut self) -> std::io::Result<Vec<T>> {
        self.iter()?.collect()
    }
}

/// The records of a journal, in order.
pub struct Records<T> {
    input: BufReader<File>,
    left: usize,
    buf: Vec<u8>,
    _t: PhantomData<T>,
}

impl<T: DeserializeOwned> Iterator for Records<T> {
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
        Some(postcard::from_bytes(&self.buf).map_err(corrupt))
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

impl<T: Serialize + DeserializeOwned> Buckets<T> {
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
        let mut j: Journal<(u32, String)> = Journal::new().unwrap();
        j.push(&(1, "one".into())).unwrap();
        j.push(&(2, String::new())).unwrap();
        assert_eq!(
            j.read_all().unwrap(),
            [(1, "one".into()), (2, String::new())]
        );
        j.push(&(3, "three".into())).unwrap();
        let all: Vec<(u32, String)> = j.iter().unwrap().map(Result::unwrap).collect();
        assert_eq!(all.len(), 3);
        assert_eq!(all[2], (3, "three".into()));
        let path = j.file.path().to_path_buf();
        drop(j);
        assert!(!path.exists());
    }

    #[test]
    fn buckets_spread_by_index() {
        let mut b: Buckets<u32> = Buckets::new(3).unwrap();
        for i in 0..10 {
            b.push(i as usize, &i).unwrap();
        }
        assert_eq!(b.records(), 10);
        assert_eq!(b.journals[1].read_all().unwrap(), [1, 4, 7]);
    }
}
