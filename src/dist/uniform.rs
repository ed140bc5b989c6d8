//! The continuous uniform distribution, `uniform(min, max)`.

use rand::Rng;

use super::{ParamError, open_unit};

#[derive(Debug, Clone, PartialEq)]
pub struct Uniform {
    min: f64,
    max: f64,
}

impl Uniform {
    pub fn new(min: f64, max: f64) -> Result<Self, ParamError> {
        super::finite("uniform", &[("min", min), ("max", max)])?;
        if !(max > min) {
            return Err(ParamError(format!("uniform: max must be > min, got min {min}, max {max}")));
        }
        Ok(Uniform { min, max })
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.quantile(open_unit(rng))
    }

    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        self.min + (self.max - self.min) * u
    }

    pub fn cdf(&self, x: f64) -> f64 {
        ((x - self.min) / (self.max - self.min)).clamp(0.0, 1.0)
    }
}
