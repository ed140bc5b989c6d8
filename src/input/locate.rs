//! Which field a byte offset of a TOML file falls in, e.g.
//! `initiative[0].effects[1].share`: serde's type errors carry a span but no
//! field path, and a user needs both.

/// One level of nesting inside a value.
enum Frame {
    Array(usize),
    Table(Option<String>),
}

/// The dotted field path at `offset`, as far as it can be read; `None` if
/// the offset lies outside any key or table.
pub fn field_path_at(text: &str, offset: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let mut prefix = String::new();
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut key: Option<String> = None;
    let mut frames: Vec<Frame> = Vec::new();
    let mut expect_key = true;
    let mut i = 0;
    let path = |prefix: &str, key: &Option<String>, frames: &[Frame]| {
        fn push(p: &mut String, part: &str) {
            if !p.is_empty() {
                p.push('.');
            }
            p.push_str(part);
        }
        let mut p = prefix.to_owned();
        if let Some(k) = key {
            push(&mut p, k);
        }
        for f in frames {
            match f {
                Frame::Array(k) => p.push_str(&format!("[{k}]")),
                Frame::Table(Some(k)) => push(&mut p, k),
                Frame::Table(None) => {}
            }
        }
        (!p.is_empty()).then_some(p)
    };
    while i < bytes.len() {
        if i >= offset {
            return path(&prefix, &key, &frames);
        }
        let c = bytes[i];
        match c {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\n' if frames.is_empty() => {
                expect_key = true;
                key = None;
            }
            b'[' if frames.is_empty() && expect_key => {
                let double = bytes.get(i + 1) == Some(&b'[');
                let start = i + if double { 2 } else { 1 };
                let end = text[start..].find(']').map_or(bytes.len(), |e| start + e);
                let name = text[start..end].trim().to_owned();
                prefix = if double {
                    let n = counts.entry(name.clone()).or_insert(0);
                    *n += 1;
                    format!("{name}[{}]", *n - 1)
                } else {
                    name
                };
                if end + 1 > offset {
                    return Some(prefix);
                }
                i = end + if double { 2 } else { 1 };
                continue;
            }
            b'"' | b'\'' => {
                let triple = bytes.get(i + 1) == Some(&c) && bytes.get(i + 2) == Some(&c);
                i += if triple { 3 } else { 1 };
                while i < bytes.len() {
                    if c == b'"' && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == c && (!triple || (bytes.get(i + 1) == Some(&c) && bytes.get(i + 2) == Some(&c))) {
                        i += if triple { 3 } else { 1 };
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            b'[' => frames.push(Frame::Array(0)),
            b'{' => {
                frames.push(Frame::Table(None));
                expect_key = true;
            }
            b']' | b'}' => {
                frames.pop();
            }
            b',' => match frames.last_mut() {
                Some(Frame::Array(k)) => *k += 1,
                Some(Frame::Table(k)) => {
                    *k = None;
                    expect_key = true;
                }
                None => {}
            },
            _ if expect_key && !c.is_ascii_whitespace() => {
                // A key runs to the `=`.
                let end = text[i..].find('=').map_or(bytes.len(), |e| i + e);
                let name = text[i..end].trim().trim_matches('"').to_owned();
                match frames.last_mut() {
                    Some(Frame::Table(k)) => *k = Some(name),
                    _ => key = Some(name),
                }
                expect_key = false;
                if end >= offset {
                    return path(&prefix, &key, &frames);
                }
                i = end + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    path(&prefix, &key, &frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, needle: &str) -> Option<String> {
        field_path_at(text, text.find(needle).expect("needle in text"))
    }

    #[test]
    fn top_level_and_table_keys() {
        let t =
            "name = \"x\"\nmonths = \"six\"\n\n[[channel]]\nid = \"a\"\n\n[[channel]]\nid = \"b\"\nnoise = \"u(1)\"\n";
        assert_eq!(at(t, "\"six\"").as_deref(), Some("months"));
        assert_eq!(at(t, "\"u(1)\"").as_deref(), Some("channel[1].noise"));
    }

    #[test]
    fn arrays_and_inline_tables() {
        let t = "[[initiative]]\nid = \"k\"\neffects = [\n  { deflect = \"a\", share = 0.1 },\n  \"oops\",\n]\n";
        assert_eq!(at(t, "\"oops\"").as_deref(), Some("initiative[0].effects[1]"));
        assert_eq!(at(t, "0.1").as_deref(), Some("initiative[0].effects[0].share"));
        let b = "budget = [1, 2]\n";
        assert_eq!(at(b, "[1").as_deref(), Some("budget"));
    }

    #[test]
    fn strings_and_comments_do_not_confuse_it() {
        let t = "# a [comment] with = signs\nname = \"a, [b] {c}\" # more\nmonths = 3.5\n";
        assert_eq!(at(t, "3.5").as_deref(), Some("months"));
    }
}
