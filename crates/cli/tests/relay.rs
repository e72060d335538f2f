//! `assay serve --spec`: the same-origin relay forwards the protocol's own routes of the spec's
//! endpoints and nothing else, only for the page it serves, passing the page's credentials
//! through; it serves many requests at once, so a stalled client or a silent model server holds
//! up no one else. Every upstream here is a real server on loopback.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use common::Guard;
use common::web::serve_app;

use assay_engine::data::{Preprocessing, Task};
use assay_engine::endpoint::EndpointSpec;
use assay_engine::model::ModelSpec;
use assay_engine::spec::{DatasetSpec, Spec};
use assay_engine::train::TrainConfig;
use serde_json::{Value, json};

/// Longest any one answer is waited for, so a relay that hangs fails the test instead of
/// hanging it. Not a timing assertion: every answer here comes at once when the relay works.
const PATIENCE: Duration = Duration::from_secs(20);

/// An upstream that answers every request with what it received, except that any path with
/// `/moved/` in it is redirected to `/elsewhere` on the same server.
fn echo_server() -> u16 {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    std::thread::spawn(move || {
        for mut request in server.incoming_requests() {
            if request.url().contains("/moved/") {
                let location = format!("http://127.0.0.1:{port}/elsewhere");
                let header = tiny_http::Header::from_bytes("Location", location).unwrap();
                let _ = request.respond(
                    tiny_http::Response::from_string("moved")
                        .with_status_code(302)
                        .with_header(header),
                );
                continue;
            }
            let mut body = String::new();
            request.as_reader().read_to_string(&mut body).unwrap();
            let header = |name: &str| {
                request
                    .headers()
                    .iter()
                    .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
                    .map(|h| h.value.to_string())
            };
            let names: Vec<String> = request
                .headers()
                .iter()
                .map(|h| h.field.as_str().as_str().to_ascii_lowercase())
                .collect();
            let echo = json!({
                "method": request.method().as_str(),
                "path": request.url(),
                "api_key": header("X-Api-Key"),
                "origin": header("Origin"),
                "headers": names,
                "body": body,
            });
            let _ = request.respond(tiny_http::Response::from_string(echo.to_string()));
        }
    });
    port
}

/// An upstream that reads each request and never answers it. Every request read is announced
/// on the channel; the connection stays open until the test process ends.
fn silent_server() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (heard, hearing) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let heard = heard.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let _ = heard.send(line.trim().to_owned());
                // Holds the connection, saying nothing, until the relay gives up on it.
                let _ = reader.read_to_end(&mut Vec::new());
            });
        }
    });
    (port, hearing)
}

/// An endpoint as a spec file spells it (so fields added later with defaults need no change
/// here).
fn endpoint(value: Value) -> EndpointSpec {
    let mut value = value;
    for (field, default) in [("features", json!([])), ("cases", json!([]))] {
        value
            .as_object_mut()
            .unwrap()
            .entry(field)
            .or_insert(default);
    }
    serde_json::from_value(value).unwrap()
}

fn open_inference(name: &str, port: u16, timeout_ms: u32) -> EndpointSpec {
    endpoint(json!({
        "name": name,
        "base_url": format!("http://127.0.0.1:{port}"),
        "protocol": {"kind": "open_inference"},
        "model": name,
        "timeout_ms": timeout_ms,
    }))
}

