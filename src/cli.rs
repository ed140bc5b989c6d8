//! The command line, as clap types; no logic.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "costcast", version, about = "Monte Carlo budget forecasts for customer-service operations")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate model and scenario files; print every problem found.
    Check {
        /// Model or scenario files (a scenario is checked with its model).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Forecast a scenario file and write its report.
    Run {
        /// The scenario file.
        scenario: PathBuf,
        /// Monte Carlo iterations.
        #[arg(short = 'n', long = "iterations", default_value_t = costcast::run::DEFAULT_ITERATIONS)]
        iterations: usize,
        /// Random seed; the same seed gives the same report.
        #[arg(long, default_value_t = costcast::run::DEFAULT_SEED)]
        seed: u64,
        /// Report folder [default: reports/<scenario file stem>]
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Worker threads [default: one per core]; never changes the results.
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
}
