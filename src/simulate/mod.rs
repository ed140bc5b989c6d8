//! Simulate: the Monte Carlo forecast (spec section 5).
//!
//! Iterations are cut into fixed batches of [`BATCH`] that do not depend on
//! the thread count; every iteration draws from its own generator, seeded
//! from (run seed, iteration index) ([`stream`]), so a batch gives the same
//! numbers on any thread. Each batch writes its iterations' results into
//! their own rows and returns its monthly sums, which are added in batch
//! order: the output is byte-identical for any `--threads`.

pub mod block;
pub mod fitted;
pub mod input_keys;
pub mod layout;
pub mod normals;
pub mod rounds;
pub mod sampler;
pub mod stream;
pub mod tally;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, TryLockError};

use rayon::prelude::*;

use crate::error::SimulateError;
use crate::model::Case;
use block::{BlockOutput, LANES, Lanes, Workspace, reduce_lanes};
use input_keys::InputScale;
use layout::Keep;
pub use layout::Layout;
use sampler::Sampler;
use tally::{Brackets, Tally};

/// Iterations per batch: the unit of parallel work and of ordered summing.
pub const BATCH: usize = 1024;

/// How many iterations keep their monthly values for the monthly
/// percentiles, at most; see [`monthly_sample_size`].
pub const MONTHLY_SAMPLE_MAX: usize = 10_000;
/// Memory the monthly sample may use (f32 values).
const MONTHLY_SAMPLE_BYTES: usize = 64 << 20;

/// Iterations of the pilot that places the tallies' brackets
/// ([`tally`]): runs this long or shorter keep every value instead.
pub const PILOT: usize = 32 * BATCH;

/// What one run asks for.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    pub iterations: usize,
    pub seed: u64,
    /// Keep monthly quantities (sums and the monthly sample) and every
    /// uncertain input. Off for comparing portfolios, which needs only
    /// per-iteration results and the capex draws.
    pub monthly: bool,
    /// Pilot iterations ([`PILOT`]) and bracket width ([`tally::BRACKET_Z`]):
    /// they change how much is kept, never the results.
    pub pilot: usize,
    pub bracket_z: f64,
}

impl RunOptions {
    pub fn new(iterations: usize, seed: u64, monthly: bool) -> RunOptions {
        RunOptions { iterations, seed, monthly, pilot: PILOT, bracket_z: tally::BRACKET_Z }
    }
}

/// What a run kept of one result column over its iterations.
#[derive(Debug, Clone, PartialEq)]
pub enum Kept {
    /// Every value, in iteration order.
    Whole(Vec<f64>),
    /// Every value as a month number, 0 for none (NaN).
    Months(Vec<u16>),
    /// Exact statistics from bounded memory.
    Tally(Tally),
}

/// Everything the iterations produced, before aggregation.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub layout: Layout,
    pub iterations: usize,
    pub seed: u64,
    /// Per result column (`layout.keep` says which kind).
    pub columns: Vec<Kept>,
    /// Per uncertain input (`layout.inputs`): how draws map to keys, the
    /// keys of every iteration (column-major), and the sum of the draws.
    pub input_scales: Vec<InputScale>,
    pub input_keys: Vec<Vec<u16>>,
    pub input_sums: Vec<f64>,
    /// Sum over all iterations of each monthly quantity.
    pub monthly_sums: Vec<f64>,
    /// Monthly quantities of the first `monthly_sample_rows` iterations,
    /// for the monthly percentiles: batch by batch, each batch's
    /// quantity-major (see [`Simulation::monthly_column`]).
    pub monthly_sample: Vec<f32>,
    pub monthly_sample_rows: usize,
}

impl Simulation {
    /// A column kept whole (NPV), in iteration order.
    pub fn whole(&self, col: usize) -> &[f64] {
        match &self.columns[col] {
            Kept::Whole(v) => v,
            other => panic!("column {col} is not kept whole: {other:?}"),
        }
    }

