//! The `assay` binary against hostile files and text: special files, symlinks out of the spec's
//! folder, control characters in names, a byte-order mark, oversized names in reports.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::cli::{DIABETES, assay, assert_one_line_error, recorded_spec, scratch, text, write};

/// A named pipe with no writer: opening it for reading blocks until one appears.
fn fifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
    path
}

fn external_spec(dataset_path: &str) -> String {
    let mut spec = recorded_spec();
    spec.dataset.csv = None;
    spec.dataset.path = Some(dataset_path.into());
    spec.to_json()
}

#[test]
fn a_fifo_as_the_spec_or_the_dataset_is_refused_without_blocking() {
    let dir = scratch("fifo");
    let spec_fifo = fifo(&dir, "pipe.assay.json");
    for command in ["validate", "run"] {
        assert_one_line_error(
            &assay(&[Path::new(command), &spec_fifo]),
            "not a regular file",
        );
    }
    fifo(&dir, "data.csv");
    let spec = write(&dir, "external.assay.json", &external_spec("data.csv"));
    for command in ["validate", "run"] {
        assert_one_line_error(&assay(&[Path::new(command), &spec]), "not a regular file");
    }
    // `--data` is the caller's choice of file, but it must still be a regular file.
    let embedded = write(&dir, "embedded.assay.json", &recorded_spec().to_json());
    let data_fifo = fifo(&dir, "other.csv");
    assert_one_line_error(
        &assay(&[Path::new("run"), &embedded, Path::new("--data"), &data_fifo]),
        "not a regular file",
    );
}

#[cfg(unix)]
#[test]
fn a_dataset_symlink_may_not_leave_the_spec_folder() {
    use std::os::unix::fs::symlink;
    let root = scratch("symlink");
    let dir = root.join("specs");
    std::fs::create_dir_all(&dir).unwrap();
    // A file outside the folder with exactly the data the spec expects: only the escape is wrong.
    let outside = write(&root, "outside.csv", DIABETES);
    symlink(&outside, dir.join("data.csv")).unwrap();
    symlink("/etc/passwd", dir.join("passwd.csv")).unwrap();
    symlink("/proc/self/environ", dir.join("environ.csv")).unwrap();
    for link in ["data.csv", "passwd.csv", "environ.csv"] {
        let spec = write(&dir, "escape.assay.json", &external_spec(link));
        for command in ["validate", "run"] {
            let output = assay(&[Path::new(command), &spec]);
            assert_one_line_error(&output, "outside the spec's folder");
            let stderr = text(&output.stderr);
            assert!(!stderr.contains("SHA-256"), "{stderr}");
        }
    }
    // A link that stays inside the folder is followed.
    let inside = write(&dir, "real.csv", DIABETES);
    symlink(&inside, dir.join("alias.csv")).unwrap();
    let spec = write(&dir, "inside.assay.json", &external_spec("alias.csv"));
    let output = assay(&[Path::new("run"), &spec]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    // `--data` on the command line is the person's own choice, even outside the folder.
    let output = assay(&[Path::new("run"), &spec, Path::new("--data"), &outside]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}
