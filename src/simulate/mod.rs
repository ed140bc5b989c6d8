//! Simulate: the Monte Carlo forecast (spec section 5).
//!
//! Iterations are cut into fixed batches of [`BATCH`] that do not depend on
//! the thread count; every iteration draws from its own generator, seeded
//! from (run seed, iteration index) ([`stream`]), so a batch gives the same
//! numbers on any thread. Each batch writes its iterations' results into
//! their own rows and returns its monthly sums, which are added in batch
//! order: the output is byte-identical for any `--threads`.

pub mod block;
pub mod layout;
pub mod sampler;
pub mod stream;

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::model::Case;
pub use layout::Layout;
use block::{BlockOutput, LANES, Lanes, Workspace, reduce_lanes};
use sampler::Sampler;

/// Iterations per batch: the unit of parallel work and of ordered summing.
pub const BATCH: usize = 1024;

/// How many iterations keep their monthly values for the monthly
/// percentiles, at most; see [`monthly_sample_size`].
pub const MONTHLY_SAMPLE_MAX: usize = 10_000;
/// Memory the monthly sample may use (f32 values).
const MONTHLY_SAMPLE_BYTES: usize = 64 << 20;

/// What one run asks for.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    pub iterations: usize,
    pub seed: u64,
    /// Keep monthly quantities (sums and the monthly sample) and every
    /// uncertain input. Off for comparing portfolios, which needs only
    /// per-iteration results and the capex draws.
    pub monthly: bool,
}

/// Everything the iterations produced, before aggregation.
#[derive(Debug)]
pub struct Simulation {
    pub layout: Layout,
    pub iterations: usize,
    pub seed: u64,
    /// Per-iteration results, column-major: column `c` is
    /// `table[c * iterations..(c + 1) * iterations]`, in iteration order.
    pub table: Vec<f64>,
    /// Per-iteration draws of the uncertain inputs (`layout.inputs`),
    /// column-major like `table`, for sensitivity.
    pub inputs: Vec<f64>,
    /// Sum over all iterations of each monthly quantity.
    pub monthly_sums: Vec<f64>,
    /// Monthly quantities of the first `monthly_sample` iterations,
    /// row-major, for the monthly percentiles.
    pub monthly_sample: Vec<f32>,
    pub monthly_sample_rows: usize,
}

impl Simulation {
    /// One column of the per-iteration table, in iteration order.
    pub fn column_ref(&self, col: usize) -> &[f64] {
        &self.table[col * self.iterations..(col + 1) * self.iterations]
    }

    /// The draws of the `k`-th uncertain input (`layout.inputs[k]`).
    pub fn input_column(&self, k: usize) -> &[f64] {
        &self.inputs[k * self.iterations..(k + 1) * self.iterations]
    }

    /// A copy of one column, to reorder (percentiles select in place).
    pub fn column(&self, col: usize) -> Vec<f64> {
        self.column_ref(col).to_vec()
    }
}

/// The number of iterations whose monthly values are kept: all of them up
/// to [`MONTHLY_SAMPLE_MAX`], fewer when a model has so many monthly
/// quantities that they would pass [`MONTHLY_SAMPLE_BYTES`] (never below
/// 200, so percentiles stay meaningful on the largest models).
pub fn monthly_sample_size(iterations: usize, quantities: usize) -> usize {
    let by_memory = (MONTHLY_SAMPLE_BYTES / (4 * quantities.max(1))).max(200);
    iterations.min(MONTHLY_SAMPLE_MAX).min(by_memory)
}

/// Split column-major `data` (columns of `n`) into, for each batch, its
/// stretch of every column.
fn split_columns<T>(data: &mut [T], n: usize, batches: usize) -> Vec<Vec<&mut [T]>> {
    let mut per_batch: Vec<Vec<&mut [T]>> = (0..batches).map(|_| Vec::new()).collect();
    for column in data.chunks_mut(n.max(1)) {
        for (b, stretch) in column.chunks_mut(BATCH).enumerate() {
            per_batch[b].push(stretch);
        }
    }
    per_batch
}

/// Batches run side by side in waves of this many, whose monthly sums are
/// added in batch order before the next wave: memory for the sums stays
/// bounded however many iterations run.
const WAVE: usize = 64;

/// A zeroed buffer of `len` values, or an error when memory cannot hold it.
fn zeroed<T: Clone + Default>(len: Option<usize>, what: &str) -> Result<Vec<T>, String> {
    let too_big = || format!("not enough memory for the {what}; run fewer iterations (-n)");
    let len = len.ok_or_else(too_big)?;
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| too_big())?;
    v.resize(len, T::default());
    Ok(v)
}

/// Run the forecast. Must be called inside the rayon pool that sets the
/// thread count; the result does not depend on it. `progress` counts the
/// iterations done, for a progress bar. Fails only when memory cannot hold
/// the per-iteration results.
pub fn simulate(case: &Case, options: RunOptions, progress: &AtomicUsize) -> Result<Simulation, String> {
    let layout = if options.monthly { Layout::new(case) } else { Layout::new(case).for_portfolios(case) };
    let n = options.iterations;
    let part = simulate_batches(case, &layout, options, 0..n.div_ceil(BATCH), false, progress)?;
    Ok(Simulation {
        iterations: n,
        seed: options.seed,
        table: part.table,
        inputs: part.inputs,
        monthly_sums: part.sums,
        monthly_sample: part.sample,
        monthly_sample_rows: monthly_sample_size(n, layout.monthly_quantities()),
        layout,
    })
}

