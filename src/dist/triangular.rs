//! The triangular distribution, `triangular(min, mode, max)`, sampled by its
//! closed-form inverse CDF (one uniform, one square root).

use rand::Rng;

use super::normal::standard_quantile;
use super::normal_tail::{TailTable, tail_table};
use super::{ParamError, open_unit};

#[derive(Debug, Clone)]
pub struct Triangular {
    min: f64,
    mode: f64,
    max: f64,
    /// The normal score of the mode, Phi^-1((mode - min) / (max - min)):
    /// below it a score takes the rising side, above it the falling one.
    mode_score: f64,
    tails: &'static TailTable,
}

impl PartialEq for Triangular {
    fn eq(&self, other: &Self) -> bool {
        (self.min, self.mode, self.max) == (other.min, other.mode, other.max)
    }
}

impl Triangular {
    pub fn new(min: f64, mode: f64, max: f64) -> Result<Self, ParamError> {
        super::finite("triangular", &[("min", min), ("mode", mode), ("max", max)])?;
        check_min_mode_max("triangular", min, mode, max)?;
        let mode_score = standard_quantile((mode - min) / (max - min));
        Ok(Triangular { min, mode, max, mode_score, tails: tail_table() })
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
        if u < split { a + (u * (b - a) * (c - a)).sqrt() } else { b - ((1.0 - u) * (b - a) * (b - c)).sqrt() }
    }

    /// F^-1(Phi(z)), for the Gaussian copula: each side from the normal
    /// tail it needs (Phi(z) on the rising side, Phi(-z) = 1 - Phi(z) on the
    /// falling one), so both ends keep their relative accuracy. Within 1e-9
    /// of the range of the exact inverse (tested). No branches: the sides
    /// are selected, so the copula's lane loop vectorises.
    #[inline(always)]
    pub fn from_score(&self, z: f64) -> f64 {
        let (a, c, b) = (self.min, self.mode, self.max);
        let (below, above) = self.tails.both(z);
        let rising = z < self.mode_score;
        let area = if rising { below * (b - a) * (c - a) } else { above * (b - a) * (b - c) };
        // Never past the mode, even where its score lies beyond the
        // table's grid (a mode within 1e-16 of an end, whose tail the
        // table rounds up).
        let root = area.sqrt();
        if rising { a + root.min(c - a) } else { b - root.min(b - c) }
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
    if !(max - min).is_finite() {
        return Err(ParamError(format!("{name}: max - min must be a finite number, got min {min}, max {max}")));
    }
    if !(mode >= min && mode <= max) {
        return Err(ParamError(format!(
            "{name}: mode must lie between min and max, got min {min}, mode {mode}, max {max}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::copula::UNIFORM_EDGE;
    use crate::dist::normal::standard_cdf;

    /// The score path agrees with the exact inverse CDF at Phi(z) to 1e-10
    /// of the range (the table's 2e-10 relative error in a tail moves the
    /// square root by 1e-10 relative), on both sides of the mode and far
    /// into both tails, for modes inside and at either end; and in each
    /// tail to 2e-10 of the distance to its end (give or take the rounding
    /// of the end plus that distance), which only drawing each side from
    /// its own tail achieves (the falling side from 1 - Phi(z) errs by
    /// percents there).
    #[test]
    fn from_score_matches_the_exact_inverse() {
        for (a, c, b) in [(0.02, 0.04, 0.07), (0.10, 0.25, 0.40), (0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (-5.0, 2.0, 3.0)] {
            let d = Triangular::new(a, c, b).unwrap();
            let mut worst: f64 = 0.0;
            for i in 0..=16_000 {
                let z = -8.0 + i as f64 * 0.001;
                let (u, v) = (standard_cdf(z), standard_cdf(-z));
                // Each side from its own tail, as exact as f64 allows.
                let exact = if u < (c - a) / (b - a) {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - (v * (b - a) * (b - c)).sqrt()
                };
                let got = d.from_score(z);
                worst = worst.max((got - exact).abs() / (b - a));
                // The distance to the end, to 2e-10 of itself give or take
                // the rounding of end +- distance (a few ulps of the end).
                let rounding = 4.0 * f64::EPSILON * a.abs().max(b.abs());
                if z >= 4.0 && c < b {
                    assert!(
                        (got - exact).abs() <= 2e-10 * (b - exact) + rounding,
                        "triangular({a}, {c}, {b}) at z = {z}"
                    );
                }
                if z <= -4.0 && c > a {
                    assert!(
                        (got - exact).abs() <= 2e-10 * (exact - a) + rounding,
                        "triangular({a}, {c}, {b}) at z = {z}"
                    );
                }
            }
            assert!(worst < 1e-10, "triangular({a}, {c}, {b}): worst error {worst:e} of the range");
            // Beyond the grid: inside the range, and at least as far out as
            // the copula's edge (the table ends at Phi(-8.25) = 7.9e-17,
            // below UNIFORM_EDGE).
            let (low, high) = (d.from_score(-40.0), d.from_score(40.0));
            assert!(low >= a && low <= d.quantile(UNIFORM_EDGE), "{low}");
            assert!(high <= b && high >= d.quantile(1.0 - UNIFORM_EDGE), "{high}");
        }
    }

    /// A mode closer to an end than the table's grid reaches: draws stay
    /// on their side of it, however far out the score.
    #[test]
    fn no_draw_passes_a_mode_near_an_end() {
        for (a, c, b) in [(0.0, 1e-300, 1.0), (0.0, 1.0 - 1e-17, 1.0)] {
            let d = Triangular::new(a, c, b).unwrap();
            for z in [-40.0, -9.0, -8.3, 0.0, 8.3, 9.0, 40.0] {
                let x = d.from_score(z);
                assert!(x >= a && x <= b, "triangular({a}, {c}, {b}) at z = {z}: {x}");
                if z < d.mode_score {
                    assert!(x <= c, "triangular({a}, {c}, {b}) at z = {z}: {x} past the mode");
                } else {
                    assert!(x >= c, "triangular({a}, {c}, {b}) at z = {z}: {x} past the mode");
                }
            }
        }
    }

    /// A range too wide for a double is refused, not a panic in the
    /// normal quantile of its mode's share (NaN).
    #[test]
    fn a_range_that_overflows_is_refused() {
        let err = Triangular::new(-1e308, 1e308, 1e308).unwrap_err();
        assert!(err.0.contains("max - min must be a finite number"), "{}", err.0);
        assert!(crate::dist::Pert::new(-1e308, 0.0, 1e308).is_err());
        assert!(crate::dist::expr::parse("triangular(-1e308, 1e308, 1e308)").is_err());
    }
}
