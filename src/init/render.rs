//! The starter files' text: the templates in `templates/`, filled with the
//! channels of a [`Table`] and the initiatives fitted to them.
//!
//! A placeholder is `{{name}}`; one that stands for a block of lines is a
//! comment line `# {{name}}`, so the model and plan templates stay valid
//! TOML as they are.

use super::table::{Roles, Row, STAND_IN_VOLUME, Table, roles};

const MODEL: &str = include_str!("templates/model.toml");
const CHANNEL: &str = include_str!("templates/channel.toml");
const PLAN: &str = include_str!("templates/plan.toml");
const CHATBOT: &str = include_str!("templates/chatbot.toml");
const AGENT_ASSIST: &str = include_str!("templates/agent_assist.toml");
const KNOWLEDGE_BASE: &str = include_str!("templates/knowledge_base.toml");

/// The column at which a channel line's comment starts.
const COMMENT_COLUMN: usize = 40;

/// Width of the comment lines written around the user's values.
const COMMENT_WIDTH: usize = 76;

/// The two files' text.
#[derive(Debug, Clone)]
pub(crate) struct Starter {
    pub model: String,
    pub plan: String,
}

/// The starter model and plan for these channels.
pub(crate) fn render(table: &Table) -> Starter {
    let roles = roles(&table.rows);
    let source = table.from.as_ref().map(|p| p.display().to_string());
    let (origin, budget_note) = match &source {
        None => (
            "Its channels are examples: phone, chat and self-service. Make them yours.".to_owned(),
            "These figures fit the example channels.".to_owned(),
        ),
        Some(csv) => (
            format!("Its channels come from {csv}, every value as written there."),
            format!("These figures are an example; they do not come from {csv}."),
        ),
    };
    let channels: Vec<String> = table.rows.iter().map(channel).collect();
    let correlated = match roles.busiest.as_slice() {
        [a, b, ..] => format!("\"{a}.cost_per_contact\", \"{b}.cost_per_contact\""),
        [a] => format!("\"discount_rate\", \"{a}.inflation\""),
        [] => String::new(),
    };
    let model = fill(
        MODEL,
        &[
            ("{{origin}}", &comment(&origin)),
            ("{{budget_note}}", &comment(&budget_note)),
            ("# {{channels}}", channels.join("\n").trim_end()),
            ("{{correlated}}", &correlated),
        ],
    );
    Starter { model, plan: plan(table, &roles) }
}

/// The scenario file: a first initiative (a chatbot that deflects, or agent
/// assist where nothing can be deflected to), a knowledge base, and two
/// scenarios.
fn plan(table: &Table, roles: &Roles) -> String {
    let channel_ids: Vec<&str> = table.rows.iter().map(|r| r.id.as_str()).collect();
    let kb = unique_id("knowledge_base", &channel_ids);
    let busiest = roles.busiest.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let busiest_words = roles.busiest.join(" and ");
    let (first, first_block, both, rule) = match &roles.deflect {
        Some((from, to)) => {
            let id = unique_id("chatbot", &channel_ids);
            let block = fill(CHATBOT, &[("{{id}}", &id), ("{{from}}", from), ("{{to}}", to)]);
            let rule = format!(
                "Fitted to the model's channels (docs/init.md): the chatbot moves contacts from {from}, \
                 the busiest channel served by agents, to {to}, a self-service channel; the knowledge \
                 base avoids contacts on {busiest_words}."
            );
            (id, block, "Knowledge base and chatbot", rule)
        }
        None => {
            let id = unique_id("agent_assist", &channel_ids);
            let block = fill(AGENT_ASSIST, &[("{{id}}", &id), ("{{channels}}", &busiest)]);
            let rule = format!(
                "Fitted to the model's channels (docs/init.md): no channel's id marks it as self-service, \
                 so nothing is deflected; agent assist makes contacts cheaper and the knowledge base \
                 avoids some, both on {busiest_words}, the busiest channels."
            );
            (id, block, "Knowledge base and agent assist", rule)
        }
    };
    let kb_block = fill(KNOWLEDGE_BASE, &[("{{id}}", &kb), ("{{channels}}", &busiest)]);
    let initiatives = format!("{}\n{}", first_block, kb_block.trim_end());
    fill(
        PLAN,
        &[
            ("{{rule}}", &comment(&rule)),
            ("# {{initiatives}}", &initiatives),
            ("{{knowledge_base}}", &kb),
            ("{{first}}", &first),
            ("{{both}}", both),
        ],
    )
}

