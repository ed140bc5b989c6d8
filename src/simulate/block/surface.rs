//! Staffing thresholds shared by every iteration of a run (spec section
//! 14's speed): the rate at which `N` agents stop sufficing, tabulated once
//! over the queue's dimensionless parameters and read by interpolation.
//!
//! In units of one agent's handle time an interval's queue has three
//! numbers: the traffic `a = lambda * s` (`s` the seconds one contact takes
//! an agent), the impatience `beta = s / patience` and the answer time
//! `tau = answer_seconds / s`. With the targets fixed for the run, whether
//! `N` agents suffice depends on `(a, beta, tau)` alone. Every iteration
//! draws its own handle time and patience, so thresholds found per lane
//! cost a root-finding per agent count, per AHT factor, per iteration;
//! here they are found once per node of a grid in `u = ln beta`, `v = ln
//! tau` (step 1/8; Erlang C has no `beta`, one line of nodes), made when a
//! draw first needs it, and each lane's thresholds are the bicubic
//! interpolant of the 4 x 4 nodes around its draw.
//!
//! The test passes where each of its conditions (occupancy, abandonment,
//! service level) holds, so the threshold is the least of the conditions'
//! own thresholds. That least has kinks where the binding condition
//! changes, which no polynomial follows; each condition's threshold is
//! smooth, so the nodes keep them apart and the interpolants are taken
//! condition by condition.
//!
//! An interpolant is not the test, so each estimate carries a band: the
//! interpolant's error measured where a cubic's is largest (the cell's
//! centre and edge midpoints, nodes of their own), four times over, plus
//! the nodes' own precision. A rate outside the band is decided by the
//! estimate; one inside it is tested directly, so the agents are the
//! test's own wherever the band holds the threshold (tested against the
//! direct search over thousands of draws).
//!
//! P(abandon), for the abandoned contacts, depends on `(N, a, beta)` only:
//! each `u` node keeps it as degree-5 curves over pieces of an Erlang of
//! traffic (narrower below 8 agents). A lane's curve for an agent count is
//! the four nearest nodes' pieces combined by its cubic weights in `u`,
//! then one degree-5 curve through them over the rates the count serves,
//! so that a walk evaluates one polynomial a group (within 1.1e-7 of exact
//! over the tests' draws; the test allows 1e-6).
//!
//! Nodes live for the process in one map, keyed by the targets and grid
//! position: a node's contents depend on nothing else, so a run's results
//! depend neither on which thread made a node first nor on the threads.
//! Runs whose targets vary by draw do not use the grid (their queues would
//! share nothing).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::interval::{AbandonCurve, PIECES, Rule, Thresholds};
use crate::staffing::erlang_a::Targets;

/// Grid step in `ln beta` and `ln tau`.
const STEP: f64 = 0.125;
/// Agent counts a node finds at once.
const CHUNK: usize = 32;
/// Chunks a node may hold: agent counts past `CHUNK * CHUNKS` are found per
/// lane (far past the traffic validation allows an interval typically).
const CHUNKS: usize = 64;
/// How many times the measured interpolation error a band is.
const SAFETY: f64 = 4.0;
/// A band's floor, relative to the threshold: the nodes are settled to 1e-7
/// (relative) and the interpolant's weights sum in size to 1.5625.
const FLOOR: f64 = 1e-6;
/// Grid coordinates past which a queue is found per lane (an answer time
/// or patience a million times the handle time, or its inverse).
const REACH: f64 = 14.0;
/// Most conditions a test has ([`Rule::conditions`]).
const CONDITIONS: usize = 3;
/// What a grid is for: the kind of queue and its targets, bit for bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Key {
    erlang_a: bool,
    target: u64,
    max_occupancy: u64,
    max_abandon: u64,
}

