//! The estimator of spec section 12: log volume = level + trend + a
//! seasonal term (the twelve summing to zero) + AR(1) errors.
//!
//! Ordinary least squares on the logs would give the right coefficients but
//! the wrong standard errors when the errors are autocorrelated (a busy
//! month is followed by a busy month), and the forecast's parameter
//! uncertainty is drawn from those standard errors. So the coefficients are
//! estimated by generalised least squares with the Prais-Winsten transform,
//! and the AR(1) coefficient phi by restricted maximum likelihood (REML):
//! its profile likelihood is maximised over phi, with the coefficients and
//! sigma profiled out. REML rather than the residuals' lag-1 correlation
//! because the latter is biased towards 0 by about (1 + 3 phi + p) / n with
//! p = 13 coefficients on 48 months: enough to make the stated standard
//! errors too small. Every regression is a QR decomposition (nalgebra).
//!
//! A one-off month (a launch, an outage) would otherwise bend the season of
//! its calendar month for every year to come and widen the noise; a month
//! whose OLS residual lies more than [`OUTLIER_SCALES`] robust standard
//! deviations from the others gets a pulse of its own (a column that is 1
//! in that month only), so it no longer informs the level, trend, season or
//! noise. The last month is never treated so: the forecast continues from
//! it, and one month cannot tell a spike from a new level.

use nalgebra::{DMatrix, DVector};

/// Coefficients of the regression: level, trend, and the seasonal terms of
/// January to November (December's is minus their sum).
pub const COEFFICIENTS: usize = 13;

/// How far (in robust standard deviations of the OLS residuals) a month
/// must lie from the fit to get a pulse of its own. Four: a normal month
/// lies that far about once in 16,000, so clean histories keep every month.
pub const OUTLIER_SCALES: f64 = 4.0;

/// The fewest months a fit accepts (spec section 12): two of each calendar
/// month, so every seasonal term is estimated from more than one year.
pub const MIN_MONTHS: usize = 24;

/// Bound on |phi|: the process must stay stationary.
pub const MAX_PHI: f64 = 0.95;

/// Why a history cannot be fitted. Validation reports these with file and
/// line first; here they guard the library's own callers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("{months} months of history; the fit needs at least {MIN_MONTHS}")]
    TooFewMonths { months: usize },
    #[error("month {month} of the history has volume {volume}; volumes must be above 0")]
    NotPositive { month: usize, volume: f64 },
    #[error("the history's months do not determine the fit (a volume repeats exactly?)")]
    Singular,
}

/// A fitted channel: the estimates and what their uncertainty is.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// level, trend (per month, on the log scale) and the seasonal terms
    /// of January to November.
    pub coefficients: [f64; COEFFICIENTS],
    /// Lower Cholesky factor L of the coefficients' covariance (L L' =
    /// cov), row-major: the draws are coefficients + L z.
    pub factor: [[f64; COEFFICIENTS]; COEFFICIENTS],
    /// AR(1) coefficient of the errors, and its standard error.
    pub phi: f64,
    pub phi_se: f64,
    /// Standard deviation of the innovations e(t), and the standard error
    /// of its logarithm.
    pub sigma: f64,
    pub log_sigma_se: f64,
    /// Months fitted (t = 0..months).
    pub months: usize,
    /// Calendar month of t = 0 (0 = January).
    pub first_calendar: usize,
    /// Months (t) given a pulse of their own.
    pub outliers: Vec<usize>,
    /// ln V of the last month fitted: where the forecast continues from.
    pub last_log: f64,
}

/// The log-volume regression's columns for month t: 1, t, and the effect
/// coding of its calendar month (1 in its own column, -1 in all eleven for
/// December), so the twelve seasonal terms sum to 0.
pub fn design_row(t: usize, first_calendar: usize) -> [f64; COEFFICIENTS] {
    let mut row = [0.0; COEFFICIENTS];
    row[0] = 1.0;
    row[1] = t as f64;
    let cal = (first_calendar + t) % 12;
    if cal == 11 {
        row[2..].fill(-1.0);
    } else {
        row[2 + cal] = 1.0;
    }
    row
}

/// One generalised least-squares solve at a given phi.
struct Gls {
    beta: DVector<f64>,
    /// Upper-triangular R of the transformed design's QR.
    r: DMatrix<f64>,
    /// Sum of squared transformed residuals.
    rss: f64,
}

