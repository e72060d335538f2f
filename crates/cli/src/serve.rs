//! `assay serve`: the built app over HTTP on the loopback interface only.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;

use crate::assets::Assets;
use crate::relay::Relay;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The app's built files (Trunk's `dist` folder).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Specs whose endpoints the same-origin relay (`/relay/…`) may forward to, for model
    /// servers that send no CORS headers. Without any, the relay forwards nowhere.
    #[arg(long = "spec", value_name = "SPEC")]
    specs: Vec<PathBuf>,
}

/// Requests served at once. A request waits on a slow model server (up to its endpoint's
/// `timeout_ms`) or a slow client (up to the relay's body deadline) in one worker only.
const WORKERS: usize = 8;

pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let index = args.dist.join("index.html");
    anyhow::ensure!(
        index.is_file(),
        "{} has no index.html: build the app first (`trunk build --release`)",
        args.dist.display()
    );
    let mut endpoints = Vec::new();
    for path in &args.specs {
        let text = crate::files::read_limited(path, assay_engine::spec::MAX_SPEC_BYTES)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let spec = assay_engine::spec::Spec::from_json(&text)
            .with_context(|| format!("{}", path.display()))?;
        endpoints.extend(spec.endpoints);
    }
    let server = tiny_http::Server::http(("127.0.0.1", args.port))
        .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let address = server
        .server_addr()
        .to_ip()
        .context("the server has no IP address")?;
    // Tests and scripts read this line to learn the port.
    println!(
        "assay: serving {} on http://{address}/",
        args.dist.display()
    );
    let relay = crate::relay::Relay::new(endpoints, address.port());
    let assets = Assets::default();
    let stopped = std::sync::Once::new();
    // Workers over tiny_http's queue, as its documentation suggests for serving in parallel.
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                loop {
                    match server.recv() {
                        Ok(request) if Relay::claims(request.url()) => relay.handle(request),
                        Ok(request) => serve_file(&args.dist, &assets, request),
                        Err(error) => {
                            // The listener failed: stop every worker, saying so once.
                            stopped.call_once(|| {
                                crate::terminal::print_error(&format!("serving stopped: {error}"));
                                for _ in 1..WORKERS {
                                    server.unblock();
                                }
                            });
                            break;
                        }
                    }
                }
            });
        }
    });
    Ok(())
}

fn serve_file(root: &Path, assets: &Assets, request: tiny_http::Request) {
    match resolve(root, request.url()).and_then(|path| assets.response(&path, &request)) {
        Some(response) => respond(request, response),
        None => respond(
            request,
            tiny_http::Response::from_string("not found").with_status_code(404),
        ),
    }
}

/// Whether the client may still be sending a body: tiny_http reads what is left of it when the
/// request is dropped, after the answer.
pub fn has_body(request: &tiny_http::Request) -> bool {
    request.body_length().is_some_and(|length| length > 0)
        || request
            .headers()
            .iter()
            .any(|h| h.field.equiv("Transfer-Encoding"))
}

/// Answers `request`; one that may still have a body coming is answered on a thread of its
/// own, so a client that stalls sending it holds that thread and not a worker.
pub fn respond<R: Read + Send + 'static>(
    request: tiny_http::Request,
    response: tiny_http::Response<R>,
) {
    if has_body(&request) {
        std::thread::spawn(move || send(request, response));
    } else {
        send(request, response);
    }
}

/// Answers `request` here and now.
pub fn send<R: Read>(request: tiny_http::Request, response: tiny_http::Response<R>) {
    if let Err(error) = request.respond(response) {
        crate::terminal::print_warning(&format!("a response was not sent: {error}"));
    }
}

/// Maps a URL path to a file inside `root`, refusing anything that climbs out of it.
fn resolve(root: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let candidate = root.join(relative);
    if candidate.is_file() {
        Some(candidate)
    } else if path == "/" || !path.contains('.') {
        // A single-page app: unknown routes get the page itself.
        Some(root.join("index.html"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use std::path::Path;

    #[test]
    fn paths_outside_the_root_are_refused() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(resolve(root, "/../Cargo.toml"), None);
        assert_eq!(resolve(root, "/Cargo.toml"), Some(root.join("Cargo.toml")));
        assert_eq!(resolve(root, "/some/route"), Some(root.join("index.html")));
        assert_eq!(resolve(root, "/missing.js"), None);
    }
}
