//! Where the browser sends a case: straight to the server, or through `assay serve`'s relay.

use assay_engine::endpoint::{EndpointSpec, Request, SmokeCase, build_request, relay_url};
use serde_json::Value;

/// Where the browser sends a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Straight to the server, which must send CORS headers.
    Direct,
    /// Through `assay serve --spec`'s same-origin relay.
    Relay,
}

/// Whether `assay serve`'s relay can carry the requests blocked by CORS, once asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relay {
    Unasked,
    Available,
    Missing,
}

/// The request for one case along `route`.
pub fn request_for(spec: &EndpointSpec, case: &SmokeCase, route: Route) -> Request {
    let mut request = build_request(spec, case);
    if route == Route::Relay {
        request.url = relay_url(spec, &request.url);
    }
    request
}

/// Whether `GET /relay/`'s answer lists the endpoint `name`.
pub fn relay_lists(body: &str, name: &str) -> bool {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("endpoints")?
                .as_array()
                .map(|names| names.iter().any(|n| n.as_str() == Some(name)))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::endpoints::form::EndpointForm;
    use crate::logic::endpoints::test_support::drafted_form;

    #[test]
    fn the_relay_route_keeps_the_path_under_the_endpoints_name() {
        let form = drafted_form();
        let spec = EndpointForm {
            base_url: "http://127.0.0.1:9000/".into(),
            ..form
        }
        .to_spec()
        .unwrap();
        assert_eq!(
            request_for(&spec, &spec.cases[0], Route::Relay).url,
            "/relay/model-server/v2/models/model/infer"
        );
        assert!(relay_lists(
            r#"{"endpoints": ["other", "model-server"]}"#,
            "model-server"
        ));
        assert!(!relay_lists(r#"{"endpoints": ["other"]}"#, "model-server"));
        // A dev server answering every path with the page is no relay.
        assert!(!relay_lists("<!DOCTYPE html>", "model-server"));
    }
}
