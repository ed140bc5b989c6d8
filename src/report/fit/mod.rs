//! The files of `costcast fit` (spec section 12): `fit.csv`,
//! `forecast.csv`, `backtest.csv`, `channels.toml`, a chart per channel and
//! `report.html`.

use std::fmt::Write;

use serde::Serialize;

use super::html::escape;
use super::{inert, number};
use crate::error::{RenderError, Warning};
use crate::fit::estimate::{COEFFICIENTS, Fit};
use crate::fit::report::ChannelFit;

const TEMPLATE: &str = include_str!("template.html");

/// One parameter of `fit.csv`: its estimate and standard error.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub estimate: f64,
    pub se: Option<f64>,
}

/// The parameters of `fit.csv` for a channel, in the spec's order.
pub fn parameters(ch: &ChannelFit) -> Vec<Parameter> {
    let f = &ch.fit;
    let p = |name: &str, estimate: f64, se: Option<f64>| Parameter { name: name.to_owned(), estimate, se };
    let n = f.months;
    let est = f.estimates();
    // The one-step forecast's mean: exp(mu_T + phi u_{T-1} + sigma^2 / 2),
    // its log linear in the coefficients through mu_T - phi mu_{T-1}.
    let u_last = f.last_log - est.mean_log(n - 1, f.calendar(n - 1));
    let ln_mean = est.mean_log(n, f.calendar(n)) + f.phi * u_last + f.sigma * f.sigma / 2.0;
    let (mut x_next, x_last) = (
        crate::fit::estimate::design_row(n, f.first_calendar),
        crate::fit::estimate::design_row(n - 1, f.first_calendar),
    );
    // The month after the history has the trend term trend (n - 1 + psi)
    // + drift psi (the damped trend).
    let (a, d) = crate::fit::draw::trend_time(n, n - 1);
    x_next[1] = a + d;
    let x: [f64; COEFFICIENTS] = std::array::from_fn(|k| x_next[k] - f.phi * x_last[k]);
    let volume_se = ln_mean.exp() * (f.variance_of(&x) + (u_last * f.phi_se).powi(2) + (d * f.drift_sd).powi(2)).sqrt();
    let mut out = vec![p("volume", ln_mean.exp(), Some(volume_se))];
    let b = est.trend;
    out.push(p("growth", b.exp() - 1.0, Some(b.exp() * f.se(1))));
    let factors: Vec<f64> = est.season.iter().map(|s| s.exp()).collect();
    let mean_factor = factors.iter().sum::<f64>() / 12.0;
    for (c, factor) in factors.iter().enumerate() {
        let mut x = [0.0; COEFFICIENTS];
        if c == 11 {
            x[2..].fill(-1.0);
        } else {
            x[2 + c] = 1.0;
        }
        let index = factor / mean_factor;
        out.push(p(&format!("season_{:02}", c + 1), index, Some(index * f.variance_of(&x).sqrt())));
    }
    let (noise, noise_se) = noise(f);
    out.push(p("noise", noise, Some(noise_se)));
    out.push(p("ar1", f.phi, Some(f.phi_se)));
    out.push(p("months", n as f64, None));
    out
}

/// The coefficient of variation of a month's volume around the fit,
/// sqrt(exp(v) - 1) with v = sigma^2 / (1 - phi^2) the AR(1) process's
/// variance, and its standard error by the delta method.
fn noise(f: &Fit) -> (f64, f64) {
    let d = 1.0 - f.phi * f.phi;
    let v = f.sigma * f.sigma / d;
    let cv = (v.exp() - 1.0).sqrt();
    let dcv_dv = v.exp() / (2.0 * cv);
    let sigma_se = f.sigma * f.log_sigma_se;
    let dv_dsigma = 2.0 * f.sigma / d;
    let dv_dphi = 2.0 * f.phi * f.sigma * f.sigma / (d * d);
    (cv, dcv_dv * ((dv_dsigma * sigma_se).powi(2) + (dv_dphi * f.phi_se).powi(2)).sqrt())
}

fn to_bytes<R: Serialize>(rows: impl IntoIterator<Item = R>) -> Result<Vec<u8>, RenderError> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    for row in rows {
        w.serialize(row)?;
    }
    w.into_inner().map_err(|e| RenderError::Csv(e.into_error().into()))
}

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), number)
}

#[derive(Serialize)]
struct FitRow<'a> {
    channel: std::borrow::Cow<'a, str>,
    parameter: &'a str,
    estimate: String,
    se: String,
}

