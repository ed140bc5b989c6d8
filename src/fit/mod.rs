//! Fitting a channel's baseline from its history of actual volumes (spec
//! section 12), and what a fitted channel forecasts.
//!
//! ```text
//!  history (volumes by month) ─> estimate ─> Fit ─> draw: one iteration's parameters ─> the months ahead
//!                                 GLS + REML        (sampling distribution)              (AR(1) continued)
//! ```
//!
//! [`estimate`] holds the estimator, [`draw`] turns standard normal scores
//! into one iteration's parameters (the engine's lanes and `costcast fit`
//! share it), [`forecast`] simulates the forecast's quantiles and measures
//! a backtest.

pub mod command;
pub mod draw;
pub mod estimate;
pub mod forecast;
pub mod report;
#[cfg(test)]
mod tests;

pub use draw::{DRAWS, Params};
pub use estimate::{Fit, FitError, MIN_MONTHS};
