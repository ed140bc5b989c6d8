//! The beta distribution, `beta(a, b)` on [0, 1], and beta-PERT,
//! `pert(min, mode, max)`: a beta with lambda 4 scaled onto [min, max],
//! alpha = 1 + 4 (mode - min) / (max - min), beta = 1 + 4 (max - mode) / (max - min).

use std::sync::{Arc, OnceLock};

use rand::Rng;
use rand_distr::Distribution;
use rand_distr::StandardNormal;
use statrs::distribution::{Beta as StatrsBeta, Continuous, ContinuousCDF};

use super::score_table::ScoreTable;

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

/// The smallest shape parameter a beta may have. Below it nearly all the
/// mass sits within a rounding error of an end, the sampler's rejection
/// loop almost never accepts and the quantile search cannot converge: a
/// run would never end (issue 28). No forecast needs a shape this small.
pub const MIN_SHAPE: f64 = 1e-6;

impl Beta {
    pub fn new(a: f64, b: f64) -> Result<Self, ParamError> {
        super::finite("beta", &[("a", a), ("b", b)])?;
        if !(a >= MIN_SHAPE && b >= MIN_SHAPE) {
            return Err(ParamError(format!("beta: a and b must be at least {MIN_SHAPE:e}, got a {a:e}, b {b:e}")));
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

    pub fn pdf(&self, x: f64) -> f64 {
        if (0.0..=1.0).contains(&x) { self.analytic.pdf(x) } else { 0.0 }
    }
}

/// F^-1(Phi(z)) of a beta on [min, max]: for z > 0 through the reflected
/// beta and Phi(-z), which keeps full precision in the upper tail where
/// Phi(z) rounds towards 1.
fn exact_from_score(min: f64, max: f64, beta: &Beta, mirror: &Beta, z: f64) -> f64 {
    use super::normal::standard_cdf;
    if z <= 0.0 {
        min + (max - min) * beta.quantile(standard_cdf(z))
    } else {
        max - (max - min) * mirror.quantile(standard_cdf(-z))
    }
}

#[derive(Debug, Clone)]
pub struct Pert {
    min: f64,
    mode: f64,
    max: f64,
    beta: Beta,
    /// The same beta reflected, Beta(beta, alpha), for the upper tail.
    mirror: Beta,
    /// Its inverse CDF by normal score, for fast draws and the copula:
    /// built on first use (or by [`prepare_tables`] before a run), not
    /// when the input is read. A table takes a thousand inverse
    /// incomplete betas, about 3 ms: `check` needs none, and a model of
    /// 8,000 channels spent 25 s building them (issue 28). Clones share
    /// the cell, so a table is built once per input.
    table: Arc<OnceLock<Arc<ScoreTable>>>,
}

impl PartialEq for Pert {
    fn eq(&self, other: &Self) -> bool {
        (self.min, self.mode, self.max) == (other.min, other.mode, other.max)
    }
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
        let (a, b) = (1.0 + 4.0 * (mode - min) / range, 1.0 + 4.0 * (max - mode) / range);
        let (beta, mirror) = (Beta::new(a, b)?, Beta::new(b, a)?);
        Ok(Pert { min, mode, max, beta, mirror, table: Arc::default() })
    }

    /// Its score table, built here (on this thread alone) when no one has
    /// yet. Never builds on the rayon pool: a thread waiting for the pool
    /// inside the cell's initialisation could be handed a draw of this
    /// same input and wait on itself.
    #[inline]
    pub fn table(&self) -> &ScoreTable {
        self.table.get_or_init(|| Arc::new(self.build_table(false)))
    }

    /// The score table, its knots computed side by side on the current
    /// rayon pool when `parallel` (the same table either way).
    fn build_table(&self, parallel: bool) -> ScoreTable {
        let (min, max, range) = (self.min, self.max, self.max - self.min);
        let (beta, mirror) = (&self.beta, &self.mirror);
        let exact = |z: f64| exact_from_score(min, max, beta, mirror, z);
        ScoreTable::new(exact, |x| beta.pdf((x - min) / range) / range, parallel)
    }

    /// The (min, mode, max) bits: PERTs written alike share a table.
    fn key(&self) -> [u64; 3] {
        [self.min.to_bits(), self.mode.to_bits(), self.max.to_bits()]
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

    /// A draw: the value at a standard normal score (see [`ScoreTable`]).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        self.table().at(z)
    }

    /// F^-1(Phi(z)), from the table.
    #[inline]
    pub fn from_score(&self, z: f64) -> f64 {
        self.table().at(z)
    }

    /// F^-1(Phi(z)) computed exactly (slow), for checking the table.
    pub fn exact_from_score(&self, z: f64) -> f64 {
        exact_from_score(self.min, self.max, &self.beta, &self.mirror, z)
    }

    /// The exact inverse CDF (statrs' inverse incomplete beta).
    pub fn quantile(&self, u: f64) -> f64 {
        self.min + (self.max - self.min) * self.beta.quantile(u)
    }

    pub fn cdf(&self, x: f64) -> f64 {
        self.beta.cdf((x - self.min) / (self.max - self.min))
    }
}

/// Build the score tables of `perts` not built yet, side by side on the
/// current rayon pool, once for each (min, mode, max) written: a run
/// calls this before its first draw, so its draws never build a table
/// one thread at a time. The tables are the ones [`Pert::table`] would
/// build (each knot is computed on its own), so results do not depend on
/// which built them.
pub fn prepare_tables<'a>(perts: impl IntoIterator<Item = &'a Pert>) {
    use rayon::prelude::*;
    use std::collections::HashMap;
    let mut by_key: HashMap<[u64; 3], Vec<&Pert>> = HashMap::new();
    for p in perts.into_iter().filter(|p| p.table.get().is_none()) {
        by_key.entry(p.key()).or_default().push(p);
    }
    let groups: Vec<Vec<&Pert>> = by_key.into_values().collect();
    // Built outside the cells (no cell waits on the pool), then set; a
    // cell some other thread filled meanwhile keeps its equal table.
    let tables: Vec<Arc<ScoreTable>> = groups.par_iter().map(|g| Arc::new(g[0].build_table(true))).collect();
    for (group, table) in groups.iter().zip(tables) {
        for p in group {
            let _ = p.table.set(table.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `check` builds no table; a run's are built once, shared by clones
    /// and by inputs written alike, and equal to one built on first use.
    #[test]
    fn a_table_is_built_on_first_use_once_for_inputs_written_alike() {
        let a = Pert::new(6.0, 8.0, 12.0).unwrap();
        let (clone, alike, other) = (a.clone(), Pert::new(6.0, 8.0, 12.0).unwrap(), Pert::new(6.0, 9.0, 12.0).unwrap());
        assert!(a.table.get().is_none(), "a table built when read");
        assert_eq!(a.quantile(0.5), clone.quantile(0.5));
        assert!(a.table.get().is_none(), "a quantile built a table");
        prepare_tables([&a, &alike, &other]);
        assert!(clone.table.get().is_some(), "a clone has its own cell");
        assert!(Arc::ptr_eq(a.table.get().unwrap(), alike.table.get().unwrap()), "inputs written alike built twice");
        assert!(!Arc::ptr_eq(a.table.get().unwrap(), other.table.get().unwrap()));
        let lazy = Pert::new(6.0, 8.0, 12.0).unwrap();
        for z in [-9.0, -3.3, -0.01, 0.0, 0.7, 4.2, 8.25, 9.0] {
            assert_eq!(lazy.from_score(z).to_bits(), a.from_score(z).to_bits(), "z = {z}");
        }
        assert!(!Arc::ptr_eq(lazy.table.get().unwrap(), a.table.get().unwrap()));
    }
}
