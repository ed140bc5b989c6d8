//! The normal distribution, `normal(mean, sd)`.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::{ContinuousCDF, Normal as StatrsNormal};

use super::ParamError;

#[derive(Debug, Clone, PartialEq)]
pub struct Normal {
    mean: f64,
    sd: f64,
}

impl Normal {
    /// `sd` may be 0 (a constant written as a normal); it may not be negative.
    ///
    /// # Example
    /// ```
    /// use costcast::dist::Normal;
    /// assert!(Normal::new(0.004, 0.002).is_ok());
    /// assert!(Normal::new(0.0, -1.0).is_err());
    /// ```
    pub fn new(mean: f64, sd: f64) -> Result<Self, ParamError> {
        super::finite("normal", &[("mean", mean), ("sd", sd)])?;
        if !(sd >= 0.0) {
            return Err(ParamError(format!("normal: sd must be >= 0, got {sd}")));
        }
        Ok(Normal { mean, sd })
    }

    pub fn mean(&self) -> f64 {
        self.mean
    }

    pub fn sd(&self) -> f64 {
        self.sd
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        self.mean + self.sd * z
    }

    pub fn quantile(&self, u: f64) -> f64 {
        self.mean + self.sd * standard_quantile(u)
    }

    pub fn cdf(&self, x: f64) -> f64 {
        if self.sd == 0.0 {
            return f64::from(u8::from(self.mean <= x));
        }
        standard_cdf((x - self.mean) / self.sd)
    }
}

/// Phi(z), the standard normal CDF.
#[inline]
pub fn standard_cdf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
}

/// Phi^-1(u), the standard normal quantile.
pub fn standard_quantile(u: f64) -> f64 {
    StatrsNormal::standard().inverse_cdf(u)
}
