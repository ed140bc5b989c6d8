//! `costcast optimize`: which initiatives to fund (spec section 8).
//!
//! The file's initiatives are the candidates; a portfolio is a subset,
//! applied in file order, and always holds the `required` ones and never
//! the `excluded` ones. Portfolios are compared on common random draws
//! ([`evaluate`]). Up to [`EXHAUSTIVE_MAX`] free candidates every
//! portfolio is evaluated; beyond that a greedy search refined by local
//! moves (add, drop, swap one) finds a good one and says it is heuristic.
//! When evaluating every portfolio at the full iteration count would cost
//! more than [`FULL_BUDGET`] portfolio-iterations, all are first screened on
//! fewer iterations (the first iterations of the same draws) and the
//! finalists re-run at the full count; the choice is made among those.

pub mod evaluate;

use std::collections::BTreeMap;

pub use evaluate::PortfolioStats;

use crate::error::{Diagnostic, InputError, SimulateError};
use crate::model::{Case, Objective, OptimizeSpec};

/// Free candidates up to which the search is exhaustive.
pub const EXHAUSTIVE_MAX: usize = 12;
/// Portfolio-iterations evaluated at the full count before screening kicks in.
pub const FULL_BUDGET: usize = 2_000_000;
/// Fewest iterations a screening run uses.
pub const SCREEN_MIN: usize = 1_000;
/// Portfolios re-run at the full count after screening: the best feasible
/// ones and the best infeasible ones (the runner-up may be one), each up to
/// this many, and the screened frontier (up to [`FRONTIER_FINALISTS`]).
const FINALISTS: usize = 16;
/// Screened frontier portfolios re-run at the full count, at most (spread
/// evenly over investment beyond that).
const FRONTIER_FINALISTS: usize = 256;

/// How the portfolios were searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    Exhaustive,
    /// Greedy additions, then single adds, drops and swaps until none helps.
    Heuristic,
}

/// One evaluated portfolio, as `frontier.csv` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub stats: PortfolioStats,
    /// Meets the capex budget and the P(NPV > 0) floor.
    pub feasible: bool,
    /// No other portfolio has a mean investment as low and an objective as
    /// high, one of them strictly.
    pub on_frontier: bool,
}

/// The search's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub objective: Objective,
    pub search: Search,
    /// Iterations of the screening run, when there was one.
    pub screened_with: Option<usize>,
    /// Every portfolio evaluated, best objective first.
    pub candidates: Vec<Candidate>,
    /// Index into `candidates` of the recommended portfolio.
    pub chosen: usize,
    /// The best other portfolio by the objective and why it was not chosen
    /// (a constraint it breaks, or the objective it gives up).
    pub runner_up: Option<(usize, String)>,
    /// When the runner-up breaks a constraint: the best feasible other
    /// portfolio and how much objective it gives up.
    pub best_feasible_alternative: Option<(usize, String)>,
    pub capex_budget: Option<f64>,
    pub min_prob_positive: Option<f64>,
}

impl Recommendation {
    pub fn chosen(&self) -> &Candidate {
        &self.candidates[self.chosen]
    }

    pub fn runner_up(&self) -> Option<(&Candidate, &str)> {
        self.runner_up.as_ref().map(|(i, why)| (&self.candidates[*i], why.as_str()))
    }

    pub fn best_feasible_alternative(&self) -> Option<(&Candidate, &str)> {
        self.best_feasible_alternative.as_ref().map(|(i, why)| (&self.candidates[*i], why.as_str()))
    }
}

/// A portfolio's initiative ids, in file order, joined with `sep`.
pub fn names(case: &Case, members: &[usize], sep: &str) -> String {
    members.iter().map(|&k| case.initiatives[k].id.as_str()).collect::<Vec<_>>().join(sep)
}

/// A portfolio as people read it: its ids joined with " + ", or "nothing".
pub fn label(case: &Case, members: &[usize]) -> String {
    if members.is_empty() { "nothing (the baseline)".into() } else { names(case, members, " + ") }
}

/// Why a search could not recommend anything.
#[derive(Debug)]
pub enum OptimizeError {
    /// The constraints rule out every portfolio: an input problem.
    Input(InputError),
    /// The simulation could not run (memory and the like).
    Simulate(SimulateError),
}

impl Objective {
    pub fn of(self, s: &PortfolioStats) -> f64 {
        match self {
            Objective::NpvMean => s.npv_mean,
            Objective::NpvP10 => s.npv_p10,
            Objective::NpvP50 => s.npv_p50,
        }
    }
}