impl Key {
    /// The grid a rule's queue would read, and where on it: `(key, u, v,
    /// s)` with `s` the seconds one contact takes an agent. None where the
    /// queue lies off any grid (no answer time, a degenerate draw).
    fn of(rule: &Rule) -> Option<(Key, f64, f64, f64)> {
        let (key, u, v, s) = match *rule {
            Rule::C { seconds_per_contact, answer_over_aht, target, max_occupancy } => {
                let key = Key {
                    erlang_a: false,
                    target: target.to_bits(),
                    max_occupancy: max_occupancy.to_bits(),
                    max_abandon: 0,
                };
                (key, 0.0, answer_over_aht.ln(), seconds_per_contact)
            }
            Rule::A { service, abandonment, targets } => {
                let s = 1.0 / service;
                let key = Key {
                    erlang_a: true,
                    target: targets.service_level.to_bits(),
                    max_occupancy: targets.max_occupancy.to_bits(),
                    max_abandon: targets.max_abandon.to_bits(),
                };
                (key, (abandonment * s).ln(), (targets.answer_time * service).ln(), s)
            }
        };
        let on_grid = u.abs() <= REACH && v.abs() <= REACH && s.is_finite() && s > 0.0;
        on_grid.then_some((key, u, v, s))
    }

    /// The dimensionless queue at half-step grid point `(i2, j2)`.
    fn rule(&self, i2: i32, j2: i32) -> Rule {
        let (u, v) = (f64::from(i2) * STEP / 2.0, f64::from(j2) * STEP / 2.0);
        let target = f64::from_bits(self.target);
        let max_occupancy = f64::from_bits(self.max_occupancy);
        if self.erlang_a {
            let targets = Targets {
                service_level: target,
                answer_time: v.exp(),
                max_occupancy,
                max_abandon: f64::from_bits(self.max_abandon),
            };
            Rule::A { service: 1.0, abandonment: u.exp(), targets }
        } else {
            Rule::C { seconds_per_contact: 1.0, answer_over_aht: v.exp(), target, max_occupancy }
        }
    }
}

/// One grid point's thresholds, condition by condition, `CHUNK` agent
/// counts at a time.
struct Node {
    rule: Rule,
    /// The node of the same `u` whose untimed conditions (occupancy,
    /// abandonment: independent of the answer time) this one shares;
    /// None for that node itself.
    column: Option<Arc<Node>>,
    chunks: [OnceLock<NodeChunk>; CHUNKS],
}

/// `threshold[c][i]`: the traffic at which `CHUNK * k + i + 1` agents stop
/// meeting condition `c` (the rule's `c`-th).
struct NodeChunk {
    threshold: [[f64; CHUNK]; CONDITIONS],
}

impl Node {
    fn chunk(&self, k: usize) -> &NodeChunk {
        self.chunks[k].get_or_init(|| {
            let before = if k == 0 { None } else { Some(self.chunk(k - 1)) };
            let mut chunk = NodeChunk { threshold: [[0.0; CHUNK]; CONDITIONS] };
            let column = self.column.as_ref().map(|n| n.chunk(k));
            for (c, &condition) in self.rule.conditions().iter().enumerate() {
                if let Some(column) = column.filter(|_| !self.rule.timed(condition)) {
                    chunk.threshold[c] = column.threshold[c];
                    continue;
                }
                // The root-finding steers each threshold by the two before.
                let mut table = Thresholds::condition(self.rule, condition);
                table.resume(k * CHUNK, before.map(|b| [b.threshold[c][CHUNK - 2], b.threshold[c][CHUNK - 1]]));
                for i in 0..CHUNK {
                    chunk.threshold[c][i] = table.extend_exact().0;
                }
            }
            chunk
        })
    }
}

/// P(abandon) at one `u` node, per agent count, as degree-5 curves over
/// pieces of traffic of width [`piece_width`], made when first read.
struct AbandonRow {
    rule: Rule,
    /// Per agent count (`N - 1`), its pieces.
    counts: Vec<OnceLock<Pieces>>,
    /// Most traffic any count is read at: past `N / target` the answered
    /// share cannot reach the target (`1 - P(abandon) <= N / a`).
    reach: f64,
}

type Pieces = Box<[OnceLock<AbandonCurve>]>;

