//! Checking `[channel.staffing]` (spec sections 10 and 11).
//!
//! Every field is an input, sampled once, so a distribution is allowed; its
//! draws must all be usable by the queue formulas (a service level of 1 has
//! no finite agent count, a shrinkage of 1 leaves no time on contacts), so
//! a distribution that puts more than a trace of mass outside the field's
//! range is refused, not clamped.

use toml::Spanned;

use super::Checker;
use super::units::{self, Meaning, Unit};
use crate::input::{Expr, RawStaffing, SourceFile};
use std::sync::Arc;

use super::profile;
use crate::model::{Abandonment, Headcount, Hours, InputId, InputKind, Profile, Release, Staffing};

/// Mass outside a field's range a distribution may have (rounding, far
/// tails); the simulation clamps such draws into the range.
const OUTSIDE_MASS: f64 = 1e-9;

/// Where a staffing field's values must lie: (low, low included, high,
/// high included).
#[derive(Clone, Copy)]
struct Range {
    low: f64,
    low_closed: bool,
    high: f64,
    high_closed: bool,
}

impl Range {
    const POSITIVE: Range = Range { low: 0.0, low_closed: false, high: f64::INFINITY, high_closed: false };
    const NON_NEGATIVE: Range = Range { low: 0.0, low_closed: true, high: f64::INFINITY, high_closed: false };
    const OPEN_UNIT: Range = Range { low: 0.0, low_closed: false, high: 1.0, high_closed: false };
    const OCCUPANCY: Range = Range { low: 0.0, low_closed: false, high: 1.0, high_closed: true };
    const SHRINKAGE: Range = Range { low: 0.0, low_closed: true, high: 1.0, high_closed: false };
    const AT_LEAST_ONE: Range = Range { low: 1.0, low_closed: true, high: f64::INFINITY, high_closed: false };
    /// Staffed hours in a month: at most 31 days of 24 hours.
    const MONTH_HOURS: Range = Range { low: 0.0, low_closed: false, high: 744.0, high_closed: true };
    /// A handle time: at most a day.
    const DAY_SECONDS: Range = Range { low: 0.0, low_closed: false, high: 86_400.0, high_closed: true };

    fn contains(self, x: f64) -> bool {
        let above = if self.low_closed { x >= self.low } else { x > self.low };
        let below = if self.high_closed { x <= self.high } else { x < self.high };
        above && below
    }

    /// The bounds of a share's range, to follow "is a share ".
    fn share_bounds(self) -> &'static str {
        match (self.low_closed, self.high_closed) {
            (true, true) => "between 0 and 1",
            (false, false) => "strictly between 0 and 1",
            (false, true) => "above 0 and at most 1",
            (true, false) => "of at least 0 and below 1",
        }
    }

    fn describe(self) -> String {
        match (self.low, self.high.is_infinite()) {
            (low, true) if self.low_closed && low == 1.0 => ">= 1".into(),
            (_, false) if self.high > 1.0 => format!("> 0 and at most {}", self.high),
            (_, true) if self.low_closed => ">= 0".into(),
            (_, true) => "> 0".into(),
            (low, false) => format!(
                "in {}{low}, {}{}",
                if self.low_closed { "[" } else { "(" },
                self.high,
                if self.high_closed { "]" } else { ")" }
            ),
        }
    }
}

/// What the fields that are no shares are, should one be written as a
/// percent.
const SECONDS: Unit = Unit::Quantity("a handle time is a number of seconds");
const OPEN_HOURS: Unit = Unit::Quantity("open hours are the hours staffed in a month");
const ANSWER: Unit = Unit::Quantity("an answer time is a number of seconds");
const PAID_HOURS: Unit = Unit::Quantity("paid hours are the hours an FTE is paid in a month");
const COST_PER_FTE: Unit = Unit::Quantity("a cost per FTE is an amount of money");
const PATIENCE: Unit = Unit::Quantity("a patience is a number of seconds");
const CONCURRENCY: Unit = Unit::Quantity("concurrency is a number of contacts an agent handles at once");
const SEVERANCE: Unit = Unit::Quantity("a severance per FTE is an amount of money");