    /// A column kept as months (payback), 0 for none.
    pub fn months(&self, col: usize) -> &[u16] {
        match &self.columns[col] {
            Kept::Months(v) => v,
            other => panic!("column {col} is not kept as months: {other:?}"),
        }
    }

    /// A tallied column.
    pub fn tally(&self, col: usize) -> &Tally {
        match &self.columns[col] {
            Kept::Tally(t) => t,
            other => panic!("column {col} is not tallied: {other:?}"),
        }
    }

    /// The keys of the `k`-th uncertain input (`layout.inputs[k]`).
    pub fn input_keys(&self, k: usize) -> &[u16] {
        &self.input_keys[k]
    }

    /// Mean draw of the `k`-th uncertain input.
    pub fn input_mean(&self, k: usize) -> f64 {
        self.input_sums[k] / self.iterations as f64
    }

    /// Monthly quantity `idx` of every iteration in the monthly sample, in
    /// iteration order. The sample is kept batch by batch, each batch's
    /// quantity-major, so this reads one stretch per batch.
    pub fn monthly_column(&self, idx: usize) -> Vec<f64> {
        self.monthly_values(idx).into_iter().map(f64::from).collect()
    }

    /// [`Simulation::monthly_column`] as kept, in f32.
    pub fn monthly_values(&self, idx: usize) -> Vec<f32> {
        let q = self.layout.monthly_quantities();
        let idx = self.layout.sampled_as(idx);
        let mut column = Vec::with_capacity(self.monthly_sample_rows);
        let mut at = 0;
        for b in 0..self.monthly_sample_rows.div_ceil(BATCH) {
            let rows = (self.monthly_sample_rows - b * BATCH).min(BATCH);
            column.extend_from_slice(&self.monthly_sample[at + idx * rows..at + (idx + 1) * rows]);
            at += rows * q;
        }
        column
    }

    /// Tallied columns whose percentiles fell between brackets.
    pub fn misses(&self) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&c| match (&self.columns[c], self.layout.keep[c]) {
                (Kept::Tally(t), Keep::Tally(probs, _)) => {
                    // The percentiles, and the ranks their standard errors
                    // read (spec section 15).
                    let se = |p: f64| {
                        crate::aggregate::precision::quantile_se(t.count(), p, |k| t.order_statistic(k)).is_err()
                    };
                    t.quantiles(&probs).is_err() || probs.iter().any(|&p| se(p))
                }
                _ => false,
            })
            .collect()
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

