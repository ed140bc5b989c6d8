//! `costcast fit FILE [--holdout H] [--ahead K] [-o DIR]` (spec section
//! 12): read a history (a CSV, or the one a model names), fit and backtest
//! each channel, write the report folder all or nothing.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::report::ChannelFit;
use crate::error::{Diagnostic, Error, InputError, RenderError, Warning};
use crate::input::SourceFile;
use crate::model::Baseline;
use crate::report::fit as files;
use crate::report::output;
use crate::report::record::{RunRecord, hash_inputs};
use crate::validate::history::{ChannelHistory, read_history};

/// What `costcast fit` was asked to do.
#[derive(Debug, Clone)]
pub struct FitRequest {
    /// A history CSV, or a model that names one.
    pub file: PathBuf,
    /// Months held out for the backtest (H).
    pub holdout: usize,
    /// Months forecast after the history (K).
    pub ahead: usize,
    /// The report folder; default `reports/<stem>-fit/`.
    pub output: Option<PathBuf>,
    /// The command line, for the record.
    pub command: String,
}

/// What `costcast fit` wrote.
#[derive(Debug)]
pub struct FitOutcome {
    pub output: PathBuf,
    pub channels: Vec<ChannelFit>,
    pub warnings: Vec<Warning>,
}

/// The default report folder for a history or model file.
pub fn default_output(file: &Path) -> PathBuf {
    let stem = file.file_stem().map_or("history".into(), |s| s.to_string_lossy().into_owned());
    Path::new("reports").join(format!("{stem}-fit"))
}

/// One channel's history and, from a model, its cost fields as written.
struct Source {
    history: ChannelHistory,
    costs: Option<files::CostFields>,
}

