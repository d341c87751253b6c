//! All integration tests in one binary (link time dominates on small machines).

#[path = "../support/mod.rs"]
mod support;

mod buckets;
mod check_output;
mod cli;
mod demo;
mod godata;
mod http;
mod mapping;
mod national;
mod real;
mod records;
mod rule_fixtures;
mod rule_pages;
mod sync;
mod views;