/// Register and check a channel's staffing inputs. `field` is the path to
/// the channel in messages (`channel[0]`), `id` its id for input paths.
pub(crate) fn check_staffing(
    ck: &mut Checker,
    file: &SourceFile,
    raw: &Spanned<RawStaffing>,
    field: &str,
    id: &str,
) -> Staffing {
    let anchor = ck.anchor.replace(raw.span());
    let s = raw.get_ref();
    let mut field_input = |name: &str, expr: &Option<Spanned<Expr>>, default: Option<f64>, range: Range, unit: Unit| {
        let field = format!("{field}.staffing.{name}");
        let input = ck.input(
            file,
            expr.as_ref(),
            default,
            format!("{id}.staffing.{name}"),
            &field,
            Meaning::ranged(unit),
            InputKind::Value,
            false,
        );
        check_range(ck, file, expr.as_ref(), &field, input, range, unit);
        input
    };
    let (mut weekly_only, mut conflicts, mut profile_at) = (Vec::new(), Vec::new(), None);
    let staffing = Staffing {
        aht_seconds: field_input("aht_seconds", &s.aht_seconds, None, Range::DAY_SECONDS, SECONDS),
        hours: match &s.profile_csv {
            None => {
                if let Some(m) = &s.interval_minutes {
                    weekly_only.push(("interval_minutes", m.span()));
                }
                Hours::Monthly(field_input("open_hours", &s.open_hours, None, Range::MONTH_HOURS, OPEN_HOURS))
            }
            Some(written) => {
                if let Some(open) = &s.open_hours {
                    conflicts.push(open.span());
                }
                profile_at = Some(written.clone());
                Hours::Weekly(Arc::new(Profile {
                    file: written.get_ref().clone(),
                    interval_minutes: 30,
                    intervals: Vec::new(),
                }))
            }
        },
        service_level: field_input("service_level", &s.service_level, None, Range::OPEN_UNIT, Unit::Share),
        answer_seconds: field_input("answer_seconds", &s.answer_seconds, None, Range::NON_NEGATIVE, ANSWER),
        max_occupancy: field_input("max_occupancy", &s.max_occupancy, Some(1.0), Range::OCCUPANCY, Unit::Share),
        shrinkage: field_input("shrinkage", &s.shrinkage, Some(0.0), Range::SHRINKAGE, Unit::Share),
        paid_hours_per_fte: field_input("paid_hours_per_fte", &s.paid_hours_per_fte, None, Range::POSITIVE, PAID_HOURS),
        cost_per_fte: field_input("cost_per_fte", &s.cost_per_fte, None, Range::NON_NEGATIVE, COST_PER_FTE),
        concurrency: field_input("concurrency", &s.concurrency, Some(1.0), Range::AT_LEAST_ONE, CONCURRENCY),
        abandonment: None,
        headcount: None,
    };
    // Likewise the headcount rules (spec section 13): only a channel that
    // describes how its headcount moves gets their inputs and rows.
    let any_headcount =
        s.attrition.is_some() || s.training_months.is_some() || s.release.is_some() || s.severance_per_fte.is_some();
    let hc_inputs = any_headcount.then(|| {
        let attrition = field_input("attrition", &s.attrition, Some(0.0), Range::SHRINKAGE, Unit::Share);
        let severance_per_fte =
            field_input("severance_per_fte", &s.severance_per_fte, Some(0.0), Range::NON_NEGATIVE, SEVERANCE);
        (attrition, severance_per_fte)
    });
    // Only a queue that says its callers' patience gets these inputs, so a
    // model without them samples exactly the inputs it always did.
    let staffing = match (&s.patience_seconds, &s.max_abandon) {
        (Some(_), max_abandon) => {
            let patience_seconds =
                field_input("patience_seconds", &s.patience_seconds, None, Range::POSITIVE, PATIENCE);
            let max_abandon = max_abandon
                .as_ref()
                .map(|_| field_input("max_abandon", &s.max_abandon, None, Range::OPEN_UNIT, Unit::Share));
            Staffing { abandonment: Some(Abandonment { patience_seconds, max_abandon }), ..staffing }
        }
        (None, Some(m)) => {
            ck.error(file.error(
                Some(m.span()),
                format!("{field}.staffing.max_abandon"),
                "an abandonment cap needs the callers' patience: add patience_seconds".to_owned(),
            ));
            staffing
        }
        (None, None) => staffing,
    };
    // A weekly profile (spec section 14) replaces open_hours.
    for span in conflicts {
        ck.error(file.error(
            Some(span),
            format!("{field}.staffing.open_hours"),
            "not allowed with profile_csv: the profile's open intervals say when the queue is open; remove open_hours",
        ));
    }
    for (name, span) in weekly_only {
        ck.error(file.error(
            Some(span),
            format!("{field}.staffing.{name}"),
            "an interval length needs a weekly profile: add profile_csv, or remove interval_minutes",
        ));
    }
    let staffing = match profile_at {
        Some(written) => {
            let minutes = profile::interval_minutes(ck, file, s.interval_minutes.as_ref(), field);
            match profile::read_profile(ck, file, &written, minutes, field) {
                Some(p) => Staffing { hours: Hours::Weekly(Arc::new(p)), ..staffing },
                None => staffing,
            }
        }
        None => staffing,
    };
    let headcount = hc_inputs.map(|(attrition, severance_per_fte)| Headcount {
        attrition,
        training_months: training_months(ck, file, s.training_months.as_ref(), field),
        release: release(ck, file, s.release.as_ref(), field),
        severance_per_fte,
    });
    ck.anchor = anchor;
    Staffing { headcount, ..staffing }
}

