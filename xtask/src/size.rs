//! `cargo xtask size`: what the browser downloads from a release build, raw, gzipped and
//! compressed with Brotli.
//!
//! Every file in the dist directory is measured. Files under `samples/` are served but not
//! fetched at start (the page compiles in the samples it offers), so they are listed apart, as
//! "on demand", and left out of the total that loads at start. The gzip
//! figure is DEFLATE at level 9 (miniz_oxide, the engine's own compressor) plus the 18 bytes of
//! a gzip header and trailer with no file name. miniz_oxide searches a little less than zlib,
//! so the figure runs up to 1% above `gzip -9n`'s. The Brotli figure is quality 11 with a
//! 4 MiB window (the `brotli` crate's defaults, as `brotli -q 11` compresses a file served
//! pre-compressed). Servers may use a lower level; these are reproducible yardsticks, not a
//! promise.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::shell::{root, step};

/// The dist directory `cargo xtask test` builds.
pub fn default_dist() -> PathBuf {
    root().join("target").join("dist-release")
}

/// Measures `dist` (the release build by default), prints the table and writes it as Markdown
/// next to the dist directory, in `bundle-size.md`.
pub fn run(dist: Option<PathBuf>) -> anyhow::Result<()> {
    let dist = match dist {
        Some(dist) => std::path::absolute(&dist)
            .with_context(|| format!("cannot resolve {}", dist.display()))?,
        None => default_dist(),
    };
    let files = measure(&dist)?;
    println!("{}", text_table(&files));
    let markdown_path = markdown_path(&dist);
    std::fs::write(&markdown_path, markdown(&files))
        .with_context(|| format!("cannot write {}", markdown_path.display()))?;
    step(&format!(
        "bundle size written to {}",
        markdown_path.display()
    ));
    Ok(())
}

/// `bundle-size.md` beside the dist directory: `target/bundle-size.md` for the release build.
pub fn markdown_path(dist: &Path) -> PathBuf {
    dist.parent().unwrap_or(dist).join("bundle-size.md")
}

/// How a file reaches the browser, in the order the table lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Wasm,
    Js,
    Css,
    /// Anything else the page loads at start: index.html, icons.
    Other,
    /// Served, but not fetched at start: the samples.
    OnDemand,
}

impl Group {
    fn of(relative: &str) -> Self {
        // The samples load when chosen; the engine's worker with the first training.
        if relative.starts_with("samples/") || relative.starts_with("assay-worker") {
            return Self::OnDemand;
        }
        let extension = relative
            .rsplit_once('.')
            .map_or("", |(_, extension)| extension);
        match extension.to_ascii_lowercase().as_str() {
            "wasm" => Self::Wasm,
            "js" | "mjs" => Self::Js,
            "css" => Self::Css,
            _ => Self::Other,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Wasm => "wasm",
            Self::Js => "JS",
            Self::Css => "CSS",
            Self::Other => "other",
            Self::OnDemand => "on demand",
        }
    }
}

/// One file of the dist directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Path relative to the dist directory, with `/` separators.
    pub path: String,
    pub group: Group,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

/// Every file under `dist`, grouped, then sorted by path within a group.
pub fn measure(dist: &Path) -> anyhow::Result<Vec<File>> {
    if !dist.is_dir() {
        bail!(
            "no release build in {}: run `cargo xtask test`, or \
             `trunk build --release --dist target/dist-release` first",
            dist.display()
        );
    }
    let mut files = Vec::new();
    collect(dist, "", &mut files)?;
    if !files.iter().any(|file| file.group == Group::Wasm) {
        bail!(
            "{} holds no .wasm file: is it a Trunk build?",
            dist.display()
        );
    }
    files.sort_by(|a, b| (a.group, &a.path).cmp(&(b.group, &b.path)));
    Ok(files)
}

