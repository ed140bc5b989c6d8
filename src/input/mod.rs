//! Parse: the files as written, before any checking.
//!
//! Types here mirror the files field for field (serde, `deny_unknown_fields`
//! so a typo is an error, not a silent default) and keep every value's byte
//! span, so validation can point at line and column. Nothing here decides
//! whether a value makes sense; that is [`crate::validate`]'s job.

pub mod locate;
pub mod raw;
pub mod source;
pub mod table;

pub use raw::*;
pub use source::SourceFile;