/// Split columns into, for each batch, its stretch of every column.
fn split_columns<'a, T: 'a>(columns: impl Iterator<Item = &'a mut [T]>, batches: usize) -> Vec<Vec<&'a mut [T]>> {
    let mut per_batch: Vec<Vec<&mut [T]>> = (0..batches).map(|_| Vec::new()).collect();
    for column in columns {
        for (b, stretch) in column.chunks_mut(BATCH).enumerate() {
            per_batch[b].push(stretch);
        }
    }
    per_batch
}

/// Batches run side by side in waves of this many, whose monthly sums are
/// added in batch order before the next wave: memory for the sums stays
/// bounded however many iterations run (a wave's sums: about 4 MB on the
/// canonical case). Long enough that the workers, finishing a wave within
/// a batch of each other, wait little at its end even on 16 cores.
const WAVE: usize = 256;

/// Number types whose all-zero bit pattern is the value zero, so a buffer
/// of them may come zeroed from the allocator ([`zeroed`]).
///
/// # Safety
/// Implement only for types of which all-zero bits are a valid value.
unsafe trait ZeroBits: Copy {}
// SAFETY: all-zero bits are the float 0.0.
unsafe impl ZeroBits for f64 {}
// SAFETY: all-zero bits are the float 0.0.
unsafe impl ZeroBits for f32 {}
// SAFETY: all-zero bits are the integer 0.
unsafe impl ZeroBits for u16 {}

/// A zeroed buffer of `len` values, or an error when memory cannot hold it.
///
/// Asked of the allocator as zeroed memory rather than written with zeros:
/// a large block comes as fresh pages, already zero, first touched by the
/// workers that fill their rows, side by side. Writing the zeros here would
/// fault every page in on this one thread while the others wait. Not
/// `vec![0; len]`
/// after a `try_reserve` to check the size: freeing that trial block
/// raises glibc's threshold for mapping fresh pages, and the real one could
/// then come from reused memory that calloc must clear itself.
fn zeroed<T: ZeroBits>(len: Option<usize>, what: &str) -> Result<Vec<T>, SimulateError> {
    let too_big = || SimulateError::OutOfMemory { what: what.to_owned() };
    let len = len.ok_or_else(too_big)?;
    let layout = std::alloc::Layout::array::<T>(len).map_err(|_| too_big())?;
    if layout.size() == 0 {
        return Ok(Vec::new());
    }
    // SAFETY: `layout` has a non-zero size. The block comes from the global
    // allocator with the layout of `len` values of `T`, as
    // `Vec::from_raw_parts` requires, and all-zero bits are a valid `T`
    // (`ZeroBits`), so all `len` values are initialised.
    unsafe {
        let ptr = std::alloc::alloc_zeroed(layout).cast::<T>();
        if ptr.is_null() {
            return Err(too_big());
        }
        Ok(Vec::from_raw_parts(ptr, len, len))
    }
}

/// How each column is kept in a run: for tallied columns, their brackets.
pub type Plan = Vec<Option<Brackets>>;

/// The brackets of a run. Runs no longer than the pilot keep every value
/// of the columns with percentiles; longer ones first run the pilot (the
/// run's own first iterations, so every shard finds the same brackets).
pub fn plan(case: &Case, layout: &Layout, options: RunOptions) -> Result<Plan, SimulateError> {
    let keep_all = keep_all(layout);
    if !needs_pilot(layout, options) {
        return Ok(keep_all);
    }
    let pilot_options = RunOptions { iterations: options.pilot, ..options };
    let pilot_layout = layout.clone().without_monthly();
    let batches = 0..options.pilot.div_ceil(BATCH);
    let pilot = simulate_batches(case, &pilot_layout, pilot_options, &keep_all, batches, None, &AtomicUsize::new(0))?;
    Ok(brackets_from(layout, &pilot, options))
}

/// The plan that keeps every value of the columns with percentiles.
fn keep_all(layout: &Layout) -> Plan {
    (0..layout.width)
        .map(|c| match layout.keep[c] {
            Keep::Tally(probs, _) => Some(if probs.is_empty() { Brackets::nothing() } else { Brackets::everything() }),
            _ => None,
        })
        .collect()
}

/// Whether a run is long enough, and asks for percentiles, to be worth
/// bracketing.
fn needs_pilot(layout: &Layout, options: RunOptions) -> bool {
    options.iterations > options.pilot && layout.keep.iter().any(|k| matches!(k, Keep::Tally(p, _) if !p.is_empty()))
}

/// Brackets from a pilot that kept every value.
fn brackets_from(layout: &Layout, pilot: &Part, options: RunOptions) -> Plan {
    // Column by column in parallel: sorting the pilot's values is the one
    // step between the pilot and the rest of the run.
    pilot
        .columns
        .par_iter()
        .zip(&layout.keep)
        .map(|(kept, keep)| match (kept, keep) {
            (Kept::Tally(t), Keep::Tally(probs, _)) if !probs.is_empty() => {
                let mut values: Vec<f64> = t.inside.iter().flatten().copied().collect();
                tally::sort_total(&mut values);
                Some(Brackets::from_pilot(&values, probs, options.bracket_z))
            }
            (_, Keep::Tally(..)) => Some(Brackets::nothing()),
            _ => None,
        })
        .collect()
}

/// Run the forecast. Must be called inside the rayon pool that sets the
/// thread count; the result does not depend on it. `progress` counts the
/// iterations done, for a progress bar. Fails only when memory cannot hold
/// the per-iteration results.
///
/// A run longer than the pilot computes the pilot's batches first, keeping
/// every value; their brackets placed, it tallies those values again into
/// them and goes on with the other batches, so no iteration is computed
/// twice. The sums continue from the pilot's, in batch order.
pub fn simulate(case: &Case, options: RunOptions, progress: &AtomicUsize) -> Result<Simulation, SimulateError> {
    let layout = if options.monthly { Layout::new(case) } else { Layout::for_portfolios(case) };
    let all = 0..options.iterations.div_ceil(BATCH);
    let (mut plan, parts) = if needs_pilot(&layout, options) {
        let pilot = 0..options.pilot.div_ceil(BATCH);
        let mut head = simulate_batches(case, &layout, options, &keep_all(&layout), pilot.clone(), None, progress)?;
        let plan = brackets_from(&layout, &head, options);
        head.columns.par_iter_mut().zip(&plan).for_each(|(kept, brackets)| {
            if let (Kept::Tally(t), Some(b)) = (kept, brackets) {
                *t = t.rebracket(b.clone());
            }
        });
        let tail = simulate_batches(case, &layout, options, &plan, pilot.end..all.end, Some(&head), progress)?;
        // The tail's sums went on from the head's: count them once.
        head.sums.clear();
        head.input_sums.clear();
        (plan, vec![head, tail])
    } else {
        let plan = keep_all(&layout);
        let part = simulate_batches(case, &layout, options, &plan, all.clone(), None, progress)?;
        (plan, vec![part])
    };
    let sim = Simulation::from_parts(case, layout.clone(), options, parts);
    let missed = sim.misses();
    if missed.is_empty() {
        return Ok(sim);
    }
    // A percentile fell between brackets (rare): run again keeping those
    // columns whole, which cannot miss.
    for &c in &missed {
        plan[c] = Some(Brackets::everything());
    }
    drop(sim);
    progress.store(0, Ordering::Relaxed);
    let part = simulate_batches(case, &layout, options, &plan, all, None, progress)?;
    let sim = Simulation::from_parts(case, layout, options, vec![part]);
    match sim.misses().first() {
        None => Ok(sim),
        Some(&column) => Err(SimulateError::PercentilesLost { column }),
    }
}

impl Simulation {
    /// The simulation of a run from its parts, in batch order, covering
    /// every batch once (checked by the caller).
    pub fn from_parts(case: &Case, layout: Layout, options: RunOptions, parts: Vec<Part>) -> Simulation {
        let n = options.iterations;
        let q = layout.monthly_quantities();
        let ni = layout.inputs.len();
        let mut monthly_sums = vec![0.0; q];
        let mut input_sums = vec![0.0; ni];
        let mut monthly_sample = Vec::new();
        // Per column (and input), each part's piece, joined below.
        let mut pieces: Vec<Vec<Kept>> = (0..layout.width).map(|_| Vec::with_capacity(parts.len())).collect();
        let mut key_pieces: Vec<Vec<Vec<u16>>> = (0..ni).map(|_| Vec::with_capacity(parts.len())).collect();
        for part in parts {
            for batch in part.sums.chunks(q.max(1)).filter(|_| q > 0) {
                add_sums(&mut monthly_sums, batch);
            }
            for batch in part.input_sums.chunks(ni.max(1)).filter(|_| ni > 0) {
                add_sums(&mut input_sums, batch);
            }
            if monthly_sample.is_empty() {
                monthly_sample = part.sample;
            } else {
                monthly_sample.extend_from_slice(&part.sample);
            }
            for (column, kept) in pieces.iter_mut().zip(part.columns) {
                column.push(kept);
            }
            for (column, keys) in key_pieces.iter_mut().zip(part.input_keys) {
                column.push(keys);
            }
        }
        // Column by column in parallel: joining copies every row once.
        let input_keys: Vec<Vec<u16>> = key_pieces.into_par_iter().map(concat).collect();
        layout.complete_sums(case, &mut monthly_sums, &input_sums, n);
        let columns: Vec<Kept> = pieces
            .into_par_iter()
            .map(|column| match column.first() {
                Some(Kept::Whole(_)) => Kept::Whole(concat(
                    column.into_iter().map(|k| if let Kept::Whole(v) = k { v } else { Vec::new() }).collect(),
                )),
                Some(Kept::Months(_)) => Kept::Months(concat(
                    column.into_iter().map(|k| if let Kept::Months(v) = k { v } else { Vec::new() }).collect(),
                )),
                _ => {
                    let mut tallies =
                        column.into_iter().filter_map(|k| if let Kept::Tally(t) = k { Some(t) } else { None });
                    let mut all = tallies.next().unwrap_or_else(|| Tally::new(Brackets::nothing(), None));
                    tallies.for_each(|t| all.merge(t));
                    all.seal();
                    Kept::Tally(all)
                }
            })
            .collect();
        let input_scales = layout.inputs.iter().map(|&i| InputScale::of(&case.inputs.defs[i])).collect();
        Simulation {
            monthly_sample_rows: monthly_sample_size(n, q),
            layout,
            iterations: n,
            seed: options.seed,
            columns,
            input_scales,
            input_keys,
            input_sums,
            monthly_sums,
            monthly_sample,
        }
    }
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
    /// Per result column, what these batches kept.
    pub columns: Vec<Kept>,
    /// Keys of the uncertain inputs of these rows, one column each.
    pub input_keys: Vec<Vec<u16>>,
    /// Each batch's sums of the inputs' draws, in batch order (their total
    /// unless kept by batch).
    pub input_sums: Vec<f64>,
    /// Monthly sums: each batch's in turn (`batches.len()` runs of the
    /// monthly quantities) when kept by batch, else their total.
    pub sums: Vec<f64>,
    /// Monthly quantities of the rows that fall in the run's monthly
    /// sample, batch by batch, each batch's quantity-major.
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

impl<'a> From<Option<&'a Part>> for SumsKept<'a> {
    fn from(before: Option<&'a Part>) -> SumsKept<'a> {
        SumsKept::After(before)
    }
}

/// What a worker thread reuses from batch to batch: its workspace, a
/// batch's results column by column, the lane-wise sums (large enough that
/// allocating them for every batch would map fresh pages each time) and
/// its own copy of the tallies.
struct Worker {
    ws: Workspace,
    table: Vec<f64>,
    sums: Vec<f64>,
    input_sums: Vec<Lanes>,
    tallies: Vec<Option<Tally>>,
}

impl Worker {
    fn new(case: &Case, layout: &Layout, tallies: &[Option<Tally>]) -> Worker {
        Worker {
            ws: Workspace::new(case, layout),
            table: vec![0.0; layout.width * BATCH],
            sums: vec![0.0; layout.monthly_quantities()],
            input_sums: vec![[0.0; LANES]; layout.inputs.len()],
            tallies: tallies.iter().map(|t| t.as_ref().map(Tally::empty_like)).collect(),
        }
    }
}

/// What every batch of a run shares.
struct BatchRun<'a> {
    case: &'a Case,
    layout: &'a Layout,
    sampler: &'a Sampler,
    scales: &'a [InputScale],
    /// The columns kept whole, and those kept as a month number.
    whole_cols: &'a [usize],
    month_cols: &'a [usize],
    seed: u64,
    iterations: usize,
}

/// A batch's own stretch of every kept column and of the monthly sample.
struct BatchColumns<'c> {
    whole: Vec<&'c mut [f64]>,
    months: Vec<&'c mut [u16]>,
    keys: Vec<&'c mut [u16]>,
    sample: &'c mut [f32],
}

