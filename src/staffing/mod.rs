//! Staffing-priced channels (spec section 10): what a channel's agents cost
//! when it is priced from the workload it carries, not per contact.
//!
//! A flat cost per contact makes every deflected contact save its full
//! price. Contact centres pay for agents: staffing moves in whole agents,
//! and a smaller queue needs proportionally more of them for the same
//! service level (the pooling loss). [`erlang`] finds the agents a month's
//! traffic needs ([`erlang_a`] when callers hang up); the simulation turns them into FTE and labour cost.

pub mod erlang;
pub mod erlang_a;

/// Full-time equivalents for `agents` seats staffed `open_hours` a month:
/// N * open_hours / (paid_hours_per_fte * (1 - shrinkage)).
#[inline(always)]
pub fn fte(agents: f64, open_hours: f64, paid_hours_per_fte: f64, shrinkage: f64) -> f64 {
    agents * open_hours / (paid_hours_per_fte * (1.0 - shrinkage))
}
