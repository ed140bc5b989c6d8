//! How settled a figure is: the Monte Carlo standard error of a mean and
//! of a percentile (spec section 15), and whether a run has reached a
//! precision asked for (`run --precision`).
//!
//! The mean's error comes from the fixed batches' means (the batch-means
//! method): the batches are [`crate::simulate::BATCH`] iterations in
//! iteration order, whatever the threads, so the figure is too. A
//! percentile's comes from the order statistics' binomial interval: the
//! ranks n p -+ 1.96 sqrt(n p (1 - p)) bracket the true percentile with 95%
//! probability, so the distance between the values at those ranks is 2 x
//! 1.96 standard errors.

use crate::simulate::BATCH;

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Standard errors of one summary row's mean and P10, P50, P90. Equal
/// when each figure is the same, NaN (none) included, so two runs'
/// results compare equal when their tables would.
#[derive(Debug, Clone, Copy)]
pub struct StdErrors {
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

impl PartialEq for StdErrors {
    fn eq(&self, other: &StdErrors) -> bool {
        let same = |a: f64, b: f64| a.total_cmp(&b).is_eq();
        same(self.mean, other.mean)
            && same(self.p10, other.p10)
            && same(self.p50, other.p50)
            && same(self.p90, other.p90)
    }
}

impl StdErrors {
    pub const NAN: StdErrors = StdErrors { mean: f64::NAN, p10: f64::NAN, p50: f64::NAN, p90: f64::NAN };
}

/// The standard error of the mean from each batch's (count, sum): the
/// spread of the batch means about the overall mean, weighted by their
/// counts, over the batches that have values. NaN with fewer than two.
pub fn mean_se(batches: impl Iterator<Item = (u64, f64)>) -> f64 {
    let batches: Vec<(f64, f64)> = batches.filter(|&(c, _)| c > 0).map(|(c, s)| (c as f64, s)).collect();
    let k = batches.len();
    let n: f64 = batches.iter().map(|b| b.0).sum();
    if k < 2 {
        return f64::NAN;
    }
    let mean = batches.iter().map(|b| b.1).sum::<f64>() / n;
    let spread: f64 = batches.iter().map(|&(c, s)| c * (s / c - mean).powi(2)).sum();
    (spread / ((k - 1) as f64 * n)).sqrt()
}

/// [`mean_se`] of values in iteration order, NaN ones left out.
pub fn mean_se_of(values: &[f64]) -> f64 {
    mean_se(
        values.chunks(BATCH).map(|b| b.iter().filter(|x| !x.is_nan()).fold((0u64, 0.0), |(c, s), &x| (c + 1, s + x))),
    )
}

/// The standard error of the `p` percentile of `n` values, from the values
/// at the ends of its 95% binomial rank interval (0-based ranks, clamped to
/// the sample). An order statistic that is not kept is passed on.
pub fn quantile_se<E>(n: u64, p: f64, mut order_statistic: impl FnMut(u64) -> Result<f64, E>) -> Result<f64, E> {
    if n < 2 {
        return Ok(f64::NAN);
    }
    let centre = n as f64 * p;
    let half = Z95 * (n as f64 * p * (1.0 - p)).sqrt();
    let lo = (centre - half).floor().max(0.0) as u64;
    let hi = ((centre + half).ceil() as u64).min(n - 1);
    Ok((order_statistic(hi)? - order_statistic(lo)?) / (2.0 * Z95))
}

/// The percentiles' standard errors of sorted values.
pub fn quantile_ses_sorted(sorted: &[f64]) -> [f64; 3] {
    let n = sorted.len() as u64;
    [0.1, 0.5, 0.9].map(|p| quantile_se(n, p, |k| Ok::<f64, ()>(sorted[k as usize])).unwrap_or(f64::NAN))
}

/// What `--precision` asks for: a 95% half-width no wider than an amount,
/// or than a share of the mean's magnitude.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Precision {
    /// In the model's currency: `25000`.
    Amount(f64),
    /// Of |mean NPV|: `0.005` is half a percent.
    Share(f64),
}

impl Precision {
    /// Below 1 a share, from 1 up an amount (no sensible NPV tolerance is
    /// less than one unit of money, nor a share of 100% or more).
    pub fn from_value(x: f64) -> Option<Precision> {
        if !(x.is_finite() && x > 0.0) {
            None
        } else if x < 1.0 {
            Some(Precision::Share(x))
        } else {
            Some(Precision::Amount(x))
        }
    }

    /// The widest 95% half-width allowed for a figure whose mean is `mean`.
    pub fn allowed(self, mean: f64) -> f64 {
        match self {
            Precision::Amount(a) => a,
            Precision::Share(s) => s * mean.abs(),
        }
    }
}

/// What `--precision` asked for and what the rounds reached.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PrecisionOutcome {
    /// As given: a share of |mean NPV| below 1, an amount from 1 up.
    pub asked: f64,
    /// Whether every scenario reached it before the iteration cap.
    pub met: bool,
    /// The least settled scenario, its widest 95% half-width of mean,
    /// P10, P50 and P90 NPV, and that as a share of its |mean NPV|.
    pub least_settled: String,
    pub half_width: f64,
    pub share: f64,
}

