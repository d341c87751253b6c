//! Exporting program indicator values from the source in bounded requests: PIs,
//! periods and org units chunked so URLs stay short, run concurrently (bounded by the
//! client), each request keeping the PIs it asked for so that rows can be traced.

use crate::dhis2::Client;
use crate::dhis2::RemoteError;
use crate::dhis2::Version;
use crate::dhis2::data::{ExportQuery, export_body};
use crate::dhis2::pool::for_each_bounded as map_each;
use crate::error::Error;
use crate::idscheme::{IdScheme, is_uid};
use crate::job::Job;

use super::lookups::Lookups;
use super::verify::{Exported, Verified, Verifier};

/// Limits that keep one analytics request small.
#[derive(Debug, Clone, Copy)]
pub struct Chunking {
    pub pis: usize,
    pub periods: usize,
    pub org_units: usize,
    /// Longest `dx`/`ou` dimension value, in characters.
    pub max_dimension_chars: usize,
}

impl Default for Chunking {
    fn default() -> Self {
        Chunking {
            pis: 40,
            periods: 12,
            org_units: 100,
            max_dimension_chars: 1500,
        }
    }
}

/// One export request and the mappings (indices) whose PIs it asks for.
#[derive(Debug, Clone)]
pub struct Request {
    pub query: ExportQuery,
    pub mappings: Vec<usize>,
}

/// Split items into chunks of at most `n` items and `max_chars` characters joined by `;`.
fn chunks<T: Clone>(
    items: &[T],
    n: usize,
    max_chars: usize,
    len: impl Fn(&T) -> usize,
) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut cur: Vec<T> = Vec::new();
    let mut chars = 0;
    for it in items {
        let l = len(it) + 1;
        if !cur.is_empty() && (cur.len() >= n.max(1) || chars + l > max_chars) {
            out.push(std::mem::take(&mut cur));
            chars = 0;
        }
        chars += l;
        cur.push(it.clone());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The requests for one period group: every chunk of PIs × periods × org units, made
/// as they are asked for (a national job has hundreds of them), and how many there are.
pub fn requests<'a>(
    mappings: &[(usize, String)],
    periods: &[String],
    org_units: &[&'a str],
    attribute: Option<&str>,
    org_unit_scheme: &IdScheme,
    c: Chunking,
) -> (usize, impl Iterator<Item = Request> + Send + use<'a>) {
    let pi_chunks = chunks(mappings, c.pis, c.max_dimension_chars, |(_, pi)| pi.len());
    let pe_chunks = chunks(periods, c.periods, c.max_dimension_chars, String::len);
    // Only UIDs are split; levels, groups and user org units go with every chunk, since
    // they select within the UIDs they come with.
    let (uids, others): (Vec<&str>, Vec<&str>) = org_units.iter().copied().partition(|o| is_uid(o));
    let ou_chunks: Vec<Vec<&str>> = if uids.is_empty() {
        vec![others]
    } else {
        chunks(&uids, c.org_units, c.max_dimension_chars, |o| o.len())
            .into_iter()
            .map(|mut ch| {
                ch.extend(others.iter().cloned());
                ch
            })
            .collect()
    };
    let count = pi_chunks.len() * pe_chunks.len() * ou_chunks.len();
    let attribute = attribute.map(str::to_string);
    let scheme = org_unit_scheme.clone();
    // Request i: PI chunk i / (ne·no), period chunk (i / no) % ne, org unit chunk i % no.
    let (ne, no) = (pe_chunks.len(), ou_chunks.len());
    let iter = (0..count).map(move |i| {
        let (pis, pe, ou) = (
            &pi_chunks[i / (ne * no)],
            &pe_chunks[(i / no) % ne],
            &ou_chunks[i % no],
        );
        Request {
            query: ExportQuery {
                dx: pis.iter().map(|(_, pi)| pi.clone()).collect(),
                pe: pe.clone(),
                ou: ou.iter().map(|o| o.to_string()).collect(),
                attribute: attribute.clone(),
                org_unit_scheme: scheme.clone(),
            },
            mappings: pis.iter().map(|(m, _)| *m).collect(),
        }
    });
    (count, iter)
}

/// Where exports come from (a live instance, or a benchmark).
pub trait Source: Sync {
    /// The body of one analytics export, and the URL it came from.
    fn export(&self, query: &ExportQuery) -> Result<(String, bytes::Bytes), RemoteError>;
    /// Requests in flight at once.
    fn concurrency(&self) -> usize;
    /// Export and hand the body to `read`, which starts afresh on each call: a remote
    /// source fetches again when the body does not read (an answer cut off).
    fn export_read(
        &self,
        query: &ExportQuery,
        read: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), RemoteError> {
        let (url, body) = self.export(query)?;
        read(&body).map_err(|message| RemoteError::BadResponse { url, message })
    }
}

/// A live source instance and the version it reported.
pub struct Remote<'a> {
    pub client: &'a Client,
    pub version: Option<Version>,
}

