//! The beta distribution, `beta(a, b)` on [0, 1], and beta-PERT,
//! `pert(min, mode, max)`: a beta with lambda 4 scaled onto [min, max],
//! alpha = 1 + 4 (mode - min) / (max - min), beta = 1 + 4 (max - mode) / (max - min).

use rand::Rng;
use rand_distr::Distribution;
use statrs::distribution::{Beta as StatrsBeta, ContinuousCDF};

use super::ParamError;
use super::triangular::check_min_mode_max;

#[derive(Debug, Clone)]
pub struct Beta {
    a: f64,
    b: f64,
    sampler: rand_distr::Beta<f64>,
    analytic: StatrsBeta,
}

impl PartialEq for Beta {
    fn eq(&self, other: &Self) -> bool {
        self.a == other.a && self.b == other.b
    }
}

impl Beta {
    pub fn new(a: f64, b: f64) -> Result<Self, ParamError> {
        super::finite("beta", &[("a", a), ("b", b)])?;
        if !(a > 0.0 && b > 0.0) {
            return Err(ParamError(format!("beta: a and b must be > 0, got a {a}, b {b}")));
        }
        let sampler = rand_distr::Beta::new(a, b).map_err(|e| ParamError(format!("beta: {e}")))?;
        let analytic = StatrsBeta::new(a, b).map_err(|e| ParamError(format!("beta: {e}")))?;
        Ok(Beta { a, b, sampler, analytic })
    }

    pub fn shape(&self) -> (f64, f64) {
        (self.a, self.b)
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sampler.sample(rng)
    }

    pub fn quantile(&self, u: f64) -> f64 {
        self.analytic.inverse_cdf(u.clamp(0.0, 1.0))
    }

    pub fn cdf(&self, x: f64) -> f64 {
        self.analytic.cdf(x.clamp(0.0, 1.0))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pert {
    min: f64,
    mode: f64,
    max: f64,
    beta: Beta,
}

impl Pert {
    /// # Example
    /// ```
    /// use costcast::dist::Pert;
    /// let d = Pert::new(6.0, 8.0, 12.0).unwrap();
    /// assert_eq!(d.shape(), (1.0 + 4.0 * 2.0 / 6.0, 1.0 + 4.0 * 4.0 / 6.0));
    /// assert!(Pert::new(6.0, 13.0, 12.0).is_err());
    /// ```
    pub fn new(min: f64, mode: f64, max: f64) -> Result<Self, ParamError> {
        super::finite("pert", &[("min", min), ("mode", mode), ("max", max)])?;
        check_min_mode_max("pert", min, mode, max)?;
        let range = max - min;
        let beta = Beta::new(1.0 + 4.0 * (mode - min) / range, 1.0 + 4.0 * (max - mode) / range)?;
        Ok(Pert { min, mode, max, beta })
    }

    /// (alpha, beta) of the underlying beta distribution.
    pub fn shape(&self) -> (f64, f64) {
        self.beta.shape()
    }

    /// (min, mode, max) as written.
    pub fn params(&self) -> (f64, f64, f64) {
        (self.min, self.mode, self.max)
    }

    pub fn bounds(&self) -> (f64, f64) {
        (self.min, self.max)
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.min + (self.max - self.min) * self.beta.sample(rng)
    }

    pub fn quantile(&self, u: f64) -> f64 {
        self.min + (self.max - self.min) * self.beta.quantile(u)
    }

    pub fn cdf(&self, x: f64) -> f64 {
        self.beta.cdf((x - self.min) / (self.max - self.min))
    }
}
