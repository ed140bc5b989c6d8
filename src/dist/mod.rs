//! Distributions of uncertain inputs (spec section 2).
//!
//! Every number in a model or scenario may be a distribution. [`Dist`] is the
//! closed set of families the spec allows; the hot loop dispatches on it with
//! a `match`, never through a trait object. Each family lives in its own file
//! with a checked constructor, a direct sampler (fast: ziggurat normals, gamma
//! betas) and an inverse CDF (for the Gaussian copula, see [`copula`]).

pub mod bernoulli;
pub mod beta;
pub mod copula;
pub mod discrete;
pub mod expr;
pub mod lognormal;
pub mod normal;
pub mod normal_tail;
pub mod score_table;
pub mod triangular;
pub mod uniform;

use rand::Rng;

pub use bernoulli::Bernoulli;
pub use beta::{Beta, Pert};
pub use discrete::Discrete;
pub use expr::parse;
pub use lognormal::LogNormal;
pub use normal::Normal;
pub use triangular::Triangular;
pub use uniform::Uniform;

/// A distribution parameter that breaks its family's rules.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ParamError(pub String);

/// One uncertain (or constant) input value.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Constant(f64),
    Normal(Normal),
    LogNormal(LogNormal),
    Uniform(Uniform),
    Triangular(Triangular),
    Pert(Pert),
    Beta(Beta),
    Bernoulli(Bernoulli),
    Discrete(Discrete),
}

/// Where a value may lie: shares and probabilities in [0, 1], volumes, costs
/// and prices at or above 0, rates anywhere (spec section 2 and 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    Share,
    NonNegative,
    Unbounded,
}

impl Domain {
    #[inline]
    pub fn clamp(self, x: f64) -> f64 {
        match self {
            Domain::Share => x.clamp(0.0, 1.0),
            Domain::NonNegative => x.max(0.0),
            Domain::Unbounded => x,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Domain::Share => "[0, 1]",
            Domain::NonNegative => "[0, infinity)",
            Domain::Unbounded => "(-infinity, infinity)",
        }
    }
}

impl Dist {
    /// True when every draw gives the same value.
    pub fn is_constant(&self) -> bool {
        self.constant_value().is_some()
    }

    /// The value of a distribution that cannot vary (a constant, a normal with
    /// sd 0, a Bernoulli with p 0 or 1, a discrete with one value).
    pub fn constant_value(&self) -> Option<f64> {
        match self {
            Dist::Constant(c) => Some(*c),
            Dist::Normal(d) if d.sd() == 0.0 => Some(d.mean()),
            Dist::LogNormal(d) if d.sigma() == 0.0 => Some(d.mu().exp()),
            Dist::Bernoulli(d) if d.p() == 0.0 || d.p() == 1.0 => Some(d.p()),
            Dist::Discrete(d) if d.values().len() == 1 => Some(d.values()[0]),
            _ => None,
        }
    }

