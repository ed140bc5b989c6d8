//! The Gaussian copula that correlates sampled-once inputs (spec section 5).
//!
//! A rank correlation rho becomes the normal-score correlation
//! 2 sin(pi rho / 6), the exact relation between Spearman's rho and the
//! Pearson correlation of a bivariate normal. Inputs linked by correlations
//! form groups (connected components); each group gets its own Cholesky
//! factor, so an impossible matrix can be blamed on the inputs that make it,
//! and uncorrelated inputs never pay for the copula.

use nalgebra::{Cholesky, DMatrix};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::normal::standard_cdf;

/// Smallest conditional standard deviation a Cholesky factor may have
/// before the matrix counts as singular.
const MIN_CONDITIONAL_SD: f64 = 1e-7;

/// How close to 0 or 1 a copula uniform may come.
pub const UNIFORM_EDGE: f64 = f64::EPSILON / 2.0;

/// Normal-score (Pearson) correlation for a Spearman rank correlation.
pub fn normal_score_correlation(spearman: f64) -> f64 {
    2.0 * (std::f64::consts::PI * spearman / 6.0).sin()
}

/// A set of inputs drawn jointly.
#[derive(Debug, Clone)]
pub struct Group {
    /// Indices of the member inputs, ascending.
    pub members: Vec<usize>,
    /// Lower Cholesky factor of the normal-score correlation, row-major.
    lower: Vec<f64>,
}

impl Group {
    /// Fill `scores` (one per member) with correlated standard normal
    /// scores; a member's value is then `Dist::from_score`.
    #[inline]
    pub fn draw_scores<R: Rng + ?Sized>(&self, rng: &mut R, normals: &mut Vec<f64>, scores: &mut Vec<f64>) {
        let k = self.members.len();
        normals.clear();
        normals.extend((0..k).map(|_| -> f64 { StandardNormal.sample(rng) }));
        scores.clear();
        for row in 0..k {
            scores.push(self.lower_row(row).iter().zip(normals.iter()).map(|(a, b)| a * b).sum());
        }
    }

    /// Row `row` of the lower Cholesky factor, up to the diagonal: a
    /// member's score is this row dotted with the group's normals, in order.
    pub fn lower_row(&self, row: usize) -> &[f64] {
        let k = self.members.len();
        &self.lower[row * k..row * k + row + 1]
    }

    /// Fill `uniforms` (one per member) with correlated uniforms in (0, 1).
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R, normals: &mut Vec<f64>, uniforms: &mut Vec<f64>) {
        self.draw_scores(rng, normals, uniforms);
        for u in uniforms.iter_mut() {
            // Keep strictly inside (0, 1), at most about 8.2 standard
            // deviations out: inverse CDFs of unbounded families stay finite,
            // and statrs' inverse incomplete beta, which squares u, never
            // underflows (a tail of probability 1e-16 is cut).
            *u = standard_cdf(*u).clamp(UNIFORM_EDGE, 1.0 - UNIFORM_EDGE);
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Copula {
    pub groups: Vec<Group>,
}

/// The inputs of a group whose correlation matrix is not positive definite.
#[derive(Debug, Clone, PartialEq)]
pub struct NotPositiveDefinite {
    pub members: Vec<usize>,
    /// Indices (into the `pairs` given to [`Copula::new`]) of the offending pairs.
    pub pairs: Vec<usize>,
}

impl Copula {
    /// Build the copula for `pairs` of (input, input, Spearman rho) over
    /// `n_inputs` inputs. Every group that is not positive definite is reported.
    pub fn new(n_inputs: usize, pairs: &[(usize, usize, f64)]) -> Result<Copula, Vec<NotPositiveDefinite>> {
        let mut parent: Vec<usize> = (0..n_inputs).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for &(a, b, _) in pairs {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
        let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); n_inputs];
        let mut in_pair = vec![false; n_inputs];
        for &(a, b, _) in pairs {
            in_pair[a] = true;
            in_pair[b] = true;
        }
        for i in (0..n_inputs).filter(|&i| in_pair[i]) {
            let r = root(&mut parent, i);
            members_of[r].push(i);
        }
        let mut groups = Vec::new();
        let mut failures = Vec::new();
        for members in members_of.into_iter().filter(|m| !m.is_empty()) {
            let k = members.len();
            let pos = |i: usize| members.iter().position(|&m| m == i);
            let mut matrix = DMatrix::<f64>::identity(k, k);
            let mut group_pairs = Vec::new();
            for (p, &(a, b, rho)) in pairs.iter().enumerate() {
                if let (Some(x), Some(y)) = (pos(a), pos(b)) {
                    let r = normal_score_correlation(rho);
                    matrix[(x, y)] = r;
                    matrix[(y, x)] = r;
                    group_pairs.push(p);
                }
            }
            // |rho| = 1 is singular in exact arithmetic, but 2 sin(pi / 6)
            // rounds just below 1: reject it outright, and any factor whose
            // conditional variances vanish to rounding.
            let perfect = pairs.iter().any(|&(a, b, rho)| pos(a).is_some() && pos(b).is_some() && rho.abs() >= 1.0);
            let factor = if perfect { None } else { Cholesky::new(matrix) };
            match factor.filter(|c| c.l().diagonal().iter().all(|d| *d > MIN_CONDITIONAL_SD)) {
                Some(chol) => {
                    let l = chol.l();
                    let mut lower = vec![0.0; k * k];
                    for r in 0..k {
                        for c in 0..=r {
                            lower[r * k + c] = l[(r, c)];
                        }
                    }
                    groups.push(Group { members, lower });
                }
                None => failures.push(NotPositiveDefinite { members, pairs: group_pairs }),
            }
        }
        if failures.is_empty() { Ok(Copula { groups }) } else { Err(failures) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_to_normal_score_fixes_the_ends() {
        assert!((normal_score_correlation(1.0) - 1.0).abs() < 1e-15);
        assert!((normal_score_correlation(-1.0) + 1.0).abs() < 1e-15);
        assert_eq!(normal_score_correlation(0.0), 0.0);
        assert!((normal_score_correlation(0.5) - 2.0 * (std::f64::consts::PI / 12.0).sin()).abs() < 1e-15);
    }

    #[test]
    fn groups_are_connected_components() {
        let c = Copula::new(6, &[(0, 3, 0.5), (3, 4, 0.2), (1, 5, -0.3)]).unwrap();
        let members: Vec<_> = c.groups.iter().map(|g| g.members.clone()).collect();
        assert_eq!(members, vec![vec![0, 3, 4], vec![1, 5]]);
    }

    #[test]
    fn impossible_matrices_name_their_inputs() {
        // a~b and b~c strongly positive but a~c strongly negative.
        let err = Copula::new(4, &[(0, 1, 0.9), (1, 2, 0.9), (0, 2, -0.9), (3, 0, 0.0)]).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].members, vec![0, 1, 2, 3]);
        assert!(Copula::new(2, &[(0, 1, 1.0)]).is_err(), "rho = 1 is singular");
        assert!(Copula::new(2, &[(0, 1, -1.0)]).is_err(), "rho = -1 is singular");
    }
}
