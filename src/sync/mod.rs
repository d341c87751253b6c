//! `t2a sync`: the gated, verifiable transfer from tracker to aggregate.

pub mod export;
pub mod issue;
pub mod log;
pub mod values;
