//! The integration tests, as one test crate.
//!
//! Cargo builds every file directly under `tests/` as its own test binary,
//! each linking the costcast library and its dependencies again. Here the
//! files are modules of a single crate instead: the suite links once, and
//! the modules share their helpers through `util` rather than copying them.
//! All tests run in one process, in parallel, so none may change the
//! environment or the working directory, or write anywhere but its own
//! temporary folder.
//!
//! - `util`: the shared helpers (paths, the binary, cases, closeness, statistics).
//! - `answer`: the page's answer box and `--confidence`.
//! - `bad_inputs`: every invalid model, scenario, CSV or command line fails
//!   cleanly, naming the culprit and writing nothing.
//! - `batch`: `costcast batch`, several scenario files in one command.
//! - `browser`: the HTML report renders in headless Chromium.
//! - `charts`: the charts as PNG and SVG, their labels clear of each other.
//! - `corpus`: the slips a first model holds, each with its exact answer.
//! - `copula`: the Gaussian copula keeps rank correlations and marginals.
//! - `determinism`: the same seed gives the same bytes on any thread count.
//! - `distributions`: the distribution families against analytic values.
//! - `erlang`: Erlang B and C against published and 60-digit values.
//! - `fit`: `costcast fit`, `history_csv` in a model, reforecasts, bad histories.
//! - `formulas`: hand-computed cases, every number exact.
//! - `headcount`: attrition, training and severance on a staffed channel,
//!   by hand; heads conserved; the default rules are section 10's.
//! - `fuzz`: a mutation fuzzer over the shipped models and scenarios, and
//!   the hand-written cases of issue 28: exit 0 or 1 only, no hang, errors
//!   in the one format, finite numbers.
//! - `init`: `costcast init`, the starter files and `--from-csv`.
//! - `interval`: weekly profiles staffed interval by interval, by hand;
//!   Erlang A per interval and the abandoned row; bad profiles refused.
//! - `optimize`: `costcast optimize` on cases solved by hand.
//! - `pnl`: the run-rate, the bridge by fiscal year and the P&L view.
//! - `plausibility`: valid but implausible inputs warn, `--strict` refuses
//!   them, and the shipped examples raise no warning.
//! - `precision`: standard errors cover the truth; `--precision` rounds.
//! - `progress`: the progress bar on a terminal, none in a pipe.
//! - `properties`: laws that hold for any input (proptest).
//! - `reference`: the canonical case against an independent implementation.
//! - `report_files`: every report file is written, valid and inert.
//! - `robustness`: overflowing numbers, unbounded samplers, devices and
//!   oversized files, absurd thread counts: refused or capped, never a
//!   panic or a hang.
//! - `shard`: sharded runs merge to the bytes of one run.
//! - `slips`: unit slips (`share = 25`) refused with the fix; percent literals.
//! - `stdout`: a reader that closes stdout early ends a command quietly.
//! - `staffing`: staffed channels' agents, FTE and labour cost by hand.
//! - `tallies`: bounded memory gives the numbers of keeping everything.
//! - `xlsx`: the Excel workbook read back.

mod util;

mod answer;
mod bad_inputs;
mod batch;
mod browser;
mod charts;
mod copula;
mod corpus;
mod determinism;
mod distributions;
mod erlang;
mod fit;
mod formulas;
mod fuzz;
mod headcount;
mod init;
#[cfg(unix)]
mod interrupt;
mod interval;
mod optimize;
mod plausibility;
mod pnl;
mod precision;
mod progress;
mod properties;
mod reference;
mod report_files;
mod robustness;
mod shard;
mod slips;
mod staffing;
mod stdout;
mod tallies;
mod xlsx;
