//! The command line, as clap types; no logic.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
        /// What to write besides the CSV tables (always written), comma-separated.
        #[arg(long, value_enum, value_delimiter = ',', default_value = "all")]
        format: Vec<Format>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The CSV tables only (always written).
    Csv,
    /// Charts as PNG.
    Png,
    /// Charts as SVG.
    Svg,
    /// The one-page summary, report.html.
    Html,
    /// The Excel workbook, report.xlsx.
    Xlsx,
    /// Everything.
    All,
}

/// The formats to write.
pub fn formats(list: &[Format]) -> costcast::report::Formats {
    let has = |f: Format| list.contains(&f) || list.contains(&Format::All);
    costcast::report::Formats { png: has(Format::Png), svg: has(Format::Svg), html: has(Format::Html), xlsx: has(Format::Xlsx) }
}
