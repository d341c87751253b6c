//! t2a: lint the mapping between DHIS2 program indicators (tracker, the *source*) and
//! aggregate data elements (HMIS, the *target*), and move the data only when it is sound.

pub mod app;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod config;
pub mod dhis2;
pub mod diagnostic;
pub mod error;
pub mod expr;
pub mod idscheme;
pub mod init;
pub mod input;
pub mod interrupt;
pub mod job;
pub mod location;
pub mod mapping;
pub mod model;
pub mod period;
#[cfg(test)]
mod proptests;
pub mod report;
pub mod rule_id;
pub mod rules;
pub mod source;
pub mod suggest;
pub mod sync;
pub mod synth;
pub mod timing;
pub mod views;