/// A `[[channel]]` table with the row's values as written; an empty
/// optional cell leaves its line commented out at the default, an empty
/// volume gets the stand-in.
fn channel(row: &Row) -> String {
    let value = |v: &Option<String>| v.as_deref().map(toml_value);
    let seasonality = row
        .seasonality
        .as_ref()
        .map(|s| format!("[{}]", s.iter().map(|x| toml_value(x)).collect::<Vec<_>>().join(", ")));
    let fields: [(&str, Option<String>, &str); 7] = [
        ("volume", value(&row.volume), STAND_IN_VOLUME),
        ("growth", value(&row.growth), "0"),
        ("noise", value(&row.noise), "0"),
        ("cost_per_contact", value(&row.cost_per_contact), "0"),
        ("inflation", value(&row.inflation), "0"),
        ("fixed_monthly", value(&row.fixed_monthly), "0"),
        ("seasonality", seasonality, "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"),
    ];
    let mut out = String::new();
    for line in CHANNEL.lines() {
        let field = fields.iter().find(|(name, _, _)| line.contains(&format!("{{{{{name}}}}}")));
        let text = match field {
            None => line.replace("{{id}}", &row.id),
            Some((name, given, default)) => {
                let placeholder = format!("{{{{{name}}}}}");
                match given {
                    Some(v) => line.replace(&placeholder, v),
                    None if *name == "volume" => {
                        format!("{}; STAND-IN, not in the table: replace it", line.replace(&placeholder, default))
                    }
                    None => format!("# {}; not in the table, so the default", line.replace(&placeholder, default)),
                }
            }
        };
        out.push_str(&align_comment(&text));
        out.push('\n');
    }
    out
}

/// `key = value  # note` with the note moved to [`COMMENT_COLUMN`].
fn align_comment(line: &str) -> String {
    match line.split_once("  # ") {
        Some((code, note)) => {
            let code = code.trim_end();
            let pad = COMMENT_COLUMN.saturating_sub(code.chars().count()).max(2);
            format!("{code}{}# {note}", " ".repeat(pad))
        }
        None => line.to_owned(),
    }
}

/// A cell as a TOML value: a number as written where TOML reads it as the
/// same number, anything else (an expression) as a TOML string.
fn toml_value(text: &str) -> String {
    let as_number = crate::dist::expr::number(text);
    let toml_reads = format!("v = {text}").parse::<toml::Table>().ok().and_then(|t| match t.get("v") {
        Some(toml::Value::Integer(i)) => Some(*i as f64),
        Some(toml::Value::Float(x)) => Some(*x),
        _ => None,
    });
    if as_number.is_some() && as_number == toml_reads { text.to_owned() } else { toml_string(text) }
}

/// `text` as a TOML basic string, quoted and escaped.
pub(crate) fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `base`, or `base_initiative` when a channel already has that id
/// (initiative and channel ids share one name space).
fn unique_id(base: &str, channel_ids: &[&str]) -> String {
    let mut id = base.to_owned();
    while channel_ids.contains(&id.as_str()) {
        id.push_str("_initiative");
    }
    id
}

/// Replace each placeholder by its value.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |text, (key, value)| text.replace(key, value))
}

