//! A fitted channel's draws (spec section 12): once an iteration its
//! parameters from the fit's sampling distribution, then its months from
//! the AR(1) process continued from the last month known.
//!
//! The stream order, after the sampled-once inputs: each fitted channel's
//! [`DRAWS`] parameter scores (channel order); then, after the noise of the
//! channels with noise, each fitted channel's innovations: the months
//! between its history and the horizon (discarded), then the horizon months
//! after its actuals. A model without fitted channels draws exactly what it
//! drew before.

// Lanes are indexed explicitly: that is the shape the compiler vectorises.
#![allow(clippy::needless_range_loop)]

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::block::{LANES, Lanes};
use super::normals::LaneStreams;
use crate::fastmath::exp;
use crate::fit::draw::trend_time;
use crate::fit::estimate::{COEFFICIENTS, MAX_PHI};
use crate::fit::{DRAWS, Params};
use crate::model::{Baseline, Case, Fitted};

/// One fitted channel as the sampler sees it.
#[derive(Debug, Clone)]
pub struct FittedDraw {
    /// Its index among the model's channels.
    pub channel: usize,
    pub fitted: Fitted,
}

/// One block's parameters of a fitted channel, one value a lane, and the
/// AR(1) error where the months have reached.
#[derive(Debug, Clone, Copy)]
pub struct FittedLanes {
    pub level: Lanes,
    pub trend: Lanes,
    pub season: [Lanes; 12],
    pub phi: Lanes,
    pub sigma: Lanes,
    /// Added to the trend after the last month fitted.
    pub drift: Lanes,
    pub u: Lanes,
    /// The last month fitted (t), where the damping starts.
    pub last: usize,
}

impl Default for FittedLanes {
    fn default() -> Self {
        let z = [0.0; LANES];
        FittedLanes { level: z, trend: z, season: [z; 12], phi: z, sigma: z, drift: z, u: z, last: 0 }
    }
}

/// The fitted channels of a case, in channel order.
pub fn fitted_draws(case: &Case) -> Vec<FittedDraw> {
    case.model
        .channels
        .iter()
        .enumerate()
        .filter_map(|(channel, ch)| match &ch.baseline {
            Baseline::Fitted(f) => Some(FittedDraw { channel, fitted: (**f).clone() }),
            _ => None,
        })
        .collect()
}

impl FittedDraw {
    /// What sensitivity reads: the drawn trend level at the horizon start
    /// and the monthly growth the forecast starts from (trend + drift).
    #[inline]
    fn inputs(&self, p: &Params) -> (f64, f64) {
        (exp(p.trend_log(self.fitted.start_t)), exp(p.trend + p.drift) - 1.0)
    }

    /// One iteration's parameters from its generator; sets the
    /// sensitivity inputs in `values`.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R, values: &mut [f64]) {
        let z: [f64; DRAWS] = std::array::from_fn(|_| StandardNormal.sample(rng));
        let p = self.fitted.fit.params(&z);
        (values[self.fitted.volume], values[self.fitted.growth]) = self.inputs(&p);
    }

    /// [`FittedDraw::draw`] on every lane at once, keeping the parameters
    /// and the last known month's error in `out`: the same operations in
    /// the same order as [`crate::fit::Fit::params`], lane by lane, so the
    /// compiler vectorises them.
    #[inline(always)]
    pub fn draw_lanes(&self, streams: &mut LaneStreams, values: &mut [Lanes], out: &mut FittedLanes) {
        let fit = &self.fitted.fit;
        let z: [Lanes; DRAWS] = std::array::from_fn(|_| streams.standard_normals());
        let mut c = [[0.0; LANES]; COEFFICIENTS];
        for (i, c) in c.iter_mut().enumerate() {
            *c = [fit.coefficients[i]; LANES];
        }
        for j in 0..COEFFICIENTS {
            for i in j..COEFFICIENTS {
                let f = fit.factor[i][j];
                for l in 0..LANES {
                    c[i][l] += f * z[j][l];
                }
            }
        }
        out.level = c[0];
        out.trend = c[1];
        let mut december = [0.0; LANES];
        out.season[..11].copy_from_slice(&c[2..COEFFICIENTS]);
        // season_of: minus the sum of January to November, in that order.
        let mut sum = [0.0; LANES];
        for k in 0..11 {
            for l in 0..LANES {
                sum[l] += c[2 + k][l];
            }
        }
        for l in 0..LANES {
            december[l] = -sum[l];
            out.phi[l] = (fit.phi + fit.phi_se * z[COEFFICIENTS][l]).clamp(-MAX_PHI, MAX_PHI);
            out.sigma[l] = fit.sigma * exp(fit.log_sigma_se * z[COEFFICIENTS + 1][l]);
            out.drift[l] = fit.drift_sd * z[COEFFICIENTS + 2][l];
        }
        out.season[11] = december;
        out.last = fit.months - 1;
        let (a0, d0) = trend_time(self.fitted.start_t, out.last);
        let (t, log_volume) = self.fitted.last_known();
        let calendar = fit.calendar(t);
        let (a, d) = trend_time(t, out.last);
        for l in 0..LANES {
            values[self.fitted.volume][l] = exp(out.level[l] + out.trend[l] * a0 + (out.trend[l] + out.drift[l]) * d0);
            values[self.fitted.growth][l] = exp(out.trend[l] + out.drift[l]) - 1.0;
            out.u[l] = log_volume
                - (out.level[l] + out.trend[l] * a + (out.trend[l] + out.drift[l]) * d + out.season[calendar][l]);
        }
    }
}

impl FittedLanes {
    /// One month of the process: the error moves on by an innovation.
    #[inline(always)]
    pub fn step(&mut self, z: &Lanes) {
        for l in 0..LANES {
            self.u[l] = self.phi[l] * self.u[l] + self.sigma[l] * z[l];
        }
    }

    /// The volume of month t (calendar month `calendar`) once the error
    /// has moved on to it.
    #[inline(always)]
    pub fn volume(&self, t: usize, calendar: usize) -> Lanes {
        let mut v = [0.0; LANES];
        let season = &self.season[calendar];
        let (a, d) = trend_time(t, self.last);
        for l in 0..LANES {
            v[l] = exp(self.level[l] + self.trend[l] * a + (self.trend[l] + self.drift[l]) * d + season[l] + self.u[l]);
        }
        v
    }
}