impl BatchRun<'_> {
    /// Batch `b`, block by block, on `worker`'s workspace: its results
    /// written into its columns, its values tallied into the worker's
    /// tallies, and what must be added in batch order returned.
    fn run(&self, worker: &mut Worker, b: usize, columns: BatchColumns<'_>) -> BatchResult {
        let (case, layout) = (self.case, self.layout);
        let BatchColumns { mut whole, mut months, mut keys, sample } = columns;
        let Worker { ws, table, sums, input_sums, tallies: own } = worker;
        let q = layout.monthly_quantities();
        sums.fill(0.0);
        input_sums.fill([0.0; LANES]);
        let rows = (self.iterations - b * BATCH).min(BATCH);
        let sampled = sample.len() / q.max(1);
        for k0 in (0..rows).step_by(LANES) {
            let active = (rows - k0).min(LANES);
            let kept = sampled.saturating_sub(k0).min(active);
            let out = BlockOutput { sums, keep: sample, kept, stride: sampled, first_row: k0 };
            ws.run_block(case, layout, self.sampler, self.seed, (b * BATCH + k0) as u64, active, out);
            for (c, value) in ws.rows().iter().enumerate() {
                let to = &mut table[c * BATCH + k0..c * BATCH + k0 + active];
                if let Ok(lanes) = <&mut Lanes>::try_from(&mut *to) {
                    *lanes = *value; // a whole block: one fixed-size move
                } else {
                    to.copy_from_slice(&value[..active]);
                }
            }
            for (k, (&input, scale)) in layout.inputs.iter().zip(self.scales).enumerate() {
                let draws = &ws.values()[input];
                scale.keys_into(&draws[..active], &mut keys[k][k0..k0 + active]);
                for l in 0..active {
                    input_sums[k][l] += draws[l];
                }
            }
        }
        for (column, &c) in whole.iter_mut().zip(self.whole_cols) {
            column.copy_from_slice(&table[c * BATCH..c * BATCH + rows]);
        }
        for (column, &c) in months.iter_mut().zip(self.month_cols) {
            for (m, &x) in column.iter_mut().zip(&table[c * BATCH..c * BATCH + rows]) {
                *m = if x.is_nan() { 0 } else { x as u16 };
            }
        }
        let moments = own
            .iter_mut()
            .enumerate()
            .filter_map(|(c, t)| t.as_mut().map(|t| t.add_values(&table[c * BATCH..c * BATCH + rows])))
            .collect();
        BatchResult { batch: b, rows, sums: sums.clone(), input_sums: reduce_lanes(input_sums), moments }
    }
}

