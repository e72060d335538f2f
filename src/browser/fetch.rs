//! Sending endpoint requests from the browser (`fetch`, through gloo-net), with a timeout, the
//! latency from `performance.now()`, and a CORS block told apart from a server that is down.

use std::time::Duration;

use assay_engine::endpoint::{RELAY_PREFIX, Request, Response, Transport};
use gloo_net::http::{Method, RequestBuilder};
use web_sys::{AbortController, RequestMode, RequestRedirect, ResponseType};

use super::clock::now_ms;

/// Sends `request` with `headers`, giving up after `timeout_ms`.
pub async fn send(
    request: &Request,
    headers: &[(String, String)],
    timeout_ms: u32,
) -> Result<Response, Transport> {
    let controller = AbortController::new().map_err(|_| Transport::Other {
        message: "this browser cannot time requests out".into(),
    })?;
    let abort = controller.clone();
    let timer = leptos::prelude::set_timeout_with_handle(
        move || abort.abort(),
        Duration::from_millis(u64::from(timeout_ms)),
    )
    .ok();
    let method = Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::POST);
    let mut builder = RequestBuilder::new(&request.url)
        .method(method)
        // A redirect is reported, never followed: following it would carry the request and its
        // credential to wherever it points, and judge that server's answer.
        .redirect(RequestRedirect::Manual)
        .abort_signal(Some(&controller.signal()));
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let start = now_ms();
    let answer = async {
        let sent = match &request.body {
            Some(body) => {
                builder
                    .header("Content-Type", "application/json")
                    .body(body.clone())
                    .map_err(|e| failure(&e))?
                    .send()
                    .await
            }
            None => builder.send().await,
        };
        let response = sent.map_err(|e| failure(&e))?;
        if response.type_() == ResponseType::Opaqueredirect {
            return Err(Failure::Redirect);
        }
        let status = response.status();
        let content_type = response.headers().get("content-type");
        let body = response.text().await.map_err(|e| failure(&e))?;
        Ok::<_, Failure>(Response {
            status,
            content_type,
            body,
            latency_ms: now_ms() - start,
            // The browser follows redirects itself and hides where they led.
            location: None,
        })
    }
    .await;
    let result = match answer {
        Ok(response) => Ok(response),
        Err(Failure::Aborted) => Err(Transport::Timeout),
        Err(Failure::Network) if answers_opaquely(&request.url, &controller).await => {
            Err(Transport::Cors)
        }
        Err(Failure::Network) => Err(Transport::ConnectionRefused),
        Err(Failure::Redirect) => Err(Transport::Other {
            message: "the server answered with a redirect, which Assay never follows (the browser \
                      hides where it points); fix the endpoint's base URL"
                .into(),
        }),
        Err(Failure::Other(message)) => Err(Transport::Other { message }),
    };
    // The probe above runs under the same time limit.
    if let Some(timer) = timer {
        timer.clear();
    }
    result
}

enum Failure {
    Aborted,
    /// A 3xx, which `redirect: manual` leaves unread (an opaque redirect).
    Redirect,
    /// `fetch` rejected with a TypeError: the server is down, or its answer may not be read.
    Network,
    Other(String),
}

fn failure(error: &gloo_net::Error) -> Failure {
    match error {
        gloo_net::Error::JsError(e) if e.name == "AbortError" => Failure::Aborted,
        gloo_net::Error::JsError(e) if e.name == "TypeError" => Failure::Network,
        other => Failure::Other(other.to_string()),
    }
}

/// Whether the server answers a `no-cors` request: an opaque answer means it is up but sends
/// no CORS headers, so the browser hid its answer from the page.
async fn answers_opaquely(url: &str, limit: &AbortController) -> bool {
    let probe = RequestBuilder::new(url)
        .method(Method::GET)
        .mode(RequestMode::NoCors)
        .abort_signal(Some(&limit.signal()))
        .send()
        .await;
    probe.is_ok_and(|r| r.type_() == web_sys::ResponseType::Opaque)
}

/// The body of `GET /relay/` on this page's server, if it answers 200.
pub async fn relay_listing() -> Option<String> {
    let response = RequestBuilder::new(RELAY_PREFIX)
        .method(Method::GET)
        .send()
        .await
        .ok()?;
    if response.status() != 200 {
        return None;
    }
    response.text().await.ok()
}
