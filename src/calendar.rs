//! Months and fiscal years.
//!
//! A fiscal year is labelled by the calendar year in which it ends (spec
//! section 3): with `fiscal_year_start = 7`, July 2027 opens FY2028; with 1,
//! the fiscal year is the calendar year.

use std::fmt;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    /// 1..=12
    pub month: u32,
}

impl YearMonth {
    /// Parse `YYYY-MM`.
    pub fn parse(text: &str) -> Option<YearMonth> {
        let (y, m) = text.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (1..=12).contains(&month).then_some(YearMonth { year, month })
    }

    /// The month `k` months later.
    pub fn plus(self, k: usize) -> YearMonth {
        let index = self.year as i64 * 12 + (self.month as i64 - 1) + k as i64;
        YearMonth { year: index.div_euclid(12) as i32, month: index.rem_euclid(12) as u32 + 1 }
    }

    /// Days in this month (Gregorian leap years).
    pub fn days(self) -> u32 {
        match self.month {
            4 | 6 | 9 | 11 => 30,
            2 if self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0) => 29,
            2 => 28,
            _ => 31,
        }
    }

    /// The weekday of this month's first day, 0 = Monday .. 6 = Sunday.
    pub fn first_weekday(self) -> usize {
        // Days since 1970-01-01 (a Thursday) by Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (i64::from(self.month) + 9) % 12;
        let doy = (153 * mp + 2) / 5;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        (days + 3).rem_euclid(7) as usize
    }

    /// How many times each weekday (0 = Monday) occurs in this month,
    /// `n_w(m)` of spec section 14: 4 or 5 each.
    pub fn weekday_counts(self) -> [u32; 7] {
        let first = self.first_weekday();
        let mut counts = [4; 7];
        for k in 0..self.days() as usize - 28 {
            counts[(first + k) % 7] += 1;
        }
        counts
    }

    /// Months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: YearMonth) -> i64 {
        (later.year as i64 - self.year as i64) * 12 + later.month as i64 - self.month as i64
    }

    /// The fiscal year this month belongs to, for a fiscal year starting in
    /// calendar month `fiscal_year_start`.
    pub fn fiscal_year(self, fiscal_year_start: u32) -> i32 {
        if fiscal_year_start == 1 || self.month < fiscal_year_start { self.year } else { self.year + 1 }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A fiscal year as it falls in the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct FiscalYear {
    /// The calendar year in which it ends.
    pub year: i32,
    /// 0-based horizon months in this fiscal year, ascending.
    pub months: std::ops::Range<usize>,
    /// Fewer than 12 of its months lie in the horizon.
    pub partial: bool,
}

impl FiscalYear {
    pub fn label(&self) -> String {
        format!("FY{}", self.year)
    }
}

/// The fiscal years covering `months` months from `start`, in order.
pub fn fiscal_years(start: YearMonth, months: usize, fiscal_year_start: u32) -> Vec<FiscalYear> {
    let mut years: Vec<FiscalYear> = Vec::new();
    for m in 0..months {
        let fy = start.plus(m).fiscal_year(fiscal_year_start);
        match years.last_mut() {
            Some(last) if last.year == fy => last.months.end = m + 1,
            _ => years.push(FiscalYear { year: fy, months: m..m + 1, partial: false }),
        }
    }
    for y in &mut years {
        y.partial = y.months.len() < 12;
    }
    years
}

#[cfg(test)]
mod tests {
    #[test]
    fn weekday_counts_follow_the_calendar() {
        // 2027-01-01 is a Friday; January 2027 has five Fridays, Saturdays
        // and Sundays. February 2028 (leap) starts on a Tuesday.
        let jan = super::YearMonth { year: 2027, month: 1 };
        assert_eq!(jan.first_weekday(), 4);
        assert_eq!(jan.weekday_counts(), [4, 4, 4, 4, 5, 5, 5]);
        let feb = super::YearMonth { year: 2028, month: 2 };
        assert_eq!(feb.first_weekday(), 1);
        assert_eq!(feb.weekday_counts(), [4, 5, 4, 4, 4, 4, 4]);
        assert_eq!(super::YearMonth { year: 2027, month: 2 }.weekday_counts(), [4; 7]);
        assert_eq!(super::YearMonth { year: 2000, month: 1 }.first_weekday(), 5);
        // Every month of 400 years: the counts add up to its days.
        let mut m = super::YearMonth { year: 1900, month: 1 };
        for _ in 0..4800 {
            assert_eq!(m.weekday_counts().iter().sum::<u32>(), m.days());
            m = m.plus(1);
        }
    }

    use super::*;

    #[test]
    fn parses_and_steps_months() {
        let jan = YearMonth::parse("2027-01").unwrap();
        assert_eq!(jan.plus(11).to_string(), "2027-12");
        assert_eq!(jan.plus(12).to_string(), "2028-01");
        assert_eq!(jan.months_until(YearMonth::parse("2028-03").unwrap()), 14);
        for bad in ["2027-13", "2027-00", "27-01", "2027/01", "2027-1", "abcd-ef"] {
            assert!(YearMonth::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn fiscal_year_from_january_is_the_calendar_year() {
        let fys = fiscal_years(YearMonth::parse("2027-01").unwrap(), 36, 1);
        let labels: Vec<_> = fys.iter().map(|f| (f.label(), f.months.clone(), f.partial)).collect();
        assert_eq!(
            labels,
            vec![("FY2027".into(), 0..12, false), ("FY2028".into(), 12..24, false), ("FY2029".into(), 24..36, false)]
        );
    }

    #[test]
    fn fiscal_year_from_july_is_labelled_by_its_end() {
        assert_eq!(YearMonth::parse("2027-07").unwrap().fiscal_year(7), 2028);
        assert_eq!(YearMonth::parse("2027-06").unwrap().fiscal_year(7), 2027);
        let fys = fiscal_years(YearMonth::parse("2027-01").unwrap(), 24, 7);
        let labels: Vec<_> = fys.iter().map(|f| (f.label(), f.months.clone(), f.partial)).collect();
        assert_eq!(
            labels,
            vec![("FY2027".into(), 0..6, true), ("FY2028".into(), 6..18, false), ("FY2029".into(), 18..24, true)]
        );
    }
}
