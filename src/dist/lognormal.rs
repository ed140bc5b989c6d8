//! The lognormal distribution: `lognormal(mu, sigma)` of the underlying
//! normal, and the analyst's shorthand `"low to high"` for a lognormal whose
//! 5th and 95th percentiles are `low` and `high`.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::ParamError;
use super::normal::{standard_cdf, standard_quantile};

/// Phi^-1(0.95): the z-score of a 90 % interval's upper end.
const Z95: f64 = 1.644_853_626_951_472_2;

#[derive(Debug, Clone, PartialEq)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    pub fn new(mu: f64, sigma: f64) -> Result<Self, ParamError> {
        super::finite("lognormal", &[("mu", mu), ("sigma", sigma)])?;
        if !(sigma >= 0.0) {
            return Err(ParamError(format!("lognormal: sigma must be >= 0, got {sigma}")));
        }
        Ok(LogNormal { mu, sigma })
    }

    /// The lognormal with P(X < low) = 5 % and P(X < high) = 95 %.
    ///
    /// # Example
    /// ```
    /// use costcast::dist::LogNormal;
    /// let d = LogNormal::from_90_interval(2.0, 8.0).unwrap();
    /// assert!((d.quantile(0.05) - 2.0).abs() < 1e-9);
    /// assert!((d.quantile(0.95) - 8.0).abs() < 1e-9);
    /// ```
    pub fn from_90_interval(low: f64, high: f64) -> Result<Self, ParamError> {
        super::finite("low to high", &[("low", low), ("high", high)])?;
        if !(low > 0.0) {
            return Err(ParamError(format!("low to high: low must be > 0, got {low}")));
        }
        if !(high > low) {
            return Err(ParamError(format!("low to high: high must be > low, got {low} to {high}")));
        }
        let (ln_low, ln_high) = (low.ln(), high.ln());
        LogNormal::new((ln_low + ln_high) / 2.0, (ln_high - ln_low) / (2.0 * Z95))
    }

    pub fn mu(&self) -> f64 {
        self.mu
    }

    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        (self.mu + self.sigma * z).exp()
    }

    pub fn quantile(&self, u: f64) -> f64 {
        (self.mu + self.sigma * standard_quantile(u)).exp()
    }

    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        if self.sigma == 0.0 {
            return f64::from(u8::from(self.mu.exp() <= x));
        }
        standard_cdf((x.ln() - self.mu) / self.sigma)
    }
}
