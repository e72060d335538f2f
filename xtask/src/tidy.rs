//! Keeps `ARCHITECTURE.md`'s code map true, as rust-analyzer's tidy test does for its docs: the
//! map is one table, every path it names exists, and every source file is named in it.
//!
//! A row names its path in the first column (`crates/engine/src/data/`) and may name files
//! inside it in its text (`table.rs`, `endpoint/judge.rs`). `lib.rs`, `main.rs` and `mod.rs`
//! are named by their folder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::shell::root;

/// The source folders whose every file the map must name.
const SOURCE_ROOTS: &[&str] = &["src", "crates/engine/src", "crates/cli/src", "xtask/src"];

/// The lines of the `## Code map` section.
fn code_map(architecture: &str) -> Vec<&str> {
    architecture
        .lines()
        .skip_while(|line| line.trim() != "## Code map")
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .collect()
}

/// Text between backticks, in order.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The repository paths one table row names: its first column, and the `.rs` files and folders
/// its text names relative to that column when the column is a folder.
fn named_in_row(row: &str) -> Vec<String> {
    let mut columns = row.trim().trim_matches('|').splitn(2, '|');
    let first = columns.next().unwrap_or_default();
    let rest = columns.next().unwrap_or_default();
    let Some(path) = quoted(first).first().map(|p| p.to_string()) else {
        return Vec::new();
    };
    let mut named = vec![path.clone()];
    if path.ends_with('/') {
        for name in quoted(rest) {
            let looks_like_path = (name.ends_with(".rs") || name.ends_with('/'))
                && !name.contains(' ')
                && !name.contains("::");
            if looks_like_path {
                named.push(format!("{path}{name}"));
            }
        }
    }
    named
}

/// Rows of the table, or the lines that break it.
fn rows(map: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut rows = Vec::new();
    let mut strays = Vec::new();
    for line in map.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        if line.starts_with('|') && line.ends_with('|') {
            rows.push(line.to_owned());
        } else {
            strays.push(line.to_owned());
        }
    }
    (rows, strays)
}

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// How the map would name a source file: itself, or its folder for `lib.rs`/`main.rs`/`mod.rs`.
fn map_name(relative: &Path) -> String {
    let text = relative.to_string_lossy().replace('\\', "/");
    match relative.file_name().and_then(|n| n.to_str()) {
        Some("lib.rs" | "main.rs" | "mod.rs") => match text.rfind('/') {
            Some(slash) => text[..=slash].to_owned(),
            None => text,
        },
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn architecture() -> String {
        std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md")
    }

    #[test]
    fn the_code_map_is_one_table() {
        let text = architecture();
        let map = code_map(&text);
        let (rows, strays) = rows(&map);
        assert!(rows.len() > 10, "the code map has {} rows", rows.len());
        assert!(
            strays.is_empty(),
            "lines inside ARCHITECTURE.md's code map that are not table rows (they end the \
             table, and every row after them renders as text): {strays:#?}"
        );
    }

    #[test]
    fn every_path_the_code_map_names_exists() {
        let text = architecture();
        let (rows, _) = rows(&code_map(&text));
        let missing: Vec<String> = rows
            .iter()
            .flat_map(|row| named_in_row(row))
            .filter(|path| !root().join(path).exists())
            .collect();
        assert!(
            missing.is_empty(),
            "ARCHITECTURE.md's code map names paths that do not exist: {missing:#?}"
        );
    }

    #[test]
    fn every_source_file_is_in_the_code_map() {
        let text = architecture();
        let (rows, _) = rows(&code_map(&text));
        let named: BTreeSet<String> = rows.iter().flat_map(|row| named_in_row(row)).collect();
        let mut files = Vec::new();
        for dir in SOURCE_ROOTS {
            source_files(&root().join(dir), &mut files);
        }
        assert!(files.len() > 20, "found only {} source files", files.len());
        let unnamed: Vec<String> = files
            .iter()
            .filter_map(|file| file.strip_prefix(root()).ok())
            .map(map_name)
            .filter(|name| !named.contains(name))
            .collect();
        assert!(
            unnamed.is_empty(),
            "source files ARCHITECTURE.md's code map does not name (add them to their folder's \
             row): {unnamed:#?}"
        );
    }

    #[test]
    fn a_row_names_its_path_and_the_files_its_text_names_inside_it() {
        let check = |row: &str, expect: &[&str]| assert_eq!(named_in_row(row), expect, "{row}");
        check(
            "| `crates/engine/src/data/` | `table.rs` (`Table::parse_csv`), `schema.rs` |",
            &[
                "crates/engine/src/data/",
                "crates/engine/src/data/table.rs",
                "crates/engine/src/data/schema.rs",
            ],
        );
        // A file row names only itself; code in backticks is not a path.
        check(
            "| `crates/engine/src/rng.rs` | `SeededRng` and `other.rs` |",
            &["crates/engine/src/rng.rs"],
        );
        check("|---|---|", &[]);
        assert_eq!(map_name(Path::new("src/state/mod.rs")), "src/state/");
        assert_eq!(
            map_name(Path::new("crates/cli/src/main.rs")),
            "crates/cli/src/"
        );
        assert_eq!(map_name(Path::new("src/app.rs")), "src/app.rs");
    }
}
