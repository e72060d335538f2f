//! The same-origin relay of `assay serve`: lets the browser app reach model servers that send
//! no CORS headers. It forwards only to the endpoints of the specs named on the command line,
//! listens only on 127.0.0.1, and keeps nothing: credentials the page sends pass through.
//!
//! `GET /relay/` lists the endpoints it forwards to (`{"endpoints": ["name", …]}`);
//! `METHOD /relay/{endpoint}/{path}` forwards to `{base_url}/{path}` of that endpoint.

use std::io::Read;
use std::time::Duration;

use assay_engine::endpoint::EndpointSpec;

/// Largest body relayed either way.
const MAX_BODY: u64 = 10 * 1024 * 1024;
/// Headers never forwarded: the hop's own, and what would leak the page's origin or cookies.
const DROPPED: [&str; 7] = [
    "host",
    "origin",
    "referer",
    "cookie",
    "connection",
    "content-length",
    "transfer-encoding",
];

pub struct Relay {
    endpoints: Vec<EndpointSpec>,
    agent: ureq::Agent,
}

impl Relay {
    pub fn new(endpoints: Vec<EndpointSpec>) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(120)))
            .http_status_as_error(false)
            .build()
            .into();
        Self { endpoints, agent }
    }

    /// Answers a `/relay/…` request; `None` when the URL is not the relay's.
    pub fn handle(
        &self,
        request: &mut tiny_http::Request,
    ) -> Option<tiny_http::Response<std::io::Cursor<Vec<u8>>>> {
        let rest = request.url().strip_prefix("/relay/")?.to_owned();
        if rest.is_empty() {
            let names: Vec<&str> = self.endpoints.iter().map(|e| e.name.as_str()).collect();
            return Some(json_response(
                200,
                &serde_json::json!({ "endpoints": names }).to_string(),
            ));
        }
        let (name, path) = rest.split_once('/').unwrap_or((rest.as_str(), ""));
        let Some(endpoint) = self.endpoints.iter().find(|e| e.name == name) else {
            let message = format!(
                "the relay forwards only to the endpoints of the specs it was started with; `{name}` is not one"
            );
            return Some(json_response(
                403,
                &serde_json::json!({ "error": message }).to_string(),
            ));
        };
        let url = format!("{}/{path}", endpoint.base_url.trim_end_matches('/'));
        Some(match self.forward(request, &url) {
            Ok(response) => response,
            Err(message) => {
                json_response(502, &serde_json::json!({ "error": message }).to_string())
            }
        })
    }

    fn forward(
        &self,
        request: &mut tiny_http::Request,
        url: &str,
    ) -> Result<tiny_http::Response<std::io::Cursor<Vec<u8>>>, String> {
        let mut body = Vec::new();
        request
            .as_reader()
            .take(MAX_BODY)
            .read_to_end(&mut body)
            .map_err(|e| e.to_string())?;
        let mut call = ureq::http::Request::builder()
            .method(request.method().as_str())
            .uri(url);
        for header in request.headers() {
            let name = header.field.as_str().as_str();
            if !DROPPED.contains(&name.to_ascii_lowercase().as_str()) {
                call = call.header(name, header.value.as_str());
            }
        }
        let call = call.body(body).map_err(|e| e.to_string())?;
        let mut response = self
            .agent
            .run(call)
            .map_err(|e| format!("cannot reach {url}: {e}"))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        let mut answer = tiny_http::Response::from_data(bytes).with_status_code(status);
        if let Ok(header) = tiny_http::Header::from_bytes("Content-Type", content_type) {
            answer.add_header(header);
        }
        Ok(answer)
    }
}

fn json_response(status: u16, text: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut response =
        tiny_http::Response::from_data(text.as_bytes().to_vec()).with_status_code(status);
    if let Ok(header) = tiny_http::Header::from_bytes("Content-Type", "application/json") {
        response.add_header(header);
    }
    response
}
