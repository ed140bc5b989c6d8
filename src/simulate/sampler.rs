//! Drawing one iteration's sampled-once inputs.

// Lanes are indexed explicitly: that is the shape the compiler vectorises.
#![allow(clippy::needless_range_loop)]

use rand::Rng;

use super::block::{LANES, Lanes};
use super::fitted::{FittedDraw, FittedLanes, fitted_draws};
use super::normals::LaneStreams;
use crate::dist::copula::Group;
use crate::dist::normal::standard_cdf;
use crate::dist::{Dist, Domain, open_unit};
use crate::model::{Case, InputKind};

/// How one uncertain input is drawn.
#[derive(Debug, Clone)]
enum Draw {
    /// Directly from its distribution, clamped to its domain.
    Value { slot: usize, dist: Dist, domain: Domain },
    /// A success: p drawn (or fixed), then u ~ Bernoulli(p).
    Success { slot: usize, p: Dist },
}

#[derive(Debug, Clone)]
pub struct Sampler {
    /// Every input's value when it is not uncertain (NaN placeholders otherwise).
    template: Vec<f64>,
    direct: Vec<Draw>,
    groups: Vec<(Group, Vec<Draw>)>,
    /// Fitted channels: their parameters, drawn after the inputs, set
    /// their sensitivity inputs.
    fitted: Vec<FittedDraw>,
}

impl Sampler {
    pub fn new(case: &Case) -> Sampler {
        let defs = &case.inputs.defs;
        let template: Vec<f64> =
            defs.iter().map(|d| if d.is_uncertain() { f64::NAN } else { d.fixed_value() }).collect();
        let draw_of = |slot: usize| {
            let d = &defs[slot];
            match d.kind {
                InputKind::Value => Draw::Value { slot, dist: d.dist.clone(), domain: d.domain },
                InputKind::Success => Draw::Success { slot, p: d.dist.clone() },
            }
        };
        let in_group: Vec<bool> = {
            let mut v = vec![false; defs.len()];
            for g in &case.copula.groups {
                for &m in &g.members {
                    v[m] = true;
                }
            }
            v
        };
        let fitted = fitted_draws(case);
        let set_by_fit: Vec<usize> = fitted.iter().flat_map(|f| [f.fitted.volume, f.fitted.growth]).collect();
        let direct: Vec<Draw> = (0..defs.len())
            .filter(|&i| defs[i].is_uncertain() && !in_group[i] && !set_by_fit.contains(&i))
            .map(draw_of)
            .collect();
        let groups: Vec<(Group, Vec<Draw>)> =
            case.copula.groups.iter().map(|g| (g.clone(), g.members.iter().map(|&m| draw_of(m)).collect())).collect();
        // PERT tables are built on first use; build them all now, side by
        // side, rather than one at a time in the first draws.
        let perts = direct.iter().chain(groups.iter().flat_map(|(_, d)| d)).filter_map(|d| match d {
            Draw::Value { dist: Dist::Pert(p), .. } | Draw::Success { p: Dist::Pert(p), .. } => Some(p),
            _ => None,
        });
        crate::dist::beta::prepare_tables(perts);
        Sampler { template, direct, groups, fitted }
    }

    /// The fitted channels, in channel order.
    pub fn fitted(&self) -> &[FittedDraw] {
        &self.fitted
    }