/// How far a scenario's NPV is settled: the widest 95% half-width of its
/// mean, P10, P50 and P90, and that as a share of |mean|.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settled {
    pub mean: f64,
    pub half_width: f64,
    pub share: f64,
}

/// [`Settled`] of NPV values in iteration order. Only the six order
/// statistics the percentiles' intervals need are found (by selection, in
/// linear time), so checking a round costs far less than sorting it.
pub fn settled(values: &[f64]) -> Settled {
    let figures = Checkpoint::of(values, &Selected::new(values, false));
    let mean = figures.mean.0;
    let widest = figures.all().iter().fold(0.0_f64, |w, f| w.max(f.1));
    Settled { mean, half_width: widest, share: widest / mean.abs() }
}

/// A scenario's NPV figures from its first `iterations` iterations, each
/// with its 95% half-width (1.96 se): a point of the convergence chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checkpoint {
    pub iterations: usize,
    /// (value, 95% half-width) of the mean, P10, P50 and P90.
    pub mean: (f64, f64),
    pub p10: (f64, f64),
    pub p50: (f64, f64),
    pub p90: (f64, f64),
}

/// The percentiles a checkpoint states.
const PERCENTILES: [f64; 3] = [0.1, 0.5, 0.9];

impl Checkpoint {
    /// Mean, P10, P50, P90 in that order.
    pub fn all(&self) -> [(f64, f64); 4] {
        [self.mean, self.p10, self.p50, self.p90]
    }

    /// The figures of `values`, in iteration order, their order
    /// statistics read from `order`; a percentile's value by numpy's
    /// linear method, as the summary's.
    fn of(values: &[f64], order: &Selected) -> Checkpoint {
        let n = values.len() as u64;
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        let [p10, p50, p90] = PERCENTILES.map(|p| {
            let value = if order.has_values() {
                super::stats::interpolate(n, p, |k| order.at(k)).unwrap_or(f64::NAN)
            } else {
                f64::NAN
            };
            (value, Z95 * quantile_se(n, p, |k| order.at(k)).unwrap_or(f64::NAN))
        });
        Checkpoint { iterations: values.len(), mean: (mean, Z95 * mean_se_of(values)), p10, p50, p90 }
    }
}

/// The iteration counts a convergence trace stops at: two batches (the
/// fewest a mean's error needs), doubling, then all `n`.
pub fn checkpoint_counts(n: usize) -> Vec<usize> {
    let mut counts: Vec<usize> =
        std::iter::successors(Some(2 * BATCH), |c| Some(c * 2)).take_while(|&c| c < n).collect();
    if n > 0 {
        counts.push(n);
    }
    counts
}

/// How a scenario's NPV figures settled as iterations were added: each
/// [`checkpoint_counts`] prefix of `values` (iteration order); `sorted`
/// is all of them sorted, for the last point, which is the summary's.
pub fn convergence(values: &[f64], sorted: &[f64]) -> Vec<Checkpoint> {
    use rayon::prelude::*;
    checkpoint_counts(values.len())
        .into_par_iter()
        .map(|n| {
            let order = if n == sorted.len() { Selected::Sorted(sorted) } else { Selected::new(&values[..n], true) };
            Checkpoint::of(&values[..n], &order)
        })
        .collect()
}

/// The order statistics a checkpoint reads.
enum Selected<'a> {
    /// Every one: the values sorted.
    Sorted(&'a [f64]),
    /// (rank, value) of those selected, by rank; `values` when the
    /// percentiles' own ranks are among them (else only their intervals'
    /// ends).
    Found { found: Vec<(u64, f64)>, values: bool },
}