fn collect(dir: &Path, prefix: &str, files: &mut Vec<File>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let path = entry.path();
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if path.is_dir() {
            collect(&path, &format!("{name}/"), files)?;
        } else {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            files.push(File {
                group: Group::of(&name),
                path: name,
                raw: bytes.len() as u64,
                gzip: gzip_size(&bytes),
                brotli: brotli_size(&bytes),
            });
        }
    }
    Ok(())
}

/// Bytes of a gzip file of `bytes`: DEFLATE at level 9 plus a 10-byte header and 8-byte trailer.
pub fn gzip_size(bytes: &[u8]) -> u64 {
    const GZIP_FRAMING: u64 = 10 + 8;
    miniz_oxide::deflate::compress_to_vec(bytes, 9).len() as u64 + GZIP_FRAMING
}

/// Bytes of `bytes` compressed by Brotli at quality 11.
pub fn brotli_size(bytes: &[u8]) -> u64 {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    let mut out = Vec::new();
    // Reading a slice and writing a Vec cannot fail.
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_or(0, |_| out.len() as u64)
}

/// Raw, gzip and Brotli bytes summed over what loads at start (everything but the on-demand
/// files).
pub fn start_total(files: &[File]) -> (u64, u64, u64) {
    files
        .iter()
        .filter(|file| file.group != Group::OnDemand)
        .fold((0, 0, 0), |(raw, gzip, brotli), file| {
            (raw + file.raw, gzip + file.gzip, brotli + file.brotli)
        })
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The rows of either table: group, file, raw, gzip, Brotli. The start total comes after the
/// last file that loads at start; the on-demand files follow it.
fn rows(files: &[File]) -> Vec<[String; COLUMNS]> {
    let mut rows = Vec::new();
    let (raw, gzip, brotli) = start_total(files);
    let total = [
        "total at start".to_owned(),
        String::new(),
        thousands(raw),
        thousands(gzip),
        thousands(brotli),
    ];
    let mut total = Some(total);
    for file in files {
        if file.group == Group::OnDemand
            && let Some(total) = total.take()
        {
            rows.push(total);
        }
        rows.push([
            file.group.label().to_owned(),
            file.path.clone(),
            thousands(file.raw),
            thousands(file.gzip),
            thousands(file.brotli),
        ]);
    }
    rows.extend(total);
    rows
}

const COLUMNS: usize = 5;
const HEADER: [&str; COLUMNS] = ["group", "file", "raw bytes", "gzip bytes", "brotli bytes"];

/// The table for a terminal: aligned columns, numbers on the right.
pub fn text_table(files: &[File]) -> String {
    let rows = rows(files);
    let widths: [usize; COLUMNS] = std::array::from_fn(|column| {
        rows.iter()
            .map(|row| row[column].chars().count())
            .chain([HEADER[column].len()])
            .max()
            .unwrap_or(0)
    });
    let mut out = String::new();
    let mut line = |cells: [&str; COLUMNS]| {
        for (column, cell) in cells.into_iter().enumerate() {
            let gap = if column == 0 { "" } else { "  " };
            // Names on the left, numbers on the right.
            if column < 2 {
                let _ = write!(out, "{gap}{cell:<0$}", widths[column]);
            } else {
                let _ = write!(out, "{gap}{cell:>0$}", widths[column]);
            }
        }
        out.push('\n');
    };
    line(HEADER);
    for row in &rows {
        line(row.each_ref().map(String::as_str));
    }
    out.truncate(out.trim_end().len());
    out
}

/// The same table as Markdown, for CI to keep as an artifact.
pub fn markdown(files: &[File]) -> String {
    let mut out = String::from(
        "# Bundle size\n\n\
         What the browser downloads from the release build; gzip at level 9, Brotli at \
         quality 11. Files marked *on demand* are served but not fetched at start.\n\n\
         | group | file | raw bytes | gzip bytes | brotli bytes |\n\
         |---|---|--:|--:|--:|\n",
    );
    for row in rows(files) {
        let file = if row[1].is_empty() {
            String::new()
        } else {
            format!("`{}`", row[1])
        };
        if row[0] == "total at start" {
            let _ = writeln!(
                out,
                "| **{}** | {file} | **{}** | **{}** | **{}** |",
                row[0], row[2], row[3], row[4]
            );
        } else {
            let _ = writeln!(
                out,
                "| {} | {file} | {} | {} | {} |",
                row[0], row[2], row[3], row[4]
            );
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            use std::sync::atomic::{AtomicU32, Ordering};
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let name = format!(
                "xtask-size-{}-{}-{nanos}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let dir = std::env::temp_dir().join(name);
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A dist directory shaped like Trunk's, with files of known sizes.
    fn fake_dist() -> TempDir {
        let temp = TempDir::new();
        let dist = temp.0.join("dist-release");
        std::fs::create_dir_all(dist.join("samples")).unwrap();
        std::fs::create_dir_all(dist.join("snippets")).unwrap();
        let write = |path: &str, len: usize| {
            std::fs::write(dist.join(path), "a".repeat(len)).unwrap();
        };
        write("app-1234_bg.wasm", 2000);
        write("app-1234.js", 300);
        write("snippets/helper.js", 40);
        write("main-99.css", 100);
        write("index.html", 50);
        write("favicon.ico", 10);
        write("samples/iris.csv", 4000);
        write("samples/README.md", 20);
        temp
    }

    fn files_of(temp: &TempDir) -> Vec<File> {
        measure(&temp.0.join("dist-release")).unwrap()
    }

    #[test]
    fn files_are_grouped_and_sorted() {
        let temp = fake_dist();
        let files = files_of(&temp);
        let listed: Vec<(Group, &str, u64)> = files
            .iter()
            .map(|file| (file.group, file.path.as_str(), file.raw))
            .collect();
        assert_eq!(
            listed,
            [
                (Group::Wasm, "app-1234_bg.wasm", 2000),
                (Group::Js, "app-1234.js", 300),
                (Group::Js, "snippets/helper.js", 40),
                (Group::Css, "main-99.css", 100),
                (Group::Other, "favicon.ico", 10),
                (Group::Other, "index.html", 50),
                (Group::OnDemand, "samples/README.md", 20),
                (Group::OnDemand, "samples/iris.csv", 4000),
            ]
        );
    }

    #[test]
    fn the_start_total_leaves_out_on_demand_files() {
        let temp = fake_dist();
        let files = files_of(&temp);
        let (raw, gzip, brotli) = start_total(&files);
        assert_eq!(raw, 2000 + 300 + 40 + 100 + 50 + 10);
        let at_start = || files.iter().filter(|file| file.group != Group::OnDemand);
        assert_eq!(gzip, at_start().map(|file| file.gzip).sum::<u64>());
        assert_eq!(brotli, at_start().map(|file| file.brotli).sum::<u64>());
        // A run of one letter compresses well; the figures are the compressors', not the raw
        // size.
        let wasm = &files[0];
        assert!(wasm.gzip < wasm.raw / 10, "{wasm:?}");
        assert!(wasm.brotli < wasm.raw / 10, "{wasm:?}");
    }

    #[test]
    fn gzip_size_counts_the_framing() {
        // `printf '' | gzip -9n | wc -c` prints 20: an empty stored block and the framing.
        assert_eq!(Group::of("assay-worker_bg.wasm"), Group::OnDemand);
        assert_eq!(Group::of("assay-app-12ab_bg.wasm"), Group::Wasm);
        assert_eq!(gzip_size(b""), 20);
        assert!(gzip_size(&[b'x'; 10_000]) < 100);
    }

    #[test]
    fn brotli_size_is_the_length_of_a_stream_that_decodes_to_the_input() {
        use std::io::Read as _;
        let text = "{\"name\":\"breast cancer\",\"rows\":569}\n".repeat(200);
        let params = brotli::enc::BrotliEncoderParams::default();
        let mut stream = Vec::new();
        brotli::BrotliCompress(&mut text.as_bytes(), &mut stream, &params).unwrap();
        let mut decoded = String::new();
        brotli::Decompressor::new(&stream[..], 4096)
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, text);
        assert_eq!(brotli_size(text.as_bytes()), stream.len() as u64);
        // Quality 11 beats DEFLATE at level 9 on repetitive text, as it does on the page.
        assert!(brotli_size(text.as_bytes()) < gzip_size(text.as_bytes()));
        // An empty input is one byte: the stream's last empty meta-block.
        assert_eq!(brotli_size(b""), 1);
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_032_106), "1,032,106");
    }

    #[test]
    fn the_text_table_lists_the_total_before_on_demand_files() {
        let temp = fake_dist();
        let table = text_table(&files_of(&temp));
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 1 + 8 + 1, "{table}");
        assert!(lines[0].starts_with("group"), "{table}");
        assert!(lines[1].starts_with("wasm "), "{table}");
        assert!(lines[1].contains("app-1234_bg.wasm"), "{table}");
        assert!(lines[1].contains(" 2,000 "), "{table}");
        assert!(lines[0].ends_with("brotli bytes"), "{table}");
        assert!(lines[7].starts_with("total at start"), "{table}");
        assert!(lines[7].contains(" 2,500 "), "{table}");
        assert!(lines[8].starts_with("on demand"), "{table}");
        assert!(lines[9].contains("samples/iris.csv"), "{table}");
        // Numbers are right-aligned: every line is as long as the header.
        assert!(
            lines.iter().all(|line| line.len() == lines[0].len()),
            "{table}"
        );
    }

    #[test]
    fn the_markdown_table_matches_the_text_one() {
        let temp = fake_dist();
        let files = files_of(&temp);
        let markdown = markdown(&files);
        assert!(markdown.starts_with("# Bundle size\n"), "{markdown}");
        assert!(
            markdown.contains("| wasm | `app-1234_bg.wasm` | 2,000 | "),
            "{markdown}"
        );
        assert!(
            markdown.contains("| **total at start** |  | **2,500** | **"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| raw bytes | gzip bytes | brotli bytes |\n|---|---|--:|--:|--:|"),
            "{markdown}"
        );
        // Every row has the five columns.
        assert!(
            markdown
                .lines()
                .filter(|line| line.starts_with("| "))
                .all(|line| line.matches(" | ").count() == 4),
            "{markdown}"
        );
        assert!(
            markdown.contains("| on demand | `samples/iris.csv` | 4,000 | "),
            "{markdown}"
        );
        let table_rows = markdown
            .lines()
            .filter(|line| line.starts_with("| "))
            .count();
        assert_eq!(table_rows, 1 + 8 + 1, "{markdown}");
    }

    #[test]
    fn the_markdown_goes_beside_the_dist_directory() {
        assert_eq!(
            markdown_path(Path::new("/repo/target/dist-release")),
            Path::new("/repo/target/bundle-size.md")
        );
    }

    #[test]
    fn a_total_row_ends_a_table_without_on_demand_files() {
        let temp = TempDir::new();
        std::fs::write(temp.0.join("a_bg.wasm"), [0_u8; 8]).unwrap();
        let table = text_table(&measure(&temp.0).unwrap());
        let last = table.lines().last().unwrap();
        assert!(last.starts_with("total at start"), "{table}");
    }

    #[test]
    fn a_missing_or_foreign_directory_is_refused() {
        let temp = TempDir::new();
        let missing = measure(&temp.0.join("nope")).unwrap_err().to_string();
        assert!(missing.contains("no release build"), "{missing}");
        std::fs::write(temp.0.join("index.html"), "<html>").unwrap();
        let foreign = measure(&temp.0).unwrap_err().to_string();
        assert!(foreign.contains("no .wasm file"), "{foreign}");
    }
}