/// The calling worker's own slot, held for a batch. A batch starts no
/// parallel work of its own: if one did, its thread could steal another
/// batch and find its own slot taken, which fails here loudly rather than
/// waiting forever.
fn own_slot(workers: &[Mutex<Option<Worker>>]) -> std::sync::MutexGuard<'_, Option<Worker>> {
    let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
    match workers[slot].try_lock() {
        Ok(slot) => slot,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => {
            panic!("internal error: a worker's slot is taken (a batch started parallel work)")
        }
    }
}

/// One batch's results besides the columns written in place and the
/// values tallied: what must be added in batch order.
struct BatchResult {
    batch: usize,
    /// Iterations in the batch.
    rows: usize,
    sums: Vec<f64>,
    input_sums: Vec<f64>,
    /// Moments of each tallied column, in column order.
    moments: Vec<tally::Moments>,
}

impl BatchResult {
    /// Add the batch's sums (or, `by_batch`, append them) and its tallies'
    /// moments; called in batch order.
    fn add_to(self, by_batch: bool, sums: &mut Vec<f64>, input_sums: &mut Vec<f64>, tallies: &mut [Option<Tally>]) {
        if by_batch {
            sums.extend_from_slice(&self.sums);
            input_sums.extend_from_slice(&self.input_sums);
        } else {
            add_sums(sums, &self.sums);
            add_sums(input_sums, &self.input_sums);
        }
        let mut moments = self.moments.into_iter();
        for t in tallies.iter_mut().flatten() {
            t.moments.extend(moments.next());
        }
    }
}

