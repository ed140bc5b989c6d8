//! Statistical tests of the estimator: series simulated from the model
//! with known parameters, over many seeds. Tolerances come from the
//! binomial standard error of a coverage rate, never tuned by hand.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::estimate::{COEFFICIENTS, Fit};
use super::forecast::{accuracy, forecast_paths};

/// The truth the series are simulated from.
struct Truth {
    coefficients: [f64; COEFFICIENTS],
    phi: f64,
    sigma: f64,
}

fn truth(phi: f64) -> Truth {
    let mut coefficients = [0.0; COEFFICIENTS];
    coefficients[0] = 50_000f64.ln();
    coefficients[1] = 0.005;
    for c in 0..11 {
        coefficients[2 + c] = 0.12 * (std::f64::consts::TAU * c as f64 / 12.0 + 0.4).sin();
    }
    Truth { coefficients, phi, sigma: 0.04 }
}

/// `months` volumes of the model, the first in calendar month
/// `first_calendar`; the AR(1) error starts from its stationary law.
fn simulate(truth: &Truth, months: usize, first_calendar: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut z = || -> f64 { StandardNormal.sample(&mut rng) };
    let season = super::estimate::season_of(&truth.coefficients);
    let mut u = truth.sigma / (1.0 - truth.phi * truth.phi).sqrt() * z();
    (0..months)
        .map(|t| {
            if t > 0 {
                u = truth.phi * u + truth.sigma * z();
            }
            let c = &truth.coefficients;
            (c[0] + c[1] * t as f64 + season[(first_calendar + t) % 12] + u).exp()
        })
        .collect()
}

/// Share of `hits` among `n` against `p`: within 3.3 binomial standard
/// errors (a 1-in-1000 band, several rates being checked). The message
/// for a rate outside, None for one inside.
fn rate_outside(name: &str, hits: usize, n: usize, p: f64) -> Option<String> {
    let rate = hits as f64 / n as f64;
    let se = (p * (1.0 - p) / n as f64).sqrt();
    eprintln!("{name}: {rate:.3}");
    ((rate - p).abs() > 3.3 * se)
        .then(|| format!("{name}: {rate:.3} of {n} seeds within 1.96 se, expected {p} +- {:.3}", 3.3 * se))
}

/// Over 400 simulated 48-month histories, each estimate lies within 1.96
/// of its stated standard errors of the truth in about 95% of them.
#[test]
fn estimates_lie_within_their_standard_errors_as_often_as_the_normal_law_says() {
    let mut outside = Vec::new();
    for phi in [0.0, 0.5] {
        let truth = truth(phi);
        let seeds = 400;
        let mut hits = [0usize; 6];
        for seed in 0..seeds {
            let volumes = simulate(&truth, 48, (seed % 12) as usize, seed);
            let fit = Fit::new(&volumes, (seed % 12) as usize).expect("fits");
            let within = |est: f64, tru: f64, se: f64| (est - tru).abs() <= 1.96 * se;
            for (slot, k) in [(0, 0), (1, 1), (2, 2), (3, 8)] {
                hits[slot] += usize::from(within(fit.coefficients[k], truth.coefficients[k], fit.se(k)));
            }
            hits[4] += usize::from(within(fit.phi, truth.phi, fit.phi_se));
            hits[5] += usize::from(within(fit.sigma.ln(), truth.sigma.ln(), fit.log_sigma_se));
        }
        for (name, h) in ["level", "trend", "season[0]", "season[6]", "phi", "ln sigma"].iter().zip(hits) {
            outside.extend(rate_outside(&format!("phi {phi}: {name}"), h, seeds as usize, 0.95));
        }
    }
    assert!(outside.is_empty(), "{}", outside.join("\n"));
}

