//! Text on its way to the terminal. Specs, datasets and servers are untrusted, and their text
//! (names, paths, column names, server answers) appears in what `assay` prints: a newline in a
//! spec's name could forge a `PASS` line, an escape sequence could recolour or clear the screen,
//! and a one-line error could become two. Everything printed goes through [`escaped`].

use std::fmt;

use crate::report::{MAX_MESSAGE_CHARS, clip};

/// `text` with control characters written as escapes (`\n`, `\r`, `\t`, `\u{1b}` …), and the
/// invisible bidirectional controls that reorder what a terminal shows written the same way.
pub fn escaped(text: &str) -> Escaped<'_> {
    Escaped(text)
}

/// See [`escaped`].
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(needs_escape) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                _ => write!(f, "\\u{{{:x}}}", u32::from(c))?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Prints `assay: error: ` and the message, escaped and clipped, as one line on stderr.
pub fn print_error(message: &str) {
    eprintln!(
        "assay: error: {}",
        escaped(&clip(message, MAX_MESSAGE_CHARS))
    );
}

/// Prints `assay: warning: ` and the message, escaped and clipped, as one line on stderr.
pub fn print_warning(message: &str) {
    eprintln!(
        "assay: warning: {}",
        escaped(&clip(message, MAX_MESSAGE_CHARS))
    );
}

#[cfg(test)]
mod tests {
    use super::escaped;

    #[test]
    fn control_and_bidi_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(
            escaped("a\nb\r\tc\u{1b}[31m\u{7f}\u{85}é\u{202e}z").to_string(),
            "a\\nb\\r\\tc\\u{1b}[31m\\u{7f}\\u{85}é\\u{202e}z"
        );
        assert_eq!(escaped("plain text").to_string(), "plain text");
    }
}
