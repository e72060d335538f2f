//! The same-origin relay of `assay serve`: lets the browser app reach model servers that send
//! no CORS headers. It listens only on 127.0.0.1, answers only the page it serves, keeps
//! nothing (credentials the page sends pass through), and forwards only the requests the
//! protocol itself makes to the endpoints of the specs named on the command line.
//!
//! `GET /relay/` lists the endpoints it forwards to (`{"endpoints": ["name", …]}`);
//! `METHOD /relay/{endpoint}/{path}` forwards to `{base_url}/{path}` of that endpoint when the
//! engine's request builders make exactly that request (inference, readiness, metadata), so a
//! protocol change in the engine changes what is relayed. Refusals are `{"error": "…"}`.

use std::io::{Cursor, Read};
use std::sync::mpsc;
use std::time::Duration;

use assay_engine::endpoint::{
    EndpointSpec, Expectation, RELAY_PREFIX, SmokeCase, build_request, health_request,
    metadata_request, path_below_base,
};
use tiny_http::{Header, Method};

use crate::serve::{respond, send};

/// Largest body relayed either way.
const MAX_BODY: u64 = 10 * 1024 * 1024;
/// How long a worker waits for a request's body; a model input is a few hundred bytes.
const BODY_DEADLINE: Duration = Duration::from_secs(10);
/// Request headers never passed on: the hop's own (with any `Connection` names and any
/// `X-Forwarded-*`), a proxy's, and what would tell the page's origin or send its cookies.
const DROPPED: [&str; 16] = [
    "host",
    "origin",
    "referer",
    "cookie",
    "content-length",
    "transfer-encoding",
    "expect",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-connection",
    "forwarded",
    "via",
];

type Answer = tiny_http::Response<Cursor<Vec<u8>>>;

pub struct Relay {
    targets: Vec<Target>,
    /// This server's port: the page's own origin is `http://127.0.0.1:{port}` (or `localhost`).
    port: u16,
}

/// An endpoint, what the relay forwards to it, and a client with its timeout.
struct Target {
    endpoint: EndpointSpec,
    routes: Vec<Route>,
    agent: ureq::Agent,
}

/// One request the protocol makes: its method, its path below the base URL (as the page
/// addresses it), and the URL the engine built.
struct Route {
    method: &'static str,
    path: String,
    url: String,
    has_body: bool,
}

/// A request the relay does not forward, or an upstream that did not answer usably.
struct Refusal {
    status: u16,
    message: String,
    allow: Option<&'static str>,
}

impl Refusal {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            allow: None,
        }
    }

    fn answer(self) -> Answer {
        let mut answer = json_response(
            self.status,
            &serde_json::json!({ "error": self.message }).to_string(),
        );
        if let Some(allow) = self.allow.and_then(|m| Header::from_bytes("Allow", m).ok()) {
            answer.add_header(allow);
        }
        answer
    }
}

impl Relay {
    pub fn new(endpoints: Vec<EndpointSpec>, port: u16) -> Self {
        let targets = endpoints
            .into_iter()
            .map(|endpoint| Target {
                routes: routes(&endpoint),
                agent: ureq::Agent::config_builder()
                    .timeout_global(Some(Duration::from_millis(u64::from(endpoint.timeout_ms))))
                    .http_status_as_error(false)
                    // A redirect is the answer, to report: following it would carry the page's
                    // credentials to wherever it points.
                    .max_redirects(0)
                    .build()
                    .into(),
                endpoint,
            })
            .collect();
        Self { targets, port }
    }

    /// Whether `url` is the relay's to answer.
    pub fn claims(url: &str) -> bool {
        url.starts_with(RELAY_PREFIX)
    }

