//! The uncertain inputs' draws, kept for sensitivity as 16-bit order keys.
//!
//! Sensitivity needs every input's ranks over all iterations (spec section
//! 6). Keeping each draw whole costs 8 bytes an iteration an input; a key
//! of 2 bytes keeps its order instead: a monotone map of the draw onto
//! 65,536 bins, so sorting by key is sorting by draw up to draws that share
//! a bin. Those ties are resolved where they matter: the decile boundaries
//! are re-drawn exactly ([`crate::aggregate::sensitivity`]); Spearman's
//! coefficient treats a bin as one tie (average ranks), which moves it by
//! about 1e-7 when no bin holds much more than its share of the draws.
//!
//! The bins are therefore laid out so that each holds a similar share:
//! equal widths over the distribution's range (normal scores -8 to 8) for
//! families whose density stays bounded (normal, uniform, triangular,
//! PERT), equal widths of log x for a lognormal, and equal probability
//! (between tabulated quantiles) for a beta whose density is unbounded.

use std::sync::Arc;

use crate::dist::Dist;
use crate::model::{InputDef, InputKind};

/// Largest key.
pub const TOP: f64 = 65_535.0;

/// Cells of equal probability ([`Axis::Quantiles`]).
const CELLS: usize = 4096;

/// What the bins are equal in.
#[derive(Debug, Clone, PartialEq)]
pub enum Axis {
    /// The draw: keys (x - lo) * scale.
    Linear,
    /// Its logarithm: keys (ln x - lo) * scale.
    Log,
    /// Probability: the draw's place among the distribution's quantiles at
    /// k / [`CELLS`], interpolated linearly inside a cell.
    Quantiles(Arc<[f64]>),
    /// The draw's bits, top 16 of an order-preserving encoding: a last
    /// resort when the range is not finite.
    Bits,
}

/// How one input's draws map to keys.
#[derive(Debug, Clone, PartialEq)]
pub struct InputScale {
    pub axis: Axis,
    pub lo: f64,
    pub scale: f64,
    /// Every draw the input can take has a key of its own (a 0/1 success,
    /// a discrete distribution whose values are far enough apart): equal
    /// keys are equal draws.
    pub exact: bool,
}

impl InputScale {
    pub fn of(def: &InputDef) -> InputScale {
        let linear = |lo: f64, hi: f64| {
            if hi > lo && (hi - lo).is_finite() && lo.is_finite() {
                InputScale { axis: Axis::Linear, lo, scale: TOP / (hi - lo), exact: false }
            } else {
                InputScale { axis: Axis::Bits, lo: 0.0, scale: 0.0, exact: false }
            }
        };
        let mut s = match (&def.kind, &def.dist) {
            (InputKind::Success, _) => linear(0.0, 1.0),
            (_, Dist::LogNormal(d)) => {
                InputScale { axis: Axis::Log, ..linear(d.mu() - 8.0 * d.sigma(), d.mu() + 8.0 * d.sigma()) }
            }
            (_, Dist::Beta(d)) if d.shape().0 < 1.0 || d.shape().1 < 1.0 => {
                let mut top = f64::NEG_INFINITY;
                let knots: Vec<f64> = (0..=CELLS)
                    .map(|k| {
                        top = top.max(def.dist.quantile((k as f64 / CELLS as f64).clamp(1e-15, 1.0 - 1e-15)));
                        top
                    })
                    .collect();
                InputScale { axis: Axis::Quantiles(knots.into()), lo: 0.0, scale: 0.0, exact: false }
            }
            _ => linear(def.domain.clamp(def.dist.from_score(-8.0)), def.domain.clamp(def.dist.from_score(8.0))),
        };
        s.exact = match (&def.kind, &def.dist) {
            (InputKind::Success, _) | (_, Dist::Bernoulli(_)) => true,
            (_, Dist::Discrete(d)) => {
                let mut keys: Vec<u16> = d.values().iter().map(|&v| s.key(def.domain.clamp(v))).collect();
                let all = keys.len();
                keys.sort_unstable();
                keys.dedup();
                keys.len() == all
            }
            _ => false,
        };
        s
    }

    /// The keys of a block's draws, into `keys`: [`InputScale::key`] of
    /// each, with the axis matched once for the block rather than once a
    /// draw, so the linear and log loops are straight lines of arithmetic.
    #[inline]
    pub fn keys_into(&self, draws: &[f64], keys: &mut [u16]) {
        debug_assert_eq!(draws.len(), keys.len());
        let pairs = keys.iter_mut().zip(draws);
        match &self.axis {
            Axis::Linear => pairs.for_each(|(k, &x)| *k = self.linear_key(x)),
            Axis::Log => pairs.for_each(|(k, &x)| *k = self.linear_key(x.ln())),
            _ => pairs.for_each(|(k, &x)| *k = self.key(x)),
        }
    }

