//! `assay serve` sends the app as a browser wants it: gzip when the browser takes it (the same
//! bytes once decompressed), Trunk's content-hashed files cached for good, the rest revalidated
//! by `ETag` (304 while unchanged, the new bytes once the file changes). Real files, the real
//! `assay serve`, raw HTTP so nothing decompresses behind the test's back.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use common::cli::scratch;
use common::web::serve_app;

/// An answer as the wire carried it.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn gunzipped(&self) -> Vec<u8> {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(self.body.as_slice())
            .read_to_end(&mut plain)
            .unwrap();
        plain
    }
}

fn get(base: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let address = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// A built app: a page, a content-hashed wasm, and an unhashed worker script.
fn dist(dir: &Path) -> Vec<u8> {
    let wasm: Vec<u8> = (0..200_000u32)
        .map(|i| (i % 251) as u8 ^ (i / 7) as u8)
        .collect();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>app</title>").unwrap();
    std::fs::write(dir.join("assay-app-83780b196f55fe0b_bg.wasm"), &wasm).unwrap();
    std::fs::write(dir.join("assay-worker.js"), "self.onmessage = () => {};").unwrap();
    wasm
}

#[test]
fn the_app_is_sent_gzip_to_a_browser_that_takes_it_and_as_it_is_otherwise() {
    let dir = scratch("gzip");
    let wasm = dist(&dir);
    let (_server, base) = serve_app(&dir, &[]);
    let path = "/assay-app-83780b196f55fe0b_bg.wasm";

    let compressed = get(&base, path, &[("Accept-Encoding", "gzip, deflate, br")]);
    assert_eq!(compressed.status, 200, "{:?}", compressed.headers);
    assert_eq!(compressed.header("Content-Encoding"), Some("gzip"));
    assert_eq!(compressed.header("Content-Type"), Some("application/wasm"));
    assert_eq!(compressed.header("Vary"), Some("Accept-Encoding"));
    assert_eq!(
        compressed.header("Content-Length"),
        Some(compressed.body.len().to_string().as_str())
    );
    assert!(
        compressed.body.len() < wasm.len() / 2,
        "{} bytes",
        compressed.body.len()
    );
    assert_eq!(compressed.gunzipped(), wasm);

    for refused in [None, Some("br"), Some("gzip;q=0")] {
        let headers: Vec<(&str, &str)> = refused
            .map(|r| ("Accept-Encoding", r))
            .into_iter()
            .collect();
        let plain = get(&base, path, &headers);
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header("Content-Encoding"), None, "{refused:?}");
        assert_eq!(plain.body, wasm, "{refused:?}");
    }
}

#[test]
fn hashed_files_are_kept_for_good_and_the_rest_revalidated_until_they_change() {
    let dir = scratch("cache");
    dist(&dir);
    let (_server, base) = serve_app(&dir, &[]);

    let hashed = get(&base, "/assay-app-83780b196f55fe0b_bg.wasm", &[]);
    assert_eq!(
        hashed.header("Cache-Control"),
        Some("public, max-age=31536000, immutable")
    );
    for path in ["/", "/assay-worker.js"] {
        assert_eq!(
            get(&base, path, &[]).header("Cache-Control"),
            Some("no-cache"),
            "{path}"
        );
    }

    let gzip = ("Accept-Encoding", "gzip");
    let first = get(&base, "/assay-worker.js", &[gzip]);
    let etag = first.header("ETag").unwrap().to_owned();
    let unchanged = get(&base, "/assay-worker.js", &[gzip, ("If-None-Match", &etag)]);
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());

    // A rebuilt worker: a new tag, and the new bytes, not the old ones' compressed copy.
    std::fs::write(
        dir.join("assay-worker.js"),
        "self.onmessage = (e) => e;  // rebuilt",
    )
    .unwrap();
    let changed = get(&base, "/assay-worker.js", &[gzip, ("If-None-Match", &etag)]);
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("ETag"), Some(etag.as_str()));
    assert_eq!(
        changed.gunzipped(),
        b"self.onmessage = (e) => e;  // rebuilt"
    );
}
