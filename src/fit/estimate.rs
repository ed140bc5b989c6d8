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
//!
//! The season is regressed on the first K harmonics of the year (a cosine
//! and a sine each; K = 6 is the full twelve-month pattern), K chosen by
//! the small-sample Akaike criterion (AICc): a smooth season then costs 2
//! or 4 coefficients instead of 11, and the forecast does not carry each
//! calendar month's own noise into every year to come. The six designs
//! (K = 1..6) are averaged by their Akaike weights, and the covariance
//! includes the spread between them: the standard errors of the one design
//! AICc prefers would ignore that it was chosen, and state the seasonal
//! terms too precisely. The estimates are still reported as the twelve
//! terms (and their covariance, of reduced rank when the designs agree),
//! so the rest of the engine sees one shape.
//!
//! Two things look beyond the history's straight line: the trend is
//! damped after the last month ([`DAMPING`]), and the slope the forecast
//! starts from is drawn around the history's average slope with the
//! spread the slope showed from year to year ([`Fit::drift_sd`]).

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

/// The trend's damping after the history's last month: the forecast's
/// growth h months on is psi^h times the slope (Gardner and McKenzie's
/// damped trend). 0.98, the upper bound of the range Hyndman's `ets`
/// searches ([0.8, 0.98]), the mildest damping in common use: a year out
/// the slope is 78% of its value, two years out 62%. Fixed rather than
/// estimated: the regression's straight line over the history says nothing
/// about how the trend will bend after it.
pub const DAMPING: f64 = 0.98;

/// The most harmonics of the year the season uses: 6 is every pattern the
/// twelve months can show.
pub const MAX_HARMONICS: usize = 6;

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
    /// Harmonics of the year the season was fitted with (1 to 6).
    pub harmonics: usize,
    /// The method-of-moments estimate of the variance of the slope's
    /// change from one year to the next: the mean of (d^2 - Var d) over
    /// the slope changes d a continuous piecewise-linear trend (a kink at
    /// each year's start) finds. Unbiased, so it may be negative.
    pub slope_change_moment: f64,
    /// Standard deviation of the slope at the history's end around the
    /// history's average slope: were the slope a random walk whose yearly
    /// steps have the variance above (floored at 0), its last value would
    /// differ from its average over n months by a variance of (its monthly
    /// variance) n / 3. Each iteration draws the forecast's slope so. 0
    /// unless a test rejects a steady slope ([`DRIFT_TEST_LEVEL`]): the
    /// moment estimate is positive in about 4 histories in 10 whose slope
    /// never moved, and would widen their bands for nothing.
    pub drift_sd: f64,
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

/// The seasonal columns of calendar month `cal` with `harmonics` harmonics:
/// cos and sin of 2 pi k cal / 12 for k = 1..harmonics, without the sine
/// of k = 6 (zero in every month). Each column sums to zero over a year.
fn harmonic_columns(cal: usize, harmonics: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(2 * harmonics);
    for k in 1..=harmonics {
        let angle = std::f64::consts::TAU * (k * cal) as f64 / 12.0;
        out.push(angle.cos());
        if k < 6 {
            out.push(angle.sin());
        }
    }
    out
}

/// The regression's design with `harmonics` harmonics: 1, t, then the
/// harmonic columns of month t's calendar month.
fn harmonic_design(n: usize, first_calendar: usize, harmonics: usize) -> DMatrix<f64> {
    let rows: Vec<Vec<f64>> = (0..n).map(|t| harmonic_columns((first_calendar + t) % 12, harmonics)).collect();
    let p = 2 + rows[0].len();
    DMatrix::from_fn(n, p, |t, j| match j {
        0 => 1.0,
        1 => t as f64,
        _ => rows[t][j - 2],
    })
}

