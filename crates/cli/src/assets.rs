//! The app's built files as `assay serve` sends them: gzip-compressed for a browser that takes
//! gzip (each file compressed once, kept while it is unchanged on disk), with cache headers that
//! let a browser keep what cannot change (Trunk names the page's wasm, JS and CSS after a hash
//! of their contents) and revalidate the rest by its `ETag`.

use std::collections::HashMap;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use flate2::Compression;
use flate2::write::GzEncoder;
use tiny_http::{Header, Request, Response, StatusCode};

/// A year, the longest `max-age` browsers honour; with `immutable`, not even revalidated.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// Kept, but asked about (by `ETag`) before each use.
const REVALIDATE: &str = "no-cache";

/// What a file was when it was compressed: a changed file is compressed again.
#[derive(Clone, PartialEq, Eq)]
struct Version {
    modified: Option<SystemTime>,
    len: u64,
}

impl Version {
    fn of(metadata: &std::fs::Metadata) -> Self {
        Self {
            modified: metadata.modified().ok(),
            len: metadata.len(),
        }
    }

    /// A validator that changes whenever the file does (size and modification time).
    fn etag(&self) -> String {
        let nanos = self
            .modified
            .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        format!("\"{:x}-{nanos:x}\"", self.len)
    }
}

/// Shared bytes as a response body, without copying them per request.
pub struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// A file's gzip form, and the version of the file it was made from.
type Compressed = (Version, Arc<Vec<u8>>);

/// The gzip forms of the files served so far.
#[derive(Default)]
pub struct Assets {
    compressed: Mutex<HashMap<PathBuf, Compressed>>,
}

impl Assets {
    /// The answer for a request of the file at `path`: 304 when the browser's copy is current,
    /// gzip when it takes gzip and the type compresses, the file as it is otherwise.
    pub fn response(&self, path: &Path, request: &Request) -> Option<Response<Cursor<Shared>>> {
        let metadata = std::fs::metadata(path).ok()?;
        let version = Version::of(&metadata);
        let etag = version.etag();
        let name = path.file_name()?.to_string_lossy();
        let cache = if content_hashed(&name) {
            FOREVER
        } else {
            REVALIDATE
        };
        let (mime, compresses) = media_type(path);
        let mut headers = vec![header("Cache-Control", cache)?, header("ETag", &etag)?];
        if compresses {
            headers.push(header("Vary", "Accept-Encoding")?);
        }
        if request_header(request, "If-None-Match").is_some_and(|tags| matches_etag(tags, &etag)) {
            return Some(answer(304, headers, Arc::new(Vec::new())));
        }
        headers.push(header("Content-Type", mime)?);
        let body = if compresses && takes_gzip(request_header(request, "Accept-Encoding")) {
            headers.push(header("Content-Encoding", "gzip")?);
            self.gzip(path, version)?
        } else {
            Arc::new(std::fs::read(path).ok()?)
        };
        Some(answer(200, headers, body))
    }

    /// The file's gzip form: kept from before while the file is unchanged, made now otherwise.
    fn gzip(&self, path: &Path, version: Version) -> Option<Arc<Vec<u8>>> {
        let mut cache = self.compressed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((kept, gzip)) = cache.get(path)
            && *kept == version
        {
            return Some(gzip.clone());
        }
        let bytes = std::fs::read(path).ok()?;
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&bytes).ok()?;
        let gzip = Arc::new(encoder.finish().ok()?);
        cache.insert(path.to_path_buf(), (version, gzip.clone()));
        Some(gzip)
    }
}

fn answer(status: u16, headers: Vec<Header>, body: Arc<Vec<u8>>) -> Response<Cursor<Shared>> {
    let len = body.len();
    // Always a Content-Length (tiny_http would chunk a large body): the browser then knows how
    // much of the wasm is still to come.
    Response::new(
        StatusCode(status),
        headers,
        Cursor::new(Shared(body)),
        Some(len),
        None,
    )
    .with_chunked_threshold(usize::MAX)
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name, value).ok()
}

fn request_header<'a>(request: &'a Request, name: &'static str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str())
}

/// The file's media type, and whether it is worth compressing (text and wasm are; an unknown
/// type is sent as it is).
fn media_type(path: &Path) -> (&'static str, bool) {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => ("text/html; charset=utf-8", true),
        Some("js") => ("text/javascript", true),
        Some("wasm") => ("application/wasm", true),
        Some("css") => ("text/css", true),
        Some("json") => ("application/json", true),
        Some("csv") => ("text/csv", true),
        Some("svg") => ("image/svg+xml", true),
        _ => ("application/octet-stream", false),
    }
}

/// Whether `Accept-Encoding` offers gzip with a weight above zero.
fn takes_gzip(accept: Option<&str>) -> bool {
    accept.is_some_and(|accept| {
        accept.split(',').any(|offer| {
            let mut parts = offer.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f64>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
    })
}

/// Whether `If-None-Match` names `etag` (or `*`). Weak tags compare equal too: only whole
/// files are served, so a weak match is a match.
fn matches_etag(tags: &str, etag: &str) -> bool {
    tags.split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// Whether Trunk named this file after a hash of its contents: `name-<16 hex digits>` before
/// the extension (and before `_bg` for the wasm), as in `assay-app-83780b196f55fe0b_bg.wasm`.
fn content_hashed(file_name: &str) -> bool {
    let stem = file_name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty() && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trunks_hashed_names_are_kept_forever() {
        assert!(content_hashed("assay-app-83780b196f55fe0b_bg.wasm"));
        assert!(content_hashed("assay-app-83780b196f55fe0b.js"));
        assert!(content_hashed("main-2d8bca455a61687a.css"));
        for name in [
            "index.html",
            "assay-worker_bg.wasm",
            "assay-worker_loader.js",
            "favicon.svg",
            "main-2d8bca455a61687.css",
            "main-2d8bca455a61687g.css",
            "-2d8bca455a61687a.css",
        ] {
            assert!(!content_hashed(name), "{name}");
        }
    }

    #[test]
    fn gzip_is_sent_only_when_offered_with_a_weight() {
        assert!(takes_gzip(Some("gzip, deflate, br, zstd")));
        assert!(takes_gzip(Some("br;q=1.0, GZIP;q=0.5")));
        assert!(takes_gzip(Some("*")));
        assert!(!takes_gzip(Some("gzip;q=0")));
        assert!(!takes_gzip(Some("br, deflate")));
        assert!(!takes_gzip(Some("")));
        assert!(!takes_gzip(None));
    }

    #[test]
    fn a_tag_matches_strong_weak_or_any() {
        assert!(matches_etag("\"a-1\"", "\"a-1\""));
        assert!(matches_etag("\"b-2\", W/\"a-1\"", "\"a-1\""));
        assert!(matches_etag("*", "\"a-1\""));
        assert!(!matches_etag("\"a-2\"", "\"a-1\""));
    }
}