/// Width of the traffic pieces of `agents` agents' P(abandon), Erlangs: 1,
/// narrower below 8 agents, whose counts serve less than an Erlang each and
/// whose P(abandon) bends sharply from 0.
fn piece_width(agents: usize) -> f64 {
    agents.min(8) as f64 / 8.0
}

impl AbandonRow {
    /// The curves of `agents` agents' P(abandon), piece `k` spanning traffic
    /// `k w` to `(k + 1) w` (each made when first read); None past the
    /// row's agent counts.
    fn pieces(&self, agents: usize) -> Option<&[OnceLock<AbandonCurve>]> {
        let w = piece_width(agents);
        let pieces = self.counts.get(agents - 1)?.get_or_init(|| {
            let length = ((agents as f64 * self.reach + 4.0) / w).ceil() as usize;
            (0..length).map(|_| OnceLock::new()).collect()
        });
        Some(pieces)
    }

    /// Piece `k` of `agents` agents' P(abandon), of `pieces` (theirs);
    /// None past the row's reach.
    fn piece<'a>(&self, pieces: &'a [OnceLock<AbandonCurve>], agents: usize, k: usize) -> Option<&'a AbandonCurve> {
        let w = piece_width(agents);
        let (a, b) = (k as f64 * w, (k + 1) as f64 * w);
        Some(pieces.get(k)?.get_or_init(|| AbandonCurve::new(&self.rule, agents, a, b, &mut None)))
    }
}

/// The 4 x 4 lattice nodes around a cell, and the three midpoints (bottom
/// edge, left edge, centre) its interpolant is measured at; for Erlang A
/// the P(abandon) rows of its four `u` nodes.
struct Cell {
    stencil: [Arc<Node>; 16],
    midpoints: [Arc<Node>; 3],
    conditions: usize,
    rows: Option<[Arc<AbandonRow>; 4]>,
    chunks: [OnceLock<CellChunk>; CHUNKS],
}

struct CellChunk {
    /// The stencil's thresholds, `[i][c][4 * p + q]` for u-node `p`,
    /// v-node `q`.
    values: Vec<[[f64; 16]; CONDITIONS]>,
    /// Half-width of the band around each estimate; infinite where the
    /// nodes do not settle a condition (a guard).
    band: [[f64; CONDITIONS]; CHUNK],
}

/// Lagrange weights of the cubic through nodes at -1, 0, 1, 2, at `x`.
fn cubic(x: f64) -> [f64; 4] {
    [
        -x * (x - 1.0) * (x - 2.0) / 6.0,
        (x + 1.0) * (x - 1.0) * (x - 2.0) / 2.0,
        -(x + 1.0) * x * (x - 2.0) / 2.0,
        (x + 1.0) * x * (x - 1.0) / 6.0,
    ]
}

impl Cell {
    fn chunk(&self, k: usize) -> &CellChunk {
        self.chunks[k].get_or_init(|| {
            let stencil: Vec<&NodeChunk> = self.stencil.iter().map(|n| n.chunk(k)).collect();
            let mid: Vec<&NodeChunk> = self.midpoints.iter().map(|n| n.chunk(k)).collect();
            let half = cubic(0.5);
            let mut chunk = CellChunk { values: Vec::with_capacity(CHUNK), band: [[f64::INFINITY; CONDITIONS]; CHUNK] };
            for i in 0..CHUNK {
                let values: [[f64; 16]; CONDITIONS] =
                    std::array::from_fn(|c| std::array::from_fn(|s| stencil[s].threshold[c][i]));
                for (c, v) in values.iter().enumerate().take(self.conditions) {
                    // Along the bottom edge (v-node 1), the left (u-node 1),
                    // and at the centre.
                    let bottom: f64 = (0..4).map(|p| half[p] * v[4 * p + 1]).sum();
                    let left: f64 = (0..4).map(|q| half[q] * v[4 + q]).sum();
                    let centre: f64 = (0..16).map(|s| half[s / 4] * half[s % 4] * v[s]).sum();
                    let error = (bottom - mid[0].threshold[c][i]).abs()
                        + (left - mid[1].threshold[c][i]).abs()
                        + (centre - mid[2].threshold[c][i]).abs();
                    let size = v.iter().chain(mid.iter().map(|m| &m.threshold[c][i])).fold(0.0f64, |s, &x| s.max(x));
                    if size < f64::MAX / 4.0 && error.is_finite() {
                        chunk.band[i][c] = SAFETY * error + FLOOR * size + f64::MIN_POSITIVE;
                    }
                }
                chunk.values.push(values);
            }
            chunk
        })
    }
}

