//! Where `assay serve`'s same-origin relay takes a request: the page sends the request for
//! `{base_url}/{path}` to `/relay/{endpoint}/{path}`, and the relay forwards it back. The page and
//! the relay both spell addresses with these, so they cannot disagree on one.

use super::EndpointSpec;

/// The relay's listing, and the start of every address it forwards.
pub const RELAY_PREFIX: &str = "/relay/";

/// The part of `url` below `spec`'s base URL, without its leading `/`; `None` when `url` is not
/// below the base URL.
pub fn path_below_base<'a>(spec: &EndpointSpec, url: &'a str) -> Option<&'a str> {
    let base = spec.base_url.trim_end_matches('/');
    url.strip_prefix(base)
        .map(|path| path.trim_start_matches('/'))
}

/// The relay's address for the request `spec` makes to `url`.
pub fn relay_url(spec: &EndpointSpec, url: &str) -> String {
    let path = path_below_base(spec, url).unwrap_or_else(|| url.trim_start_matches('/'));
    format!("{RELAY_PREFIX}{}/{path}", spec.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_relayed_under_its_endpoints_name_with_its_path_below_the_base_url() {
        let spec: EndpointSpec = serde_json::from_str(
            r#"{"name": "iris", "base_url": "http://127.0.0.1:9000/", "protocol": {"kind": "open_inference"}, "features": [], "cases": []}"#,
        )
        .unwrap();
        let url = "http://127.0.0.1:9000/v2/models/iris/infer";
        assert_eq!(path_below_base(&spec, url), Some("v2/models/iris/infer"));
        assert_eq!(relay_url(&spec, url), "/relay/iris/v2/models/iris/infer");
        assert_eq!(path_below_base(&spec, "http://elsewhere/v2"), None);
    }
}