/// Most months a hire may train: ten years, beyond any horizon worth
/// planning a contact centre over.
const MAX_TRAINING_MONTHS: f64 = 120.0;

/// `training_months`: a whole number of months, 0 by default.
fn training_months(ck: &mut Checker, file: &SourceFile, raw: Option<&Spanned<f64>>, field: &str) -> usize {
    let Some(raw) = raw else { return 0 };
    let x = *raw.get_ref();
    let problem = if !x.is_finite() || x < 0.0 {
        Some(format!("must be a whole number of months >= 0, got {x}"))
    } else if x.fract() != 0.0 {
        Some(format!("must be a whole number of months (a hire trains for 0, 1, 2, ... months), got {x}"))
    } else if x > MAX_TRAINING_MONTHS {
        Some(format!("must be at most {MAX_TRAINING_MONTHS} months, got {x}"))
    } else {
        None
    };
    match problem {
        Some(message) => {
            ck.error(file.error(Some(raw.span()), format!("{field}.staffing.training_months"), message));
            0
        }
        None => x as usize,
    }
}

/// `release`: `"immediate"` (the default) or `"attrition"`.
fn release(ck: &mut Checker, file: &SourceFile, raw: Option<&Spanned<String>>, field: &str) -> Release {
    let Some(raw) = raw else { return Release::Immediate };
    let written = raw.get_ref().trim();
    match Release::ALL.iter().find(|(name, _)| *name == written) {
        Some(&(_, release)) => release,
        None => {
            let message = format!(
                "unknown release {}: write \"immediate\" (surplus FTE leave at once, with severance) or \"attrition\" (they stay on payroll until they leave)",
                crate::error::quoted(&raw.get_ref().escape_debug().to_string())
            );
            ck.error(file.error(Some(raw.span()), format!("{field}.staffing.release"), message));
            Release::Immediate
        }
    }
}

/// Refuse a constant outside `range`, or a distribution with more than a
/// trace of mass outside it; for a share, say how to write a percent.
fn check_range(
    ck: &mut Checker,
    file: &SourceFile,
    expr: Option<&Spanned<Expr>>,
    field: &str,
    input: InputId,
    range: Range,
    unit: Unit,
) {
    let dist = &ck.inputs.defs[input].dist;
    let written = expr.map(Spanned::get_ref);
    if let Some(x) = dist.constant_value() {
        if x.is_finite() && !range.contains(x) {
            let message = match (unit, written) {
                (Unit::Share, Some(w)) => {
                    units::share_constant(field, w, x, units::is_percent(w), unit, range.share_bounds())
                }
                _ => format!("must be {}, got {x}", range.describe()),
            };
            ck.error(file.error(expr.map(Spanned::span), field, message));
        }
        return;
    }
    let below = if range.low_closed { dist.cdf_below(range.low) } else { dist.cdf(range.low) };
    let above = if range.high.is_infinite() {
        0.0
    } else if range.high_closed {
        1.0 - dist.cdf(range.high)
    } else {
        1.0 - dist.cdf_below(range.high)
    };
    let outside = below + above;
    if outside > OUTSIDE_MASS {
        let hint = match (unit, written) {
            (Unit::Share, Some(w)) => units::percent_hint(w, dist),
            _ => String::new(),
        };
        let message = format!(
            "{:.2}% of this distribution lies outside the range it needs; every draw must be {}{hint}",
            outside * 100.0,
            range.describe()
        );
        ck.error(file.error(expr.map(Spanned::span), field, message));
    }
}

