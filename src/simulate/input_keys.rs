//! The uncertain inputs' draws, kept for sensitivity as 16-bit order keys.
//!
//! Sensitivity needs every input's ranks over all iterations (spec section
//! 6). Keeping each draw whole costs 8 bytes an iteration an input; a key
//! of 2 bytes keeps its order instead: the input's range (its distribution
//! between normal scores -8 and 8) cut into 65,536 equal bins. A key is a
//! monotone function of the draw, so sorting by key is sorting by draw up
//! to draws that share a bin. Those ties are resolved where they matter:
//! the decile boundaries are re-drawn exactly ([`crate::aggregate::sensitivity`]);
//! Spearman's coefficient treats a bin as one tie (average ranks), which
//! moves it by about 1e-8 (a bin is 1/65,536 of the range).

use crate::dist::Dist;
use crate::model::{InputDef, InputKind};

/// Largest key.
pub const TOP: f64 = 65_535.0;

/// How one input's draws map to keys.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InputScale {
    pub lo: f64,
    /// Keys per unit of the input.
    pub scale: f64,
    /// Every draw the input can take has a key of its own (a 0/1 success,
    /// a discrete distribution whose values are far enough apart): equal
    /// keys are equal draws.
    pub exact: bool,
}

impl InputScale {
    pub fn of(def: &InputDef) -> InputScale {
        let (lo, hi) = match def.kind {
            InputKind::Success => (0.0, 1.0),
            InputKind::Value => (def.domain.clamp(def.dist.from_score(-8.0)), def.domain.clamp(def.dist.from_score(8.0))),
        };
        let scale = if hi > lo && (hi - lo).is_finite() { TOP / (hi - lo) } else { 0.0 };
        let mut s = InputScale { lo, scale, exact: false };
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

    /// The key of draw `x`: monotone (non-decreasing) in `x`.
    #[inline]
    pub fn key(&self, x: f64) -> u16 {
        ((x - self.lo) * self.scale).clamp(0.0, TOP) as u16
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
    fn successes_and_spread_discrete_values_are_exact() {
        let s = InputScale::of(&def("0.8", InputKind::Success));
        assert!(s.exact);
        assert_eq!((s.key(0.0), s.key(1.0)), (0, 65_535));
        assert!(InputScale::of(&def("discrete(1: 0.2, 2: 0.3, 3: 0.5)", InputKind::Value)).exact);
        assert!(!InputScale::of(&def("discrete(0: 0.2, 0.000000001: 0.3, 1: 0.5)", InputKind::Value)).exact);
    }
}
