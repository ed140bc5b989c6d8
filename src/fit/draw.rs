//! One iteration's parameters, drawn from the estimates' sampling
//! distribution (spec section 12: parameter uncertainty), and the process
//! continued from the last month known.
//!
//! A draw takes [`DRAWS`] standard normal scores, so the engine can feed it
//! from its lanes' streams and `costcast fit` from its own generator: the
//! coefficients are multivariate normal (estimates + L z), phi normal
//! (clamped to keep the process stationary), sigma lognormal around its
//! estimate, and the forecast slope's drift normal around 0.
//!
//! After the last month fitted the trend is damped and drifts: month
//! T + h (T the last month fitted) has the trend term
//! trend T + (trend + drift) (psi + psi^2 + .. + psi^h), psi = [`DAMPING`].

use super::estimate::{COEFFICIENTS, DAMPING, Fit, MAX_PHI, season_of};

/// Standard normal scores one parameter draw takes: the coefficients, phi,
/// sigma, the slope's drift.
pub const DRAWS: usize = COEFFICIENTS + 3;

/// The trend's two multipliers in month t, the last month fitted being
/// `last`: (min(t, last), psi + .. + psi^(t - last)), the second 0 up to
/// `last`. The trend term is trend * the first + (trend + drift) * the
/// second.
#[inline]
pub fn trend_time(t: usize, last: usize) -> (f64, f64) {
    if t <= last {
        (t as f64, 0.0)
    } else {
        let h = (t - last) as i32;
        (last as f64, DAMPING * (1.0 - DAMPING.powi(h)) / (1.0 - DAMPING))
    }
}

/// The parameters of one iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub level: f64,
    /// Per month, on the log scale: the volume grows by exp(trend) - 1.
    pub trend: f64,
    /// January to December, summing to 0.
    pub season: [f64; 12],
    pub phi: f64,
    pub sigma: f64,
    /// Added to the trend after the last month fitted.
    pub drift: f64,
    /// The last month fitted (t), where the damping starts.
    pub last: usize,
}

impl Fit {
    /// The parameters for these scores: the estimates themselves when every
    /// score is 0.
    pub fn params(&self, z: &[f64; DRAWS]) -> Params {
        // Column by column, in the order the engine's lanes add them up
        // (simulate::fitted), so both give the same bits.
        let mut c = self.coefficients;
        for (j, z) in z[..COEFFICIENTS].iter().enumerate() {
            for (i, c) in c.iter_mut().enumerate().skip(j) {
                *c += self.factor[i][j] * z;
            }
        }
        Params {
            level: c[0],
            trend: c[1],
            season: season_of(&c),
            phi: (self.phi + self.phi_se * z[COEFFICIENTS]).clamp(-MAX_PHI, MAX_PHI),
            sigma: self.sigma * crate::fastmath::exp(self.log_sigma_se * z[COEFFICIENTS + 1]),
            drift: self.drift_sd * z[COEFFICIENTS + 2],
            last: self.months - 1,
        }
    }

    /// The parameters at the estimates.
    pub fn estimates(&self) -> Params {
        self.params(&[0.0; DRAWS])
    }

    /// Calendar month (0 = January) of month t.
    pub fn calendar(&self, t: usize) -> usize {
        (self.first_calendar + t) % 12
    }
}

impl Params {
    /// The mean of ln V(t) without the AR error: level + the trend term
    /// ([`trend_time`]) + s[cal].
    #[inline]
    pub fn mean_log(&self, t: usize, calendar: usize) -> f64 {
        let (a, d) = trend_time(t, self.last);
        self.level + self.trend * a + (self.trend + self.drift) * d + self.season[calendar]
    }

    /// The trend's log level in month t: [`Params::mean_log`] without the
    /// season.
    #[inline]
    pub fn trend_log(&self, t: usize) -> f64 {
        let (a, d) = trend_time(t, self.last);
        self.level + self.trend * a + (self.trend + self.drift) * d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Up to the last month fitted the trend is straight; after it each
    /// month adds psi^h of the slope.
    #[test]
    fn the_trend_is_damped_after_the_last_month() {
        assert_eq!(trend_time(5, 47), (5.0, 0.0));
        assert_eq!(trend_time(47, 47), (47.0, 0.0));
        let (a, d) = trend_time(49, 47);
        assert_eq!(a, 47.0);
        assert!((d - (DAMPING + DAMPING * DAMPING)).abs() < 1e-12);
        // Far out the trend term tends to psi / (1 - psi) months of slope.
        assert!((trend_time(47 + 2000, 47).1 - DAMPING / (1.0 - DAMPING)).abs() < 1e-9);
    }

    fn fit() -> Fit {
        // Trend, season and a wiggle of period 13 the season cannot absorb.
        let volumes: Vec<f64> = (0..48)
            .map(|t| {
                let season = 1.0 + 0.2 * (f64::from(t) * std::f64::consts::FRAC_PI_6).sin();
                let wiggle = 1.0 + 0.03 * (f64::from(t * 7919 % 13) / 6.0 - 1.0);
                1000.0 * 1.01f64.powi(t) * season * wiggle
            })
            .collect();
        Fit::new(&volumes, 3).expect("fits")
    }

    #[test]
    fn zero_scores_give_the_estimates() {
        let f = fit();
        let p = f.estimates();
        assert_eq!(p.level, f.coefficients[0]);
        assert_eq!(p.trend, f.coefficients[1]);
        assert_eq!(p.phi, f.phi);
        assert_eq!(p.sigma, f.sigma);
        assert_eq!(p.drift, 0.0);
        assert!(p.season.iter().sum::<f64>().abs() < 1e-12);
    }

    /// A score of 1 on the trend's own (second) normal moves the trend by
    /// L[1][1]; the coefficients' spread over many draws is their standard
    /// error.
    #[test]
    fn draws_spread_as_the_standard_errors() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let f = fit();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 20_000;
        let trends: Vec<f64> = (0..n)
            .map(|_| {
                let z: [f64; DRAWS] = std::array::from_fn(|_| StandardNormal.sample(&mut rng));
                f.params(&z).trend
            })
            .collect();
        let mean = trends.iter().sum::<f64>() / n as f64;
        let sd = (trends.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        // The sd of a normal sample's sd is sd / sqrt(2 (n - 1)): 4 of those.
        assert!((sd / f.se(1) - 1.0).abs() < 4.0 / (2.0 * n as f64).sqrt(), "sd {sd}, se {}", f.se(1));
        assert!((mean - f.coefficients[1]).abs() < 4.0 * f.se(1) / (n as f64).sqrt());
    }
}
