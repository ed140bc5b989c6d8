//! An initiative's effects on a month's channels (spec section 5):
//! avoidance, deflection and cost reduction, at the strength its ramp and
//! success give it.

// Lanes are indexed explicitly: that is the shape the compiler vectorises.
#![allow(clippy::needless_range_loop)]

use super::lanes::{LANES, Lanes, ZERO};
use crate::model::Effect;

/// Apply one initiative's effects at strength `w` (ramp times success),
/// adding the change in volume times price they make to `cost`. On a
/// staffed channel `reduce_cost` shortens AHT (`aht`) instead of the price
/// (spec section 10); its cost moves with the labour recounted after.
///
/// Without `PRICED` only the volumes and AHT move, exactly as with it, and
/// `price` and `cost` are left alone: the headcount rules' pass that only
/// counts the agents required ([`super::Workspace::headcount_required`])
/// has no use for the rest.
///
/// For finite volumes and prices this is repricing to rounding (a change
/// of 0 adds exactly 0). A model whose volume or price has overflowed to
/// infinity gets a NaN (empty) scenario cost where repricing gave infinity;
/// its savings and NPV were NaN either way. Guarding against that here
/// would put a test in the innermost loop of the run for a model that is
/// already meaningless, so it is not done.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn apply_effects<const PRICED: bool>(
    effects: &[Effect],
    v: &[Lanes],
    w: &Lanes,
    staffed: &[bool],
    volume: &mut [Lanes],
    price: &mut [Lanes],
    aht: &mut [Lanes],
    cost: &mut Lanes,
) {
    for effect in effects {
        let share = &v[effect.share()];
        let mut a = ZERO;
        for l in 0..LANES {
            a[l] = share[l] * w[l];
        }
        match effect {
            Effect::Avoid { channels, .. } => {
                for &c in channels {
                    let (volume, price) = (&mut volume[c], &price[c]);
                    for l in 0..LANES {
                        let after = volume[l] * (1.0 - a[l]);
                        if PRICED {
                            cost[l] += (after - volume[l]) * price[l];
                        }
                        volume[l] = after;
                    }
                }
            }
            Effect::Deflect { from, to, leak, .. } => {
                let leak = &v[*leak];
                let mut moved = ZERO;
                let (source, source_price) = (&mut volume[*from], &price[*from]);
                for l in 0..LANES {
                    moved[l] = source[l] * a[l];
                    let after = source[l] - moved[l] * (1.0 - leak[l]);
                    if PRICED {
                        cost[l] += (after - source[l]) * source_price[l];
                    }
                    source[l] = after;
                }
                if let Some(to) = to {
                    let (destination, destination_price) = (&mut volume[*to], &price[*to]);
                    for l in 0..LANES {
                        let after = destination[l] + moved[l];
                        if PRICED {
                            cost[l] += (after - destination[l]) * destination_price[l];
                        }
                        destination[l] = after;
                    }
                }
            }
            Effect::ReduceCost { channels, .. } => {
                for &c in channels {
                    if staffed[c] {
                        for l in 0..LANES {
                            aht[c][l] *= 1.0 - a[l];
                        }
                    } else if PRICED {
                        let (volume, price) = (&volume[c], &mut price[c]);
                        for l in 0..LANES {
                            let after = price[l] * (1.0 - a[l]);
                            cost[l] += volume[l] * (after - price[l]);
                            price[l] = after;
                        }
                    }
                }
            }
        }
    }
}
