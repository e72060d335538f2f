//! `assay serve`: the built app over HTTP on the loopback interface only.

use std::path::{Component, Path, PathBuf};

use anyhow::Context;

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

pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let index = args.dist.join("index.html");
    anyhow::ensure!(
        index.is_file(),
        "{} has no index.html: build the app first (`trunk build --release`)",
        args.dist.display()
    );
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
    let mut endpoints = Vec::new();
    for path in &args.specs {
        let text = crate::files::read_limited(path, assay_engine::spec::MAX_SPEC_BYTES)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let spec = assay_engine::spec::Spec::from_json(&text)
            .with_context(|| format!("{}", path.display()))?;
        endpoints.extend(spec.endpoints);
    }
    let relay = crate::relay::Relay::new(endpoints);
    for mut request in server.incoming_requests() {
        if let Some(response) = relay.handle(&mut request) {
            if let Err(error) = request.respond(response) {
                crate::terminal::print_warning(&format!(
                    "a relayed response was not sent: {error}"
                ));
            }
            continue;
        }
        let response = match resolve(&args.dist, request.url()) {
            Some(path) => file_response(&path),
            None => None,
        };
        let result = match response {
            Some(response) => request.respond(response),
            None => {
                request.respond(tiny_http::Response::from_string("not found").with_status_code(404))
            }
        };
        if let Err(error) = result {
            crate::terminal::print_warning(&format!("a response was not sent: {error}"));
        }
    }
    Ok(())
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

fn file_response(path: &Path) -> Option<tiny_http::Response<std::fs::File>> {
    let file = std::fs::File::open(path).ok()?;
    let mime = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("json") => "application/json",
        Some("csv") => "text/csv",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let header = tiny_http::Header::from_bytes("Content-Type", mime).ok()?;
    Some(tiny_http::Response::from_file(file).with_header(header))
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