    /// Answers a `/relay/…` request.
    pub fn handle(&self, request: tiny_http::Request) {
        let (target, route) = match self.admit(&request) {
            Ok(Some(admitted)) => admitted,
            Ok(None) => {
                let names: Vec<&str> = self
                    .targets
                    .iter()
                    .map(|t| t.endpoint.name.as_str())
                    .collect();
                let listing = serde_json::json!({ "endpoints": names }).to_string();
                return respond(request, json_response(200, &listing));
            }
            Err(refusal) => return respond(request, refusal.answer()),
        };
        let (request, body) = if route.has_body {
            match receive_body(request) {
                Some((request, Ok(body))) => (request, Some(body)),
                Some((request, Err(refusal))) => return respond(request, refusal.answer()),
                None => return,
            }
        } else {
            (request, None)
        };
        let read_whole_body = body.is_some();
        let answer = forward(&request, target, route, body).unwrap_or_else(Refusal::answer);
        if read_whole_body {
            send(request, answer);
        } else {
            respond(request, answer);
        }
    }

    /// The route `request` asks for (`None`: the listing), or why it is refused. Only looks
    /// at the request line and headers.
    fn admit(&self, request: &tiny_http::Request) -> Result<Option<(&Target, &Route)>, Refusal> {
        self.check_page(request)?;
        if *request.method() == Method::Trace {
            return Err(Refusal::new(
                405,
                "TRACE is never relayed: it would echo the page's credentials back",
            ));
        }
        let rest = request.url().strip_prefix(RELAY_PREFIX).unwrap_or_default();
        if rest.split('?').next().unwrap_or_default().is_empty() {
            return match request.method() {
                Method::Get | Method::Head => Ok(None),
                _ => Err(Refusal {
                    allow: Some("GET"),
                    ..Refusal::new(405, "the relay's listing `/relay/` is read with GET")
                }),
            };
        }
        let (name, path) = rest.split_once('/').unwrap_or((rest, ""));
        let Some(target) = self.targets.iter().find(|t| t.endpoint.name == name) else {
            return Err(Refusal::new(
                403,
                format!(
                    "the relay forwards only to the endpoints of the specs it was started with; `{name}` is not one"
                ),
            ));
        };
        let route = target.route(request.method(), path)?;
        check_framing(request)?;
        Ok(Some((target, route)))
    }

    /// Refuses requests that are not from the page this server serves: another site's (its
    /// `Origin`, or the browser's `Sec-Fetch-Site`), or one sent to another name that resolves
    /// here (DNS rebinding: its `Host`).
    fn check_page(&self, request: &tiny_http::Request) -> Result<(), Refusal> {
        let own = |host: &str| {
            ["127.0.0.1", "localhost"].iter().any(|name| {
                host.eq_ignore_ascii_case(&format!("{name}:{}", self.port))
                    || (self.port == 80 && host.eq_ignore_ascii_case(name))
            })
        };
        let refuse = |what: String| {
            Refusal::new(
                403,
                format!(
                    "the relay answers only the page it serves, http://127.0.0.1:{}/ (or localhost); {what}",
                    self.port
                ),
            )
        };
        match header(request, "Host") {
            Some(host) if own(host) => {}
            Some(host) => return Err(refuse(format!("this request was sent to `{host}`"))),
            None => return Err(refuse("this request names no Host".into())),
        }
        if let Some(origin) = header(request, "Origin") {
            let host = origin.strip_prefix("http://").unwrap_or_default();
            if !own(host) {
                return Err(refuse(format!("this request comes from `{origin}`")));
            }
        }
        match header(request, "Sec-Fetch-Site") {
            None | Some("same-origin" | "none") => Ok(()),
            Some(site) => Err(refuse(format!("the browser sent this request {site}"))),
        }
    }
}