/// Search the portfolios of `case` under `spec`; must run inside the rayon
/// pool that sets the thread count (the answer does not depend on it).
pub fn optimize(
    case: &Case,
    spec: &OptimizeSpec,
    iterations: usize,
    seed: u64,
) -> Result<Recommendation, OptimizeError> {
    let free: Vec<usize> =
        (0..case.initiatives.len()).filter(|k| !spec.required.contains(k) && !spec.excluded.contains(k)).collect();
    let mut book = Book { case, spec, seed, evaluated: BTreeMap::new() };
    let (search, screened_with) = if free.len() <= EXHAUSTIVE_MAX {
        let all: Vec<Vec<usize>> = (0..1u32 << free.len())
            .map(|mask| {
                portfolio(&spec.required, free.iter().enumerate().filter(|(b, _)| mask >> b & 1 == 1).map(|(_, &k)| k))
            })
            .collect();
        if all.len() * iterations <= FULL_BUDGET {
            book.evaluate(&all, iterations)?;
            (Search::Exhaustive, None)
        } else {
            let screen = screen_iterations(all.len(), iterations);
            book.evaluate(&all, screen)?;
            (Search::Exhaustive, Some(screen))
        }
    } else {
        let screen = screen_iterations(free.len() * free.len(), iterations);
        book.heuristic(&free, screen)?;
        (Search::Heuristic, Some(screen))
    };
    if screened_with.is_some() {
        let finalists = book.finalists();
        book.evaluate(&finalists, iterations)?;
    }
    book.recommend(search, screened_with, iterations)
}

/// Iterations for screening `portfolios` portfolios within the budget.
fn screen_iterations(portfolios: usize, iterations: usize) -> usize {
    (FULL_BUDGET / portfolios.max(1)).max(SCREEN_MIN).min(iterations)
}

/// `required` and `extra` as one portfolio in file order.
fn portfolio(required: &[usize], extra: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut p: Vec<usize> = required.iter().copied().chain(extra).collect();
    p.sort_unstable();
    p.dedup();
    p
}

/// The portfolios evaluated so far, each at the most iterations it had.
struct Book<'a> {
    case: &'a Case,
    spec: &'a OptimizeSpec,
    seed: u64,
    evaluated: BTreeMap<Vec<usize>, PortfolioStats>,
}

