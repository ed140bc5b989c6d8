//! The triangular distribution, `triangular(min, mode, max)`, sampled by its
//! closed-form inverse CDF (one uniform, one square root).

use rand::Rng;

use super::{ParamError, open_unit};

#[derive(Debug, Clone, PartialEq)]
pub struct Triangular {
    min: f64,
    mode: f64,
    max: f64,
}

impl Triangular {
    pub fn new(min: f64, mode: f64, max: f64) -> Result<Self, ParamError> {
        super::finite("triangular", &[("min", min), ("mode", mode), ("max", max)])?;
        check_min_mode_max("triangular", min, mode, max)?;
        Ok(Triangular { min, mode, max })
    }

    /// (min, mode, max).
    pub fn params(&self) -> (f64, f64, f64) {
        (self.min, self.mode, self.max)
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.quantile(open_unit(rng))
    }

    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        let (a, c, b) = (self.min, self.mode, self.max);
        let split = (c - a) / (b - a);
        if u < split {
            a + (u * (b - a) * (c - a)).sqrt()
        } else {
            b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
        }
    }

    pub fn cdf(&self, x: f64) -> f64 {
        let (a, c, b) = (self.min, self.mode, self.max);
        if x <= a {
            0.0
        } else if x >= b {
            1.0
        } else if x <= c {
            (x - a) * (x - a) / ((b - a) * (c - a))
        } else {
            1.0 - (b - x) * (b - x) / ((b - a) * (b - c))
        }
    }
}

/// min < max and min <= mode <= max, as triangular and PERT both need.
pub(crate) fn check_min_mode_max(name: &str, min: f64, mode: f64, max: f64) -> Result<(), ParamError> {
    if !(max > min) {
        return Err(ParamError(format!("{name}: max must be > min, got min {min}, max {max}")));
    }
    if !(mode >= min && mode <= max) {
        return Err(ParamError(format!(
            "{name}: mode must lie between min and max, got min {min}, mode {mode}, max {max}"
        )));
    }
    Ok(())
}
