//! Staging the model servers a spec's endpoints name in `serve` (`assay run --allow-serve`): each
//! starts in its own process group on a free loopback port, with its output kept (the last
//! lines, redacted), is waited for on the protocol's readiness route with backoff, and is
//! stopped after the endpoint's tests with SIGTERM, then SIGKILL, and reaped. Each stage is a
//! verdict of its own: `starts`, `ready within N s`, `shuts down cleanly`. Ctrl-C (or CI's
//! SIGTERM) stops every staged server before `assay run` exits, so none is left behind.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use assay_engine::checks::Verdict;
use assay_engine::endpoint::serve::with_port;
use assay_engine::endpoint::{
    CaseOutcome, EndpointSpec, Resolved, ServeSpec, Transport, health_request,
};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::http::Client;

/// Lines of a server's output kept, and characters kept of each.
const TAIL_LINES: usize = 200;
const LINE_CHARS: usize = 500;
/// Lines of output a failing stage shows.
const SHOWN_LINES: usize = 15;

/// The process groups of the servers running now, for the Ctrl-C handler.
static RUNNING: Mutex<Vec<(i32, Duration)>> = Mutex::new(Vec::new());

/// Stops every staged server when `assay run` is interrupted (Ctrl-C, or SIGTERM from CI), then
/// exits with 130 as a shell does after Ctrl-C.
pub fn stop_all_on_interrupt() {
    // Without a handler (another already set) an interrupt kills assay alone; the servers'
    // own process groups would then outlive it, so say so rather than fail the run.
    let installed = ctrlc::set_handler(|| {
        let running = RUNNING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (group, grace) in running {
            terminate_group(group, grace);
        }
        std::process::exit(130);
    });
    if let Err(error) = installed {
        crate::terminal::print_error(&format!(
            "cannot stop staged servers on Ctrl-C ({error}); stop them by hand if interrupted"
        ));
    }
}