/// Fit every channel of `request.file` and write the report.
pub fn fit(request: &FitRequest, on_warning: impl Fn(&Warning)) -> Result<FitOutcome, Error> {
    let started = Instant::now();
    if request.ahead == 0 {
        return Err(Error::Input(InputError::one(Diagnostic::new(
            &request.file,
            "--ahead",
            "must be at least 1 month",
        ))));
    }
    let (sources, inputs) = read_sources(&request.file)?;
    let output = request.output.clone().unwrap_or_else(|| default_output(&request.file));
    output::check_target(&output, &inputs)?;
    let mut warnings = Vec::new();
    let mut channels = Vec::new();
    let mut errors = Vec::new();
    for s in &sources {
        let h = &s.history;
        match ChannelFit::new(&h.channel, h.first, &h.volumes, request.holdout, request.ahead) {
            Ok(c) => {
                if c.backtest.is_none() && request.holdout > 0 {
                    let mut d = h.at.clone();
                    d.message = format!(
                        "channel {} has {} months, fewer than {} + {} held out: no backtest",
                        crate::error::quoted(&h.channel),
                        h.volumes.len(),
                        crate::fit::MIN_MONTHS,
                        request.holdout
                    );
                    let w = Warning(d);
                    on_warning(&w);
                    warnings.push(w);
                }
                channels.push(c);
            }
            Err(e) => {
                let mut d = h.at.clone();
                d.message = format!("channel {}: {e}", crate::error::quoted(&h.channel));
                errors.push(d);
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Input(InputError { diagnostics: errors }));
    }
    let costs: Vec<Option<files::CostFields>> = sources.into_iter().map(|s| s.costs).collect();
    let render = |file: &str, e: RenderError| Error::Render { file: file.to_owned(), source: e };
    let source = request.file.display().to_string();
    let mut out: Vec<(String, Vec<u8>)> = vec![
        ("fit.csv".into(), files::fit_csv(&channels).map_err(|e| render("fit.csv", e))?),
        ("forecast.csv".into(), files::forecast_csv(&channels).map_err(|e| render("forecast.csv", e))?),
        ("backtest.csv".into(), files::backtest_csv(&channels).map_err(|e| render("backtest.csv", e))?),
        ("channels.toml".into(), files::channels_toml(&channels, &costs, &source).into_bytes()),
    ];
    let mut svgs = Vec::new();
    for c in &channels {
        let stem = format!("fit-{}", c.channel);
        let svg = crate::report::charts::fit::render_svg(c).map_err(|e| render(&format!("{stem}.svg"), e))?;
        let png = crate::report::charts::fit::render_png(c).map_err(|e| render(&format!("{stem}.png"), e))?;
        out.push((format!("{stem}.svg"), svg.clone().into_bytes()));
        out.push((format!("{stem}.png"), png));
        svgs.push(svg);
    }
    out.push(("report.html".into(), files::html(&channels, &svgs, &source, &warnings).into_bytes()));
    let record = RunRecord {
        costcast_version: env!("CARGO_PKG_VERSION"),
        command: request.command.clone(),
        inputs: hash_inputs(&inputs),
        seed: crate::fit::forecast::SEED,
        iterations: crate::fit::forecast::PATHS as usize,
        confidence: None,
        threads: 1,
        monthly_percentile_iterations: crate::fit::forecast::PATHS as usize,
        wall_seconds: started.elapsed().as_secs_f64(),
        warnings: warnings.iter().map(|w| w.to_string()).collect(),
        precision: None,
    };
    out.push((output::RECORD_FILE.into(), record.to_json()));
    output::write_all(&output, &out)?;
    Ok(FitOutcome { output, channels, warnings })
}

/// The histories to fit and the files read: a model's fitted channels
/// (the model checked whole), or every channel of a history CSV.
fn read_sources(file: &Path) -> Result<(Vec<Source>, Vec<PathBuf>), Error> {
    let is_model = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if is_model {
        let (model, inputs) = crate::validate::load_model_inputs(file)?.value;
        let defs: Vec<String> = inputs.defs.into_iter().map(|d| d.written).collect();
        let mut sources = Vec::new();
        for ch in &model.channels {
            if let Baseline::Fitted(f) = &ch.baseline {
                let written = |id: usize| defs.get(id).cloned().unwrap_or_default();
                let mut costs = vec![("cost_per_contact", written(ch.cost_per_contact))];
                for (field, id) in [("inflation", ch.inflation), ("fixed_monthly", ch.fixed_monthly)] {
                    let w = written(id);
                    if w != "0" {
                        costs.push((field, w));
                    }
                }
                sources.push(Source {
                    history: ChannelHistory {
                        channel: ch.id.clone(),
                        first: f.first,
                        volumes: f.history.clone(),
                        at: f.at.clone(),
                    },
                    costs: Some(costs),
                });
            }
        }
        if sources.is_empty() {
            return Err(Error::Input(InputError::one(Diagnostic::new(
                file,
                "history_csv",
                "this model fits no channel; name a history with history_csv = \"actuals.csv\", or give the CSV itself",
            )
            // A missing field is placed at the file's start (issue 28).
            .at(1, 1))));
        }
        return Ok((sources, vec![file.to_path_buf()]));
    }
    let csv = SourceFile::read(file).map_err(InputError::one)?;
    let histories = read_history(&csv, None).map_err(|diagnostics| InputError { diagnostics })?;
    if histories.is_empty() {
        return Err(Error::Input(InputError::one(csv.error(None, "", "the history has no rows"))));
    }
    let short: Vec<Diagnostic> = histories
        .iter()
        .filter(|h| h.volumes.len() < crate::fit::MIN_MONTHS)
        .map(|h| {
            let mut d = h.at.clone();
            d.message = format!(
                "channel {} has {} months of history; the fit needs at least {}",
                crate::error::quoted(&h.channel),
                h.volumes.len(),
                crate::fit::MIN_MONTHS
            );
            d
        })
        .collect();
    if !short.is_empty() {
        return Err(Error::Input(InputError { diagnostics: short }));
    }
    Ok((histories.into_iter().map(|history| Source { history, costs: None }).collect(), vec![file.to_path_buf()]))
}
