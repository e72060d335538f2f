//! Share links: a spec survives the trip through a URL fragment, and a damaged or hostile link
//! is an error in words, never a panic or an exhausted memory. Runs natively and as wasm.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod common;

use assay_engine::model::ModelSpec;
use assay_engine::share::{MAX_FRAGMENT_BYTES, PREFIX, from_fragment, to_fragment};
use assay_engine::spec::MAX_SPEC_BYTES;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{both, default_checks, sample_spec};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn spec() -> assay_engine::spec::Spec {
    let model = ModelSpec::LogisticRegression;
    sample_spec(model.clone(), default_checks(&model))
}

fn error(fragment: &str) -> String {
    from_fragment(fragment).unwrap_err().to_string()
}

/// A fragment in the current format around arbitrary bytes, deflated.
fn pack(bytes: &[u8]) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(bytes, 6);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// `len` zero bytes deflated, fed in 1 MiB pieces so the test never holds them all.
fn deflated_zeros(len: usize) -> Vec<u8> {
    use miniz_oxide::deflate::core::{
        CompressorOxide, TDEFLFlush, TDEFLStatus, compress_to_output,
        create_comp_flags_from_zip_params,
    };
    let chunk = vec![0u8; 1 << 20];
    let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(9, 0, 0));
    let mut out = Vec::new();
    let mut left = len;
    loop {
        let piece = &chunk[..left.min(chunk.len())];
        left -= piece.len();
        let flush = if left == 0 {
            TDEFLFlush::Finish
        } else {
            TDEFLFlush::None
        };
        let (status, _) = compress_to_output(&mut compressor, piece, flush, |bytes| {
            out.extend_from_slice(bytes);
            true
        });
        match status {
            TDEFLStatus::Done => return out,
            TDEFLStatus::Okay => {}
            other => panic!("deflate failed: {other:?}"),
        }
    }
}

both! {
    fn a_spec_survives_the_trip_through_a_link() {
        let spec = spec();
        let fragment = to_fragment(&spec);
        assert!(fragment.starts_with(PREFIX), "{fragment:.20}");
        // Only characters that need no escaping in a URL fragment.
        assert!(
            fragment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
        assert!(fragment.len() < spec.to_json().len(), "{} vs {}", fragment.len(), spec.to_json().len());
        assert!(fragment.len() < MAX_FRAGMENT_BYTES);
        assert_eq!(from_fragment(&fragment).unwrap(), spec);
        // As `location.hash` gives it, and as a pasted link may end.
        assert_eq!(from_fragment(&format!("#{fragment}\n")).unwrap(), spec);
    }

    fn a_damaged_link_says_what_is_wrong() {
        let fragment = to_fragment(&spec());
        let cut = &fragment[..fragment.len() / 2];
        assert!(error(cut).contains("cut short"), "{}", error(cut));
        let garbage = format!("{PREFIX}not*base64!");
        assert!(error(&garbage).contains("not valid base64url"), "{}", error(&garbage));
        assert!(error("#results").contains("not an Assay share link"));
        assert!(error("").contains("not an Assay share link"));
        assert!(error("spec7.AAAA").contains("format `spec7`"), "{}", error("spec7.AAAA"));
        // Packed correctly, but not a spec inside: the spec reader's own messages come through.
        assert!(error(&pack(b"{\"format_version\": 1")).contains("not valid JSON"));
        assert!(error(&pack(b"[1, 2]")).contains("JSON object"));
        assert!(error(&pack(&[0xff, 0xfe, 0x00])).contains("UTF-8"));
    }

    fn an_oversized_link_is_refused_before_it_is_decoded() {
        let huge = format!("{PREFIX}{}", "A".repeat(MAX_FRAGMENT_BYTES));
        assert!(error(&huge).contains(&format!("the limit is {MAX_FRAGMENT_BYTES}")));
    }

    fn a_zip_bomb_is_refused_without_unpacking_it() {
        const BOMB: usize = 100 << 20;
        let fragment = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(deflated_zeros(BOMB)));
        // Small enough to pass the size check on the link itself: inflating is what must stop.
        assert!(fragment.len() < MAX_FRAGMENT_BYTES / 4, "{}", fragment.len());
        let (result, growth) = heap_growth_during(|| from_fragment(&fragment));
        let message = result.unwrap_err().to_string();
        assert!(
            message.contains(&format!("more than {MAX_SPEC_BYTES} bytes")),
            "{message}"
        );
        // Not even a buffer of the limit's size: the size is measured before anything is kept.
        // (Natively, tests running alongside add a few MB of noise.)
        assert!(growth < MAX_SPEC_BYTES / 2, "grew by {growth}");
    }
}

/// Natively: the most bytes live at once during `f`, beyond those live before it, counted by a
/// wrapper around the system allocator. Other tests running in parallel add a little noise.
#[cfg(not(target_arch = "wasm32"))]
fn heap_growth_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    use counting::{LIVE, PEAK};
    use std::sync::atomic::Ordering::SeqCst;
    let before = LIVE.load(SeqCst);
    PEAK.store(before, SeqCst);
    let result = f();
    (result, PEAK.load(SeqCst).saturating_sub(before))
}

/// In wasm: how much linear memory grew during `f` (it never shrinks, so this bounds the peak
/// from above only when memory had to grow; a smaller value is still an honest lower bound).
#[cfg(target_arch = "wasm32")]
fn heap_growth_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let pages = || core::arch::wasm32::memory_size(0);
    let before = pages();
    let result = f();
    (result, (pages() - before) * 65536)
}

#[cfg(not(target_arch = "wasm32"))]
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    pub static LIVE: AtomicUsize = AtomicUsize::new(0);
    pub static PEAK: AtomicUsize = AtomicUsize::new(0);

    struct Counting;

    // Unsafe only because `GlobalAlloc` is: every call is forwarded unchanged to `System`.
    #[allow(unsafe_code)]
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: same contract as the caller's.
            let ptr = unsafe { System.alloc(layout) };
            if !ptr.is_null() {
                let live = LIVE.fetch_add(layout.size(), SeqCst) + layout.size();
                PEAK.fetch_max(live, SeqCst);
            }
            ptr
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size(), SeqCst);
            // SAFETY: same contract as the caller's.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;
}
