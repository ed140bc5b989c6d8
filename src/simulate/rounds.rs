//! `run --precision`: iterations in fixed doubling rounds (10,000, 20,000,
//! 40,000, ...) until every scenario's NPV is settled to the precision
//! asked for, or the iteration cap is reached (spec section 15).
//!
//! Each round computes only the batches it adds; the round's last batch,
//! cut short at the round's count, is computed again whole by the next
//! round. The batches are the run's own (every iteration is drawn from
//! (seed, iteration)), so the rounds' parts put together are the
//! simulation `run -n` at the count reached computes, and its files the
//! same bytes. The pilot that places the tallies' brackets is the first
//! 32 batches, as in one run: rounds below it keep every value, the round
//! that passes it places the brackets from them.

use std::sync::atomic::AtomicUsize;

use rayon::prelude::*;

use super::{BATCH, Kept, Layout, Part, Plan, RunOptions, SimulateError, Simulation, SumsKept};
use crate::aggregate::precision::{Precision, Settled, settled};
use crate::model::Case;

/// The first round's iterations; each later round doubles the count.
pub const FIRST_ROUND: usize = 10_000;

/// What the rounds reached.
#[derive(Debug)]
pub struct Rounds {
    pub simulation: Simulation,
    /// Per scenario, how settled its NPV is at the count reached.
    pub settled: Vec<Settled>,
    /// Whether every scenario met the precision (else the cap stopped it).
    pub met: bool,
}

/// The counts the rounds stop at on the way to `cap`.
pub fn round_counts(cap: usize) -> Vec<usize> {
    let mut counts = vec![FIRST_ROUND.min(cap)];
    while *counts.last().expect("one count at least") < cap {
        let next = (counts.last().expect("one count at least") * 2).min(cap);
        counts.push(next);
    }
    counts
}

/// Simulate in rounds until `precision` holds for every scenario's mean,
/// P10, P50 and P90 NPV, or `cap` iterations. Must be called inside the
/// rayon pool that sets the thread count.
pub fn simulate_to_precision(
    case: &Case,
    precision: Precision,
    cap: usize,
    seed: u64,
    progress: &AtomicUsize,
) -> Result<Rounds, SimulateError> {
    let layout = Layout::new(case);
    let base = RunOptions::new(cap, seed, true);
    let mut plan: Plan = super::keep_all(&layout);
    let mut bracketed = false;
    // Every whole batch computed so far, in order, as one part that each
    // round extends (appending, not joining every piece again at the end).
    let mut done: Option<Part> = None;
    let mut next_batch = 0;
    // The scenario checked first: the one that failed the last round,
    // likeliest to fail this one too and end its check early.
    let mut first = 0;
    for n in round_counts(cap) {
        let options = RunOptions { iterations: n, ..base };
        let end = n.div_ceil(BATCH);
        let whole_end = n / BATCH;
        // The pilot's batches are kept whole, then its brackets placed.
        if !bracketed && super::needs_pilot(&layout, options) {
            let pilot_end = options.pilot.div_ceil(BATCH);
            if next_batch < pilot_end {
                let pilot_options = RunOptions { iterations: cap.max(options.pilot), ..base };
                let pilot = compute(case, &layout, pilot_options, &plan, next_batch..pilot_end, progress)?;
                append(&mut done, pilot);
                next_batch = pilot_end;
            }
            let head = done.as_mut().expect("the pilot has batches");
            plan = super::brackets_from(&layout, head, options);
            head.columns.par_iter_mut().zip(&plan).for_each(|(kept, brackets)| {
                if let (Kept::Tally(t), Some(b)) = (kept, brackets) {
                    *t = t.rebracket(b.clone());
                }
            });
            bracketed = true;
        }
        if next_batch < whole_end {
            append(&mut done, compute(case, &layout, options, &plan, next_batch..whole_end, progress)?);
            next_batch = whole_end;
        }
        // The round's short last batch, if any, apart: the next round
        // computes it again whole.
        let tail = if whole_end < end {
            Some(compute(case, &layout, options, &plan, whole_end..end, progress)?)
        } else {
            None
        };
        let last = n == cap;
        let check = |s: usize| settled(&npv_values(done.iter().chain(tail.iter()), layout.scenarios[s].npv, n));
        // Scenario by scenario from `first`; before the last round the
        // check ends at the first scenario short of the precision (which
        // of several stops it, when threads race, changes nothing but the
        // order of the next check).
        let ns = layout.scenarios.len();
        let checked: Result<Vec<Settled>, usize> = (0..ns)
            .into_par_iter()
            .map(|i| {
                let s = (first + i) % ns;
                let figures = check(s);
                if last || figures.half_width <= precision.allowed(figures.mean) { Ok(figures) } else { Err(s) }
            })
            .collect();
        match checked {
            Err(s) => first = s,
            Ok(mut settled) => {
                settled.rotate_right(first);
                let met = settled.iter().all(|s| s.half_width <= precision.allowed(s.mean));
                let parts = done.into_iter().chain(tail).collect();
                let simulation = finish(case, layout, options, parts, progress)?;
                return Ok(Rounds { simulation, settled, met });
            }
        }
    }
    unreachable!("the last round is the cap")
}