/// SIGTERM to the group, up to `grace` for it to go, then SIGKILL.
fn terminate_group(group: i32, grace: Duration) {
    let pid = Pid::from_raw(group);
    let _ = killpg(pid, Signal::SIGTERM);
    let until = Instant::now() + grace;
    while Instant::now() < until && group_alive(group) {
        // The leader is our child: reap it, or it stays a zombie that keeps the group alive.
        let _ = nix::sys::wait::waitpid(pid, Some(nix::sys::wait::WaitPidFlag::WNOHANG));
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = killpg(pid, Signal::SIGKILL);
}

/// Whether any process of the group still runs. Where `/proc` shows them, an exited process
/// not yet reaped (a zombie, say a worker whose new parent is a container's PID 1 that never
/// reaps) does not count: it holds nothing but its exit status.
fn group_alive(group: i32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return killpg(Pid::from_raw(group), None).is_ok();
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (command) state ppid pgrp …`: the command may hold spaces and parentheses.
        let mut fields = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace())
            .into_iter()
            .flatten();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|p| p.parse::<i32>().ok());
        pgrp == Some(group) && state != Some("Z") && state != Some("X")
    })
}

/// A free loopback port: the system picks one for a listener, which is closed at once.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// `endpoint` as it runs staged on `port`: `{{port}}` replaced in its base URL.
pub fn on_port(endpoint: &EndpointSpec, port: u16) -> EndpointSpec {
    EndpointSpec {
        base_url: with_port(&endpoint.base_url, port),
        ..endpoint.clone()
    }
}

/// The folder a staged server starts in: `cwd` below the spec's folder, inside it after
/// symlinks. An `Err` is unusable input.
pub fn working_folder(serve: &ServeSpec, spec_folder: &Path) -> anyhow::Result<PathBuf> {
    let root = spec_folder
        .canonicalize()
        .with_context(|| format!("cannot read the spec's folder {}", spec_folder.display()))?;
    let Some(cwd) = &serve.cwd else {
        return Ok(root);
    };
    let folder = root
        .join(cwd)
        .canonicalize()
        .with_context(|| format!("serve.cwd `{cwd}` is not a folder beside the spec"))?;
    if !folder.starts_with(&root) || !folder.is_dir() {
        anyhow::bail!("serve.cwd `{cwd}` leads outside the spec's folder");
    }
    Ok(folder)
}

/// The last lines a server wrote, on stdout and stderr as they came.
#[derive(Debug, Default)]
struct Tail {
    lines: VecDeque<String>,
}

impl Tail {
    fn push(&mut self, line: &str) {
        if self.lines.len() == TAIL_LINES {
            self.lines.pop_front();
        }
        self.lines
            .push_back(line.chars().take(LINE_CHARS).collect());
    }
}

/// A server started for an endpoint.
#[derive(Debug)]
pub struct Staged {
    child: Child,
    tail: Arc<Mutex<Tail>>,
    started: Instant,
    serve: ServeSpec,
    secrets: Resolved,
    /// It exited before it was ready, and that verdict said so.
    exit_reported: bool,
}

/// Starts `serve` in `folder` on `port`, with its `env` (`${env:…}` resolved in `env`): the
/// `starts` verdict, and the server when it started.
pub fn start(
    serve: &ServeSpec,
    folder: &Path,
    port: u16,
    env: Resolved,
) -> (CaseOutcome, Option<Staged>) {
    let argv: Vec<String> = serve.command.iter().map(|a| with_port(a, port)).collect();
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .current_dir(folder)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group, so SIGTERM reaches the workers it forks too.
        .process_group(0);
    for (name, value) in &env.headers {
        command.env(name, with_port(value, port));
    }
    let shown = serve.shown();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            let why = if error.kind() == std::io::ErrorKind::NotFound {
                format!("`{}` was not found (is it installed and on PATH?)", argv[0])
            } else {
                error.to_string()
            };
            return (
                outcome(
                    "starts",
                    false,
                    format!("`{shown}` could not start: {why}."),
                    None,
                ),
                None,
            );
        }
    };
    let tail = Arc::new(Mutex::new(Tail::default()));
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tail = Arc::clone(&tail);
        // Detached: it ends when the server's group closes the pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                tail.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(&line);
            }
        });
    }
    let group = i32::try_from(child.id()).unwrap_or(i32::MAX);
    RUNNING
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((group, Duration::from_secs(serve.shutdown_timeout_s.into())));
    let staged = Staged {
        child,
        tail,
        started: Instant::now(),
        serve: serve.clone(),
        secrets: env,
        exit_reported: false,
    };
    (
        outcome(
            "starts",
            true,
            format!("Started `{shown}` (pid {group}) on port {port}."),
            None,
        ),
        Some(staged),
    )
}

impl Staged {
    /// The last lines of its output, redacted, as a sentence's ending.
    fn last_lines(&self) -> String {
        let tail = self.tail.lock().unwrap_or_else(PoisonError::into_inner);
        if tail.lines.is_empty() {
            return " It wrote nothing.".into();
        }
        let skip = tail.lines.len().saturating_sub(SHOWN_LINES);
        let lines: Vec<&str> = tail.lines.iter().skip(skip).map(String::as_str).collect();
        // One line, as every verdict is: the lines joined by ` | `.
        format!(
            " Its last lines: {}",
            self.secrets.secrets.redact(&lines.join(" | "))
        )
    }

    fn group(&self) -> i32 {
        i32::try_from(self.child.id()).unwrap_or(i32::MAX)
    }

    /// Waits for `endpoint`'s readiness route to answer 2xx, with backoff, while the server
    /// runs, up to its `ready_timeout_s`: the `ready within N s` verdict.
    pub fn wait_until_ready(
        &mut self,
        endpoint: &EndpointSpec,
        headers: &[(String, String)],
        client: &Client,
    ) -> CaseOutcome {
        let limit = self.serve.ready_timeout_s;
        let name = format!("ready within {limit} s");
        let Some(request) = health_request(endpoint) else {
            // Validation refuses a staged endpoint without a readiness route.
            return outcome(&name, false, "No readiness route to wait for.".into(), None);
        };
        let until = self.started + Duration::from_secs(limit.into());
        let mut pause = Duration::from_millis(100);
        let mut last = String::from("nothing answered");
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.exit_reported = true;
                return outcome(
                    &name,
                    false,
                    format!(
                        "It exited ({}) {:.1} s after starting, before it was ready.{}",
                        exit_words(status),
                        self.started.elapsed().as_secs_f64(),
                        self.last_lines()
                    ),
                    None,
                );
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return outcome(
                    &name,
                    false,
                    format!(
                        "Not ready after {limit} s: {} {} last gave {last}.{}",
                        request.method,
                        request.url,
                        self.last_lines()
                    ),
                    None,
                );
            }
            match client.send(&request, headers, left.min(Duration::from_secs(2))) {
                Ok(response) if (200..300).contains(&response.status) => {
                    let took = self.started.elapsed();
                    return outcome(
                        &name,
                        true,
                        format!(
                            "Ready after {:.1} s ({} {} answered HTTP {}).",
                            took.as_secs_f64(),
                            request.method,
                            request.url,
                            response.status
                        ),
                        Some(took.as_secs_f64() * 1000.0),
                    );
                }
                Ok(response) => last = format!("HTTP {}", response.status),
                Err(Transport::ConnectionRefused) => last = "connection refused".into(),
                Err(Transport::Timeout) => last = "no answer in time".into(),
                Err(failure) => last = format!("{failure:?}"),
            }
            std::thread::sleep(pause.min(until.saturating_duration_since(Instant::now())));
            pause = (pause * 3 / 2).min(Duration::from_secs(1));
        }
    }

    /// Stops the server: SIGTERM to its group, SIGKILL after `shutdown_timeout_s`, reaped
    /// either way. The `shuts down cleanly` verdict: it exits within the time, and leaves no
    /// process of its group behind; none for a server whose early exit was already reported.
    pub fn stop(mut self) -> Option<CaseOutcome> {
        let name = "shuts down cleanly";
        let group = self.group();
        let grace = Duration::from_secs(self.serve.shutdown_timeout_s.into());
        if self.exit_reported {
            terminate_group(group, grace);
            return None;
        }
        let verdict = if let Ok(Some(status)) = self.child.try_wait() {
            terminate_group(group, grace);
            outcome(
                name,
                false,
                format!(
                    "It had exited on its own ({}) before the tests ended.{}",
                    exit_words(status),
                    self.last_lines()
                ),
                None,
            )
        } else {
            let asked = Instant::now();
            let _ = killpg(Pid::from_raw(group), Signal::SIGTERM);
            let exited = loop {
                match self.child.try_wait() {
                    Ok(Some(status)) => break Some(status),
                    Ok(None) if asked.elapsed() < grace => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    _ => break None,
                }
            };
            match exited {
                Some(status) => {
                    // Workers it forked got SIGTERM too, and may still be finishing (uvicorn
                    // under `mlflow models serve` does): they have the rest of the time.
                    while group_alive(group) && asked.elapsed() < grace {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    let left_behind = group_alive(group);
                    let took = asked.elapsed();
                    if left_behind {
                        terminate_group(group, grace.saturating_sub(took));
                    }
                    outcome(
                        name,
                        !left_behind,
                        if left_behind {
                            format!(
                                "It exited ({}) after SIGTERM but left processes of its group \
                                 running; they were killed.{}",
                                exit_words(status),
                                self.last_lines()
                            )
                        } else {
                            format!(
                                "Stopped by SIGTERM in {:.1} s ({}).",
                                took.as_secs_f64(),
                                exit_words(status)
                            )
                        },
                        Some(took.as_secs_f64() * 1000.0),
                    )
                }
                None => {
                    let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
                    let _ = self.child.wait();
                    outcome(
                        name,
                        false,
                        format!(
                            "It ignored SIGTERM for {} s and was killed with SIGKILL.{}",
                            self.serve.shutdown_timeout_s,
                            self.last_lines()
                        ),
                        Some(grace.as_secs_f64() * 1000.0),
                    )
                }
            }
        };
        Some(verdict)
    }
}

impl Drop for Staged {
    /// Whatever happened (an error, a panic), a server is never left running.
    fn drop(&mut self) {
        let group = self.group();
        if let Ok(None) = self.child.try_wait() {
            terminate_group(
                group,
                Duration::from_secs(self.serve.shutdown_timeout_s.into()),
            );
            let _ = self.child.wait();
        }
        RUNNING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(g, _)| *g != group);
    }
}

/// How a process ended, in words: `exit code 1`, `signal 15 (SIGTERM)`.
fn exit_words(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => match Signal::try_from(signal) {
            Ok(name) => format!("signal {signal} ({name})"),
            Err(_) => format!("signal {signal}"),
        },
        (None, None) => "no exit status".into(),
    }
}

fn outcome(name: &str, passed: bool, summary: String, time_ms: Option<f64>) -> CaseOutcome {
    CaseOutcome {
        case: name.to_owned(),
        verdict: if passed { Verdict::Pass } else { Verdict::Fail },
        summary,
        status: None,
        latency_ms: time_ms,
        prediction: None,
    }
}
