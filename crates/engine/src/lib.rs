//! Migrating one file: the pre-filter, parsing, running the enabled
//! transforms, applying their fixes in rounds until nothing changes, fixing
//! up imports, wrapping the new lines that grew past the line length, and
//! the safety net that rejects any fix whose result does not
//! parse. Knows nothing of files on disk or the command line.

mod history;
mod outcome;
mod pipeline;
mod prefilter;
mod suppress;
mod wrap;

pub use outcome::{FileError, Outcome, Reported, Status};
pub use pipeline::{migrate_bytes, migrate_text, reconcile_imports, Options};
pub use prefilter::Prefilter;