impl Source for Remote<'_> {
    fn export(&self, query: &ExportQuery) -> Result<(String, bytes::Bytes), RemoteError> {
        export_body(self.client, query, self.version)
    }

    fn export_read(
        &self,
        query: &ExportQuery,
        read: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), RemoteError> {
        let params = query.params(self.version);
        self.client
            .get_with("analytics/dataValueSet.json", &params, read)
            .map(drop)
    }

    fn concurrency(&self) -> usize {
        self.client.opts.concurrency
    }
}

/// Run the requests (bounded by the source's concurrency), each response verified on
/// the worker that fetched it; `consume` gets each request's verified values on the
/// calling thread as they come. `progress` is called once per finished request.
pub fn run(
    source: &dyn Source,
    cx: &Job<'_>,
    lk: &Lookups,
    requests: impl Iterator<Item = Request> + Send,
    progress: &(dyn Fn() + Sync),
    consume: &mut dyn FnMut(Vec<Exported>, Verified) -> Result<(), Error>,
) -> Result<(), Error> {
    map_each(
        requests,
        source.concurrency(),
        |r: Request| -> Result<(Vec<Exported>, Verified), Error> {
            let mut values = Vec::new();
            let mut verifier = Verifier::new(cx, lk);
            source.export_read(&r.query, &mut |body| {
                // Afresh on every attempt; about one value per 150 bytes of body: one
                // allocation, not a doubling series.
                values.clear();
                values.reserve(body.len() / 150);
                verifier = Verifier::new(cx, lk);
                verifier
                    .body(&r.mappings, body, &mut |v| values.push(v))
                    .map(drop)
                    .map_err(|e| format!("unreadable analytics export: {e}"))
            })?;
            progress();
            Ok((values, verifier.out))
        },
        |(values, verified)| consume(values, verified),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_bound_count_and_length() {
        let items: Vec<String> = (0..10).map(|i| format!("item{i:07}")).collect();
        let c = chunks(&items, 4, 1000, String::len);
        assert_eq!(c.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 4, 2]);
        let c = chunks(&items, 100, 30, String::len);
        assert!(
            c.iter()
                .all(|ch| ch.iter().map(|s| s.len() + 1).sum::<usize>() <= 30)
        );
        assert_eq!(c.iter().map(Vec::len).sum::<usize>(), 10);
    }

    #[test]
    fn levels_go_with_every_chunk_of_roots() {
        let maps = vec![(0, "piA0000000a".to_string())];
        let pes = vec!["202401".to_string()];
        let mut ous: Vec<String> = (0..250).map(|i| format!("o{i:010}")).collect();
        ous.push("LEVEL-4".into());
        let r: Vec<Request> = requests(
            &maps,
            &pes,
            &ous.iter().map(String::as_str).collect::<Vec<_>>(),
            None,
            &IdScheme::Uid,
            Chunking::default(),
        )
        .1
        .collect();
        assert_eq!(r.len(), 3);
        assert!(
            r.iter()
                .all(|q| q.query.ou.last().map(String::as_str) == Some("LEVEL-4"))
        );
        assert_eq!(r.iter().map(|q| q.query.ou.len() - 1).sum::<usize>(), 250);
    }

    #[test]
    fn requests_cover_every_combination() {
        let maps: Vec<(usize, String)> = (0..5).map(|i| (i, format!("pi{i:09}"))).collect();
        let pes: Vec<String> = vec!["202401".into(), "202402".into(), "202403".into()];
        let ous = vec!["ouA"];
        let c = Chunking {
            pis: 2,
            periods: 2,
            ..Chunking::default()
        };
        let (n, r) = requests(&maps, &pes, &ous, Some("vudyDP7jUy5"), &IdScheme::Uid, c);
        let r: Vec<Request> = r.collect();
        assert_eq!(n, r.len());
        assert_eq!(r.len(), 3 * 2);
        let covered: usize = r.iter().map(|q| q.query.dx.len() * q.query.pe.len()).sum();
        assert_eq!(covered, 5 * 3);
    }
}
