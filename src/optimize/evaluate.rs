//! Portfolio figures on common random numbers.
//!
//! A portfolio is evaluated as a scenario of the case: the case's sampler
//! draws every initiative's inputs in every iteration whatever the scenarios
//! are, and iteration i always draws from the stream of (seed, i), so every
//! portfolio sees the same draws. Differences between portfolios are the
//! initiatives' doing, not sampling noise.

use std::sync::atomic::AtomicUsize;

use crate::aggregate::stats;
use crate::error::SimulateError;
use crate::model::{Case, Scenario};
use crate::simulate::{self, RunOptions, Simulation};

/// Portfolios simulated together, at most: enough to share the draws' cost.
const CHUNK: usize = 64;
/// Memory the per-iteration results of one chunk may take; fewer
/// portfolios go together at large iteration counts.
const CHUNK_BYTES: usize = 256 << 20;

/// Portfolios per chunk at `iterations`: each keeps its NPV whole, 8 bytes
/// an iteration, and a column of the block's results of 8 bytes a result
/// for each batch in flight (bounded, so counted as one more column).
fn chunk_size(iterations: usize) -> usize {
    (CHUNK_BYTES / (iterations.max(1) * 8 * 2)).clamp(1, CHUNK)
}

/// One portfolio's figures over `iterations` iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioStats {
    /// Initiatives (indices into the case), in file order.
    pub members: Vec<usize>,
    pub iterations: usize,
    pub capex_mean: f64,
    pub investment_mean: f64,
    pub npv_mean: f64,
    pub npv_p10: f64,
    pub npv_p50: f64,
    pub npv_p90: f64,
    pub prob_npv_positive: f64,
}

impl PortfolioStats {
    /// Funding nothing: no investment and an NPV of exactly 0 in every
    /// iteration (so never P(NPV > 0)).
    pub fn nothing(iterations: usize) -> PortfolioStats {
        PortfolioStats {
            members: Vec::new(),
            iterations,
            capex_mean: 0.0,
            investment_mean: 0.0,
            npv_mean: 0.0,
            npv_p10: 0.0,
            npv_p50: 0.0,
            npv_p90: 0.0,
            prob_npv_positive: 0.0,
        }
    }
}

/// Evaluate non-empty `portfolios` (each in file order) on `iterations`
/// iterations from `seed`. Must run inside the rayon pool that sets the
/// thread count; the figures do not depend on it.
pub fn evaluate(
    case: &Case,
    portfolios: &[Vec<usize>],
    iterations: usize,
    seed: u64,
) -> Result<Vec<PortfolioStats>, SimulateError> {
    let mut out = Vec::with_capacity(portfolios.len());
    for chunk in portfolios.chunks(chunk_size(iterations)) {
        let mut trial = case.clone();
        trial.scenarios = chunk
            .iter()
            .enumerate()
            .map(|(k, members)| Scenario { name: format!("portfolio {k}"), initiatives: members.clone() })
            .collect();
        let options = RunOptions::new(iterations, seed, false);
        let sim = simulate::simulate(&trial, options, &AtomicUsize::new(0))?;
        let capex = capex_means(case, &sim);
        for (s, members) in chunk.iter().enumerate() {
            let cols = &sim.layout.scenarios[s];
            let npv = sim.whole(cols.npv);
            let positive = npv.iter().filter(|&&x| x > 0.0).count();
            let npv_mean = stats::mean(npv);
            let p = stats::quantiles(npv, &[0.10, 0.50, 0.90]);
            out.push(PortfolioStats {
                members: members.clone(),
                iterations,
                capex_mean: members.iter().map(|&k| capex[k]).sum(),
                investment_mean: sim.tally(cols.investment).mean(),
                npv_mean,
                npv_p10: p[0],
                npv_p50: p[1],
                npv_p90: p[2],
                prob_npv_positive: positive as f64 / iterations as f64,
            });
        }
    }
    Ok(out)
}

/// Each initiative's mean capex over the run's draws.
fn capex_means(case: &Case, sim: &Simulation) -> Vec<f64> {
    case.initiatives
        .iter()
        .map(|init| match sim.layout.inputs.iter().position(|&i| i == init.capex) {
            Some(k) => sim.input_mean(k),
            None => case.inputs.defs[init.capex].fixed_value(),
        })
        .collect()
}