/// Each result column as the layout keeps it, in column order: the whole
/// and month columns their own buffers, the others their tallies.
fn columns_in_order(
    layout: &Layout,
    tallies: Vec<Option<Tally>>,
    whole: Vec<Vec<f64>>,
    months: Vec<Vec<u16>>,
) -> Vec<Kept> {
    let mut whole_columns = whole.into_iter();
    let mut month_columns = months.into_iter();
    tallies
        .into_iter()
        .enumerate()
        .map(|(c, t)| match (layout.keep[c], t) {
            (Keep::Whole, _) => Kept::Whole(whole_columns.next().unwrap_or_default()),
            (Keep::Month, _) => Kept::Months(month_columns.next().unwrap_or_default()),
            (_, Some(t)) => Kept::Tally(t),
            (Keep::Tally(_, threshold), None) => Kept::Tally(Tally::new(Brackets::nothing(), threshold)),
        })
        .collect()
}

/// How a part keeps its batches' sums.
#[derive(Debug, Clone, Copy)]
pub enum SumsKept<'a> {
    /// Each batch's apart, in batch order (a shard: the merge adds them).
    ByBatch,
    /// Their total, added in batch order onto these earlier batches'
    /// totals (none: from zero).
    After(Option<&'a Part>),
}

/// Run `batches` of the run `options` describes, keeping columns as `plan`
/// says and sums as `kept` says. Must be called inside the rayon pool that
/// sets the thread count.
pub fn simulate_batches<'a>(
    case: &Case,
    layout: &Layout,
    options: RunOptions,
    plan: &Plan,
    batches: std::ops::Range<usize>,
    kept: impl Into<SumsKept<'a>>,
    progress: &AtomicUsize,
) -> Result<Part, SimulateError> {
    let kept = kept.into();
    let by_batch = matches!(kept, SumsKept::ByBatch);
    let n = options.iterations;
    let first_row = (batches.start * BATCH).min(n);
    let rows = (batches.end * BATCH).min(n) - first_row;
    let width = layout.width;
    let q = layout.monthly_quantities();
    let ni = layout.inputs.len();
    let sample_rows = monthly_sample_size(n, q);
    let sampler = Sampler::new(case);
    let scales: Vec<InputScale> = layout.inputs.iter().map(|&i| InputScale::of(&case.inputs.defs[i])).collect();
    let whole_cols: Vec<usize> = (0..width).filter(|&c| layout.keep[c] == Keep::Whole).collect();
    let month_cols: Vec<usize> = (0..width).filter(|&c| layout.keep[c] == Keep::Month).collect();
    let mut whole: Vec<Vec<f64>> =
        whole_cols.iter().map(|_| zeroed(Some(rows), "per-iteration results")).collect::<Result<_, _>>()?;
    let mut months: Vec<Vec<u16>> =
        month_cols.iter().map(|_| zeroed(Some(rows), "per-iteration results")).collect::<Result<_, _>>()?;
    let mut input_keys: Vec<Vec<u16>> =
        (0..ni).map(|_| zeroed(Some(rows), "per-iteration inputs")).collect::<Result<_, _>>()?;
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
    let mut tallies: Vec<Option<Tally>> = (0..width)
        .map(|c| match (&plan[c], layout.keep[c]) {
            (Some(b), Keep::Tally(_, threshold)) => Some(Tally::new(b.clone(), threshold)),
            _ => None,
        })
        .collect();
    // Each batch owns its stretch of every column.
    let batch_whole = split_columns(whole.iter_mut().map(Vec::as_mut_slice), count);
    let batch_months = split_columns(months.iter_mut().map(Vec::as_mut_slice), count);
    let batch_inputs = split_columns(input_keys.iter_mut().map(Vec::as_mut_slice), count);
    let mut work = batches.clone().zip(batch_whole.into_iter().zip(batch_months).zip(batch_inputs).zip(sample_chunks));
    // Each worker tallies its batches' values into its own copy of the
    // tallies, joined at the end: counts do not depend on the order values
    // come in, and kept values are sorted when the tally is sealed. What
    // does depend on it, each batch's sums and moments, is returned by
    // batch and added in batch order.
    let workers: Vec<Mutex<Option<Worker>>> =
        (0..rayon::current_num_threads().max(1)).map(|_| Mutex::new(None)).collect();
    let (mut sums, mut input_sums) = match kept {
        SumsKept::ByBatch => (Vec::with_capacity(count * q), Vec::with_capacity(count * ni)),
        SumsKept::After(None) => (vec![0.0; q], vec![0.0; ni]),
        SumsKept::After(Some(before)) => (before.sums.clone(), before.input_sums.clone()),
    };
    let batch_run = BatchRun {
        case,
        layout,
        sampler: &sampler,
        scales: &scales,
        whole_cols: &whole_cols,
        month_cols: &month_cols,
        seed: options.seed,
        iterations: n,
    };
    loop {
        let wave: Vec<_> = work.by_ref().take(WAVE).collect();
        if wave.is_empty() {
            break;
        }
        let mut results: Vec<BatchResult> = wave
            .into_par_iter()
            // One batch a task: an idle worker takes the next batch, so the
            // workers finish a wave within one batch of each other (rayon's
            // default split left one worker a quarter of the pilot alone).
            .with_max_len(1)
            .map(|(b, (((whole, months), keys), sample))| {
                let mut slot = own_slot(&workers);
                let worker = slot.get_or_insert_with(|| Worker::new(case, layout, &tallies));
                let result = batch_run.run(worker, b, BatchColumns { whole, months, keys, sample });
                progress.fetch_add(result.rows, Ordering::Relaxed);
                result
            })
            .collect();
        results.sort_unstable_by_key(|r| r.batch);
        for batch in results {
            batch.add_to(by_batch, &mut sums, &mut input_sums, &mut tallies);
        }
    }
    for worker in workers.into_iter().filter_map(|w| w.into_inner().unwrap_or_else(PoisonError::into_inner)) {
        for (all, t) in tallies.iter_mut().zip(worker.tallies) {
            if let (Some(all), Some(t)) = (all, t) {
                all.merge(t);
            }
        }
    }
    let columns = columns_in_order(layout, tallies, whole, months);
    Ok(Part { batches, rows, columns, input_keys, input_sums, sums, sample: monthly_sample })
}

/// Join the pieces of a column, in order. The largest grows in place (a
/// large allocation is remapped, not copied) and the others go around it,
/// so joining does not hold the column twice.
fn concat<T: Copy>(mut pieces: Vec<Vec<T>>) -> Vec<T> {
    let Some(big) = (0..pieces.len()).max_by_key(|&i| (pieces[i].len(), std::cmp::Reverse(i))) else {
        return Vec::new();
    };
    let total: usize = pieces.iter().map(Vec::len).sum();
    let after: Vec<T> = pieces.drain(big + 1..).flatten().collect();
    let mut out = pieces.pop().unwrap_or_default();
    out.reserve_exact(total - out.len());
    out.splice(0..0, pieces.into_iter().flatten());
    out.extend(after);
    out
}

/// Add one batch's sums to the running total. Runs and merges add batches
/// in batch order through here, so both give the same bits.
pub fn add_sums(total: &mut [f64], batch: &[f64]) {
    for (t, s) in total.iter_mut().zip(batch) {
        *t += s;
    }
}