impl Selected<'_> {
    /// The ranks the percentiles' intervals read, and with `with_values`
    /// those their values read, found by selection.
    fn new(values: &[f64], with_values: bool) -> Selected<'static> {
        let n = values.len() as u64;
        let mut ranks = Vec::new();
        let mut note = |k: u64| {
            ranks.push(k);
            Ok::<f64, ()>(0.0)
        };
        for p in PERCENTILES {
            let _ = quantile_se(n, p, &mut note);
            if with_values && n > 0 {
                let _ = super::stats::interpolate(n, p, &mut note);
            }
        }
        ranks.sort_unstable();
        ranks.dedup();
        let found = ranks.iter().copied().zip(super::stats::order_statistics(values, &ranks)).collect();
        Selected::Found { found, values: with_values }
    }

    fn has_values(&self) -> bool {
        match self {
            Selected::Sorted(_) => true,
            Selected::Found { values, .. } => *values,
        }
    }

    fn at(&self, k: u64) -> Result<f64, ()> {
        match self {
            Selected::Sorted(sorted) => sorted.get(k as usize).copied().ok_or(()),
            Selected::Found { found, .. } => {
                found.binary_search_by_key(&k, |f| f.0).map(|i| found[i].1).map_err(|_| ())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};

    use super::*;

    #[test]
    fn the_mean_se_of_equal_batches_is_the_spread_of_their_means() {
        // Four batches whose means are 1, 2, 3, 4 (sd of the means 1.291):
        // se = sd / sqrt(4).
        let batches = [(10, 10.0), (10, 20.0), (10, 30.0), (10, 40.0)];
        let expected = (5.0_f64 / 3.0).sqrt() / 2.0;
        assert!((mean_se(batches.into_iter()) - expected).abs() < 1e-12);
        assert!(mean_se([(10, 1.0)].into_iter()).is_nan());
        assert!(mean_se([(10, 1.0), (0, 0.0)].into_iter()).is_nan());
    }

    /// For normal values, the batch-means se and the order-statistic se of
    /// the median come close to their closed forms, sigma / sqrt(n) and
    /// sqrt(pi / 2) sigma / sqrt(n); the tolerances are the estimators'
    /// own relative spreads (about 1 / sqrt(2 (k - 1)) for k batches, and
    /// a few times n^(-1/4) for the rank interval) at 4 standard errors.
    #[test]
    fn standard_errors_match_their_closed_forms_for_normal_values() {
        let (sigma, n) = (3.0, 256 * BATCH);
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let normal = Normal::new(10.0, sigma).unwrap();
        let values: Vec<f64> = (0..n).map(|_| normal.sample(&mut rng)).collect();
        let exact = sigma / (n as f64).sqrt();
        let rel = (mean_se_of(&values) - exact).abs() / exact;
        assert!(rel < 4.0 / (2.0 * 255.0_f64).sqrt(), "mean se off by {:.1}%", 100.0 * rel);
        let mut sorted = values.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let median = quantile_ses_sorted(&sorted)[1];
        let exact = (std::f64::consts::PI / 2.0).sqrt() * exact;
        let rel = (median - exact).abs() / exact;
        assert!(rel < 4.0 * (n as f64).powf(-0.25), "median se off by {:.1}%", 100.0 * rel);
    }

    #[test]
    fn settled_is_the_widest_half_width_of_mean_and_percentiles() {
        let values: Vec<f64> = (0..8 * BATCH).map(|i| ((i * 7919) % 1000) as f64).collect();
        let got = settled(&values);
        let mut sorted = values.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let widest = quantile_ses_sorted(&sorted)
            .into_iter()
            .chain([mean_se_of(&values)])
            .fold(0.0_f64, |w, se| w.max(Z95 * se));
        assert_eq!(got.half_width, widest);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((got.share - widest / mean).abs() < 1e-15);
    }

    #[test]
    fn checkpoints_double_from_two_batches_and_end_at_the_run() {
        assert_eq!(checkpoint_counts(10_000), [2_048, 4_096, 8_192, 10_000]);
        assert_eq!(checkpoint_counts(8_192), [2_048, 4_096, 8_192]);
        assert_eq!(checkpoint_counts(500), [500]);
        assert!(checkpoint_counts(0).is_empty());
    }

    /// Each checkpoint states what the figures were on that many
    /// iterations: the same numbers as sorting the prefix and reading it
    /// as the summary does; the last is the summary's own.
    #[test]
    fn each_checkpoint_is_the_summary_of_its_prefix() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let normal = Normal::new(-3.0, 2.0).unwrap();
        let values: Vec<f64> = (0..9_000).map(|_| normal.sample(&mut rng)).collect();
        let mut sorted = values.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let trace = convergence(&values, &sorted);
        assert_eq!(trace.iter().map(|c| c.iterations).collect::<Vec<_>>(), [2_048, 4_096, 8_192, 9_000]);
        for point in &trace {
            let prefix = &values[..point.iterations];
            let mut own = prefix.to_vec();
            own.sort_unstable_by(f64::total_cmp);
            let q = crate::aggregate::stats::sorted_quantiles(&own, &PERCENTILES);
            let se = quantile_ses_sorted(&own);
            assert_eq!([point.p10.0, point.p50.0, point.p90.0], [q[0], q[1], q[2]]);
            assert_eq!([point.p10.1, point.p50.1, point.p90.1], se.map(|s| Z95 * s));
            assert_eq!(point.mean.1, Z95 * mean_se_of(prefix));
            let mean = prefix.iter().sum::<f64>() / prefix.len() as f64;
            assert_eq!(point.mean.0, mean);
        }
        // Settling: the last half-widths are about sqrt(9000 / 2048) = 2.1
        // times narrower than the first (the mean's within its estimator's
        // own spread of 1 / sqrt(2 (k - 1)) for k = 2 batches, so only the
        // direction is asserted).
        assert!(trace[3].mean.1 < trace[0].mean.1);
        assert!(trace[3].p50.1 < trace[0].p50.1);
    }

    #[test]
    fn a_precision_below_one_is_a_share_and_above_an_amount() {
        assert_eq!(Precision::from_value(0.005), Some(Precision::Share(0.005)));
        assert_eq!(Precision::from_value(25_000.0), Some(Precision::Amount(25_000.0)));
        assert_eq!(Precision::from_value(0.0), None);
        assert_eq!(Precision::from_value(f64::NAN), None);
        assert_eq!(Precision::Share(0.01).allowed(-2e6), 2e4);
    }
}
