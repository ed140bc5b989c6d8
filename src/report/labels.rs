//! Names a finance partner reads, for what the files call by id and path:
//! "Chatbot: share of chat contacts moved to self-service" for
//! `chatbot.effects[0].share`, "Phone: cost per contact" for
//! `channel[0].cost_per_contact`. The CSV tables keep the paths (they are
//! the contract and what correlations name); the page, the charts and the
//! workbook's sheets for people use these.

use crate::model::{Baseline, Case, Effect, InputId};

/// A channel's id as words: `social_media` is "social media".
pub fn channel(id: &str) -> String {
    id.replace(['_', '-'], " ")
}

/// The same, capitalised, to begin a label: "Social media".
pub fn channel_title(id: &str) -> String {
    capitalise(&channel(id))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |first| first.to_uppercase().chain(chars).collect())
}

/// Channels as a list in words: "phone", "phone and chat", "phone, chat
/// and email".
pub fn channel_list(case: &Case, channels: &[usize]) -> String {
    let names: Vec<String> = channels.iter().map(|&c| channel(&case.model.channels[c].id)).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What an effect does, without its size: "moves chat contacts to
/// self-service", "avoids phone and email contacts".
pub fn effect_action(case: &Case, effect: &Effect) -> String {
    let ch = |c: usize| channel(&case.model.channels[c].id);
    match effect {
        Effect::Deflect { from, to: Some(to), .. } => format!("of {} contacts moved to {}", ch(*from), ch(*to)),
        Effect::Deflect { from, to: None, .. } => format!("of {} contacts moved out of the operation", ch(*from)),
        Effect::Avoid { channels, .. } => format!("of {} contacts avoided", channel_list(case, channels)),
        Effect::ReduceCost { channels, .. } => {
            format!("off the cost of a {} contact", channel_list(case, channels))
        }
    }
}

/// How an input's values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// An amount in the model's currency.
    Money,
    /// A share or rate, written as a percent.
    Share,
    /// A count or a duration, written as a number.
    Count,
    /// A chance of success: its P(success) is what matters, not a spread.
    Chance,
}

/// An input as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputLabel {
    pub text: String,
    pub unit: Unit,
}

/// Every input's label, indexed by [`InputId`]; an input no part of the
/// case names keeps its path.
pub fn input_labels(case: &Case) -> Vec<InputLabel> {
    let mut labels: Vec<InputLabel> =
        case.inputs.defs.iter().map(|d| InputLabel { text: d.path.clone(), unit: Unit::Count }).collect();
    let mut set = |id: InputId, text: String, unit: Unit| {
        if let Some(slot) = labels.get_mut(id) {
            *slot = InputLabel { text, unit };
        }
    };
    set(case.model.discount_rate, "Discount rate a year".into(), Unit::Share);
    for c in &case.model.channels {
        let name = channel_title(&c.id);
        let staffed = c.staffing.is_some();
        let price = if staffed { "non-labour cost per contact" } else { "cost per contact" };
        set(c.cost_per_contact, format!("{name}: {price}"), Unit::Money);
        set(c.inflation, format!("{name}: cost inflation a year"), Unit::Share);
        set(c.fixed_monthly, format!("{name}: fixed cost a month"), Unit::Money);
        match &c.baseline {
            Baseline::Trend { volume, growth, seasonality } => {
                set(*volume, format!("{name}: contacts in the first month"), Unit::Count);
                set(*growth, format!("{name}: volume growth a month"), Unit::Share);
                for (i, &s) in seasonality.iter().enumerate() {
                    set(s, format!("{name}: seasonality, {}", MONTHS[i]), Unit::Share);
                }
            }
            Baseline::Fitted(f) => {
                set(f.volume, format!("{name}: contacts at the horizon start (fitted trend)"), Unit::Count);
                set(f.growth, format!("{name}: volume growth a month (fitted)"), Unit::Share);
            }
            Baseline::Plan(_) => {}
        }
        if let Some(s) = &c.staffing {
            set(s.aht_seconds, format!("{name}: handle time (seconds)"), Unit::Count);
            if let Some(open_hours) = s.hours.open_hours() {
                set(open_hours, format!("{name}: open hours a month"), Unit::Count);
            }
            set(s.service_level, format!("{name}: service level target"), Unit::Share);
            set(s.answer_seconds, format!("{name}: answer within (seconds)"), Unit::Count);
            set(s.max_occupancy, format!("{name}: occupancy cap"), Unit::Share);
            set(s.shrinkage, format!("{name}: shrinkage"), Unit::Share);
            set(s.paid_hours_per_fte, format!("{name}: paid hours per FTE a month"), Unit::Count);
            set(s.cost_per_fte, format!("{name}: cost per FTE a month"), Unit::Money);
            set(s.concurrency, format!("{name}: contacts an agent handles at once"), Unit::Count);
        }
    }
    for init in &case.initiatives {
        let name = &init.name;
        set(init.success, format!("{name}: chance of success"), Unit::Chance);
        set(init.capex, format!("{name}: capex"), Unit::Money);
        set(init.opex, format!("{name}: opex a month"), Unit::Money);
        for e in &init.effects {
            set(e.share(), format!("{name}: share {}", effect_action(case, e)), Unit::Share);
            if let Effect::Deflect { leak, .. } = e {
                set(*leak, format!("{name}: share of moved contacts that come back (leak)"), Unit::Share);
            }
        }
    }
    labels
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical() -> Case {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/acme-ai-roadmap.toml");
        crate::validate::load_case(&path).expect("the example loads").value
    }

    #[test]
    fn every_input_of_the_canonical_case_has_a_label_in_words() {
        let case = canonical();
        let labels = input_labels(&case);
        assert_eq!(labels.len(), case.inputs.defs.len());
        for (label, def) in labels.iter().zip(&case.inputs.defs) {
            assert_ne!(label.text, def.path, "{} has no label", def.path);
            assert!(!label.text.contains('[') && !label.text.contains('_'), "{}", label.text);
        }
        let chatbot = case.initiatives.iter().find(|i| i.id == "chatbot").expect("the example has a chatbot");
        let share = chatbot.effects[0].share();
        assert!(labels[share].text.starts_with(&format!("{}: share of ", chatbot.name)), "{}", labels[share].text);
        assert_eq!(labels[share].unit, Unit::Share);
        assert_eq!(labels[chatbot.success].unit, Unit::Chance);
        assert_eq!(labels[chatbot.capex].unit, Unit::Money);
    }

    #[test]
    fn channel_lists_read_as_words() {
        assert_eq!(channel("social_media"), "social media");
        assert_eq!(channel_title("web-chat"), "Web chat");
        let case = canonical();
        assert_eq!(channel_list(&case, &[0]), channel(&case.model.channels[0].id));
        assert_eq!(
            channel_list(&case, &[0, 1, 2]),
            format!(
                "{}, {} and {}",
                channel(&case.model.channels[0].id),
                channel(&case.model.channels[1].id),
                channel(&case.model.channels[2].id)
            )
        );
    }
}
