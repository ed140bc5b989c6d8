//! The forecast distribution of a fitted channel, by simulation, and the
//! backtest's accuracy measures (spec section 12).
//!
//! The quantiles come from simulated paths, each with its own parameter
//! draw, exactly as a run draws a fitted channel's months: so what
//! `costcast fit` reports is what `costcast run` will simulate.

use rand_distr::{Distribution, StandardNormal};

use super::draw::DRAWS;
use super::estimate::Fit;
use crate::aggregate::stats::quantiles;
use crate::simulate::stream::iteration_rng;

/// Paths a forecast simulates: the P10 and P90 then have a Monte Carlo
/// standard error of about 0.2% of the spread between them.
pub const PATHS: u64 = 20_000;

/// The seed of a forecast's paths: fixed, so `costcast fit` is repeatable.
pub const SEED: u64 = 42;

/// One forecast month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthForecast {
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// The volumes of the `ahead` months after the fit's last, over [`PATHS`]
/// paths: each draws the parameters, then continues the AR(1) error from
/// the last month's (its log volume less the drawn mean).
pub fn forecast(fit: &Fit, ahead: usize) -> Vec<MonthForecast> {
    forecast_paths(fit, ahead, PATHS as usize)
}

/// [`forecast`] over `n` paths.
pub fn forecast_paths(fit: &Fit, ahead: usize, n: usize) -> Vec<MonthForecast> {
    let mut volumes = vec![0.0; ahead * n];
    let last = fit.months - 1;
    for path in 0..n {
        let mut rng = iteration_rng(SEED, path as u64);
        let z: [f64; DRAWS] = std::array::from_fn(|_| StandardNormal.sample(&mut rng));
        let p = fit.params(&z);
        let mut u = fit.last_log - p.mean_log(last, fit.calendar(last));
        for h in 0..ahead {
            let t = last + 1 + h;
            let e: f64 = StandardNormal.sample(&mut rng);
            u = p.phi * u + p.sigma * e;
            volumes[h * n + path] = crate::fastmath::exp(p.mean_log(t, fit.calendar(t)) + u);
        }
    }
    volumes
        .chunks(n.max(1))
        .take(ahead)
        .map(|month| {
            let q = quantiles(month, &[0.1, 0.5, 0.9]);
            MonthForecast { mean: month.iter().sum::<f64>() / n as f64, p10: q[0], p50: q[1], p90: q[2] }
        })
        .collect()
}

/// The seasonal naive forecast: each month the same calendar month of the
/// history's last year.
pub fn seasonal_naive(history: &[f64], ahead: usize) -> Vec<f64> {
    let n = history.len();
    (0..ahead).map(|h| history[n - 12 + h % 12]).collect()
}

/// Accuracy of a forecast against the actuals it did not see.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accuracy {
    /// sum |actual - p50| / sum actual.
    pub wape: f64,
    /// mean of |actual - p50| / actual.
    pub mape: f64,
    /// Share of months whose actual lies in [p10, p90]; None for a point
    /// forecast.
    pub coverage: Option<f64>,
}

/// The accuracy of point forecasts `p50` (and, when given, the P10-P90
/// band) against `actual`.
pub fn accuracy(actual: &[f64], p50: &[f64], band: Option<(&[f64], &[f64])>) -> Accuracy {
    let n = actual.len() as f64;
    let abs: Vec<f64> = actual.iter().zip(p50).map(|(a, f)| (a - f).abs()).collect();
    Accuracy {
        wape: abs.iter().sum::<f64>() / actual.iter().sum::<f64>(),
        mape: abs.iter().zip(actual).map(|(e, a)| e / a).sum::<f64>() / n,
        coverage: band.map(|(lo, hi)| {
            actual.iter().zip(lo.iter().zip(hi)).filter(|(a, (l, h))| **l <= **a && **a <= **h).count() as f64 / n
        }),
    }
}