type NodeKey = (Key, i32, i32);

/// Every node, row and cell made in this process.
#[derive(Default)]
struct Grids {
    nodes: HashMap<NodeKey, Arc<Node>>,
    rows: HashMap<(Key, i32), Arc<AbandonRow>>,
    cells: HashMap<NodeKey, Arc<Cell>>,
}

fn grids() -> &'static Mutex<Grids> {
    static GRIDS: OnceLock<Mutex<Grids>> = OnceLock::new();
    GRIDS.get_or_init(Mutex::default)
}

impl Grids {
    /// The node at half-step point `(i2, j2)` (made empty: its chunks are
    /// found when first read, outside the lock).
    fn node(&mut self, key: Key, i2: i32, j2: i32) -> Arc<Node> {
        if let Some(node) = self.nodes.get(&(key, i2, j2)) {
            return node.clone();
        }
        let column = (j2 != 0).then(|| self.node(key, i2, 0));
        let node = Arc::new(Node { rule: key.rule(i2, j2), column, chunks: std::array::from_fn(|_| OnceLock::new()) });
        self.nodes.insert((key, i2, j2), node.clone());
        node
    }

    fn row(&mut self, key: Key, i: i32) -> Arc<AbandonRow> {
        self.rows
            .entry((key, i))
            .or_insert_with(|| {
                let rule = key.rule(2 * i, 0);
                let reach = 1.0 / f64::from_bits(key.target).max(1e-3);
                Arc::new(AbandonRow { rule, counts: (0..CHUNK * CHUNKS).map(|_| OnceLock::new()).collect(), reach })
            })
            .clone()
    }

    fn cell(&mut self, key: Key, i: i32, j: i32) -> Arc<Cell> {
        if let Some(cell) = self.cells.get(&(key, i, j)) {
            return cell.clone();
        }
        let stencil = std::array::from_fn(|s| {
            let (p, q) = ((s / 4) as i32 - 1, (s % 4) as i32 - 1);
            self.node(key, 2 * (i + p), 2 * (j + q))
        });
        let midpoints =
            [self.node(key, 2 * i + 1, 2 * j), self.node(key, 2 * i, 2 * j + 1), self.node(key, 2 * i + 1, 2 * j + 1)];
        let rows = key.erlang_a.then(|| std::array::from_fn(|p| self.row(key, i + p as i32 - 1)));
        let conditions = key.rule(0, 0).conditions().len();
        let cell =
            Arc::new(Cell { stencil, midpoints, conditions, rows, chunks: std::array::from_fn(|_| OnceLock::new()) });
        self.cells.insert((key, i, j), cell.clone());
        cell
    }
}

/// A lane's queue placed on its grid: the cell it falls in and its
/// interpolation weights.
#[derive(Clone)]
pub(super) struct Placed {
    cell: Arc<Cell>,
    /// Weights of the `u` and `v` nodes.
    wu: [f64; 4],
    weights: [f64; 16],
    /// Seconds one contact takes an agent: rate = traffic / seconds.
    seconds: f64,
}

impl std::fmt::Debug for Placed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Placed").field("seconds", &self.seconds).finish_non_exhaustive()
    }
}

/// Cells a workspace has placed lanes in, so that most placements take no
/// lock.
#[derive(Default)]
pub(super) struct Placer {
    cells: HashMap<NodeKey, Arc<Cell>>,
}

impl std::fmt::Debug for Placer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Placer").field("cells", &self.cells.len()).finish()
    }
}