/// Typical traffic a staffed queue may carry, in Erlangs: 5,000 agents busy
/// at once is beyond any single queue, and the exact agent search costs
/// time in proportion to the traffic, so more is almost surely a unit slip
/// (an AHT in milliseconds, open hours a day instead of a month).
pub(crate) const MAX_TYPICAL_ERLANGS: f64 = 5_000.0;

/// Typical traffic the busiest interval of a weekly profile may carry, in
/// Erlangs: about 1,100 agents on one queue in one interval.
pub(crate) const MAX_INTERVAL_ERLANGS: f64 = 1_000.0;

/// Traffic the tails of the staffing inputs may reach (a draw in a
/// thousand), in Erlangs.
pub(crate) const TAIL_ERLANGS: f64 = 50_000.0;

/// Refuse a staffed channel whose typical traffic (medians of the inputs,
/// the busiest month's volume, growth included) passes
/// [`MAX_TYPICAL_ERLANGS`].
pub(crate) fn check_traffic(ck: &mut Checker, file: &SourceFile, field: &str, staffing: &Staffing, volume: f64) {
    let q = |id: InputId, p: f64| ck.inputs.defs[id].dist.quantile(p);
    // With a weekly profile, the busiest interval's queue: each weekday
    // occurs at least 4 times a month, so its share of the month is at
    // most peak / 4, carried over one interval; as open hours, that is
    // the month's volume spread at that rate.
    let open_hours = |p: f64| match &staffing.hours {
        Hours::Monthly(id) => q(*id, p),
        Hours::Weekly(profile) => {
            4.0 * f64::from(profile.interval_minutes) / 60.0 / profile.peak_share().max(f64::MIN_POSITIVE)
        }
    };
    let (aht, hours, concurrency) = (q(staffing.aht_seconds, 0.5), open_hours(0.5), q(staffing.concurrency, 0.5));
    let erlangs = volume * aht / (hours * 3600.0 * concurrency.max(1.0));
    // The tails too: one draw in a thousand of each field at its worst.
    let (aht_hi, hours_lo, concurrency_lo) =
        (q(staffing.aht_seconds, 0.999), open_hours(0.001), q(staffing.concurrency, 0.001));
    let tail = volume * aht_hi / (hours_lo.max(f64::MIN_POSITIVE) * 3600.0 * concurrency_lo.max(1.0));
    if tail.is_finite() && tail > TAIL_ERLANGS && erlangs <= MAX_TYPICAL_ERLANGS {
        let anchor = ck.anchor.clone();
        ck.error(file.error(
            anchor,
            format!("{field}.staffing"),
            format!(
                "one month in a thousand would carry about {tail:.0} Erlangs (AHT {aht_hi:.0} s over {hours_lo:.3} open \
                 hours): more than {TAIL_ERLANGS:.0}; narrow the aht_seconds or open_hours distribution"
            ),
        ));
    }
    // A weekly profile's busiest interval (spec section 14): its agents'
    // thresholds are found one count at a time, work growing with the
    // square of the agents, so the bound is tighter than a month's.
    if let Hours::Weekly(profile) = &staffing.hours
        && erlangs.is_finite()
        && erlangs > MAX_INTERVAL_ERLANGS
        && erlangs <= MAX_TYPICAL_ERLANGS
    {
        let anchor = ck.anchor.clone();
        ck.error(file.error(
            anchor,
            format!("{field}.staffing"),
            format!(
                "the busiest interval of {} carries about {erlangs:.0} Erlangs ({volume:.0} contacts a month of {aht:.0}                  s), more than {MAX_INTERVAL_ERLANGS:.0}: beyond one queue's half hour, and too slow to staff interval                  by interval; check the volume and aht_seconds, or staff it by open_hours",
                profile.file
            ),
        ));
    }
    // Infinite traffic (growth compounded past f64) is refused too.
    if erlangs > MAX_TYPICAL_ERLANGS {
        let anchor = ck.anchor.clone();
        ck.error(file.error(
            anchor,
            format!("{field}.staffing"),
            format!(
                "a typical month carries about {erlangs:.0} Erlangs ({volume:.0} contacts of {aht:.0} s over {hours:.0} open \
                 hours, concurrency {concurrency}), more than one queue of {MAX_TYPICAL_ERLANGS:.0} agents; check the \
                 volume and the units: aht_seconds in seconds, open_hours in hours a month"
            ),
        ));
    }
}
