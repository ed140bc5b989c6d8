//! Parse: the files as written, before any checking.
//!
//! Types here mirror the files field for field and keep every value's byte
//! span, so validation can point at line and column. A file is read field
//! by field ([`read`]): an unknown field is an error, not a silent default,
//! and one bad field does not hide the others. Nothing here decides
//! whether a value makes sense; that is [`crate::validate`]'s job.

pub mod raw;
pub(crate) mod read;
pub mod source;
pub mod table;

pub use raw::*;
pub use source::SourceFile;
