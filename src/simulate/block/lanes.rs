//! A block's unit of data: one `f64` per iteration of the block, and the
//! lane-wise helpers the month loop shares.

// Lanes are indexed explicitly: that is the shape the compiler vectorises.
#![allow(clippy::needless_range_loop)]

use crate::fastmath::pow;

/// Iterations computed together: the month loop's bookkeeping is shared
/// by more lanes the more there are, while a scenario's state must still
/// fit the first-level cache. 16 is the measured optimum on the canonical
/// case (`docs/performance.md`).
pub const LANES: usize = 16;

/// One value per lane.
pub type Lanes = [f64; LANES];

pub(super) const ZERO: Lanes = [0.0; LANES];

/// Each lane's (1 + rate) to the power `exponent` (a monthly step of an
/// annual rate), through [`crate::fastmath::pow`]: `powf` is a scalar libm
/// call per lane, where this is one branch-free `ln` and `exp` a lane,
/// which vectorise. A rate that is the same on every lane (the discount
/// rate, most often) is simply computed on every lane: reusing one `powf`
/// for it would save less than the branch costs.
#[inline(always)]
pub(super) fn monthly_factor(rate: &Lanes, exponent: f64) -> Lanes {
    let mut factor = ZERO;
    for l in 0..LANES {
        factor[l] = pow(growth_factor(rate[l]), exponent);
    }
    factor
}

/// 1 + rate for compounding, floored just above 0: validation refuses
/// rates with more than a trace of mass at or below -100%, and this keeps
/// that trace from turning into NaN (a NaN rate lands on the floor too).
/// Capped at the largest double, so that even an overflowing draw stays in
/// [`crate::fastmath::ln`]'s domain.
#[inline]
// Not `clamp`: it passes a NaN through, where `max` takes the floor.
#[allow(clippy::manual_clamp)]
pub(super) fn growth_factor(rate: f64) -> f64 {
    (1.0 + rate).max(1e-12).min(f64::MAX)
}

/// The sum of a block's lanes, as a tree: halves added lane-wise, then
/// their halves, down to one number. A fixed order (the same bits in every
/// build and on any thread count) that compiles to a few vector adds and
/// shuffles instead of a chain of 15 additions.
#[inline(always)]
pub(super) fn lane_total(x: &Lanes) -> f64 {
    const _: () = assert!(LANES == 16, "the tree below halves 16 lanes");
    let mut half = [0.0; 8];
    for l in 0..8 {
        half[l] = x[l] + x[l + 8];
    }
    let mut quarter = [0.0; 4];
    for l in 0..4 {
        quarter[l] = half[l] + half[l + 4];
    }
    (quarter[0] + quarter[2]) + (quarter[1] + quarter[3])
}

/// Sum lane-wise sums in lane order.
pub fn reduce_lanes(sums: &[Lanes]) -> Vec<f64> {
    sums.iter()
        .map(|s| {
            let mut total = 0.0;
            for x in s {
                total += x;
            }
            total
        })
        .collect()
}