    /// Fill `values` (one [`Lanes`] per input) with the inputs of a block's
    /// iterations, each lane drawing from its own generator in `streams`
    /// exactly what [`Sampler::draw`] draws from it, in the same order; the
    /// families on all lanes at once; then the fitted channels' parameters
    /// into `fitted` (one per fitted channel). Always inlined: the block's
    /// AVX-512 and AVX2 builds then compile it for their vectors too.
    #[inline(always)]
    pub fn draw_lanes(
        &self,
        streams: &mut LaneStreams,
        values: &mut [Lanes],
        normals: &mut Vec<Lanes>,
        scores: &mut Vec<Lanes>,
        fitted: &mut [FittedLanes],
    ) {
        for (slot, &x) in values.iter_mut().zip(&self.template) {
            *slot = [x; LANES];
        }
        for d in &self.direct {
            match d {
                Draw::Value { slot, dist, domain } => values[*slot] = streams.sample(dist).map(|x| domain.clamp(x)),
                Draw::Success { slot, p } => {
                    let p = streams.sample(p);
                    let u = streams.open_units();
                    values[*slot] = std::array::from_fn(|l| f64::from(u8::from(u[l] > 1.0 - p[l].clamp(0.0, 1.0))));
                }
            }
        }
        for (group, draws) in &self.groups {
            // Group::draw_scores on every lane: the same normals in the same
            // order, and the same sums.
            let k = group.members.len();
            normals.clear();
            normals.extend((0..k).map(|_| streams.standard_normals()));
            scores.clear();
            for row in 0..k {
                let l = group.lower_row(row);
                scores.push(std::array::from_fn(|lane| l.iter().zip(normals.iter()).map(|(a, b)| a * b[lane]).sum()));
            }
            for (d, z) in draws.iter().zip(scores.iter()) {
                match d {
                    Draw::Value { slot, dist, domain } => {
                        // The family picked once for all lanes: a match per
                        // lane would keep the loop scalar.
                        let mut x = [0.0; LANES];
                        match dist {
                            Dist::Triangular(d) => {
                                for l in 0..LANES {
                                    x[l] = d.from_score(z[l]);
                                }
                            }
                            Dist::Pert(d) => {
                                let table = d.table();
                                for l in 0..LANES {
                                    x[l] = table.at(z[l]);
                                }
                            }
                            _ => {
                                for l in 0..LANES {
                                    x[l] = dist.from_score(z[l]);
                                }
                            }
                        }
                        values[*slot] = x.map(|x| domain.clamp(x));
                    }
                    Draw::Success { slot, p } => {
                        let p = streams.sample(p);
                        values[*slot] = std::array::from_fn(|l| {
                            f64::from(u8::from(standard_cdf(z[l]) > 1.0 - p[l].clamp(0.0, 1.0)))
                        });
                    }
                }
            }
        }
        for (f, out) in self.fitted.iter().zip(fitted.iter_mut()) {
            f.draw_lanes(streams, values, out);
        }
    }

    /// Fill `values` with this iteration's inputs.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        values: &mut Vec<f64>,
        normals: &mut Vec<f64>,
        uniforms: &mut Vec<f64>,
    ) {
        values.clear();
        values.extend_from_slice(&self.template);
        for d in &self.direct {
            match d {
                Draw::Value { slot, dist, domain } => values[*slot] = domain.clamp(dist.sample(rng)),
                Draw::Success { slot, p } => {
                    let p = p.sample(rng).clamp(0.0, 1.0);
                    values[*slot] = f64::from(u8::from(open_unit(rng) > 1.0 - p));
                }
            }
        }
        for (group, draws) in &self.groups {
            group.draw_scores(rng, normals, uniforms);
            for (d, &z) in draws.iter().zip(uniforms.iter()) {
                match d {
                    Draw::Value { slot, dist, domain } => values[*slot] = domain.clamp(dist.from_score(z)),
                    Draw::Success { slot, p } => {
                        let p = p.sample(rng).clamp(0.0, 1.0);
                        values[*slot] = f64::from(u8::from(standard_cdf(z) > 1.0 - p));
                    }
                }
            }
        }
        for f in &self.fitted {
            f.draw(rng, values);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::stream::iteration_rng;

    /// Every example's inputs drawn on all lanes at once are, bit for bit,
    /// those drawn lane by lane: direct draws, successes and copula groups.
    #[test]
    fn lanes_draw_what_each_iteration_draws() {
        for file in
            ["acme-ai-roadmap", "acme-staffed-roadmap", "contoso-digital-care", "acme-portfolio", "northwind-assistant"]
        {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{file}.toml"));
            let case = crate::validate::load_case(&path).expect("the example loads").value;
            let sampler = Sampler::new(&case);
            let uncorrelated = ["contoso-digital-care", "northwind-assistant"];
            assert!(!sampler.groups.is_empty() || uncorrelated.contains(&file), "{file} has correlated inputs");
            assert_eq!(sampler.fitted().is_empty(), file != "northwind-assistant", "{file}: fitted channels");
            let mut streams = LaneStreams::default();
            let mut lanes = vec![[0.0; LANES]; case.inputs.defs.len()];
            let (mut normals, mut scores) = (Vec::new(), Vec::new());
            let mut fitted = vec![FittedLanes::default(); sampler.fitted().len()];
            let (mut values, mut one_normals, mut one_uniforms) = (Vec::new(), Vec::new(), Vec::new());
            for first in (0..4_000).step_by(LANES) {
                for l in 0..LANES {
                    streams.set(l, &iteration_rng(5, first + l as u64));
                }
                sampler.draw_lanes(&mut streams, &mut lanes, &mut normals, &mut scores, &mut fitted);
                for l in 0..LANES {
                    let mut rng = iteration_rng(5, first + l as u64);
                    sampler.draw(&mut rng, &mut values, &mut one_normals, &mut one_uniforms);
                    for (i, &x) in values.iter().enumerate() {
                        assert_eq!(
                            lanes[i][l].to_bits(),
                            x.to_bits(),
                            "{file}: input {i}, iteration {}",
                            first + l as u64
                        );
                    }
                    assert_eq!(streams.get(l), rng, "{file}: the generator after the inputs");
                }
            }
        }
    }
}