    /// The key of `t` on the linear scale from `lo`: the draw itself
    /// ([`Axis::Linear`]) or its logarithm ([`Axis::Log`]).
    #[inline(always)]
    fn linear_key(&self, t: f64) -> u16 {
        ((t - self.lo) * self.scale).clamp(0.0, TOP) as u16
    }

    /// The key of draw `x`: monotone (non-decreasing) in `x`.
    #[inline]
    pub fn key(&self, x: f64) -> u16 {
        match &self.axis {
            Axis::Linear => self.linear_key(x),
            Axis::Log => self.linear_key(x.ln()),
            Axis::Quantiles(knots) => {
                let k = knots.partition_point(|&q| q <= x).saturating_sub(1).min(CELLS - 1);
                let (q0, q1) = (knots[k], knots[k + 1]);
                let within = if q1 > q0 { ((x - q0) / (q1 - q0)).clamp(0.0, 1.0) } else { 0.0 };
                ((k as f64 + within) / CELLS as f64 * TOP).clamp(0.0, TOP) as u16
            }
            Axis::Bits => {
                let b = x.to_bits();
                let ordered = if b >> 63 == 1 { !b } else { b | (1 << 63) };
                (ordered >> 48) as u16
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Domain, expr};

    fn def(text: &str, kind: InputKind) -> InputDef {
        InputDef {
            path: "x".into(),
            written: text.into(),
            dist: expr::parse(text).unwrap(),
            domain: Domain::Unbounded,
            kind,
            from_scenario: false,
        }
    }

    #[test]
    fn keys_keep_the_order_of_draws() {
        let s = InputScale::of(&def("pert(6, 8, 12)", InputKind::Value));
        assert!(!s.exact);
        let xs = [5.0, 6.0, 6.0000001, 7.3, 8.0, 11.99, 12.0, 40.0];
        let keys: Vec<u16> = xs.iter().map(|&x| s.key(x)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        assert_eq!((keys[0], keys[7]), (0, 65_535));
        assert!(keys[4] > keys[3] && keys[5] > keys[4]);
    }

    #[test]
    fn a_block_of_keys_is_each_draw_keyed() {
        use crate::simulate::stream::iteration_rng;
        for text in ["pert(6, 8, 12)", "lognormal(2, 1.5)", "beta(0.3, 4)", "0.8"] {
            let kind = if text == "0.8" { InputKind::Success } else { InputKind::Value };
            let d = def(text, kind);
            let s = InputScale::of(&d);
            let mut rng = iteration_rng(3, 0);
            // Draws, and values outside the range and of the wrong sign.
            let mut draws: Vec<f64> = (0..200).map(|_| d.dist.sample(&mut rng)).collect();
            draws.extend([-1.0, 0.0, 1e300, f64::MIN_POSITIVE]);
            let mut keys = vec![0u16; draws.len()];
            s.keys_into(&draws, &mut keys);
            let one_by_one: Vec<u16> = draws.iter().map(|&x| s.key(x)).collect();
            assert_eq!(keys, one_by_one, "{text} ({:?})", s.axis);
        }
    }

    /// The largest share of `n` draws that one key holds.
    fn fullest_key(text: &str, n: usize) -> f64 {
        use crate::simulate::stream::iteration_rng;
        let d = def(text, InputKind::Value);
        let s = InputScale::of(&d);
        let mut counts = vec![0u32; 65_536];
        let mut rng = iteration_rng(1, 0);
        let mut draws: Vec<f64> = (0..n).map(|_| d.dist.sample(&mut rng)).collect();
        for &x in &draws {
            counts[s.key(x) as usize] += 1;
        }
        draws.sort_by(f64::total_cmp);
        assert!(draws.windows(2).all(|w| s.key(w[0]) <= s.key(w[1])), "{text}: keys out of order");
        f64::from(*counts.iter().max().unwrap()) / n as f64
    }

    #[test]
    fn no_key_holds_much_more_than_its_share_of_the_draws() {
        // 1/65,536 is 1.5e-5; a bin may hold a few times that where the
        // density peaks, never a large share (which would tie many draws).
        for text in [
            "normal(0.004, 0.002)",
            "pert(6, 8, 12)",
            "triangular(0.02, 0.05, 0.08)",
            "uniform(30000, 45000)",
            "lognormal(2, 1.5)",
            "lognormal(0, 0.25)",
            "beta(0.3, 4)",
            "beta(2, 0.5)",
        ] {
            let share = fullest_key(text, 400_000);
            assert!(share < 2e-4, "{text}: one key holds {share} of the draws");
        }
    }

    #[test]
    fn successes_and_spread_discrete_values_are_exact() {
        let s = InputScale::of(&def("0.8", InputKind::Success));
        assert!(s.exact);
        assert_eq!((s.key(0.0), s.key(1.0)), (0, 65_535));
        assert!(InputScale::of(&def("discrete(1: 0.2, 2: 0.3, 3: 0.5)", InputKind::Value)).exact);
        assert!(!InputScale::of(&def("discrete(0: 0.2, 0.000000001: 0.3, 1: 0.5)", InputKind::Value)).exact);
    }
}
