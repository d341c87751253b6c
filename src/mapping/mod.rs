//! Mappings as code: the job's mappings as a sheet (`t2a mapping export`), a sheet
//! turned back into changes (`t2a mapping apply`), the fixes findings prove (`t2a fix`),
//! and the changes written as a metadata file of the affected program indicators:
//! their full objects as the source holds them, only the mapping fields changed, so
//! an import changes nothing else.

pub mod change;
pub mod export;
pub mod fix;
pub mod objects;
pub mod sheet;
