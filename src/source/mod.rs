//! Record sources other than DHIS2 (Go.Data, line lists) and their aggregation into
//! the values of `[[aggregate]]` blocks (`godata-api.md` §3).

pub mod aggregate;
pub mod bind;
pub mod compile;
pub mod data;
pub mod fields;
pub mod godata;
pub mod linelist;
pub mod predicate;
pub mod run;
pub mod side;