impl Book<'_> {
    fn evaluate(&mut self, portfolios: &[Vec<usize>], iterations: usize) -> Result<(), OptimizeError> {
        let todo: Vec<Vec<usize>> = portfolios
            .iter()
            .filter(|p| self.evaluated.get(*p).is_none_or(|s| s.iterations < iterations))
            .cloned()
            .collect();
        // Funding nothing: the baseline itself, NPV 0 in every iteration.
        let (empty, todo): (Vec<Vec<usize>>, Vec<Vec<usize>>) = todo.into_iter().partition(|p| p.is_empty());
        if !empty.is_empty() {
            self.evaluated.insert(Vec::new(), PortfolioStats::nothing(iterations));
        }
        for stats in evaluate::evaluate(self.case, &todo, iterations, self.seed).map_err(OptimizeError::Simulate)? {
            self.evaluated.insert(stats.members.clone(), stats);
        }
        Ok(())
    }

    fn feasible(&self, s: &PortfolioStats) -> bool {
        self.spec.capex_budget.is_none_or(|b| s.capex_mean <= b)
            && self.spec.min_prob_positive.is_none_or(|p| s.prob_npv_positive >= p)
    }

    /// Objective, or -infinity when infeasible: what the heuristic climbs.
    fn score(&self, p: &[usize]) -> f64 {
        let s = &self.evaluated[p];
        if self.feasible(s) { self.spec.objective.of(s) } else { f64::NEG_INFINITY }
    }

    /// Greedy additions from the required set, then local moves.
    fn heuristic(&mut self, free: &[usize], screen: usize) -> Result<(), OptimizeError> {
        let mut current: Vec<usize> = self.spec.required.clone();
        self.evaluate(std::slice::from_ref(&current), screen)?;
        // Greedy: add the candidate that raises the objective most.
        loop {
            let moves: Vec<Vec<usize>> = free
                .iter()
                .filter(|k| !current.contains(k))
                .map(|&k| portfolio(&current, std::iter::once(k)))
                .collect();
            if moves.is_empty() {
                break;
            }
            self.evaluate(&moves, screen)?;
            // The first step is always taken: alone an initiative may lose
            // on the objective (a risky one's P10) where two or more win.
            // Funding the required set alone stays a candidate anyway.
            let here = if current == self.spec.required { f64::NEG_INFINITY } else { self.score(&current) };
            match self.best_of(&moves) {
                Some((best, score)) if score > here => current = best,
                _ => break,
            }
        }
        // Local search: add, drop or swap one candidate while it helps.
        for _ in 0..4 * free.len() {
            let mut moves = Vec::new();
            for &k in free {
                if current.contains(&k) {
                    let dropped: Vec<usize> = current.iter().copied().filter(|&j| j != k).collect();
                    moves.push(dropped.clone());
                    for &add in free.iter().filter(|a| !current.contains(a)) {
                        moves.push(portfolio(&dropped, std::iter::once(add)));
                    }
                } else {
                    moves.push(portfolio(&current, std::iter::once(k)));
                }
            }
            self.evaluate(&moves, screen)?;
            let here = self.score(&current);
            match self.best_of(&moves) {
                Some((best, score)) if score > here => current = best,
                _ => break,
            }
        }
        Ok(())
    }

    /// The best-scoring of `moves` (first in the list on ties).
    fn best_of(&self, moves: &[Vec<usize>]) -> Option<(Vec<usize>, f64)> {
        let mut best: Option<(Vec<usize>, f64)> = None;
        for p in moves {
            let score = self.score(p);
            if best.as_ref().is_none_or(|(_, b)| score > *b) {
                best = Some((p.clone(), score));
            }
        }
        best
    }

    /// The screened portfolios worth re-running at the full count.
    fn finalists(&self) -> Vec<Vec<usize>> {
        let ranked = self.ranked();
        let objective = self.spec.objective;
        let mut out: Vec<Vec<usize>> = Vec::new();
        let mut take = |p: &&PortfolioStats| {
            if !out.contains(&p.members) {
                out.push(p.members.clone());
            }
        };
        ranked.iter().filter(|s| self.feasible(s)).take(FINALISTS).for_each(&mut take);
        ranked.iter().filter(|s| !self.feasible(s)).take(FINALISTS).for_each(&mut take);
        // The screened frontier, so the frontier at full count spans every
        // budget: all of it, or an even spread over investment past
        // FRONTIER_FINALISTS points.
        let mut frontier: Vec<&PortfolioStats> =
            ranked.iter().copied().filter(|s| !dominated(s, &ranked, objective)).collect();
        frontier.sort_by(|a, b| a.investment_mean.total_cmp(&b.investment_mean).then(a.members.cmp(&b.members)));
        let step = frontier.len().div_ceil(FRONTIER_FINALISTS).max(1);
        frontier.iter().step_by(step).chain(frontier.last()).for_each(&mut take);
        out
    }

    /// Every evaluated portfolio, best objective first; ties go to the
    /// lower mean investment, then the fewer initiatives, then file order.
    fn ranked(&self) -> Vec<&PortfolioStats> {
        let objective = self.spec.objective;
        let mut all: Vec<&PortfolioStats> = self.evaluated.values().collect();
        all.sort_by(|a, b| {
            objective
                .of(b)
                .total_cmp(&objective.of(a))
                .then(a.investment_mean.total_cmp(&b.investment_mean))
                .then(a.members.len().cmp(&b.members.len()))
                .then(a.members.cmp(&b.members))
        });
        all
    }

    fn recommend(
        &self,
        search: Search,
        screened_with: Option<usize>,
        iterations: usize,
    ) -> Result<Recommendation, OptimizeError> {
        let objective = self.spec.objective;
        let ranked = self.ranked();
        let full: Vec<&PortfolioStats> = ranked.iter().copied().filter(|s| s.iterations == iterations).collect();
        let Some(best) = full.iter().find(|s| self.feasible(s)) else {
            return Err(OptimizeError::Input(self.nothing_feasible(&ranked)));
        };
        // A budget that only "fund nothing" meets is a budget no portfolio
        // meets: say so rather than recommend nothing.
        let funds_something = |s: &&&PortfolioStats| !s.members.is_empty();
        if best.members.is_empty()
            && let Some(b) = self.spec.capex_budget
            && !ranked.iter().filter(funds_something).any(|s| s.capex_mean <= b)
        {
            return Err(OptimizeError::Input(self.nothing_feasible(&ranked)));
        }
        // The frontier compares like with like: portfolios run at the full
        // count (screened-only rows are estimates of another precision).
        let candidates: Vec<Candidate> = ranked
            .iter()
            .map(|s| Candidate {
                stats: (*s).clone(),
                feasible: self.feasible(s),
                on_frontier: s.iterations == iterations && !dominated(s, &full, objective),
            })
            .collect();
        let chosen = candidates.iter().position(|c| c.stats.members == best.members).unwrap_or(0);
        // The runner-up: the best other portfolio run at the full count.
        let index_of = |s: &PortfolioStats| candidates.iter().position(|c| c.stats.members == s.members).unwrap_or(0);
        let runner = full.iter().find(|s| s.members != best.members);
        let runner_up = runner.map(|s| (index_of(s), self.why_not(s, best)));
        let best_feasible_alternative = match runner {
            Some(r) if !self.feasible(r) => full
                .iter()
                .find(|s| s.members != best.members && self.feasible(s))
                .map(|s| (index_of(s), self.why_not(s, best))),
            _ => None,
        };
        Ok(Recommendation {
            objective,
            search,
            screened_with,
            candidates,
            chosen,
            runner_up,
            best_feasible_alternative,
            capex_budget: self.spec.capex_budget,
            min_prob_positive: self.spec.min_prob_positive,
        })
    }

    /// Why `other` lost to `best`: the constraint it breaks, or how much
    /// objective it gives up.
    fn why_not(&self, other: &PortfolioStats, best: &PortfolioStats) -> String {
        let objective = self.spec.objective;
        let mut broken = Vec::new();
        if let Some(b) = self.spec.capex_budget.filter(|&b| other.capex_mean > b) {
            broken.push(format!("its mean capex {} exceeds the capex budget {}", amount(other.capex_mean), amount(b)));
        }
        if let Some(p) = self.spec.min_prob_positive.filter(|&p| other.prob_npv_positive < p) {
            broken.push(format!(
                "its P(NPV > 0) of {:.1}% is below the required {:.1}%",
                other.prob_npv_positive * 100.0,
                p * 100.0
            ));
        }
        if !broken.is_empty() {
            let gain = objective.of(other) - objective.of(best);
            let edge = if gain > 0.0 {
                format!(" although its {} is {} higher", objective.label(), amount(gain))
            } else {
                String::new()
            };
            return format!("ruled out: {}{edge}", broken.join(" and "));
        }
        let gap = objective.of(best) - objective.of(other);
        if gap > 0.0 {
            format!("{} lower by {}", objective.label(), amount(gap))
        } else if other.investment_mean > best.investment_mean {
            format!(
                "same {} but a higher mean investment ({} against {})",
                objective.label(),
                amount(other.investment_mean),
                amount(best.investment_mean)
            )
        } else {
            format!("same {} and mean investment, but more initiatives", objective.label())
        }
    }

    /// The error when no portfolio meets the constraints: the budget, with
    /// the cheapest portfolio's capex, or the probability floor, with the
    /// best probability reached.
    fn nothing_feasible(&self, ranked: &[&PortfolioStats]) -> InputError {
        let cheapest = ranked
            .iter()
            .filter(|s| !s.members.is_empty())
            .min_by(|a, b| a.capex_mean.total_cmp(&b.capex_mean).then(a.members.cmp(&b.members)));
        let names = |s: &PortfolioStats| names(self.case, &s.members, ", ");
        let mut d: Diagnostic = self.spec.budget_at.clone();
        match (self.spec.capex_budget, cheapest) {
            (Some(budget), Some(c)) if c.capex_mean > budget => {
                d.message = format!(
                    "no portfolio meets the capex budget {}: the cheapest ({}) has mean capex {}",
                    amount(budget),
                    names(c),
                    amount(c.capex_mean)
                );
            }
            _ => {
                let best = ranked
                    .iter()
                    .filter(|s| self.spec.capex_budget.is_none_or(|b| s.capex_mean <= b))
                    .max_by(|a, b| a.prob_npv_positive.total_cmp(&b.prob_npv_positive));
                d.field = "optimize.min_prob_positive".into();
                d.message = match best {
                    Some(s) => format!(
                        "no portfolio within the budget reaches P(NPV > 0) >= {:.1}%: the best ({}) reaches {:.1}%",
                        self.spec.min_prob_positive.unwrap_or(0.0) * 100.0,
                        names(s),
                        s.prob_npv_positive * 100.0
                    ),
                    None => "no portfolio meets the constraints".into(),
                };
            }
        }
        InputError { diagnostics: vec![d] }
    }
}

/// Whether another portfolio has a mean investment as low and an objective
/// as high as `s`, one of them strictly.
fn dominated(s: &PortfolioStats, all: &[&PortfolioStats], objective: Objective) -> bool {
    let (inv, obj) = (s.investment_mean, objective.of(s));
    all.iter().any(|o| {
        let (oi, oo) = (o.investment_mean, objective.of(o));
        oi <= inv && oo >= obj && (oi < inv || oo > obj)
    })
}

/// An amount in messages: grouped thousands, no decimals.
fn amount(x: f64) -> String {
    crate::report::format::thousands(x)
}