/// Prais-Winsten: the first row scaled by sqrt(1 - phi^2), each later row
/// minus phi times the one before; then least squares by QR.
fn gls(x: &DMatrix<f64>, y: &DVector<f64>, phi: f64) -> Option<Gls> {
    let (n, p) = x.shape();
    let head = (1.0 - phi * phi).sqrt();
    let xs = DMatrix::from_fn(n, p, |i, j| if i == 0 { head * x[(0, j)] } else { x[(i, j)] - phi * x[(i - 1, j)] });
    let ys = DVector::from_fn(n, |i, _| if i == 0 { head * y[0] } else { y[i] - phi * y[i - 1] });
    let qr = xs.qr();
    let mut qty = ys.clone();
    qr.q_tr_mul(&mut qty);
    let r = qr.unpack_r();
    if (0..p).any(|k| !(r[(k, k)].abs() > 1e-10 * (1.0 + r[(0, 0)].abs()))) {
        return None;
    }
    let beta = r.solve_upper_triangular(&qty.rows(0, p).into_owned())?;
    let rss = qty.rows(p, n - p).norm_squared();
    Some(Gls { beta, r, rss })
}

/// The REML log-likelihood of phi, sigma and the coefficients profiled out
/// (constants dropped): -(n-p)/2 ln(rss) + ln(1 - phi^2)/2 - ln|R|.
fn reml(x: &DMatrix<f64>, y: &DVector<f64>, phi: f64) -> f64 {
    let (n, p) = x.shape();
    match gls(x, y, phi) {
        None => f64::NEG_INFINITY,
        Some(g) => {
            let log_det: f64 = (0..p).map(|k| g.r[(k, k)].abs().ln()).sum();
            -((n - p) as f64) / 2.0 * g.rss.ln() + 0.5 * (1.0 - phi * phi).ln() - log_det
        }
    }
}

/// The phi in [-MAX_PHI, MAX_PHI] that maximises `f`: the best of a coarse
/// grid, then golden-section search around it.
fn maximise(f: impl Fn(f64) -> f64) -> f64 {
    const GRID: usize = 19;
    let step = 2.0 * MAX_PHI / (GRID - 1) as f64;
    let at = |k: usize| -MAX_PHI + step * k as f64;
    let best =
        (0..GRID).map(|k| (k, f(at(k)))).fold((0, f64::NEG_INFINITY), |b, (k, v)| if v > b.1 { (k, v) } else { b });
    let (mut lo, mut hi) = (at(best.0.saturating_sub(1)), at((best.0 + 1).min(GRID - 1)));
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut fa, mut fb) = (f(a), f(b));
    while hi - lo > 1e-5 {
        if fa >= fb {
            hi = b;
            (b, fb) = (a, fa);
            a = hi - g * (hi - lo);
            fa = f(a);
        } else {
            lo = a;
            (a, fa) = (b, fb);
            b = lo + g * (hi - lo);
            fb = f(b);
        }
    }
    (lo + hi) / 2.0
}

/// The median of `values` (which it sorts).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

/// Months whose OLS residual lies beyond [`OUTLIER_SCALES`] robust standard
/// deviations (1.4826 times the median absolute deviation), at most one a
/// 24 months, never the last month. One at a time, the farthest first,
/// refitting with its pulse before looking again: a big spike inflates its
/// calendar month's seasonal term, which makes the same month of the other
/// years look low, and only a refit without it shows they are not.
fn outliers(base: &DMatrix<f64>, y: &DVector<f64>) -> Vec<usize> {
    let n = y.len();
    let mut months: Vec<usize> = Vec::new();
    while months.len() < n / 24 {
        let x = with_pulses(base, &months);
        let Some(ols) = gls(&x, y, 0.0) else { break };
        let residuals: Vec<f64> = (y - &x * &ols.beta).iter().copied().collect();
        let free: Vec<f64> = (0..n).filter(|t| !months.contains(t)).map(|t| residuals[t]).collect();
        let centre = median(&mut free.clone());
        let scale = 1.4826 * median(&mut free.iter().map(|r| (r - centre).abs()).collect::<Vec<_>>());
        if !(scale > 0.0) {
            break;
        }
        let farthest =
            (0..n - 1).filter(|t| !months.contains(t)).map(|t| (t, (residuals[t] - centre).abs() / scale)).fold(
                None,
                |best: Option<(usize, f64)>, (t, d)| if best.is_none_or(|b| d > b.1) { Some((t, d)) } else { best },
            );
        match farthest {
            Some((t, d)) if d > OUTLIER_SCALES => months.push(t),
            _ => break,
        }
    }
    months.sort_unstable();
    months
}

/// The design with a pulse column for each of `months`.
fn with_pulses(base: &DMatrix<f64>, months: &[usize]) -> DMatrix<f64> {
    let (n, p) = base.shape();
    DMatrix::from_fn(
        n,
        p + months.len(),
        |t, j| if j < p { base[(t, j)] } else { f64::from(u8::from(months[j - p] == t)) },
    )
}

