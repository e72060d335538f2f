//! Running commands with a visible trace and readable failures.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// PATH with `dir` first, for a command that must find the project's own tools before others.
pub fn path_with_first(dir: &Path) -> std::ffi::OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&rest)))
        .unwrap_or(rest)
}

pub fn step(message: &str) {
    eprintln!("xtask: {message}");
}

/// Runs `command` from the workspace root, echoing it; fails if it does not exit 0.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    command.current_dir(root());
    eprintln!("xtask: $ {}", describe(command));
    let status = command
        .status()
        .with_context(|| format!("cannot start {}", describe(command)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(command));
    }
    Ok(())
}

/// [`run`] for a command whose standard output is its result (a table, JSON): that output,
/// while its standard error goes to the terminal as it comes.
pub fn stdout_of(command: &mut Command) -> anyhow::Result<String> {
    command
        .current_dir(root())
        .stderr(std::process::Stdio::inherit());
    eprintln!("xtask: $ {}", describe(command));
    let output = command
        .output()
        .with_context(|| format!("cannot start {}", describe(command)))?;
    if !output.status.success() {
        bail!("`{}` failed ({})", describe(command), output.status);
    }
    String::from_utf8(output.stdout).with_context(|| format!("`{}` printed", describe(command)))
}

/// The command's standard output, if it ran and exited 0.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
