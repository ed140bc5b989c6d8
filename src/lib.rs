//! costcast turns a customer-service operation's numbers into a budget a CFO
//! can sign: cost per contact by channel, contact volumes and initiative
//! estimates, each a distribution, run through a Monte Carlo forecast.
//!
//! The data flow is the module tree:
//!
//! ```text
//!  model.toml ─┐
//!  scenario.toml ─ input (parse) ─> validate ─> Case ─> simulate ─> aggregate ─> report
//!  *.csv ──────┘     raw, spanned     checked     draws, month loop   stats, bridge,   CSV, charts, HTML,
//!                                                 (rayon batches)     sensitivity      xlsx, run.json
//! ```
//!
//! [`run::run`] drives it end to end; the `costcast` binary only parses the
//! command line and calls it. Every formula is stated in `docs/model.md`,
//! the project's account of the model; "spec section N" in a comment is
//! section N of that page.

// `!(x > y)` is how this crate rejects NaN along with out-of-range values.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod aggregate;
pub mod batch;
pub mod calendar;
pub mod dist;
pub mod error;
pub mod fastmath;
pub mod fit;
pub mod init;
pub mod input;
pub mod isa;
pub mod model;
pub mod optimize;
pub mod report;
pub mod run;
pub mod shard;
pub mod simulate;
pub mod staffing;
pub mod suggest;
pub mod validate;

pub use error::{Diagnostic, Error, InputError};