/// One stretch of batches, their sums kept batch by batch.
fn compute(
    case: &Case,
    layout: &Layout,
    options: RunOptions,
    plan: &Plan,
    batches: std::ops::Range<usize>,
    progress: &AtomicUsize,
) -> Result<Part, SimulateError> {
    super::simulate_batches(case, layout, options, plan, batches, SumsKept::ByBatch, progress)
}

/// A scenario's first `n` NPVs, in iteration order, from the parts.
fn npv_values<'a>(parts: impl Iterator<Item = &'a Part>, column: usize, n: usize) -> Vec<f64> {
    let mut values = Vec::with_capacity(n);
    for part in parts {
        if let Kept::Whole(v) = &part.columns[column] {
            values.extend_from_slice(v);
        }
    }
    values.truncate(n);
    values
}

/// Append `part`, the batches that follow those `done` covers.
fn append(done: &mut Option<Part>, part: Part) {
    let Some(all) = done else {
        *done = Some(part);
        return;
    };
    all.batches.end = part.batches.end;
    all.rows += part.rows;
    for (mine, theirs) in all.columns.iter_mut().zip(part.columns) {
        match (mine, theirs) {
            (Kept::Whole(a), Kept::Whole(b)) => a.extend(b),
            (Kept::Months(a), Kept::Months(b)) => a.extend(b),
            (Kept::Tally(a), Kept::Tally(b)) => a.merge(b),
            _ => unreachable!("parts of one layout keep each column alike"),
        }
    }
    for (a, b) in all.input_keys.iter_mut().zip(part.input_keys) {
        a.extend(b);
    }
    all.input_sums.extend(part.input_sums);
    all.sums.extend(part.sums);
    all.sample.extend(part.sample);
}

/// The simulation of the rounds' parts, as one run of `options` computes
/// it; a percentile that fell between brackets (rare) is computed again
/// the way one run does.
fn finish(
    case: &Case,
    layout: Layout,
    options: RunOptions,
    parts: Vec<Part>,
    progress: &AtomicUsize,
) -> Result<Simulation, SimulateError> {
    let sim = Simulation::from_parts(case, layout, options, parts);
    if sim.misses().is_empty() {
        return Ok(sim);
    }
    drop(sim);
    super::simulate(case, options, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_double_from_ten_thousand_up_to_the_cap() {
        assert_eq!(round_counts(100_000), [10_000, 20_000, 40_000, 80_000, 100_000]);
        assert_eq!(round_counts(40_000), [10_000, 20_000, 40_000]);
        assert_eq!(round_counts(5_000), [5_000]);
    }
}
