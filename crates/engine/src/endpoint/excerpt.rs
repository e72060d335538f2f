//! Server text as a message can carry it: the part that says what went wrong, on one line,
//! bounded, with nothing that could repaint a terminal or reorder what is read.

use serde_json::Value;

/// Longest excerpt of an error body, in characters.
const ERROR_LIMIT: usize = 300;
/// Where an excerpt left out the middle of a long text.
pub(super) const CUT: &str = " … ";
/// Longest excerpt of a value shown in a verdict (a prediction, a shape).
const VALUE_LIMIT: usize = 120;

/// What an error body says: a JSON error's `message`, `error` or `detail` (MLflow, Triton and
/// BentoML, FastAPI), a Python traceback's last line (MLServer's 500), or else the text itself.
pub(super) fn error_excerpt(body: &str) -> String {
    let said = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|json| json_error(&json))
        .or_else(|| traceback_cause(body))
        .unwrap_or_else(|| body.to_owned());
    one_line(&said, ERROR_LIMIT)
}

/// A value as compact JSON, bounded.
pub(super) fn excerpt_json(value: &Value) -> String {
    one_line(&value.to_string(), VALUE_LIMIT)
}

/// Any server-chosen text (a content type, a `Location`), bounded.
pub(super) fn excerpt_text(text: &str) -> String {
    one_line(text, VALUE_LIMIT)
}

fn json_error(json: &Value) -> Option<String> {
    let field = ["message", "error", "detail"]
        .iter()
        .find_map(|key| json.get(key))?;
    Some(match field {
        Value::String(text) => text.clone(),
        // `{"error": {"message": ...}}`, as some gateways nest it.
        Value::Object(inner) => match inner.get("message") {
            Some(Value::String(text)) => text.clone(),
            _ => field.to_string(),
        },
        other => other.to_string(),
    })
}

/// A Python traceback's last line, which names the exception and its cause.
fn traceback_cause(body: &str) -> Option<String> {
    if !body.contains("Traceback (most recent call last)") {
        return None;
    }
    body.lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .map(str::to_owned)
}

/// `text` on one line: terminal escape sequences dropped, control and direction-changing
/// characters made spaces, runs of spaces collapsed, line breaks shown as ` / `, and cut to
/// about `limit` characters, keeping its start and end around an ellipsis.
fn one_line(text: &str, limit: usize) -> String {
    let mut clean = String::new();
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI sequences (`ESC [ … final`) go whole; a lone ESC becomes a space.
            if chars.peek() == Some(&'[') {
                chars.next();
                for next in chars.by_ref() {
                    if ('@'..='~').contains(&next) {
                        break;
                    }
                }
                continue;
            }
        }
        let shown = match c {
            '\n' => " / ",
            c if c.is_control() || is_invisible_format(c) => " ",
            _ => {
                clean.push(c);
                continue;
            }
        };
        clean.push_str(shown);
    }
    let words: Vec<&str> = clean.split(' ').filter(|w| !w.is_empty()).collect();
    let mut joined = words.join(" ");
    // Blank lines leave ` / / `: one separator says the same.
    while joined.contains("/ /") {
        joined = joined.replace("/ /", "/");
    }
    let length = joined.chars().count();
    if length <= limit {
        return joined;
    }
    // Its start says what failed, its end often why (MLflow's `message` ends with the cause).
    let head: String = joined.chars().take(limit / 2).collect();
    let tail: String = joined.chars().skip(length - limit / 2).collect();
    format!("{}{CUT}{}", head.trim_end(), tail.trim_start())
}

/// Zero-width and bidirectional formatting characters, which can hide or reorder text.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_joined_and_cut_at_a_character_boundary() {
        assert_eq!(one_line("a\r\n\r\nb", 10), "a / b");
        assert_eq!(one_line("éééééééé", 4), "éé … éé");
        assert_eq!(one_line("\u{1b}[1;31mred\u{1b}[0m", 10), "red");
        assert_eq!(error_excerpt(r#"{"error": {"message": "quota"}}"#), "quota");
        assert_eq!(
            error_excerpt("<html>Bad Gateway</html>"),
            "<html>Bad Gateway</html>"
        );
    }
}