    /// One draw, by the family's fastest exact method.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Constant(c) => *c,
            Dist::Normal(d) => d.sample(rng),
            Dist::LogNormal(d) => d.sample(rng),
            Dist::Uniform(d) => d.sample(rng),
            Dist::Triangular(d) => d.sample(rng),
            Dist::Pert(d) => d.sample(rng),
            Dist::Beta(d) => d.sample(rng),
            Dist::Bernoulli(d) => d.sample(rng),
            Dist::Discrete(d) => d.sample(rng),
        }
    }

    /// The inverse CDF at `u` in (0, 1): the value below which a share `u` of
    /// the mass lies. Discrete families return the smallest value whose CDF
    /// reaches `u`.
    pub fn quantile(&self, u: f64) -> f64 {
        match self {
            Dist::Constant(c) => *c,
            Dist::Normal(d) => d.quantile(u),
            Dist::LogNormal(d) => d.quantile(u),
            Dist::Uniform(d) => d.quantile(u),
            Dist::Triangular(d) => d.quantile(u),
            Dist::Pert(d) => d.quantile(u),
            Dist::Beta(d) => d.quantile(u),
            Dist::Bernoulli(d) => d.quantile(u),
            Dist::Discrete(d) => d.quantile(u),
        }
    }

    /// The value at normal score `z`: F^-1(Phi(z)). Exact shortcuts for the
    /// normal and lognormal, a table for PERT, a tabulated normal tail for
    /// the triangular ([`normal_tail`]); the Gaussian copula draws its
    /// correlated inputs through this.
    #[inline]
    pub fn from_score(&self, z: f64) -> f64 {
        match self {
            Dist::Constant(c) => *c,
            Dist::Normal(d) => d.mean() + d.sd() * z,
            Dist::LogNormal(d) => (d.mu() + d.sigma() * z).exp(),
            Dist::Pert(d) => d.from_score(z),
            Dist::Triangular(d) => d.from_score(z),
            other => other.quantile(normal::standard_cdf(z).clamp(copula::UNIFORM_EDGE, 1.0 - copula::UNIFORM_EDGE)),
        }
    }

    /// P(X <= x).
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            Dist::Constant(c) => f64::from(u8::from(*c <= x)),
            Dist::Normal(d) => d.cdf(x),
            Dist::LogNormal(d) => d.cdf(x),
            Dist::Uniform(d) => d.cdf(x),
            Dist::Triangular(d) => d.cdf(x),
            Dist::Pert(d) => d.cdf(x),
            Dist::Beta(d) => d.cdf(x),
            Dist::Bernoulli(d) => d.cdf(x),
            Dist::Discrete(d) => d.cdf(x),
        }
    }

    /// P(X < x), which differs from the CDF only for the discrete families.
    pub(crate) fn cdf_below(&self, x: f64) -> f64 {
        match self {
            Dist::Constant(c) => f64::from(u8::from(*c < x)),
            Dist::Bernoulli(d) => d.cdf_below(x),
            Dist::Discrete(d) => d.cdf_below(x),
            other => other.cdf(x),
        }
    }

    /// The probability mass outside `domain`, which sampling clamps onto its
    /// edge. The spec asks for a warning above 1 %.
    pub fn mass_outside(&self, domain: Domain) -> f64 {
        match domain {
            Domain::Unbounded => 0.0,
            Domain::NonNegative => self.cdf_below(0.0),
            Domain::Share => self.cdf_below(0.0) + (1.0 - self.cdf(1.0)),
        }
    }
}

/// A uniform draw in the open interval (0, 1) from 52 random bits, at the
/// midpoints k + 1/2 of 2^52 cells: never 0 or 1, so inverse CDFs of
/// unbounded families stay finite. (With 53 bits the top midpoint would
/// round up to exactly 1.)
#[inline]
pub fn open_unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
}

/// Reject NaN and infinities in a family's parameters.
fn finite(name: &str, values: &[(&str, f64)]) -> Result<(), ParamError> {
    for (label, v) in values {
        if !v.is_finite() {
            return Err(ParamError(format!("{name}: {label} must be a finite number, got {v}")));
        }
    }
    Ok(())
}

impl std::fmt::Display for Dist {
    /// The canonical expression, as a user would write it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dist::Constant(c) => write!(f, "{c}"),
            Dist::Normal(d) => write!(f, "normal({}, {})", d.mean(), d.sd()),
            Dist::LogNormal(d) => write!(f, "lognormal({}, {})", d.mu(), d.sigma()),
            Dist::Uniform(d) => write!(f, "uniform({}, {})", d.quantile(0.0), d.quantile(1.0)),
            Dist::Triangular(d) => {
                let (min, mode, max) = d.params();
                write!(f, "triangular({min}, {mode}, {max})")
            }
            Dist::Pert(d) => {
                let (min, mode, max) = d.params();
                write!(f, "pert({min}, {mode}, {max})")
            }
            Dist::Beta(d) => write!(f, "beta({}, {})", d.shape().0, d.shape().1),
            Dist::Bernoulli(d) => write!(f, "bernoulli({})", d.p()),
            Dist::Discrete(d) => {
                write!(f, "discrete(")?;
                for (k, (v, p)) in d.pairs().enumerate() {
                    if k > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}: {p}")?;
                }
                write!(f, ")")
            }
        }
    }
}
