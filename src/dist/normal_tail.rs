//! The standard normal's tail probability Phi(-|z|), fast and in plain
//! arithmetic, for the Gaussian copula's hot loop.
//!
//! The copula turns a correlated normal score z into a draw of a family
//! without a closed form in scores through Phi(z); the triangular reads
//! it from this table (the uniform and the rest still through statrs).
//! statrs' `erfc` is accurate but branchy and scalar, one call per lane:
//! on the canonical case its three correlated shares cost more than all
//! the PERT draws together. Here ln Phi(t) is tabulated for t <= 0 and
//! read by cubic Hermite interpolation with the exact slopes
//! phi(t) / Phi(t); [`crate::fastmath::exp`] turns it back. ln Phi is
//! smooth and gently curved (about -t^2 / 2 far out), so the table stays
//! small and the error relative, however far in the tail, where an
//! absolute error would swamp the small probabilities that shape a
//! distribution's ends.
//!
//! Accuracy: as good as statrs' own Phi, which the knots come from. Against
//! mpmath (30 digits) on 8,251 scores from -8.25 to 0, statrs errs by up to
//! 1.03e-10 relative (near z = -0.71) and this table by up to 1.02e-10;
//! the interpolation adds far less (doubling the knots changes nothing
//! measurable). The test bounds the two's difference by 2e-10.

use std::sync::OnceLock;

use super::normal::standard_cdf;
use crate::fastmath::exp;

/// The grid covers -T_MAX <= t <= 0; below it lies a probability of 8e-17,
/// under the copula's edge ([`super::copula::UNIFORM_EDGE`]).
const T_MAX: f64 = 8.25;
/// Knots per unit of t.
const KNOTS_PER_UNIT: f64 = 64.0;

/// ln Phi(t) and its slope (times the knot spacing) at each knot.
pub struct TailTable {
    values: Vec<f64>,
    slopes: Vec<f64>,
}

/// Its size, not its 1,058 numbers: a triangular's `Debug` shows it.
impl std::fmt::Debug for TailTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TailTable").field("knots", &self.values.len()).finish()
    }
}

/// The table, built once (529 knots, well under a millisecond).
pub fn tail_table() -> &'static TailTable {
    static TABLE: OnceLock<TailTable> = OnceLock::new();
    TABLE.get_or_init(TailTable::new)
}

impl TailTable {
    fn new() -> TailTable {
        let h = 1.0 / KNOTS_PER_UNIT;
        let n = (T_MAX * KNOTS_PER_UNIT).round() as usize + 1;
        let (mut values, mut slopes) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n {
            let t = -T_MAX + i as f64 * h;
            let cdf = standard_cdf(t);
            let density = (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
            values.push(cdf.ln());
            slopes.push(density / cdf * h);
        }
        TailTable { values, slopes }
    }

    /// Phi(-|z|), the smaller of Phi(z) and 1 - Phi(z). Scores beyond the
    /// grid take its end value. No branches: it vectorises across lanes.
    #[inline(always)]
    pub fn tail(&self, z: f64) -> f64 {
        let last = (self.values.len() - 1) as f64;
        let x = ((T_MAX - z.abs()) * KNOTS_PER_UNIT).clamp(0.0, last);
        let i = (x as usize).min(self.values.len() - 2);
        let u = x - i as f64;
        let (y0, y1, m0, m1) = (self.values[i], self.values[i + 1], self.slopes[i], self.slopes[i + 1]);
        let (u2, u3) = (u * u, u * u * u);
        let log =
            (2.0 * u3 - 3.0 * u2 + 1.0) * y0 + (u3 - 2.0 * u2 + u) * m0 + (3.0 * u2 - 2.0 * u3) * y1 + (u3 - u2) * m1;
        exp(log)
    }

    /// (Phi(z), Phi(-z)): each the tail or one minus it, so whichever is
    /// small is relatively accurate.
    #[inline(always)]
    pub fn both(&self, z: f64) -> (f64, f64) {
        let small = self.tail(z);
        let large = 1.0 - small;
        if z <= 0.0 { (small, large) } else { (large, small) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Within 2e-10 of statrs' Phi relative to the tail probability (each
    /// about 1e-10 from the truth, see the module comment), across the grid
    /// and between its knots, on both sides; beyond the grid the end value.
    #[test]
    fn the_tail_matches_statrs() {
        let table = tail_table();
        let mut worst: f64 = 0.0;
        for i in 0..=165_000 {
            let z = -8.25 + i as f64 * 1e-4;
            let exact = standard_cdf(-z.abs());
            worst = worst.max((table.tail(z) / exact - 1.0).abs());
            // The side near 1 to the same absolute error, give or take its
            // own rounding (an ulp of 1).
            let (below, above) = table.both(z);
            let bound = 2e-10 * exact + f64::EPSILON;
            assert!((below - standard_cdf(z)).abs() <= bound, "z = {z}");
            assert!((above - standard_cdf(-z)).abs() <= bound, "z = {z}");
        }
        assert!(worst < 2e-10, "worst relative error {worst:e}");
        assert_eq!(table.tail(-40.0), table.tail(-8.25));
        assert_eq!(table.tail(40.0), table.tail(-8.25));
        assert_eq!(table.both(0.0).0, table.tail(0.0));
        assert!((table.tail(0.0) - 0.5).abs() < 1e-15);
    }
}