/// The iterations of some consecutive batches of a run, as a shard of it
/// computes them ([`crate::shard`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The batches covered: iterations `batches.start * BATCH` up to
    /// `batches.end * BATCH` (or the run's end).
    pub batches: std::ops::Range<usize>,
    /// Iterations covered.
    pub rows: usize,
    /// Per-iteration results of these rows, column-major.
    pub table: Vec<f64>,
    /// Per-iteration inputs of these rows, column-major.
    pub inputs: Vec<f64>,
    /// Monthly sums: each batch's in turn (`batches.len()` runs of the
    /// monthly quantities) when kept by batch, else their total.
    pub sums: Vec<f64>,
    /// Monthly quantities of the rows that fall in the run's monthly
    /// sample, row-major.
    pub sample: Vec<f32>,
}

/// The batches of a run's `shard`-th share of `shards` (1-based): whole
/// batches, so that a merge adds the monthly sums in the same order as a
/// single run.
pub fn shard_batches(iterations: usize, shard: usize, shards: usize) -> std::ops::Range<usize> {
    let total = iterations.div_ceil(BATCH) as u128;
    // In u128: total * shard overflows usize for absurd shard counts.
    let at = |k: usize| (total * k as u128 / shards as u128) as usize;
    at(shard - 1)..at(shard)
}

/// Run `batches` of the run `options` describes. With `by_batch` each
/// batch's monthly sums are kept apart (a shard), else added in batch
/// order. Must be called inside the rayon pool that sets the thread count.
pub fn simulate_batches(
    case: &Case,
    layout: &Layout,
    options: RunOptions,
    batches: std::ops::Range<usize>,
    by_batch: bool,
    progress: &AtomicUsize,
) -> Result<Part, String> {
    let n = options.iterations;
    let first_row = (batches.start * BATCH).min(n);
    let rows = (batches.end * BATCH).min(n) - first_row;
    let width = layout.width;
    let q = layout.monthly_quantities();
    let sample_rows = monthly_sample_size(n, q);
    let sampler = Sampler::new(case);
    let mut table: Vec<f64> = zeroed(rows.checked_mul(width), "per-iteration results")?;
    let mut inputs: Vec<f64> = zeroed(rows.checked_mul(layout.inputs.len()), "per-iteration inputs")?;
    let kept_rows = sample_rows.saturating_sub(first_row).min(rows);
    let mut monthly_sample: Vec<f32> = zeroed(kept_rows.checked_mul(q), "monthly sample")?;
    let count = batches.len();
    // Split the sample buffer along batch boundaries so each batch owns its rows.
    let mut sample_chunks: Vec<&mut [f32]> = Vec::with_capacity(count);
    let mut rest: &mut [f32] = &mut monthly_sample;
    for b in batches.clone() {
        let rows = (sample_rows.saturating_sub(b * BATCH)).min(BATCH);
        let (head, tail) = rest.split_at_mut(rows * q);
        sample_chunks.push(head);
        rest = tail;
    }
    // Each batch owns its stretch of every column.
    let batch_columns = split_columns(&mut table, rows, count);
    let batch_inputs = split_columns(&mut inputs, rows, count);
    let mut work = batches.clone().zip(batch_columns.into_iter().zip(batch_inputs).zip(sample_chunks));
    let mut sums = if by_batch { Vec::with_capacity(count * q) } else { vec![0.0; q] };
    loop {
        let wave: Vec<_> = work.by_ref().take(WAVE).collect();
        if wave.is_empty() {
            break;
        }
        let wave_sums: Vec<Vec<f64>> = wave
            .into_par_iter()
            .map_init(
                || Workspace::new(case, layout),
                |ws, (b, ((mut columns, mut input_columns), sample))| {
                    let mut sums: Vec<Lanes> = vec![[0.0; LANES]; q];
                    let rows = (n - b * BATCH).min(BATCH);
                    let sampled = sample.len() / q.max(1);
                    for k0 in (0..rows).step_by(LANES) {
                        let active = (rows - k0).min(LANES);
                        let kept = sampled.saturating_sub(k0).min(active);
                        let keep = if kept > 0 { &mut sample[k0 * q..] } else { &mut [][..] };
                        let out = BlockOutput { sums: &mut sums, keep, kept };
                        ws.run_block(case, layout, &sampler, options.seed, (b * BATCH + k0) as u64, active, out);
                        for (column, value) in columns.iter_mut().zip(ws.rows()) {
                            column[k0..k0 + active].copy_from_slice(&value[..active]);
                        }
                        for (column, &input) in input_columns.iter_mut().zip(&layout.inputs) {
                            column[k0..k0 + active].copy_from_slice(&ws.values()[input][..active]);
                        }
                    }
                    progress.fetch_add(rows, Ordering::Relaxed);
                    reduce_lanes(&sums)
                },
            )
            .collect();
        for batch_sums in &wave_sums {
            if by_batch {
                sums.extend_from_slice(batch_sums);
            } else {
                add_sums(&mut sums, batch_sums);
            }
        }
    }
    Ok(Part { batches, rows, table, inputs, sums, sample: monthly_sample })
}

/// Add one batch's monthly sums to the running total. Runs and merges add
/// batches in batch order through here, so both give the same bits.
pub fn add_sums(total: &mut [f64], batch: &[f64]) {
    for (t, s) in total.iter_mut().zip(batch) {
        *t += s;
    }
}
