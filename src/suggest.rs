//! "Did you mean": the known name nearest to a misspelt one, for unknown
//! fields, channel and initiative ids and distribution names.

/// The candidate nearest to `word` by edit distance (insertions,
/// deletions, substitutions and swaps of neighbours), if it is near enough
/// to be a slip of the keyboard rather than another word: at most one edit
/// for a word of up to three letters, two up to eight, a third of its
/// letters beyond ("fiscal_year_begin" for "fiscal_year_start"). Case is
/// ignored; ties go to the first candidate.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let written = word.trim();
    let word = written.to_lowercase();
    let length = word.chars().count();
    let limit = match length {
        0 => return None,
        1..=3 => 1,
        4..=8 => 2,
        // No slip of the keyboard makes a name this long; comparing it
        // with every candidate would take time in the square of its
        // length (issue 28: a 100,000-character name).
        n if n > MAX_WORD_CHARS => return None,
        n => n / 3,
    };
    candidates
        .into_iter()
        // Lengths further apart than the limit are further apart in edits.
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .map(|c| (distance(&word, &c.to_lowercase()), c))
        .filter(|&(d, c)| d <= limit && c != written)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// The longest word [`nearest`] looks for a near candidate to.
const MAX_WORD_CHARS: usize = 64;

/// The most names a message lists (`the model has a, b, c`).
const LISTED: usize = 12;

/// Known names as a message lists them: each shortened
/// ([`crate::error::short_name`]), the first dozen, then how many more
/// (a model may have thousands of channels).
pub fn listing<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    let mut shown: Vec<String> = names.iter().take(LISTED).map(|n| crate::error::short_name(n)).collect();
    if names.len() > LISTED {
        shown.push(format!("and {} more", names.len() - LISTED));
    }
    shown.join(", ")
}

/// ` (did you mean "x"?)` to follow the unknown name in a message, or
/// nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(word, candidates).map_or(String::new(), |c| format!(" (did you mean {}?)", crate::error::quoted(c)))
}

/// Optimal string alignment distance: Levenshtein with swaps of two
/// neighbouring characters counted as one edit ("cpaex" for "capex").
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best =
                (d[(i - 1) * width + j] + 1).min(d[i * width + j - 1] + 1).min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_each_kind_of_slip_once() {
        assert_eq!(distance("volume", "volume"), 0);
        assert_eq!(distance("volumee", "volume"), 1);
        assert_eq!(distance("volme", "volume"), 1);
        assert_eq!(distance("volune", "volume"), 1);
        assert_eq!(distance("cpaex", "capex"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn a_name_too_long_to_be_a_slip_gets_no_suggestion() {
        let long = "a".repeat(100_000);
        let near = format!("{long}b");
        assert_eq!(nearest(&long, [near.as_str()]), None);
        assert_eq!(nearest("phone", [near.as_str(), "phon"]), Some("phon"));
    }

    #[test]
    fn listings_shorten_names_and_stop_after_a_dozen() {
        assert_eq!(listing(["phone", "chat"]), "phone, chat");
        let many: Vec<String> = (0..8000).map(|i| format!("c{i}")).collect();
        let listed = listing(many.iter().map(String::as_str));
        assert!(listed.starts_with("c0, c1, "), "{listed}");
        assert!(listed.ends_with("c11, and 7988 more"), "{listed}");
        let long = "x".repeat(100_000);
        assert_eq!(listing([long.as_str()]), crate::error::short_name(&long));
        assert!(listing([long.as_str()]).len() < 100);
    }

    #[test]
    fn the_nearest_known_name_is_suggested_only_when_near() {
        let fields = ["volume", "growth", "noise", "cost_per_contact", "inflation"];
        assert_eq!(nearest("volumee", fields), Some("volume"));
        assert_eq!(nearest("Growth", fields), Some("growth"), "case is no slip worth reporting as such");
        assert_eq!(nearest("cost_per_contacts", fields), Some("cost_per_contact"));
        assert_eq!(nearest("budget", fields), None);
        assert_eq!(nearest("fiscal_year_begin", ["fiscal_year_start", "discount_rate"]), Some("fiscal_year_start"));
        assert_eq!(nearest("volume", fields), None, "a known name is not misspelt");
        assert_eq!(nearest("fone", ["phone", "chat", "email"]), Some("phone"));
        assert_eq!(nearest("normall", ["normal", "lognormal", "uniform"]), Some("normal"));
        assert_eq!(nearest("x", ["y", "xy"]), Some("y"));
        assert_eq!(did_you_mean("capx", ["capex", "opex"]), " (did you mean \"capex\"?)");
        assert_eq!(did_you_mean("zzz", ["capex", "opex"]), "");
    }
}