/// Writes a spec with `endpoints` and an app to serve, and starts `assay serve --spec` on them.
fn serve(test: &str, endpoints: Vec<EndpointSpec>) -> (Guard, u16) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("relay-{test}"));
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    std::fs::write(
        dir.join("dist/index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    let csv = include_str!("../../../public/samples/diabetes.csv");
    let mut spec = Spec::new(
        "relay",
        DatasetSpec::from_csv("diabetes.csv", csv, 442),
        Preprocessing::new("progression", Task::Regression),
        ModelSpec::LinearRegression,
        TrainConfig::default(),
        vec![],
    );
    spec.endpoints = endpoints;
    let spec_path: PathBuf = dir.join("spec.assay.json");
    std::fs::write(&spec_path, spec.to_json()).unwrap();
    let (guard, url) = serve_app(&dir.join("dist"), &[&spec_path]);
    let port = url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (guard, port)
}

/// An answer as the client saw it.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// The relay's own refusal: its status and the sentence in `{"error": …}`.
    fn refusal(&self) -> (u16, String) {
        let error = self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error sentence: {} {}", self.status, self.body))
            .to_owned();
        (self.status, error)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one HTTP/1.1 answer (with a `Content-Length`, as tiny_http sends them) from `stream`.
fn read_answer(stream: &TcpStream) -> Answer {
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader
        .read_line(&mut status_line)
        .expect("the relay answered within the test's patience");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no status line: {status_line:?}"))
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Sends `head` (request line and headers, without the blank line) and `body` exactly as
/// written, as a browser or a hostile client could, and reads the answer.
fn raw(port: u16, head: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(format!("{head}\r\n\r\n").as_bytes())
        .unwrap();
    stream.write_all(body).unwrap();
    read_answer(&stream)
}

/// `METHOD path` from the page itself: its own `Host`, and its `Origin` as browsers send it on
/// a POST.
fn from_page(port: u16, method: &str, path: &str, body: &str) -> Answer {
    let origin = if method == "GET" {
        String::new()
    } else {
        format!("\r\nOrigin: http://127.0.0.1:{port}")
    };
    raw(
        port,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}{origin}\r\nContent-Type: application/json\r\nContent-Length: {}",
            body.len()
        ),
        body.as_bytes(),
    )
}

#[test]
fn the_relay_forwards_to_the_specs_endpoints_and_passes_credentials() {
    let upstream = echo_server();
    let (_serve, port) = serve("forwards", vec![open_inference("iris", upstream, 2_000)]);
    let base = format!("http://127.0.0.1:{port}");

    let listing: Value = serde_json::from_str(
        &ureq::get(&format!("{base}/relay/"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(listing, json!({"endpoints": ["iris"]}));

    let echo: Value = serde_json::from_str(
        &ureq::post(&format!("{base}/relay/iris/v2/models/iris/infer"))
            .header("X-Api-Key", "k-123")
            .header("Origin", &base)
            .send("{\"inputs\": []}")
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path"], "/v2/models/iris/infer");
    assert_eq!(echo["api_key"], "k-123");
    assert_eq!(
        echo["origin"],
        Value::Null,
        "the page's origin is not passed on"
    );
    assert_eq!(echo["body"], "{\"inputs\": []}");

    let refused = ureq::post(&format!("{base}/relay/elsewhere/steal"))
        .config()
        .http_status_as_error(false)
        .build()
        .send("{}")
        .unwrap();
    assert_eq!(refused.status(), 403);

    // The app itself is still served.
    assert!(
        ureq::get(&format!("{base}/"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
            .contains("<title>app</title>")
    );
}

#[test]
fn the_relay_carries_only_the_routes_and_methods_the_protocol_uses() {
    let upstream = echo_server();
    let flow = endpoint(json!({
        "name": "flow",
        "base_url": format!("http://127.0.0.1:{upstream}/served/flow/"),
        "protocol": {"kind": "mlflow", "format": "dataframe_split"},
        "features": ["x"],
    }));
    let (_serve, port) = serve(
        "routes",
        vec![open_inference("iris", upstream, 2_000), flow],
    );

    // Inference, readiness and metadata, each with its own method, reach the server.
    let infer = from_page(port, "POST", "/relay/iris/v2/models/iris/infer", "{}");
    assert_eq!(
        (infer.status, &infer.json()["path"]),
        (200, &json!("/v2/models/iris/infer"))
    );
    let ready = from_page(port, "GET", "/relay/iris/v2/models/iris/ready", "");
    assert_eq!(
        (ready.status, &ready.json()["method"]),
        (200, &json!("GET"))
    );
    let metadata = from_page(port, "GET", "/relay/iris/v2/models/iris", "");
    assert_eq!(metadata.json()["path"], "/v2/models/iris");
    // Under the endpoint's base path, which is kept.
    let invocations = from_page(port, "POST", "/relay/flow/invocations", "{}");
    assert_eq!(invocations.json()["path"], "/served/flow/invocations");
    let ping = from_page(port, "GET", "/relay/flow/ping", "");
    assert_eq!(ping.json()["path"], "/served/flow/ping");

    // The cross-site POST that unloaded an MLServer model is not relayed.
    let (status, error) = from_page(
        port,
        "POST",
        "/relay/iris/v2/repository/models/iris/unload",
        "{}",
    )
    .refusal();
    assert_eq!(status, 404, "{error}");
    assert!(
        error.contains("POST /v2/models/iris/infer") && error.contains("GET /v2/models/iris/ready"),
        "the refusal says what is relayed: {error}"
    );
    assert_eq!(
        from_page(port, "POST", "/relay/flow/version", "")
            .refusal()
            .0,
        404
    );

    // A known route with a method the protocol does not use.
    let wrong_method = from_page(port, "DELETE", "/relay/iris/v2/models/iris", "");
    assert_eq!(wrong_method.refusal().0, 405);
    assert_eq!(wrong_method.header("Allow"), Some("GET"));
    assert_eq!(
        from_page(port, "GET", "/relay/iris/v2/models/iris/infer", "")
            .refusal()
            .0,
        405
    );
    let (status, error) =
        from_page(port, "TRACE", "/relay/iris/v2/models/iris/infer", "").refusal();
    assert_eq!(status, 405, "{error}");

    // No way out of the base path, spelled plainly or percent-encoded.
    for path in [
        "/relay/iris/v2/models/iris/../../repository/models/iris/unload",
        "/relay/iris/v2/models/iris/%2e%2e/%2E%2E/repository/models/iris/unload",
        "/relay/flow/..%2F..%2Fother/invocations",
        "/relay/flow/%2e%2e/invocations",
    ] {
        let (status, error) = from_page(port, "POST", path, "{}").refusal();
        assert_eq!(status, 400, "{path}: {error}");
        assert!(error.contains(".."), "{path}: {error}");
    }
}

#[test]
fn the_relay_answers_only_its_own_page() {
    let upstream = echo_server();
    let (_serve, port) = serve("origin", vec![open_inference("iris", upstream, 2_000)]);
    let post = |host: &str, origin: Option<&str>| {
        let origin = origin.map_or(String::new(), |o| format!("\r\nOrigin: {o}"));
        raw(
            port,
            &format!(
                "POST /relay/iris/v2/models/iris/infer HTTP/1.1\r\nHost: {host}{origin}\r\nContent-Length: 2"
            ),
            b"{}",
        )
    };
    let own = format!("127.0.0.1:{port}");
    let localhost = format!("localhost:{port}");

    // A cross-site page's POST (the model-unloading attack) and a DNS-rebound host are refused.
    for (host, origin) in [
        (own.as_str(), Some("http://evil.example")),
        (own.as_str(), Some("null")),
        (
            own.as_str(),
            Some(&*format!("http://127.0.0.1:{}", port.wrapping_add(1))),
        ),
        ("evil.example", None),
        (
            &*format!("evil.example:{port}"),
            Some(&*format!("http://evil.example:{port}")),
        ),
    ] {
        let (status, error) = post(host, origin).refusal();
        assert_eq!(status, 403, "Host {host}, Origin {origin:?}: {error}");
    }
    let rebound = raw(
        port,
        &format!("GET /relay/ HTTP/1.1\r\nHost: evil.example:{port}"),
        b"",
    );
    assert_eq!(rebound.refusal().0, 403, "nor is the listing read");
    // A cross-site request without an Origin (a GET from another site's page), as the browser
    // marks it.
    let cross_site = raw(
        port,
        &format!(
            "GET /relay/iris/v2/models/iris/ready HTTP/1.1\r\nHost: {own}\r\nSec-Fetch-Site: cross-site"
        ),
        b"",
    );
    assert_eq!(cross_site.refusal().0, 403);

    // The page itself, at either of its names.
    assert_eq!(post(&own, Some(&format!("http://{own}"))).status, 200);
    assert_eq!(
        post(&localhost, Some(&format!("http://{localhost}"))).status,
        200
    );
    assert_eq!(post(&own, None).status, 200);
}

#[test]
fn hop_by_hop_and_proxy_headers_are_not_passed_on() {
    let upstream = echo_server();
    let (_serve, port) = serve("headers", vec![open_inference("iris", upstream, 2_000)]);
    let echo = raw(
        port,
        &format!(
            "POST /relay/iris/v2/models/iris/infer HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
             Connection: keep-alive, X-Hop-Secret\r\nX-Hop-Secret: 1\r\n\
             Proxy-Authorization: Basic cHJveHk6cHJveHk=\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n\
             Upgrade: websocket\r\nForwarded: for=203.0.113.9\r\nX-Forwarded-For: 203.0.113.9\r\n\
             X-Forwarded-Host: evil.example\r\nX-Api-Key: k-123\r\nContent-Length: 2"
        ),
        b"{}",
    );
    assert_eq!(echo.status, 200, "{}", echo.body);
    let echo = echo.json();
    let received: Vec<&str> = echo["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    for dropped in [
        "x-hop-secret",
        "proxy-authorization",
        "keep-alive",
        "te",
        "upgrade",
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
    ] {
        assert!(
            !received.contains(&dropped),
            "{dropped} was passed on: {received:?}"
        );
    }
    assert_eq!(echo["api_key"], "k-123", "the credential is passed on");
}

#[test]
fn ambiguous_or_oversized_bodies_are_refused() {
    let upstream = echo_server();
    let (_serve, port) = serve("bodies", vec![open_inference("iris", upstream, 2_000)]);
    let head = format!("POST /relay/iris/v2/models/iris/infer HTTP/1.1\r\nHost: 127.0.0.1:{port}");

    for (lengths, body) in [
        ("Content-Length: 2\r\nContent-Length: 2", "{}"),
        ("Content-Length: 2\r\nContent-Length: 7", "{}12345"),
        ("Content-Length: 2, 7", "{}12345"),
        (
            "Content-Length: 2\r\nTransfer-Encoding: chunked",
            "2\r\n{}\r\n0\r\n\r\n",
        ),
    ] {
        let (status, error) = raw(port, &format!("{head}\r\n{lengths}"), body.as_bytes()).refusal();
        assert_eq!(status, 400, "{lengths}: {error}");
    }

    // 50 MiB declared: refused as it stands, not cut to the limit and sent on.
    let (status, error) = send_50_mib(port, &head, false).refusal();
    assert_eq!(status, 413, "{error}");
    assert!(
        error.contains("MiB"),
        "the refusal gives the limit: {error}"
    );
    // The same without a declared length (chunked), found out while reading.
    assert_eq!(send_50_mib(port, &head, true).refusal().0, 413);
}

/// Sends a 50 MiB body after `head`, with its length or chunked, and reads the answer. The
/// relay may answer before all of it is sent; whatever it then does with the rest, the answer
/// is what counts.
fn send_50_mib(port: u16, head: &str, chunked: bool) -> Answer {
    const MIB: usize = 1024 * 1024;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {}", 50 * MIB)
    };
    stream
        .write_all(format!("{head}\r\n{framing}\r\n\r\n").as_bytes())
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut chunk = Vec::new();
        if chunked {
            chunk.extend_from_slice(format!("{MIB:x}\r\n").as_bytes());
        }
        chunk.resize(chunk.len() + MIB, b' ');
        if chunked {
            chunk.extend_from_slice(b"\r\n");
        }
        for _ in 0..50 {
            if writer.write_all(&chunk).is_err() {
                return;
            }
        }
        if chunked {
            let _ = writer.write_all(b"0\r\n\r\n");
        }
    });
    read_answer(&stream)
}

#[test]
fn a_redirect_is_reported_not_followed() {
    let upstream = echo_server();
    let (_serve, port) = serve("redirect", vec![open_inference("moved", upstream, 2_000)]);
    let (status, error) =
        from_page(port, "POST", "/relay/moved/v2/models/moved/infer", "{}").refusal();
    assert_eq!(status, 502, "{error}");
    assert!(
        error.contains("302") && error.contains(&format!("http://127.0.0.1:{upstream}/elsewhere")),
        "the answer names the redirect's status and Location: {error}"
    );
}

#[test]
fn the_upstream_is_given_the_endpoints_timeout() {
    let (silent, _hearing) = silent_server();
    let (_serve, port) = serve("timeout", vec![open_inference("hasty", silent, 300)]);
    let (status, error) =
        from_page(port, "POST", "/relay/hasty/v2/models/hasty/infer", "{}").refusal();
    assert_eq!(status, 504, "{error}");
    assert!(
        error.contains("300 ms"),
        "the answer names the endpoint's timeout: {error}"
    );
}

#[test]
fn a_stalled_client_or_a_silent_server_holds_up_no_one_else() {
    let (silent, hearing) = silent_server();
    let upstream = echo_server();
    let (_serve, port) = serve(
        "concurrent",
        vec![
            open_inference("silent", silent, 120_000),
            open_inference("iris", upstream, 2_000),
        ],
    );

    // A request the silent server holds: the relay is waiting on it once the server heard it.
    let pending_upstream = std::thread::spawn(move || {
        from_page(port, "POST", "/relay/silent/v2/models/silent/infer", "{}")
    });
    assert_eq!(
        hearing.recv_timeout(PATIENCE).unwrap(),
        "POST /v2/models/silent/infer HTTP/1.1"
    );
    // A client that announces a body and stops sending it, and one that stops halfway
    // through its headers.
    let mut stalled = Vec::new();
    for head in [
        format!(
            "POST /relay/iris/v2/models/iris/infer HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 100000\r\n\r\n{{\"inputs\""
        ),
        "GET /index.html HTTP/1.1\r\nHost: 127.0".to_owned(),
    ] {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        stalled.push(stream);
    }

    // The page and the other endpoint are served all the same.
    let page = raw(
        port,
        &format!("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:{port}"),
        b"",
    );
    assert!(page.body.contains("<title>app</title>"), "{page:?}");
    let other = from_page(port, "POST", "/relay/iris/v2/models/iris/infer", "{}");
    assert_eq!(other.json()["path"], "/v2/models/iris/infer");

    // …while the stalled requests are still pending.
    assert!(
        !pending_upstream.is_finished(),
        "the silent server's request was answered"
    );
    for stream in &stalled {
        stream.set_nonblocking(true).unwrap();
        let read = (&*stream).read(&mut [0; 1]);
        assert!(
            read.as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
            "a stalled client was answered or dropped: {read:?}"
        );
    }
}
