//! What `costcast fit` computes for one channel (spec section 12): the fit
//! on all its months and the forecast after them, and the backtest (the
//! fit on all but the last H months, against them).

use super::estimate::{Fit, FitError, MIN_MONTHS};
use super::forecast::{Accuracy, MonthForecast, accuracy, forecast, seasonal_naive};
use crate::calendar::YearMonth;

/// One channel's fit, forecast and backtest.
#[derive(Debug, Clone)]
pub struct ChannelFit {
    pub channel: String,
    /// The history's first month.
    pub first: YearMonth,
    pub history: Vec<f64>,
    /// Fitted on the whole history.
    pub fit: Fit,
    /// The months after the history.
    pub forecast: Vec<MonthForecast>,
    /// None with fewer than 24 + H months (or H = 0).
    pub backtest: Option<Backtest>,
}

/// The fit on all months but the last `holdout`, forecasting those.
#[derive(Debug, Clone)]
pub struct Backtest {
    pub holdout: usize,
    pub fit: Fit,
    pub forecast: Vec<MonthForecast>,
    pub naive: Vec<f64>,
    pub costcast: Accuracy,
    pub seasonal_naive: Accuracy,
}

impl ChannelFit {
    /// Fit `history` (from month `first`), backtest on the last `holdout`
    /// months when there are at least 24 more, and forecast `ahead` months.
    pub fn new(
        channel: &str,
        first: YearMonth,
        history: &[f64],
        holdout: usize,
        ahead: usize,
    ) -> Result<ChannelFit, FitError> {
        let calendar = first.month as usize - 1;
        let fit = Fit::new(history, calendar)?;
        let n = history.len();
        let backtest = if holdout > 0 && n >= MIN_MONTHS + holdout {
            let train = &history[..n - holdout];
            let actual = &history[n - holdout..];
            let fit = Fit::new(train, calendar)?;
            let forecast = forecast(&fit, holdout);
            let naive = seasonal_naive(train, holdout);
            let col = |f: fn(&MonthForecast) -> f64| forecast.iter().map(f).collect::<Vec<f64>>();
            let (p10, p50, p90) = (col(|m| m.p10), col(|m| m.p50), col(|m| m.p90));
            Some(Backtest {
                holdout,
                costcast: accuracy(actual, &p50, Some((&p10, &p90))),
                seasonal_naive: accuracy(actual, &naive, None),
                fit,
                forecast,
                naive,
            })
        } else {
            None
        };
        Ok(ChannelFit {
            channel: channel.to_owned(),
            first,
            history: history.to_vec(),
            forecast: forecast(&fit, ahead),
            fit,
            backtest,
        })
    }

    /// The month after the history.
    pub fn next_month(&self) -> YearMonth {
        self.first.plus(self.history.len())
    }
}