/// `fit.csv`: `channel,parameter,estimate,se`.
pub fn fit_csv(channels: &[ChannelFit]) -> Result<Vec<u8>, RenderError> {
    let params: Vec<(&ChannelFit, Vec<Parameter>)> = channels.iter().map(|c| (c, parameters(c))).collect();
    to_bytes(params.iter().flat_map(|(c, ps)| {
        ps.iter().map(|p| FitRow {
            channel: inert(&c.channel),
            parameter: &p.name,
            estimate: number(p.estimate),
            se: opt(p.se),
        })
    }))
}

#[derive(Serialize)]
struct ForecastRow<'a> {
    channel: std::borrow::Cow<'a, str>,
    kind: &'a str,
    month: String,
    actual: String,
    mean: String,
    p10: String,
    p50: String,
    p90: String,
}

/// `forecast.csv`: `channel,kind,month,actual,mean,p10,p50,p90`, the
/// backtest's months (with their actuals) before the forecast's.
pub fn forecast_csv(channels: &[ChannelFit]) -> Result<Vec<u8>, RenderError> {
    let mut rows = Vec::new();
    for c in channels {
        let n = c.history.len();
        if let Some(b) = &c.backtest {
            for (h, f) in b.forecast.iter().enumerate() {
                let t = n - b.holdout + h;
                rows.push(ForecastRow {
                    channel: inert(&c.channel),
                    kind: "backtest",
                    month: c.first.plus(t).to_string(),
                    actual: number(c.history[t]),
                    mean: number(f.mean),
                    p10: number(f.p10),
                    p50: number(f.p50),
                    p90: number(f.p90),
                });
            }
        }
        for (h, f) in c.forecast.iter().enumerate() {
            rows.push(ForecastRow {
                channel: inert(&c.channel),
                kind: "forecast",
                month: c.first.plus(n + h).to_string(),
                actual: String::new(),
                mean: number(f.mean),
                p10: number(f.p10),
                p50: number(f.p50),
                p90: number(f.p90),
            });
        }
    }
    to_bytes(rows)
}

#[derive(Serialize)]
struct BacktestRow<'a> {
    channel: std::borrow::Cow<'a, str>,
    method: &'a str,
    months: usize,
    wape: String,
    mape: String,
    coverage_p10_p90: String,
}

/// `backtest.csv`: `channel,method,months,wape,mape,coverage_p10_p90`,
/// costcast's and the seasonal naive forecast's rows per channel with a
/// backtest.
pub fn backtest_csv(channels: &[ChannelFit]) -> Result<Vec<u8>, RenderError> {
    to_bytes(channels.iter().filter_map(|c| c.backtest.as_ref().map(|b| (c, b))).flat_map(|(c, b)| {
        [("costcast", b.costcast), ("seasonal_naive", b.seasonal_naive)].into_iter().map(move |(method, a)| {
            BacktestRow {
                channel: inert(&c.channel),
                method,
                months: b.holdout,
                wape: number(a.wape),
                mape: number(a.mape),
                coverage_p10_p90: opt(a.coverage),
            }
        })
    }))
}

/// `x` to `digits` significant digits, for a file people read.
fn sig(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return number(x);
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    number((x * scale).round() / scale)
}