impl Placer {
    /// Where `rule`'s queue falls on its grid, if it does.
    pub(super) fn place(&mut self, rule: &Rule) -> Option<Placed> {
        let (key, u, v, seconds) = Key::of(rule)?;
        let (x, y) = (u / STEP, v / STEP);
        let (i, j) = (x.floor(), y.floor());
        let (wu, wv) = (cubic(x - i), cubic(y - j));
        // Erlang C has no u axis: one u node, repeated, its weight 1.
        let (i, wu) = if key.erlang_a { (i as i32, wu) } else { (0, [0.0, 1.0, 0.0, 0.0]) };
        let j = j as i32;
        let cell = self
            .cells
            .entry((key, i, j))
            .or_insert_with(|| grids().lock().unwrap_or_else(PoisonError::into_inner).cell(key, i, j))
            .clone();
        let weights = std::array::from_fn(|s| wu[s / 4] * wv[s % 4]);
        Some(Placed { cell, wu, weights, seconds })
    }
}

impl Placed {
    /// The rate at which `agents` agents stop sufficing, `(lo, estimate,
    /// hi)`: the least over the conditions of each one's band and
    /// estimate. None where it must be found directly (past the grid's
    /// agent counts, or a condition the nodes do not settle).
    pub(super) fn threshold(&self, agents: usize) -> Option<(f64, f64, f64)> {
        let (k, i) = ((agents - 1) / CHUNK, (agents - 1) % CHUNK);
        if k >= CHUNKS {
            return None;
        }
        let chunk = self.cell.chunk(k);
        let (mut lo, mut mid, mut hi) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
        for c in 0..self.cell.conditions {
            let band = chunk.band[i][c];
            if !band.is_finite() {
                return None;
            }
            let estimate: f64 = chunk.values[i][c].iter().zip(&self.weights).map(|(v, w)| v * w).sum();
            (lo, mid, hi) = (lo.min(estimate - band), mid.min(estimate), hi.min(estimate + band));
        }
        Some((lo / self.seconds, mid / self.seconds, hi / self.seconds))
    }

    /// P(abandon) for `agents` agents over the rates `[a, b]`: the rows'
    /// pieces of traffic there, each combined by the lane's weights in
    /// `u`, and one curve through them at its Chebyshev points (a walk
    /// then evaluates one polynomial a group, without finding its piece).
    /// None for Erlang C, or past the rows' reach.
    pub(super) fn abandon(&self, agents: usize, a: f64, b: f64) -> Option<AbandonCurve> {
        let rows = self.cell.rows.as_ref()?;
        let w = piece_width(agents);
        let (lo, hi) = (a * self.seconds / w, b * self.seconds / w);
        if !(lo >= 0.0 && hi >= lo && hi < 1e9) {
            return None;
        }
        let (first, last) = (lo.floor() as usize, hi.floor() as usize);
        if last - first >= PIECES {
            return None;
        }
        let mut pieces = [AbandonCurve::default(); PIECES];
        for (p, (row, &weight)) in rows.iter().zip(&self.wu).enumerate() {
            let counts = row.pieces(agents)?;
            for (piece, k) in pieces.iter_mut().zip(first..=last) {
                let curve = row.piece(counts, agents, k)?;
                if p == 0 {
                    *piece = *curve;
                    piece.scale_by(weight);
                } else {
                    piece.add_scaled(curve, weight);
                }
            }
        }
        let values = std::array::from_fn(|k| {
            let x = AbandonCurve::node(a, b, k) * self.seconds;
            // The floor of `t`, within the pieces: counted by comparison
            // (a NaN counts none), which costs less than a float clamp and
            // a saturating cast. Two comparisons: three pieces at most.
            const _: () = assert!(PIECES == 3);
            let t = x / w - first as f64;
            let piece = (usize::from(t >= 1.0) + usize::from(t >= 2.0)).min(last - first);
            pieces[piece].at(x)
        });
        Some(AbandonCurve::through(a, b, values))
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::*;
    use crate::dist::open_unit;
    use crate::staffing::erlang;
    use crate::staffing::erlang_a::ErlangA;

    /// Queues as a run draws them: handle time 2-15 minutes, patience 1-10
    /// minutes, answer time 10-60 seconds, each with rates rising from a
    /// trickle to about 120 Erlangs (a month's intervals, in order).
    fn queues(seed: u64, erlang_a: bool, targets: Targets) -> Vec<(Rule, Vec<f64>)> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut draw = |lo: f64, hi: f64| lo + (hi - lo) * open_unit(&mut rng);
        (0..40)
            .map(|_| {
                let (aht, patience, answer) = (draw(120.0, 900.0), draw(60.0, 600.0), draw(10.0, 60.0));
                let rule = if erlang_a {
                    let targets = Targets { answer_time: answer, ..targets };
                    Rule::A { service: 1.0 / aht, abandonment: 1.0 / patience, targets }
                } else {
                    Rule::C {
                        seconds_per_contact: aht,
                        answer_over_aht: answer / aht,
                        target: targets.service_level,
                        max_occupancy: targets.max_occupancy,
                    }
                };
                let mut rates: Vec<f64> = (0..150).map(|_| draw(0.0, 120.0) / aht).collect();
                rates.sort_by(f64::total_cmp);
                (rule, rates)
            })
            .collect()
    }