impl Target {
    /// The route at `path` (below the base URL, as the request spelled it) for `method`.
    fn route(&self, method: &Method, path: &str) -> Result<&Route, Refusal> {
        let decoded = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .map_err(|_| Refusal::new(400, format!("`{path}` is not percent-encoded UTF-8")))?;
        let climbs = decoded
            .split('?')
            .next()
            .unwrap_or_default()
            .split(['/', '\\'])
            .any(|segment| segment == "..");
        if climbs {
            return Err(Refusal::new(
                400,
                format!(
                    "`{path}` climbs out of the endpoint's base URL with `..`; the relay forwards only below {}",
                    self.endpoint.base_url
                ),
            ));
        }
        let same_path = |route: &&Route| {
            percent_encoding::percent_decode_str(&route.path)
                .decode_utf8()
                .ok()
                == Some(decoded.clone())
        };
        let mut at_path = self.routes.iter().filter(same_path).peekable();
        if at_path.peek().is_none() {
            let relayed: Vec<String> = self
                .routes
                .iter()
                .map(|r| format!("{} /{}", r.method, r.path))
                .collect();
            return Err(Refusal::new(
                404,
                format!(
                    "the relay forwards to `{}` only the requests its protocol makes ({}), not `/{path}`",
                    self.endpoint.name,
                    relayed.join(", ")
                ),
            ));
        }
        let mut allowed = Vec::new();
        for route in at_path {
            if route.method == method.as_str() {
                return Ok(route);
            }
            allowed.push(route.method);
        }
        Err(Refusal {
            // Each path has one method in every protocol; the first is the one to name.
            allow: allowed.first().copied(),
            ..Refusal::new(
                405,
                format!(
                    "the relay forwards `/{path}` of `{}` only as {}, not {method}",
                    self.endpoint.name,
                    allowed.join(" or ")
                ),
            )
        })
    }
}

/// The requests the engine makes to `endpoint`: inference, readiness and metadata. Their URLs
/// do not depend on a case's input, so one empty case stands for all.
fn routes(endpoint: &EndpointSpec) -> Vec<Route> {
    let case = SmokeCase {
        name: "relay".into(),
        input: Vec::new(),
        expect: Expectation::Exact {
            value: serde_json::Value::Null,
        },
        max_latency_ms: None,
    };
    [
        Some(build_request(endpoint, &case)),
        health_request(endpoint),
        metadata_request(endpoint),
    ]
    .into_iter()
    .flatten()
    .filter_map(|request| {
        // The page addresses a request as its URL below the base URL (`relay_url`).
        let path = path_below_base(endpoint, &request.url)?;
        Some(Route {
            method: request.method,
            path: path.to_owned(),
            has_body: request.body.is_some(),
            url: request.url,
        })
    })
    .collect()
}

/// Refuses bodies whose length is ambiguous (the ground of request smuggling) or over the limit
/// as announced, before reading any of it.
fn check_framing(request: &tiny_http::Request) -> Result<(), Refusal> {
    let values = |name: &'static str| {
        request
            .headers()
            .iter()
            .filter(move |h| h.field.equiv(name))
            .map(|h| h.value.as_str())
    };
    let lengths: Vec<&str> = values("Content-Length").collect();
    let encodings: Vec<&str> = values("Transfer-Encoding").collect();
    if lengths.len() > 1 {
        return Err(Refusal::new(
            400,
            "the request has more than one Content-Length: send exactly one",
        ));
    }
    if !lengths.is_empty() && !encodings.is_empty() {
        return Err(Refusal::new(
            400,
            "the request has both Content-Length and Transfer-Encoding: send one of them",
        ));
    }
    if encodings.len() > 1 || encodings.iter().any(|e| !e.eq_ignore_ascii_case("chunked")) {
        return Err(Refusal::new(
            400,
            format!(
                "Transfer-Encoding `{}` is not relayed: send chunked or a Content-Length",
                encodings.join(", ")
            ),
        ));
    }
    if let Some(length) = lengths.first() {
        let bytes: u64 = length
            .parse()
            .ok()
            .filter(|_| length.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                Refusal::new(
                    400,
                    format!("Content-Length `{length}` is not a number of bytes"),
                )
            })?;
        if bytes > MAX_BODY {
            return Err(too_large());
        }
    }
    Ok(())
}

fn too_large() -> Refusal {
    Refusal::new(
        413,
        format!(
            "the request body is over the relay's limit of {} MiB",
            MAX_BODY / 1024 / 1024
        ),
    )
}

