//! A discrete distribution over listed values,
//! `discrete(v1: p1, v2: p2, ...)`. Values are kept in ascending order for
//! the inverse CDF (spec section 11); repeated values pool their mass.

use rand::Rng;

use super::{ParamError, open_unit};

/// Tolerance on the sum of the probabilities (spec section 2).
const SUM_TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, PartialEq)]
pub struct Discrete {
    values: Vec<f64>,
    /// cumulative[k] = P(X <= values[k]); the last is 1.
    cumulative: Vec<f64>,
}

impl Discrete {
    pub fn new(pairs: &[(f64, f64)]) -> Result<Self, ParamError> {
        if pairs.is_empty() {
            return Err(ParamError("discrete: needs at least one value: probability pair".into()));
        }
        for &(v, p) in pairs {
            super::finite("discrete", &[("value", v), ("probability", p)])?;
            if !(0.0..=1.0).contains(&p) {
                return Err(ParamError(format!("discrete: probability of {v} must lie in [0, 1], got {p}")));
            }
        }
        let total: f64 = pairs.iter().map(|&(_, p)| p).sum();
        if (total - 1.0).abs() > SUM_TOLERANCE {
            return Err(ParamError(format!("discrete: probabilities must sum to 1, they sum to {total}")));
        }
        let mut sorted = pairs.to_vec();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut values: Vec<f64> = Vec::with_capacity(sorted.len());
        let mut mass: Vec<f64> = Vec::with_capacity(sorted.len());
        for (v, p) in sorted {
            if values.last() == Some(&v) {
                *mass.last_mut().expect("pushed with the value") += p;
            } else {
                values.push(v);
                mass.push(p);
            }
        }
        let mut cumulative = Vec::with_capacity(mass.len());
        let mut running = 0.0;
        for p in mass {
            running += p / total;
            cumulative.push(running);
        }
        *cumulative.last_mut().expect("at least one value") = 1.0;
        Ok(Discrete { values, cumulative })
    }

    /// (value, probability) pairs, ascending by value.
    pub fn pairs(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.values.iter().zip(&self.cumulative).scan(0.0, |prev, (&v, &c)| {
            let p = c - *prev;
            *prev = c;
            Some((v, p))
        })
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.quantile(open_unit(rng))
    }

    pub fn quantile(&self, u: f64) -> f64 {
        let k = self.cumulative.partition_point(|&c| c < u);
        self.values[k.min(self.values.len() - 1)]
    }

    pub fn cdf(&self, x: f64) -> f64 {
        let k = self.values.partition_point(|&v| v <= x);
        if k == 0 { 0.0 } else { self.cumulative[k - 1] }
    }

    pub(crate) fn cdf_below(&self, x: f64) -> f64 {
        let k = self.values.partition_point(|&v| v < x);
        if k == 0 { 0.0 } else { self.cumulative[k - 1] }
    }
}
