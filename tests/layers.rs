//! The app's layers, held as `src/lib.rs` states them: every file of `src/` sits in one of five
//! folders, no `crate::` path runs back up a layer, only `browser/` names the browser's crates,
//! and no two files import each other, directly or round a circle. Native only: it reads the
//! source tree.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each layer and the layers it may use (besides itself).
const LAYERS: [(&str, &[&str]); 5] = [
    ("logic", &[]),
    ("browser", &["logic"]),
    ("state", &["logic", "browser"]),
    ("widgets", &["logic", "browser"]),
    ("panels", &["logic", "browser", "state", "widgets"]),
];

/// The crates that reach the browser, which only `browser/` may name.
const BROWSER_CRATES: [&str; 5] = [
    "web_sys",
    "js_sys",
    "wasm_bindgen",
    "wasm_bindgen_futures",
    "gloo_net",
];

#[test]
fn every_file_sits_in_a_layer_and_uses_only_the_layers_below() {
    let problems = layer_problems(&sources(&src()));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_two_files_import_each_other() {
    let circles = circles(&sources(&src()));
    assert!(circles.is_empty(), "{}", circles.join("\n"));
}

/// The page writes JSON in one form, the spec file's pretty one: every type serialised a second
/// way, compactly, would compile serde's writer for it again into the download (README, Bundle
/// size), and so would building a `Value` from one. Tests may; shipped code may not.
#[test]
fn shipped_code_writes_json_only_pretty() {
    let compact = [
        "serde_json::to_string(",
        "serde_json::to_vec(",
        "serde_json::to_writer(",
        "serde_json::to_value(",
    ];
    let mut found = Vec::new();
    for source in sources(&src()) {
        let shipped = source.text.split("#[cfg(test)]").next().unwrap_or_default();
        for writer in compact {
            if shipped.contains(writer) {
                found.push(format!("{}: {writer}…)", source.path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The checks themselves, on a made-up tree: each rule catches what it is for.
#[test]
fn a_misplaced_file_or_an_import_back_up_is_caught() {
    let tree = |files: &[(&str, &str)]| -> Vec<Source> {
        files
            .iter()
            .map(|(path, text)| Source {
                path: PathBuf::from(path),
                text: (*text).to_owned(),
            })
            .collect()
    };
    let fine = tree(&[
        ("lib.rs", "pub mod logic;"),
        ("logic/draft.rs", "use assay_engine::spec::Spec;"),
        (
            "state/workbench.rs",
            "use crate::logic::draft::Draft;\nuse crate::browser::clock;",
        ),
        (
            "panels/data.rs",
            "use crate::{state::workbench::Workbench, widgets::alert};",
        ),
        ("browser/page.rs", "use web_sys::Window;"),
    ]);
    assert!(
        layer_problems(&fine).is_empty(),
        "{:?}",
        layer_problems(&fine)
    );
    assert!(circles(&fine).is_empty());

    let bad = [
        ("stray.rs", "", "outside the five folders"),
        (
            "logic/draft.rs",
            "use crate::state::workbench::Workbench;",
            "`logic` may not use `state`",
        ),
        (
            "state/job.rs",
            "fn f() { crate::panels::app::App(); }",
            "`state` may not use `panels`",
        ),
        (
            "widgets/chart.rs",
            "use crate::{logic::x, state::y};",
            "`widgets` may not use `state`",
        ),
        (
            "browser/page.rs",
            "use crate::panels::data::confirm;",
            "`browser` may not use `panels`",
        ),
        ("panels/data.rs", "let f: web_sys::File;", "names `web_sys`"),
        (
            "logic/draft.rs",
            "use crate::draft;",
            "uses `crate::draft`, which is no layer",
        ),
    ];
    for (path, text, says) in bad {
        let problems = layer_problems(&tree(&[(path, text)]));
        assert!(
            problems.iter().any(|p| p.contains(says)),
            "{path}: {text:?} should be refused as {says:?}, got {problems:?}"
        );
    }

    let circle = tree(&[
        ("state/workbench.rs", "use crate::state::endpoints::Runs;"),
        ("state/endpoints.rs", "use crate::state::job::Runner;"),
        ("state/job.rs", "use crate::state::workbench::Workbench;"),
    ]);
    let found = circles(&circle);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("state/workbench.rs"), "{found:?}");
    // What a file's tests import does not count.
    let tested = tree(&[
        ("logic/a.rs", "use crate::logic::b::B;"),
        (
            "logic/b.rs",
            "pub struct B;\n#[cfg(test)]\nmod tests { use crate::logic::a; }",
        ),
    ]);
    assert!(circles(&tested).is_empty());
}

struct Source {
    /// Relative to `src/`.
    path: PathBuf,
    text: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn sources(root: &Path) -> Vec<Source> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(Source {
                    text: fs::read_to_string(&path).unwrap(),
                    path: path.strip_prefix(root).unwrap().to_path_buf(),
                });
            }
        }
    }
    assert!(found.len() > 10, "no sources under {}", root.display());
    found
}

/// The layer a file sits in; `None` for the crate's root files.
fn layer_of(path: &Path) -> Result<Option<&'static str>, String> {
    let mut parts = path.components();
    let first = parts.next().unwrap().as_os_str().to_str().unwrap();
    if parts.next().is_none() {
        return match first {
            "lib.rs" | "main.rs" => Ok(None),
            _ => Err(format!(
                "{}: outside the five folders ({})",
                path.display(),
                layer_names()
            )),
        };
    }
    LAYERS
        .iter()
        .find(|(layer, _)| *layer == first)
        .map(|(layer, _)| Some(*layer))
        .ok_or_else(|| {
            format!(
                "{}: in `{first}/`, outside the five folders ({})",
                path.display(),
                layer_names()
            )
        })
}

fn layer_names() -> String {
    LAYERS.map(|(layer, _)| layer).join(", ")
}

/// The code of a file without its tests (everything from the first `#[cfg(test)]` on) and
/// without comments.
fn code(text: &str) -> String {
    let end = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..end]
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::` path in `code`, as its segments: `use crate::{a::b, c}` gives `a::b` and
/// `c`.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `assay_crate::`, not this crate.
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for item in split_top_level(&group[..end]) {
                paths.push(segments(item));
            }
        } else {
            paths.push(segments(rest));
        }
    }
    paths
}

fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path.trim_start();
    loop {
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            break;
        }
        rest = &rest[name.len()..];
        out.push(name);
        match rest.strip_prefix("::") {
            Some(next) if !next.starts_with('{') => rest = next,
            _ => break,
        }
    }
    out
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn split_top_level(text: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items.into_iter().filter(|i| !i.trim().is_empty()).collect()
}

fn layer_problems(sources: &[Source]) -> Vec<String> {
    let mut problems = Vec::new();
    for source in sources {
        let layer = match layer_of(&source.path) {
            Ok(layer) => layer,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let code = code(&source.text);
        let shown = source.path.display();
        if layer != Some("browser") {
            for name in BROWSER_CRATES {
                if mentions(&code, name) {
                    problems.push(format!(
                        "{shown}: names `{name}`; only `browser/` may call the browser"
                    ));
                }
            }
        }
        let Some(layer) = layer else { continue };
        let allowed = LAYERS.iter().find(|(l, _)| *l == layer).unwrap().1;
        for path in crate_paths(&code) {
            let Some(first) = path.first() else { continue };
            if first == layer || allowed.contains(&first.as_str()) {
                continue;
            }
            if LAYERS.iter().any(|(l, _)| l == first) {
                problems.push(format!("{shown}: `{layer}` may not use `{first}`"));
            } else {
                problems.push(format!(
                    "{shown}: uses `crate::{first}`, which is no layer ({})",
                    layer_names()
                ));
            }
        }
    }
    problems
}

/// Whether `code` names the crate `name` (not as part of a longer name).
fn mentions(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + name.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The file a `crate::` path leads to, among `files` (`a::b::C` is `a/b.rs` or `a/b/mod.rs`,
/// else `a.rs` or `a/mod.rs`).
fn target(path: &[String], files: &BTreeSet<PathBuf>) -> Option<PathBuf> {
    (1..=path.len()).rev().find_map(|n| {
        let stem = path[..n].join("/");
        [format!("{stem}.rs"), format!("{stem}/mod.rs")]
            .into_iter()
            .map(PathBuf::from)
            .find(|file| files.contains(file))
    })
}

/// Every circle of imports between files (tests left out), each as its files in order.
fn circles(sources: &[Source]) -> Vec<String> {
    let files: BTreeSet<PathBuf> = sources.iter().map(|s| s.path.clone()).collect();
    let mut imports: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for source in sources {
        let targets = crate_paths(&code(&source.text))
            .iter()
            .filter_map(|path| target(path, &files))
            .filter(|t| *t != source.path)
            .collect();
        imports.insert(source.path.clone(), targets);
    }
    let mut found = BTreeSet::new();
    for start in imports.keys() {
        // Depth-first from `start`, reporting the first way back to it.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((file, trail)) = stack.pop() {
            for next in imports.get(&file).into_iter().flatten() {
                if next == start {
                    // One report per circle: named from its smallest file.
                    if trail.iter().min() == Some(start) {
                        let names: Vec<String> =
                            trail.iter().map(|f| f.display().to_string()).collect();
                        found.insert(format!("{} -> {}", names.join(" -> "), start.display()));
                    }
                } else if seen.insert(next.clone()) {
                    let mut longer = trail.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    found.into_iter().collect()
}
