//! Share links: a spec packed into a URL fragment, so a reviewer can open it with one click and
//! the spec never reaches a server (browsers do not send the part after `#`).
//!
//! Format: [`PREFIX`] (`spec1.`), then base64url without padding of the raw DEFLATE of
//! [`Spec::to_json`]. The version tag lets a later format be told apart from a damaged link.
//!
//! A link is untrusted input. [`from_fragment`] refuses an oversized link before decoding it, and
//! measures the inflated size through a small window before allocating for it, so a small link
//! that unpacks to gigabytes (a "zip bomb") fails at [`MAX_SPEC_BYTES`] having allocated almost
//! nothing.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use miniz_oxide::inflate::stream::{self, InflateState};
use miniz_oxide::{DataFormat, MZFlush, MZStatus};

use crate::EngineError;
use crate::spec::{MAX_SPEC_BYTES, Spec};

/// Starts every fragment this version writes; bump the digit if the packing ever changes.
pub const PREFIX: &str = "spec1.";
/// Longest fragment accepted: Chromium's limit on a whole URL, so no working link is longer.
pub const MAX_FRAGMENT_BYTES: usize = 2 * 1024 * 1024;

/// DEFLATE level: specs are small, so take the best ratio (shorter links).
const LEVEL: u8 = 9;

/// base64url; writes no padding but tolerates it, since some tools add `=` when relaying links.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The fragment (without `#`) that [`from_fragment`] turns back into `spec`.
pub fn to_fragment(spec: &Spec) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(spec.to_json().as_bytes(), LEVEL);
    format!("{PREFIX}{}", BASE64URL.encode(packed))
}

/// Reads a spec from a share link's fragment, with or without its leading `#`.
pub fn from_fragment(fragment: &str) -> Result<Spec, EngineError> {
    let fragment = fragment.trim();
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    if fragment.len() > MAX_FRAGMENT_BYTES {
        return Err(damaged(format!(
            "it has {} characters; the limit is {MAX_FRAGMENT_BYTES}",
            fragment.len()
        )));
    }
    let Some(payload) = fragment.strip_prefix(PREFIX) else {
        return Err(unknown_format(fragment));
    };
    let packed = BASE64URL.decode(payload).map_err(|e| {
        damaged(format!(
            "it is not valid base64url ({e}); was it changed or cut short when copied?"
        ))
    })?;
    // Measure first, holding only a small window, so a bomb is refused before any buffer of its
    // size exists; then unpack into a buffer of exactly the measured size.
    let size = inflate(&packed, |_| {})?;
    let mut bytes = Vec::with_capacity(size);
    inflate(&packed, |piece| bytes.extend_from_slice(piece))?;
    let text =
        String::from_utf8(bytes).map_err(|_| damaged("it does not unpack to UTF-8 text".into()))?;
    Spec::from_json(&text)
}

/// Inflates raw DEFLATE data, handing the output to `sink` piece by piece, and returns its
/// length; fails as soon as the output passes [`MAX_SPEC_BYTES`].
fn inflate(packed: &[u8], mut sink: impl FnMut(&[u8])) -> Result<usize, EngineError> {
    let mut state = InflateState::new_boxed(DataFormat::Raw);
    let mut window = vec![0u8; 64 * 1024];
    let mut input = packed;
    let mut total = 0usize;
    loop {
        let step = stream::inflate(&mut state, input, &mut window, MZFlush::None);
        input = input.get(step.bytes_consumed..).unwrap_or_default();
        total = total.saturating_add(step.bytes_written);
        if total > MAX_SPEC_BYTES {
            return Err(damaged(format!(
                "it unpacks to more than {MAX_SPEC_BYTES} bytes, the limit for a spec"
            )));
        }
        sink(window.get(..step.bytes_written).unwrap_or_default());
        match step.status {
            Ok(MZStatus::StreamEnd) => return Ok(total),
            Ok(_) if step.bytes_consumed > 0 || step.bytes_written > 0 => {}
            _ => {
                return Err(damaged(
                    "its compressed data is incomplete or corrupt; was it cut short when copied?"
                        .into(),
                ));
            }
        }
    }
}

fn damaged(why: String) -> EngineError {
    EngineError::Spec(format!("the share link cannot be used: {why}"))
}

/// Says whether the link comes from another Assay version or is not a share link at all.
fn unknown_format(fragment: &str) -> EngineError {
    let tag = fragment.split_once('.').map(|(tag, _)| tag);
    match tag {
        Some(tag) if tag.starts_with("spec") && tag.len() <= 12 => EngineError::Spec(format!(
            "the share link is in format `{tag}`, which this Assay ({}) cannot read; it reads `{}`",
            crate::VERSION,
            PREFIX.trim_end_matches('.')
        )),
        _ => EngineError::Spec(format!(
            "this is not an Assay share link: the part after `#` should start with `{PREFIX}`"
        )),
    }
}
