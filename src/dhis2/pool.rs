//! Run blocking jobs on a bounded number of threads: collecting the results in input
//! order, or handing each to the caller as it comes (so results need not all be held).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// Apply `f` to every item with at most `workers` running at once; results come back
/// in the order of `items`.
pub fn map_bounded<T, R, F>(items: Vec<T>, workers: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let n = items.len();
    if n <= 1 || workers <= 1 {
        return items.into_iter().map(f).collect();
    }
    let queue: Mutex<VecDeque<(usize, T)>> = Mutex::new(items.into_iter().enumerate().collect());
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers.min(n) {
            s.spawn(|| {
                loop {
                    // A poisoned lock means another worker panicked; stop taking work.
                    let next = match queue.lock() {
                        Ok(mut q) => q.pop_front(),
                        Err(_) => None,
                    };
                    let Some((i, item)) = next else { break };
                    let r = f(item);
                    if let Ok(mut res) = results.lock() {
                        res[i] = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

/// Apply `f` to every item with at most `workers` running at once, and hand each
/// result to `consume` on the calling thread as it comes (in completion order). At most
/// `workers` results wait at a time. The first error, of `f` or of `consume`, stops new
/// work and is returned once the running jobs are done.
pub fn for_each_bounded<T, I, R, E, F, C>(
    items: I,
    workers: usize,
    f: F,
    mut consume: C,
) -> Result<(), E>
where
    I: IntoIterator<Item = T>,
    I::IntoIter: Send,
    T: Send,
    R: Send,
    E: Send,
    F: Fn(T) -> Result<R, E> + Sync,
    C: FnMut(R) -> Result<(), E>,
{
    let mut items = items.into_iter();
    let workers = workers.max(1);
    if workers <= 1 {
        for item in items {
            consume(f(item)?)?;
        }
        return Ok(());
    }
    // Items are taken from the iterator as workers come for them.
    let queue: Mutex<&mut I::IntoIter> = Mutex::new(&mut items);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::sync_channel::<Result<R, E>>(1);
    std::thread::scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (queue, stop, f) = (&queue, &stop, &f);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let next = match queue.lock() {
                        Ok(mut q) => q.next(),
                        Err(_) => None,
                    };
                    let Some(item) = next else { break };
                    if tx.send(f(item)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut first: Option<E> = None;
        for r in rx {
            if first.is_some() {
                continue;
            }
            if let Err(e) = r.and_then(&mut consume) {
                stop.store(true, Ordering::Relaxed);
                first = Some(e);
            }
        }
        first.map_or(Ok(()), Err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn keeps_order_and_bounds_concurrency() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = map_bounded((0..40).collect(), 3, |i: u32| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::yield_now();
            running.fetch_sub(1, Ordering::SeqCst);
            i * 2
        });
        assert_eq!(out, (0..40).map(|i| i * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn results_are_consumed_as_they_come_and_errors_stop_the_rest() {
        let mut seen = Vec::new();
        let r: Result<(), String> = for_each_bounded(
            0..50u32,
            4,
            |i: u32| Ok(i * 2),
            |v| {
                seen.push(v);
                Ok(())
            },
        );
        assert!(r.is_ok());
        seen.sort();
        assert_eq!(seen, (0..50).map(|i| i * 2).collect::<Vec<_>>());
        let ran = std::sync::atomic::AtomicUsize::new(0);
        let r: Result<(), String> = for_each_bounded(
            0..1000u32,
            3,
            |i: u32| {
                ran.fetch_add(1, Ordering::SeqCst);
                if i == 5 {
                    Err(format!("job {i}"))
                } else {
                    Ok(i)
                }
            },
            |_| Ok(()),
        );
        assert_eq!(r, Err("job 5".to_string()));
        assert!(ran.load(Ordering::SeqCst) < 1000);
    }
}