/// Text for the rest of a comment line that starts with `# `: wrapped, each
/// further line a comment too.
fn comment(text: &str) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && 2 + line.len() + 1 + word.len() > COMMENT_WIDTH {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines.join("\n# ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read::Reader;
    use crate::input::{RawModel, RawScenarioFile, SourceFile};

    /// Read a file's text into its raw type, insisting it reads cleanly.
    fn read<T>(
        name: &str,
        text: &str,
        with: impl for<'f> Fn(&mut Reader<'f>, &crate::input::read::Table<'_, 'f>) -> T,
    ) -> T {
        let file = SourceFile::from_text(std::path::Path::new(name), text.to_owned());
        let (mut reader, root) = Reader::parse(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        let raw = with(&mut reader, &Reader::root(&root));
        assert!(reader.errors.is_empty(), "{name}: {:?}", reader.errors);
        raw
    }

    #[test]
    fn the_templates_are_toml_and_the_starter_parses_into_the_file_formats() {
        for (name, text) in [("model.toml", MODEL), ("plan.toml", PLAN)] {
            text.parse::<toml::Table>().unwrap_or_else(|e| panic!("templates/{name}: {e}"));
        }
        let starter = render(&super::super::table::starter());
        for text in [&starter.model, &starter.plan] {
            assert!(!text.contains("{{"), "a placeholder is left:\n{text}");
        }
        let model = read("starter.toml", &starter.model, RawModel::read);
        assert_eq!(model.channel.len(), 3);
        assert!(model.budget.is_none() && model.fiscal_year_start.is_none(), "optional fields are commented out");
        let plan = read("starter-plan.toml", &starter.plan, RawScenarioFile::read);
        let ids: Vec<&str> =
            plan.initiative.iter().filter_map(|i| i.id.as_ref()).map(|id| id.get_ref().as_str()).collect();
        assert_eq!(ids, ["chatbot", "knowledge_base"]);
        assert_eq!(plan.scenario.len(), 2);
        assert_eq!(plan.model.as_ref().map(|m| m.get_ref().as_str()), Some("../models/starter.toml"));
    }

    #[test]
    fn cells_are_copied_as_written_and_quoted_where_toml_would_not_read_them() {
        assert_eq!(toml_value("185_000"), "185_000");
        assert_eq!(toml_value("1.10"), "1.10");
        assert_eq!(toml_value("-0.002"), "-0.002");
        assert_eq!(toml_value(".5"), "\".5\"");
        assert_eq!(toml_value("007"), "\"007\"");
        assert_eq!(toml_value("pert(6, 8, 12)"), "\"pert(6, 8, 12)\"");
        assert_eq!(toml_string("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
    }

    #[test]
    fn empty_cells_are_defaults_commented_out_and_an_empty_volume_a_flagged_stand_in() {
        let row = Row {
            id: "phone".into(),
            volume: None,
            growth: None,
            noise: Some("0.05".into()),
            cost_per_contact: Some("pert(5, 6, 8)".into()),
            inflation: None,
            fixed_monthly: Some("185_000".into()),
            seasonality: None,
            median_volume: None,
        };
        let text = channel(&row);
        assert!(text.contains("\nvolume = 10_000"), "{text}");
        assert!(text.contains("STAND-IN"), "{text}");
        assert!(text.contains("\n# growth = 0 "), "{text}");
        assert!(text.contains("\ncost_per_contact = \"pert(5, 6, 8)\""), "{text}");
        assert!(text.contains("\n# seasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"), "{text}");
        let parsed: toml::Table = text.parse().expect("a channel table parses");
        let channel = &parsed["channel"].as_array().unwrap()[0];
        assert_eq!(channel.get("fixed_monthly").and_then(toml::Value::as_integer), Some(185_000));
        assert!(channel.get("growth").is_none());
    }

    #[test]
    fn initiative_ids_step_aside_for_channel_ids() {
        assert_eq!(unique_id("chatbot", &["phone", "chatbot"]), "chatbot_initiative");
        assert_eq!(unique_id("knowledge_base", &["phone"]), "knowledge_base");
    }

    #[test]
    fn comments_wrap_and_stay_comments() {
        let text = format!("# {}", comment(&"word ".repeat(40)));
        assert!(text.lines().all(|l| l.starts_with("# ") && l.len() <= COMMENT_WIDTH), "{text}");
    }
}