/// The P10-P90 band of a 12-month forecast holds the actual in 80% of the
/// months, over 300 simulated histories (each seed's months are
/// correlated, so the standard error is that of the seeds' own shares).
#[test]
fn forecast_band_covers_80_percent_of_held_out_months() {
    let truth = truth(0.5);
    let shares: Vec<f64> = (0..300)
        .map(|seed| {
            let volumes = simulate(&truth, 60, 0, 1000 + seed);
            let fit = Fit::new(&volumes[..48], 0).expect("fits");
            let f = forecast_paths(&fit, 12, 2000);
            let (lo, mid, hi): (Vec<f64>, Vec<f64>, Vec<f64>) = (
                f.iter().map(|m| m.p10).collect(),
                f.iter().map(|m| m.p50).collect(),
                f.iter().map(|m| m.p90).collect(),
            );
            accuracy(&volumes[48..], &mid, Some((&lo, &hi))).coverage.expect("band given")
        })
        .collect();
    let n = shares.len() as f64;
    let mean = shares.iter().sum::<f64>() / n;
    let se = (shares.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
    assert!((mean - 0.8).abs() <= 3.3 * se, "coverage {mean:.3} +- {se:.3}, expected 0.8");
}

/// A one-off spike (a launch month at twice the volume) gets a pulse of its
/// own: the trend and season come out as without it.
#[test]
fn a_one_off_spike_does_not_bend_the_fit() {
    let truth = truth(0.3);
    let clean = simulate(&truth, 48, 0, 9);
    let mut spiked = clean.clone();
    spiked[30] *= 2.0;
    let (a, b) = (Fit::new(&clean, 0).expect("fits"), Fit::new(&spiked, 0).expect("fits"));
    assert_eq!(b.outliers, vec![30]);
    assert!(a.outliers.is_empty());
    assert!((a.coefficients[1] - b.coefficients[1]).abs() < 0.25 * a.se(1));
    assert!((b.sigma / a.sigma - 1.0).abs() < 0.2, "sigma {} against {}", b.sigma, a.sigma);
}

#[test]
fn short_or_non_positive_histories_are_refused() {
    assert_eq!(Fit::new(&[1.0; 23], 0), Err(super::FitError::TooFewMonths { months: 23 }));
    let mut v = vec![100.0; 30];
    v[4] = 0.0;
    assert_eq!(Fit::new(&v, 0), Err(super::FitError::NotPositive { month: 5, volume: 0.0 }));
}

/// `months` volumes whose slope changes by a normal(0, tau) step at the
/// start of each year after the first (t = 12, 24, ..), AR(1) errors as in
/// [`simulate`].
fn simulate_kinked(truth: &Truth, tau: f64, months: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut z = || -> f64 { StandardNormal.sample(&mut rng) };
    let season = super::estimate::season_of(&truth.coefficients);
    let mut u = truth.sigma / (1.0 - truth.phi * truth.phi).sqrt() * z();
    let (mut log_trend, mut slope) = (truth.coefficients[0], truth.coefficients[1]);
    (0..months)
        .map(|t| {
            if t > 0 {
                u = truth.phi * u + truth.sigma * z();
                if t % 12 == 0 {
                    slope += tau * z();
                }
                log_trend += slope;
            }
            (log_trend + season[t % 12] + u).exp()
        })
        .collect()
}

/// The slope's year-to-year variance is estimated without bias: over 400
/// simulated histories the estimates' mean lies within 3.3 of its Monte
/// Carlo standard errors of the truth, with and without a moving slope.
/// A clean straight trend gives the forecast no drift in most seeds.
#[test]
fn the_slope_change_variance_is_unbiased() {
    let truth = truth(0.3);
    let mut outside = Vec::new();
    for tau in [0.0, 0.004] {
        let seeds = 400;
        let moments: Vec<f64> = (0..seeds)
            .map(|seed| Fit::new(&simulate_kinked(&truth, tau, 48, 5000 + seed), 0).expect("fits").slope_change_moment)
            .collect();
        let n = seeds as f64;
        let mean = moments.iter().sum::<f64>() / n;
        let se = (moments.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
        eprintln!("tau {tau}: mean {mean:.3e} +- {se:.3e}, truth {:.3e}", tau * tau);
        if (mean - tau * tau).abs() > 3.3 * se {
            outside.push(format!("tau {tau}: mean {mean:.3e} +- {se:.3e}, expected {:.3e}", tau * tau));
        }
    }
    assert!(outside.is_empty(), "{}", outside.join("\n"));
}
