//! The command line, as clap types; no logic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "costcast", version, about = "Monte Carlo budget forecasts for customer-service operations")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented starter model and scenario file to begin from:
    /// DIR/models/starter.toml and DIR/scenarios/starter-plan.toml.
    Init {
        /// The folder to write them into (created if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Start from your own channel table, a CSV in the channels_csv
        /// format (columns id, volume, growth, noise, cost_per_contact,
        /// inflation, fixed_monthly, seasonality).
        #[arg(long, value_name = "CHANNELS.CSV")]
        from_csv: Option<PathBuf>,
        /// Replace the starter files if they exist.
        #[arg(long)]
        force: bool,
    },
    /// Validate model and scenario files; print every problem found.
    Check {
        /// Model or scenario files (a scenario is checked with its model).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Treat every warning as an error (exit status 1).
        #[arg(long)]
        strict: bool,
    },
    /// Forecast a scenario file and write its report.
    Run {
        /// The scenario file.
        scenario: PathBuf,
        #[command(flatten)]
        options: RunArgs,
        /// Compute only shard K of N of the iterations and write a part file
        /// (-o names it) for `costcast merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<costcast::shard::Shard>,
    },
    /// Run many scenario files (files, folders or glob patterns): a report
    /// folder each, plus batch_summary.csv and index.html ranking them.
    Batch {
        /// Scenario files, folders of them, or patterns such as "sites/*.toml".
        #[arg(required = true)]
        paths: Vec<String>,
        /// Batch folder [default: reports/batch]
        #[arg(short = 'o', long = "output", default_value = "reports/batch")]
        output: PathBuf,
        /// Monte Carlo iterations per file.
        #[arg(short = 'n', long = "iterations", default_value_t = costcast::run::DEFAULT_ITERATIONS)]
        iterations: usize,
        /// Random seed; the same seed gives the same reports.
        #[arg(long, default_value_t = costcast::run::DEFAULT_SEED)]
        seed: u64,
        /// Worker threads [default: one per core], shared by all files.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// What to write besides the CSV tables (always written), comma-separated.
        #[arg(long, value_enum, value_delimiter = ',', default_value = "all")]
        format: Vec<Format>,
        /// Refuse a file with a warning about its inputs, like an invalid one.
        #[arg(long)]
        strict: bool,
        /// What ranks the business cases, best first (amounts ranked within
        /// each currency).
        #[arg(long, value_enum, default_value = "npv_p10")]
        rank_by: RankBy,
        /// The confidence finance commits at (0.9: the P10 saving).
        #[arg(long, default_value_t = costcast::simulate::layout::DEFAULT_CONFIDENCE)]
        confidence: f64,
        /// Per file, add iterations in doubling rounds from 10,000 until
        /// every scenario's NPV is settled to this (a share of the mean NPV
        /// or an amount); -n is the cap.
        #[arg(long, value_name = "X")]
        precision: Option<f64>,
    },
    /// Combine the part files of a sharded run into the report one run
    /// would have written, byte for byte.
    Merge {
        /// Every part file of the run (any order).
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Report folder.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Worker threads [default: one per core]; never changes the results.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// What to write besides the CSV tables (always written), comma-separated.
        #[arg(long, value_enum, value_delimiter = ',', default_value = "all")]
        format: Vec<Format>,
        /// Refuse a file with a warning about its inputs, like an invalid one.
        #[arg(long)]
        strict: bool,
    },
    /// Find the best portfolio of a scenario file's initiatives under its
    /// [optimize] table, and write the frontier and the recommendation.
    Optimize {
        /// The scenario file, with an [optimize] table.
        scenario: PathBuf,
        #[command(flatten)]
        options: RunArgs,
    },
    /// Fit channels' baselines from a history of actual volumes: backtest,
    /// forecast, frozen channels, charts and a page (docs/model.md, section 12).
    Fit {
        /// A history CSV (month,channel,volume) or a model that names one
        /// with history_csv.
        file: PathBuf,
        /// Months held out at the end of each history for the backtest.
        #[arg(long, default_value_t = 12)]
        holdout: usize,
        /// Months to forecast after the history.
        #[arg(long, default_value_t = 24)]
        ahead: usize,
        /// Report folder [default: reports/<file stem>-fit].
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

/// What `run` and `optimize` share.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Monte Carlo iterations.
    #[arg(short = 'n', long = "iterations", default_value_t = costcast::run::DEFAULT_ITERATIONS)]
    pub iterations: usize,
    /// Random seed; the same seed gives the same report.
    #[arg(long, default_value_t = costcast::run::DEFAULT_SEED)]
    pub seed: u64,
    /// Report folder [default: reports/<scenario file stem>, for optimize
    /// reports/<stem>-optimize]
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Worker threads [default: one per core]; never changes the results.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// What to write besides the CSV tables (always written), comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "all")]
    pub format: Vec<Format>,
    /// Treat every warning about the inputs as an error: exit status 1,
    /// nothing written.
    #[arg(long)]
    pub strict: bool,
    /// The confidence finance commits at: the committable saving is the
    /// saving reached with this probability (0.9: the P10), and the
    /// recommended scenario has at least this chance of a positive NPV.
    #[arg(long, default_value_t = costcast::simulate::layout::DEFAULT_CONFIDENCE)]
    pub confidence: f64,
    /// Add iterations in doubling rounds from 10,000 until every
    /// scenario's mean, P10, P50 and P90 NPV have a 95% margin within this:
    /// a share of the mean NPV (0.005) or an amount (25000). -n is the cap.
    #[arg(long, value_name = "X")]
    pub precision: Option<f64>,
}

impl RunArgs {
    /// The library's request for this scenario file.
    pub fn request(self, scenario: PathBuf) -> costcast::run::RunRequest {
        costcast::run::RunRequest {
            scenario,
            iterations: self.iterations,
            seed: self.seed,
            threads: self.threads,
            output: self.output,
            formats: formats(&self.format),
            command: std::env::args().collect::<Vec<_>>().join(" "),
            strict: self.strict,
            confidence: self.confidence,
            precision: self.precision,
        }
    }
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

/// What `costcast batch` ranks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RankBy {
    /// NPV P10: the downside a budget meeting commits to; ties by NPV P50.
    #[value(name = "npv_p10")]
    NpvP10,
    /// NPV P50, the median; ties by NPV P10.
    #[value(name = "npv_p50")]
    NpvP50,
    /// The mean NPV.
    #[value(name = "npv_mean")]
    NpvMean,
    /// P(NPV > 0), one ranking across currencies.
    #[value(name = "prob_npv_positive")]
    ProbNpvPositive,
}

impl From<RankBy> for costcast::batch::RankBy {
    fn from(by: RankBy) -> Self {
        match by {
            RankBy::NpvP10 => costcast::batch::RankBy::NpvP10,
            RankBy::NpvP50 => costcast::batch::RankBy::NpvP50,
            RankBy::NpvMean => costcast::batch::RankBy::NpvMean,
            RankBy::ProbNpvPositive => costcast::batch::RankBy::ProbNpvPositive,
        }
    }
}

/// The formats to write.
pub fn formats(list: &[Format]) -> costcast::report::Formats {
    let has = |f: Format| list.contains(&f) || list.contains(&Format::All);
    costcast::report::Formats {
        png: has(Format::Png),
        svg: has(Format::Svg),
        html: has(Format::Html),
        xlsx: has(Format::Xlsx),
    }
}
