//! A counting semaphore: bounds the requests in flight against one instance, whatever
//! the threads that issue them.

use std::sync::{Condvar, Mutex};

#[derive(Debug)]
pub struct Limit {
    free: Mutex<usize>,
    freed: Condvar,
}

pub struct Permit<'a> {
    limit: &'a Limit,
}

impl Limit {
    pub fn new(n: usize) -> Self {
        Limit {
            free: Mutex::new(n.max(1)),
            freed: Condvar::new(),
        }
    }

    pub fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Permit { limit: self }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut free = self.limit.free.lock().unwrap_or_else(|p| p.into_inner());
        *free += 1;
        self.limit.freed.notify_one();
    }
}
