//! Reading the files a spec run needs without being led astray: only regular files (a FIFO or a
//! device would block or never end), never more than a limit, and a spec's dataset only from
//! inside the spec's own folder, after symlinks are resolved.

use std::fs::File;
use std::path::{Component, Path};

use anyhow::Context;
use assay_engine::spec::Spec;

/// The dataset's CSV: from `data` when the person named one on the command line (any regular
/// file they choose), otherwise the spec's own ([`dataset_text`]).
pub fn dataset_for(spec: &Spec, spec_path: &Path, data: Option<&Path>) -> anyhow::Result<String> {
    match data {
        Some(data) => read_limited(data, assay_engine::data::MAX_BYTES)
            .with_context(|| format!("cannot read the dataset {}", data.display())),
        None => dataset_text(spec, spec_path),
    }
}

/// The dataset's CSV: embedded in the spec, or read from a path relative to the spec file.
/// Only plain relative paths are followed, and only to a regular file that, with every symlink
/// resolved, still lies inside the spec's folder: a spec cannot make `assay` read `/dev/zero`,
/// `/proc/self/environ` or another project's files, nor print their SHA-256.
pub fn dataset_text(spec: &Spec, spec_path: &Path) -> anyhow::Result<String> {
    if let Some(csv) = &spec.dataset.csv {
        return Ok(csv.clone());
    }
    let relative = Path::new(spec.dataset.path.as_deref().unwrap_or_default());
    anyhow::ensure!(
        relative
            .components()
            .all(|c| matches!(c, Component::Normal(_))),
        "dataset.path `{}` must be a relative path inside the spec's folder",
        relative.display()
    );
    let folder = match spec_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let folder = folder
        .canonicalize()
        .with_context(|| format!("cannot resolve the spec's folder {}", folder.display()))?;
    let path = folder.join(relative);
    let real = path
        .canonicalize()
        .with_context(|| format!("cannot read the dataset {}", path.display()))?;
    anyhow::ensure!(
        real.starts_with(&folder),
        "dataset.path `{}` is a link to {}, outside the spec's folder {}: copy the file into the \
         folder, or name it with --data",
        relative.display(),
        real.display(),
        folder.display()
    );
    read_limited(&real, assay_engine::data::MAX_BYTES)
        .with_context(|| format!("cannot read the dataset {}", path.display()))
}

/// Reads a regular file of at most `limit` bytes as UTF-8 text. The path (symlinks followed) is
/// checked to be a regular file before it is opened, because opening a FIFO blocks until a
/// writer comes; on unix it is also opened non-blocking, in case it was swapped in between.
pub fn read_limited(path: &Path, limit: usize) -> anyhow::Result<String> {
    use std::io::Read;
    anyhow::ensure!(std::fs::metadata(path)?.is_file(), "not a regular file");
    let file = open_without_blocking(path)?;
    let metadata = file.metadata()?;
    anyhow::ensure!(metadata.is_file(), "not a regular file");
    // Sized to the file (within the limit), so a large dataset is not held in a buffer grown
    // to twice what it needs.
    let expected = usize::try_from(metadata.len()).unwrap_or(limit).min(limit);
    let mut bytes = Vec::with_capacity(expected.saturating_add(1));
    file.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    anyhow::ensure!(
        bytes.len() <= limit,
        "larger than the limit of {limit} bytes"
    );
    String::from_utf8(bytes).map_err(|e| anyhow::anyhow!("not UTF-8 text: {e}"))
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}