/// Reads the request's body on a thread of its own, waiting at most [`BODY_DEADLINE`] for it:
/// a client that stalls holds that thread, not a worker. `None` when the wait ran out; the
/// thread then answers 408 itself once the client sends more or goes away.
fn receive_body(
    request: tiny_http::Request,
) -> Option<(tiny_http::Request, Result<Vec<u8>, Refusal>)> {
    let (sender, receiver) = mpsc::sync_channel(1);
    std::thread::spawn(move || {
        let mut request = request;
        let mut body = Vec::new();
        let read = request
            .as_reader()
            .take(MAX_BODY + 1)
            .read_to_end(&mut body);
        let body = match read {
            Ok(_) if body.len() as u64 > MAX_BODY => Err(too_large()),
            Ok(_) => Ok(body),
            Err(error) => Err(Refusal::new(
                400,
                format!("the request body could not be read: {error}"),
            )),
        };
        if let Err(mpsc::SendError((request, _))) = sender.send((request, body)) {
            let late = Refusal::new(
                408,
                format!(
                    "the request body did not arrive within {} s",
                    BODY_DEADLINE.as_secs()
                ),
            );
            send(request, late.answer());
        }
    });
    receiver.recv_timeout(BODY_DEADLINE).ok()
}

/// Sends `route`'s request with the page's headers (less [`DROPPED`]) and returns the model
/// server's status, content type and body.
fn forward(
    request: &tiny_http::Request,
    target: &Target,
    route: &Route,
    body: Option<Vec<u8>>,
) -> Result<Answer, Refusal> {
    let url = &route.url;
    let mut call = ureq::http::Request::builder().method(route.method).uri(url);
    for (name, value) in passed_on(request.headers()) {
        call = call.header(name, value);
    }
    let sent = match body {
        Some(body) => call.body(body).map(|c| target.agent.run(c)),
        None => call.body(()).map(|c| target.agent.run(c)),
    }
    .map_err(|e| Refusal::new(400, format!("the request cannot be relayed: {e}")))?;
    let mut response = sent.map_err(|error| match error {
        ureq::Error::Timeout(_) => Refusal::new(
            504,
            format!(
                "{url} did not answer within {} ms (the endpoint's timeout_ms)",
                target.endpoint.timeout_ms
            ),
        ),
        other => Refusal::new(502, format!("cannot reach {url}: {other}")),
    })?;
    let status = response.status();
    let header = |name: &str| crate::http::header(&response, name);
    if status.is_redirection() {
        let location = header("location").unwrap_or_else(|| "(none)".into());
        return Err(Refusal::new(
            502,
            format!(
                "{url} answered {status} with Location {location}; the relay does not follow redirects: fix the endpoint's base_url"
            ),
        ));
    }
    let content_type = header("content-type").unwrap_or_else(|| "application/octet-stream".into());
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| Refusal::new(502, format!("{url} answered {status}, but: {e}")))?;
    let mut answer = tiny_http::Response::from_data(bytes).with_status_code(status.as_u16());
    if let Ok(header) = Header::from_bytes("Content-Type", content_type) {
        answer.add_header(header);
    }
    Ok(answer)
}

/// The request's headers that go on to the model server.
fn passed_on(headers: &[Header]) -> impl Iterator<Item = (&str, &str)> {
    let named_by_connection: Vec<String> = headers
        .iter()
        .filter(|h| h.field.equiv("Connection"))
        .flat_map(|h| h.value.as_str().split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    headers
        .iter()
        .map(|h| (h.field.as_str().as_str(), h.value.as_str()))
        .filter(move |(name, _)| {
            let name = name.to_ascii_lowercase();
            !DROPPED.contains(&name.as_str())
                && !name.starts_with("x-forwarded-")
                && !named_by_connection.contains(&name)
        })
}

fn header<'a>(request: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

fn json_response(status: u16, text: &str) -> Answer {
    let mut response =
        tiny_http::Response::from_data(text.as_bytes().to_vec()).with_status_code(status);
    if let Ok(header) = Header::from_bytes("Content-Type", "application/json") {
        response.add_header(header);
    }
    response
}
