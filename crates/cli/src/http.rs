//! The CLI's HTTP client for endpoint cases. It never follows a redirect (a 3xx is the engine's
//! to judge, with its `Location`), bounds every request by the time it is given, and retries a
//! request once, on a fresh connection, when the reused keep-alive connection it went out on was
//! already closed by the server before any byte of an answer came back: uvicorn-based servers
//! (MLServer, KServe, FastAPI) drop the connection after an unhandled error's 500 without
//! `Connection: close`. curl and browsers retry the same way; without it the next case would fail
//! with "Peer disconnected" and a load run would count errors that never happened.
//!
//! ureq retries nothing itself and cannot say whether a connection was reused or whether any
//! byte arrived, so a link in its connector chain watches both, per thread (ureq is blocking:
//! a request's connector and reads run on the thread that sends it).

use std::cell::Cell;
use std::time::{Duration, Instant};

use assay_engine::endpoint::{Request, Response, Transport};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout,
    Transport as UreqTransport,
};

/// Largest answer read; a smoke answer is a few numbers.
const MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;

/// What the current request's attempt did on this thread.
#[derive(Debug, Clone, Copy, Default)]
struct Attempt {
    /// It opened a new connection (otherwise it went out on a pooled one).
    opened: bool,
    /// Some bytes of an answer arrived.
    received: bool,
}

thread_local! {
    static ATTEMPT: Cell<Attempt> = const { Cell::new(Attempt { opened: false, received: false }) };
}

fn note(change: impl Fn(&mut Attempt)) {
    ATTEMPT.with(|cell| {
        let mut attempt = cell.get();
        change(&mut attempt);
        cell.set(attempt);
    });
}

/// The last link of the connector chain: marks new connections and watches them for input.
#[derive(Debug)]
struct Watch;

impl Connector<Box<dyn UreqTransport>> for Watch {
    type Out = Watched;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<Box<dyn UreqTransport>>,
    ) -> Result<Option<Watched>, ureq::Error> {
        Ok(chained.map(|inner| {
            note(|a| a.opened = true);
            Watched(inner)
        }))
    }
}

/// A connection that notes when answer bytes arrive.
#[derive(Debug)]
struct Watched(Box<dyn UreqTransport>);

impl UreqTransport for Watched {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.0.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let progress = self.0.await_input(timeout)?;
        if progress {
            note(|a| a.received = true);
        }
        Ok(progress)
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}

/// Sends endpoint requests: keep-alive connections, and a fresh one for a retry.
pub struct Client {
    pooled: ureq::Agent,
    fresh: ureq::Agent,
}

impl Client {
    pub fn new() -> Self {
        let config = |idle: usize| {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .max_idle_connections(idle)
                .max_idle_connections_per_host(idle)
                .build()
        };
        Self {
            pooled: ureq::Agent::with_parts(
                config(16),
                DefaultConnector::default().chain(Watch),
                DefaultResolver::default(),
            ),
            // Keeps no connection, so each request opens its own.
            fresh: config(0).into(),
        }
    }

    /// Sends `request` with `headers`, giving up after `timeout` (the retry included).
    pub fn send(
        &self,
        request: &Request,
        headers: &[(String, String)],
        timeout: Duration,
    ) -> Result<Response, Transport> {
        let start = Instant::now();
        ATTEMPT.with(|cell| cell.set(Attempt::default()));
        let first = send_once(&self.pooled, request, headers, timeout);
        let attempt = ATTEMPT.with(Cell::get);
        let result = match first {
            Err(error) if closed_before_answer(&error) && !attempt.opened && !attempt.received => {
                match timeout.checked_sub(start.elapsed()) {
                    Some(left) if !left.is_zero() => send_once(&self.fresh, request, headers, left),
                    _ => Err(ureq::Error::Timeout(ureq::Timeout::Global)),
                }
            }
            other => other,
        };
        let (status, content_type, location, body) = result.map_err(classify)?;
        Ok(Response {
            status,
            content_type,
            body,
            latency_ms: start.elapsed().as_secs_f64() * 1000.0,
            location,
        })
    }
}

/// A response header's value, when it is text.
pub fn header<B>(response: &ureq::http::Response<B>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Status, content type, `Location` and body.
type Answer = (u16, Option<String>, Option<String>, String);

fn send_once(
    agent: &ureq::Agent,
    request: &Request,
    headers: &[(String, String)],
    timeout: Duration,
) -> Result<Answer, ureq::Error> {
    let mut response = match &request.body {
        Some(body) => {
            let mut call = agent
                .post(&request.url)
                .config()
                .timeout_global(Some(timeout))
                .build()
                .header("Content-Type", "application/json");
            for (name, value) in headers {
                call = call.header(name.as_str(), value.as_str());
            }
            call.send(body.as_bytes())?
        }
        None => {
            let mut call = agent
                .get(&request.url)
                .config()
                .timeout_global(Some(timeout))
                .build();
            for (name, value) in headers {
                call = call.header(name.as_str(), value.as_str());
            }
            call.call()?
        }
    };
    let (content_type, location) = (
        header(&response, "content-type"),
        header(&response, "location"),
    );
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY_BYTES)
        .read_to_string()?;
    Ok((status, content_type, location, body))
}

/// The failures that mean the server had closed the connection (a reset, an abort, a broken
/// pipe, or the end of the stream where an answer should have begun).
fn closed_before_answer(error: &ureq::Error) -> bool {
    use std::io::ErrorKind;
    matches!(error, ureq::Error::Io(e) if matches!(
        e.kind(),
        ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof
    ))
}

fn classify(error: ureq::Error) -> Transport {
    match error {
        ureq::Error::Timeout(_) => Transport::Timeout,
        ureq::Error::HostNotFound => Transport::Dns,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Transport::ConnectionRefused
        }
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => Transport::Timeout,
        ureq::Error::Tls(message) => Transport::Tls {
            message: message.into(),
        },
        ureq::Error::Rustls(e) => Transport::Tls {
            message: e.to_string(),
        },
        other => Transport::Other {
            message: other.to_string(),
        },
    }
}