/// Costs to carry into `channels.toml` for a channel fitted in a model:
/// (field, expression as written).
pub type CostFields = Vec<(&'static str, String)>;

/// `channels.toml`: the fits frozen as ordinary `[[channel]]` blocks.
/// `costs`, per channel, the cost fields of the model it came from.
pub fn channels_toml(channels: &[ChannelFit], costs: &[Option<CostFields>], source: &str) -> String {
    let mut out = format!(
        "# Fitted by costcast fit from {source}. Each channel's volume is its trend level (before\n\
         # seasonality) in the month after its history: start a model there, or grow it to your start.\n\
         # An ordinary channel's noise is independent month to month; the fit's autocorrelation (ar1 in\n\
         # fit.csv) and its parameter uncertainty beyond volume and growth are left behind.\n"
    );
    for (c, cost) in channels.iter().zip(costs) {
        let f = &c.fit;
        let est = f.estimates();
        let n = f.months;
        let level = est.level + est.trend * n as f64;
        let mut x = [0.0; COEFFICIENTS];
        x[0] = 1.0;
        x[1] = n as f64;
        let volume_se = level.exp() * f.variance_of(&x).sqrt();
        let factors: Vec<f64> = est.season.iter().map(|s| s.exp()).collect();
        let mean_factor = factors.iter().sum::<f64>() / 12.0;
        let season: Vec<String> = factors.iter().map(|x| sig(x / mean_factor, 4)).collect();
        let _ = writeln!(out, "\n# {}: {} months, {} to {}", c.channel, n, c.first, c.first.plus(n - 1));
        let _ = writeln!(out, "[[channel]]\nid = \"{}\"", c.channel);
        let _ = writeln!(out, "volume = \"normal({}, {})\"", sig(level.exp(), 6), sig(volume_se, 3));
        let _ = writeln!(
            out,
            "growth = \"normal({}, {})\"",
            sig(est.trend.exp() - 1.0, 4),
            sig(est.trend.exp() * f.se(1), 3)
        );
        let _ = writeln!(out, "noise = {}", sig(noise(f).0, 3));
        let _ = writeln!(out, "seasonality = [{}]", season.join(", "));
        match cost {
            Some(fields) => {
                for (field, written) in fields {
                    let _ = writeln!(out, "{field} = {}", toml_value(written));
                }
            }
            None => {
                let _ = writeln!(out, "# cost_per_contact: required; the history gives volumes only");
            }
        }
    }
    out
}

/// An expression as TOML: a number as is, anything else quoted.
fn toml_value(written: &str) -> String {
    if written.parse::<f64>().is_ok() { written.to_owned() } else { format!("{:?}", written) }
}

/// `report.html`: the channels' parameters, backtest and charts, one page,
/// no scripts.
pub fn html(channels: &[ChannelFit], svgs: &[String], source: &str, warnings: &[Warning]) -> String {
    let mut body = String::new();
    if !warnings.is_empty() {
        body.push_str("<div class=\"check\"><h2>Check</h2><ul>\n");
        for w in warnings {
            let _ = writeln!(body, "<li>{}</li>", escape(&w.0.to_string()));
        }
        body.push_str("</ul></div>\n");
    }
    body.push_str("<section><h2>Backtest: the last months, forecast without seeing them</h2>\n");
    if channels.iter().all(|c| c.backtest.is_none()) {
        body.push_str(
            "<p class=\"note\">No channel has enough months for a backtest (24 plus the months held out).</p>\n",
        );
    } else {
        body.push_str(
            "<table><tr><th>Channel</th><th>Months held out</th><th>costcast WAPE</th><th>Seasonal naive WAPE</th>\
             <th>costcast MAPE</th><th>Seasonal naive MAPE</th><th>Actuals inside P10-P90</th></tr>\n",
        );
        for c in channels {
            if let Some(b) = &c.backtest {
                let _ = writeln!(
                    body,
                    "<tr><td class=\"text\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    escape(&c.channel),
                    b.holdout,
                    pct(b.costcast.wape),
                    pct(b.seasonal_naive.wape),
                    pct(b.costcast.mape),
                    pct(b.seasonal_naive.mape),
                    b.costcast.coverage.map_or(String::new(), pct)
                );
            }
        }
        body.push_str(
            "</table>\n<p class=\"note\">WAPE: the sum of |actual - P50| over the sum of actuals. \
             An honest P10-P90 band holds about 80% of the actuals.</p>\n",
        );
    }
    body.push_str("</section>\n<section><h2>Fitted parameters</h2>\n<table><tr><th>Channel</th>");
    body.push_str("<th>Parameter</th><th>Estimate</th><th>Standard error</th></tr>\n");
    for c in channels {
        for p in parameters(c) {
            let _ = writeln!(
                body,
                "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&c.channel),
                escape(&p.name),
                sig(p.estimate, 5),
                p.se.map_or(String::new(), |s| sig(s, 3))
            );
        }
    }
    body.push_str(
        "</table>\n<p class=\"note\">volume: the mean of the month after the history; growth: per month; \
        season_01 to season_12: January to December, averaging 1; noise: the coefficient of variation of a month \
        around the fit; ar1: how much of a month's surprise carries into the next.</p></section>\n",
    );
    body.push_str("<section><h2>Charts</h2>\n");
    for (c, svg) in channels.iter().zip(svgs) {
        let _ = writeln!(body, "<figure>{svg}<figcaption>{}</figcaption></figure>", escape(&c.channel));
    }
    body.push_str("</section>\n");
    TEMPLATE
        .replace("{{version}}", env!("CARGO_PKG_VERSION"))
        .replace("{{title}}", &escape(&format!("Fitted from history: {source}")))
        .replace(
            "{{subtitle}}",
            &escape(&format!(
                "{} channel(s); forecast quantiles from {} simulated paths (seed {})",
                channels.len(),
                crate::fit::forecast::PATHS,
                crate::fit::forecast::SEED
            )),
        )
        .replace("{{body}}", &body)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}