    fn direct(rule: &Rule, lambda: f64) -> usize {
        match *rule {
            Rule::C { seconds_per_contact, answer_over_aht, target, max_occupancy } => {
                erlang::agents_one(lambda * seconds_per_contact, answer_over_aht, target, max_occupancy) as usize
            }
            Rule::A { service, abandonment, targets } => {
                ErlangA { arrival: lambda, service, abandonment }.agents(&targets) as usize
            }
        }
    }

    const SHIPPED: Targets = Targets { service_level: 0.8, answer_time: 20.0, max_occupancy: 0.85, max_abandon: 0.05 };

    #[test]
    fn grid_thresholds_give_the_direct_search_answer() {
        // The shipped targets, and targets where other conditions bind: no
        // occupancy or abandonment cap, a strict abandonment cap with a
        // modest service level. Every answer read through the grid is the
        // least N the staffing test passes, as the direct search finds it.
        let no_caps = Targets { max_occupancy: 1.0, max_abandon: 1.0, ..SHIPPED };
        let strict = Targets { max_abandon: 0.01, service_level: 0.6, ..SHIPPED };
        let cases = [(true, SHIPPED), (true, no_caps), (true, strict), (false, SHIPPED), (false, no_caps)];
        let mut placer = Placer::default();
        let mut read = 0;
        for (k, (erlang_a, targets)) in cases.into_iter().enumerate() {
            for (rule, rates) in queues(26 + k as u64, erlang_a, targets) {
                let placed = placer.place(&rule).expect("a queue inside the grid");
                let mut table = Thresholds::placed(rule, Some(placed.clone()));
                let mut n = 1;
                for &lambda in &rates {
                    n = table.agents(lambda, n);
                    assert_eq!(n, direct(&rule, lambda), "rate {lambda} with {rule:?}");
                }
                read += usize::from(placed.threshold(n).is_some());
            }
        }
        // The grid answered (rather than the per-lane search).
        assert_eq!(read, 200);
    }

    #[test]
    fn grid_abandonment_is_within_1e6_of_exact() {
        let mut placer = Placer::default();
        let mut worst: f64 = 0.0;
        for (rule, rates) in queues(7, true, SHIPPED) {
            let Rule::A { service, abandonment, .. } = rule else { unreachable!("Erlang A queues") };
            let mut table = Thresholds::placed(rule, placer.place(&rule));
            let mut n = 1;
            for &lambda in &rates {
                n = table.agents(lambda, n);
                let exact = ErlangA { arrival: lambda, service, abandonment }.metrics(n as u32).abandon;
                worst = worst.max((table.curve(n).at(lambda) - exact).abs());
            }
        }
        assert!(worst < 1e-6, "largest error {worst:e}");
    }
}
