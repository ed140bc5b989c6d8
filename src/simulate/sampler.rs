//! Drawing one iteration's sampled-once inputs.

use rand::Rng;

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
        let direct = (0..defs.len()).filter(|&i| defs[i].is_uncertain() && !in_group[i]).map(draw_of).collect();
        let groups =
            case.copula.groups.iter().map(|g| (g.clone(), g.members.iter().map(|&m| draw_of(m)).collect())).collect();
        Sampler { template, direct, groups }
    }

    /// Fill `values` with this iteration's inputs.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R, values: &mut Vec<f64>, normals: &mut Vec<f64>, uniforms: &mut Vec<f64>) {
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
    }
}