/// The coefficients' covariance, phi's uncertainty included. At a known
/// phi it would be sigma^2 (R'R)^-1 of the transformed regression; but the
/// level and trend's variance grows steeply with phi (the errors' low
/// frequencies scale as 1 / (1 - phi)^2), so plugging in an estimate that
/// is a little low understates it much. Instead phi is integrated out over
/// its sampling distribution, normal(phi, phi_se), by three-point
/// Gauss-Hermite quadrature: the weighted mean of the covariance at each
/// node plus the spread of the coefficients between nodes (the law of
/// total variance).
fn covariance(x: &DMatrix<f64>, y: &DVector<f64>, phi: f64, phi_se: f64, df: f64) -> Result<DMatrix<f64>, FitError> {
    let h = 3f64.sqrt() * phi_se;
    let nodes = [(phi - h, 1.0 / 6.0), (phi, 2.0 / 3.0), (phi + h, 1.0 / 6.0)];
    let mut fits = Vec::with_capacity(3);
    for (at, w) in nodes {
        let g = gls(x, y, at.clamp(-MAX_PHI, MAX_PHI)).ok_or(FitError::Singular)?;
        let r_inv = g.r.clone().try_inverse().ok_or(FitError::Singular)?;
        // sigma^2 (R'R)^-1 = (sigma R^-1)(sigma R^-1)'; the first 13 rows
        // of sigma R^-1 give the coefficients' block.
        let a = r_inv.rows(0, COEFFICIENTS) * (g.rss / df).sqrt();
        fits.push((w, g.beta.rows(0, COEFFICIENTS).into_owned(), &a * a.transpose()));
    }
    let mean: DVector<f64> = fits.iter().map(|(w, b, _)| b * *w).sum();
    Ok(fits.iter().map(|(w, b, c)| (c + (b - &mean) * (b - &mean).transpose()) * *w).sum())
}

impl Fit {
    /// Fit a history of monthly volumes, the first in calendar month
    /// `first_calendar` (0 = January).
    pub fn new(volumes: &[f64], first_calendar: usize) -> Result<Fit, FitError> {
        let n = volumes.len();
        if n < MIN_MONTHS {
            return Err(FitError::TooFewMonths { months: n });
        }
        if let Some((t, &v)) = volumes.iter().enumerate().find(|(_, v)| !(**v > 0.0 && v.is_finite())) {
            return Err(FitError::NotPositive { month: t + 1, volume: v });
        }
        let y = DVector::from_iterator(n, volumes.iter().map(|v| v.ln()));
        let base = DMatrix::from_fn(n, COEFFICIENTS, |t, j| design_row(t, first_calendar)[j]);
        let pulses = outliers(&base, &y);
        let p = COEFFICIENTS + pulses.len();
        let x = with_pulses(&base, &pulses);
        let phi = maximise(|phi| reml(&x, &y, phi));
        let g = gls(&x, &y, phi).ok_or(FitError::Singular)?;
        let df = (n - p - 1) as f64;
        let sigma = (g.rss / df).sqrt();
        let phi_se = ((1.0 - phi * phi) / df).sqrt();
        let cov = covariance(&x, &y, phi, phi_se, df)?;
        let chol = cov.cholesky().ok_or(FitError::Singular)?.l();
        let mut fit = Fit {
            coefficients: std::array::from_fn(|k| g.beta[k]),
            factor: std::array::from_fn(|i| std::array::from_fn(|j| chol[(i, j)])),
            phi,
            // The AR(1) coefficient's asymptotic variance (1 - phi^2) / n,
            // with the degrees of freedom the regression leaves.
            phi_se,
            sigma,
            // Var(ln s) is about 1 / (2 df) for a variance estimated on df
            // degrees of freedom.
            log_sigma_se: (1.0 / (2.0 * df)).sqrt(),
            months: n,
            first_calendar,
            outliers: pulses,
            last_log: y[n - 1],
        };
        if !fit.coefficients.iter().chain([&fit.phi, &fit.sigma]).all(|x| x.is_finite()) {
            return Err(FitError::Singular);
        }
        fit.sigma = fit.sigma.max(1e-12);
        Ok(fit)
    }

    /// Standard error of coefficient k.
    pub fn se(&self, k: usize) -> f64 {
        self.factor[k].iter().map(|l| l * l).sum::<f64>().sqrt()
    }

    /// Variance of the linear combination x' coefficients.
    pub fn variance_of(&self, x: &[f64; COEFFICIENTS]) -> f64 {
        (0..COEFFICIENTS)
            .map(|j| {
                let s: f64 = (j..COEFFICIENTS).map(|i| x[i] * self.factor[i][j]).sum();
                s * s
            })
            .sum()
    }

    /// The twelve seasonal terms (January first), December's being minus
    /// the others' sum.
    pub fn season(&self) -> [f64; 12] {
        season_of(&self.coefficients)
    }
}

/// The twelve seasonal terms from the coefficients.
pub fn season_of(coefficients: &[f64; COEFFICIENTS]) -> [f64; 12] {
    let mut s = [0.0; 12];
    s[..11].copy_from_slice(&coefficients[2..]);
    // Summed from 0 in month order, as the engine's lanes sum them.
    let mut sum = 0.0;
    for c in &coefficients[2..] {
        sum += c;
    }
    s[11] = -sum;
    s
}
