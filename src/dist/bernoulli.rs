//! The Bernoulli distribution, `bernoulli(p)`: 1 with probability p, else 0.

use rand::Rng;

use super::{ParamError, open_unit};

#[derive(Debug, Clone, PartialEq)]
pub struct Bernoulli {
    p: f64,
}

impl Bernoulli {
    pub fn new(p: f64) -> Result<Self, ParamError> {
        if !(0.0..=1.0).contains(&p) {
            return Err(ParamError(format!("bernoulli: p must lie in [0, 1], got {p}")));
        }
        Ok(Bernoulli { p })
    }

    pub fn p(&self) -> f64 {
        self.p
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.quantile(open_unit(rng))
    }

    /// Values ordered ascending (spec section 11): 0 for u <= 1 - p, else 1,
    /// so a positive rank correlation pairs success with high draws.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        f64::from(u8::from(u > 1.0 - self.p))
    }

    pub fn cdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            0.0
        } else if x < 1.0 {
            1.0 - self.p
        } else {
            1.0
        }
    }

    pub(crate) fn cdf_below(&self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else if x <= 1.0 {
            1.0 - self.p
        } else {
            1.0
        }
    }
}