/// The map J from a harmonic design's first coefficients (level, trend,
/// harmonics) to the reported ones (level, trend, the seasonal terms of
/// January to November): a season of harmonics is the twelve values they
/// take.
fn to_effect_coding(harmonics: usize) -> DMatrix<f64> {
    let q = 2 + harmonic_columns(0, harmonics).len();
    let mut j = DMatrix::zeros(COEFFICIENTS, q);
    j[(0, 0)] = 1.0;
    j[(1, 1)] = 1.0;
    for cal in 0..11 {
        for (k, v) in harmonic_columns(cal, harmonics).into_iter().enumerate() {
            j[(2 + cal, 2 + k)] = v;
        }
    }
    j
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

/// The exact Gaussian log-likelihood of the AR(1) regression at phi,
/// sigma profiled out (constants dropped): -n/2 ln(rss / n) + ln(1 -
/// phi^2)/2. Unlike REML's it compares designs of different columns.
fn log_likelihood(g: &Gls, n: usize, phi: f64) -> f64 {
    -(n as f64) / 2.0 * (g.rss / n as f64).ln() + 0.5 * (1.0 - phi * phi).ln()
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
fn covariance(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    q: usize,
    phi: f64,
    phi_se: f64,
    df: f64,
) -> Result<DMatrix<f64>, FitError> {
    let h = 3f64.sqrt() * phi_se;
    let nodes = [(phi - h, 1.0 / 6.0), (phi, 2.0 / 3.0), (phi + h, 1.0 / 6.0)];
    let mut fits = Vec::with_capacity(3);
    for (at, w) in nodes {
        let g = gls(x, y, at.clamp(-MAX_PHI, MAX_PHI)).ok_or(FitError::Singular)?;
        let r_inv = g.r.clone().try_inverse().ok_or(FitError::Singular)?;
        // sigma^2 (R'R)^-1 = (sigma R^-1)(sigma R^-1)'; the first q rows
        // of sigma R^-1 give the coefficients' block (the pulses left out).
        let a = r_inv.rows(0, q) * (g.rss / df).sqrt();
        fits.push((w, g.beta.rows(0, q).into_owned(), &a * a.transpose()));
    }
    let mean: DVector<f64> = fits.iter().map(|(w, b, _)| b * *w).sum();
    Ok(fits.iter().map(|(w, b, c)| (c + (b - &mean) * (b - &mean).transpose()) * *w).sum())
}

/// A fit of one design: the season with `harmonics` harmonics, its pulses,
/// phi by REML, and the small-sample Akaike criterion that chooses among
/// them.
struct Candidate {
    harmonics: usize,
    x: DMatrix<f64>,
    pulses: Vec<usize>,
    phi: f64,
    gls: Gls,
    aicc: f64,
}

/// The fit with `harmonics` harmonics; None when the design is singular or
/// leaves no degrees of freedom for the criterion.
fn candidate(y: &DVector<f64>, first_calendar: usize, harmonics: usize) -> Option<Candidate> {
    let n = y.len();
    let base = harmonic_design(n, first_calendar, harmonics);
    let pulses = outliers(&base, y);
    let x = with_pulses(&base, &pulses);
    let phi = maximise(|phi| reml(&x, y, phi));
    let gls = gls(&x, y, phi)?;
    // Parameters: the coefficients, the pulses, phi and sigma.
    let k = (x.ncols() + 2) as f64;
    let room = n as f64 - k - 1.0;
    if room <= 0.0 {
        return None;
    }
    let aicc = -2.0 * log_likelihood(&gls, n, phi) + 2.0 * k + 2.0 * k * (k + 1.0) / room;
    Some(Candidate { harmonics, x, pulses, phi, gls, aicc })
}

/// The significance level of the test that the slope moved between years:
/// unless the test rejects a steady slope at this level the forecast takes
/// it as steady (no drift). 1% rather than 5%: on 48-month histories with
/// AR(1) errors (phi 0.5) and a steady slope the nominal 5% test rejected
/// in 14% of 300 simulated histories (phi estimated a little low makes the
/// kinks look significant), and each false drift widens a band for nothing.
pub const DRIFT_TEST_LEVEL: f64 = 0.01;

/// How much the slope moved from year to year: the design `x` with a kink
/// at the start of each year after the first (a column max(0, t - 12 k)),
/// phi re-estimated by REML, and the kinks' estimated slope changes d.
/// Returns the method-of-moments estimate of their variance, the mean over
/// the kinks of (d^2 - Var d) (unbiased when the yearly changes have a
/// common variance), and whether the F test of the kinks (d' Var(d)^-1 d
/// over their number, F with that many and the residual degrees of
/// freedom) rejects a steady slope at [`DRIFT_TEST_LEVEL`]. (0, false) when the design with kinks cannot be solved.
fn slope_changes(x: &DMatrix<f64>, y: &DVector<f64>) -> (f64, bool) {
    let (n, p) = x.shape();
    let kinks: Vec<usize> = (1..).map(|k| 12 * k).take_while(|t| t + 1 < n).collect();
    let m = kinks.len();
    if m == 0 || n <= p + m + 1 {
        return (0.0, false);
    }
    let xk =
        DMatrix::from_fn(n, p + m, |t, j| if j < p { x[(t, j)] } else { (t as f64 - kinks[j - p] as f64).max(0.0) });
    let phi = maximise(|phi| reml(&xk, y, phi));
    let Some(g) = gls(&xk, y, phi) else { return (0.0, false) };
    let Some(r_inv) = g.r.clone().try_inverse() else { return (0.0, false) };
    let df = (n - p - m - 1) as f64;
    // Var(d) = s2 (R^-1 R^-T) on the kinks' rows and columns.
    let a = r_inv.rows(p, m).into_owned();
    let var = &a * a.transpose() * (g.rss / df);
    let d = g.beta.rows(p, m).into_owned();
    let moment = (0..m).map(|i| d[i].powi(2) - var[(i, i)]).sum::<f64>() / m as f64;
    let wald = var.clone().cholesky().map(|c| c.solve(&d).dot(&d));
    let critical = statrs::distribution::FisherSnedecor::new(m as f64, df)
        .map(|f| statrs::distribution::ContinuousCDF::inverse_cdf(&f, 1.0 - DRIFT_TEST_LEVEL));
    let moved = matches!((wald, critical), (Some(w), Ok(c)) if w / m as f64 > c);
    (moment, moved)
}

/// One design's estimates, as the reported coefficients.
struct Estimates {
    /// Level, trend, and the seasonal terms of January to November.
    coefficients: DVector<f64>,
    /// S with S S' their covariance: J times the Cholesky factor of the
    /// design's own coefficients' covariance (13 by q).
    spread: DMatrix<f64>,
    phi: f64,
    phi_se: f64,
    sigma: f64,
    /// Degrees of freedom sigma was estimated on.
    df: f64,
}

impl Estimates {
    fn new(c: &Candidate, y: &DVector<f64>) -> Result<Estimates, FitError> {
        let (n, p) = c.x.shape();
        let q = p - c.pulses.len();
        let df = (n - p - 1) as f64;
        let phi_se = phi_se(&c.x, y, c.phi, df);
        let cov = covariance(&c.x, y, q, c.phi, phi_se, df)?;
        let chol = cov.cholesky().ok_or(FitError::Singular)?.l();
        let j = to_effect_coding(c.harmonics);
        Ok(Estimates {
            coefficients: &j * c.gls.beta.rows(0, q),
            spread: &j * chol,
            phi: c.phi,
            phi_se,
            sigma: (c.gls.rss / df).sqrt(),
            df,
        })
    }
}

/// The standard error of phi from the REML log-likelihood's curvature at
/// its maximum (the observed information), by a central difference; the
/// asymptotic sqrt((1 - phi^2) / df) where the curvature is not negative
/// (phi at its bound).
fn phi_se(x: &DMatrix<f64>, y: &DVector<f64>, phi: f64, df: f64) -> f64 {
    const H: f64 = 1e-3;
    let asymptotic = ((1.0 - phi * phi) / df).sqrt();
    if phi.abs() + H >= MAX_PHI {
        return asymptotic;
    }
    let curvature = -(reml(x, y, phi + H) - 2.0 * reml(x, y, phi) + reml(x, y, phi - H)) / (H * H);
    if curvature > 0.0 && curvature.is_finite() { 1.0 / curvature.sqrt() } else { asymptotic }
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
        let candidates: Vec<Candidate> = (1..=MAX_HARMONICS).filter_map(|h| candidate(&y, first_calendar, h)).collect();
        let best = candidates.iter().min_by(|a, b| a.aicc.total_cmp(&b.aicc)).ok_or(FitError::Singular)?;
        // Akaike weights: exp(-delta AICc / 2), normalised.
        let weights: Vec<f64> = candidates.iter().map(|c| (-(c.aicc - best.aicc) / 2.0).exp()).collect();
        let total: f64 = weights.iter().sum();
        let mut fits = Vec::with_capacity(candidates.len());
        for (c, w) in candidates.iter().zip(&weights) {
            fits.push((w / total, Estimates::new(c, &y)?));
        }
        let average = |f: &dyn Fn(&Estimates) -> f64| fits.iter().map(|(w, e)| w * f(e)).sum::<f64>();
        let coefficients: DVector<f64> = fits.iter().map(|(w, e)| &e.coefficients * *w).sum();
        let phi = average(&|e| e.phi);
        let log_sigma = average(&|e| e.sigma.ln());
        // Unconditional uncertainty (Burnham and Anderson): each design's
        // own plus the spread of the designs' estimates around the average.
        let phi_se = average(&|e| e.phi_se.powi(2) + (e.phi - phi).powi(2)).sqrt();
        let log_sigma_se = average(&|e| 1.0 / (2.0 * e.df) + (e.sigma.ln() - log_sigma).powi(2)).sqrt();
        // The coefficients' covariance is M M' with M the columns
        // sqrt(w) J chol and sqrt(w) (estimates - average) of every design.
        // A lower-triangular factor of it, which the draws need: M' = Q R
        // gives M M' = R'R, and R' (zero-padded to 13 by 13 where M has
        // fewer columns) is lower triangular.
        let columns: usize = fits.iter().map(|(_, e)| e.spread.ncols() + 1).sum();
        let mut m = DMatrix::zeros(COEFFICIENTS, columns);
        let mut at = 0;
        for (w, e) in &fits {
            let k = e.spread.ncols();
            m.columns_mut(at, k).copy_from(&(&e.spread * w.sqrt()));
            m.column_mut(at + k).copy_from(&((&e.coefficients - &coefficients) * w.sqrt()));
            at += k + 1;
        }
        let r = m.transpose().qr().unpack_r();
        let factor = std::array::from_fn(|i| std::array::from_fn(|k| if k < r.nrows() { r[(k, i)] } else { 0.0 }));
        let (slope_change_moment, moved) = slope_changes(&best.x, &y);
        let drift_sd = if moved { (slope_change_moment.max(0.0) / 12.0 * n as f64 / 3.0).sqrt() } else { 0.0 };
        let mut fit = Fit {
            coefficients: std::array::from_fn(|k| coefficients[k]),
            factor,
            phi,
            phi_se,
            sigma: log_sigma.exp(),
            log_sigma_se,
            months: n,
            first_calendar,
            outliers: best.pulses.clone(),
            last_log: y[n - 1],
            harmonics: best.harmonics,
            slope_change_moment,
            drift_sd,
        };
        if !fit.coefficients.iter().chain([&fit.phi, &fit.sigma, &fit.drift_sd]).all(|x| x.is_finite()) {
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
