//! Mounts the Assay app; everything else lives in the library so tests can import it.

use assay_app::browser::{clock, page};

fn main() {
    // Marks on the page's timeline: the wasm has loaded (`assay-start`), the workbench can be
    // used (`assay-interactive`); `cargo xtask bench` reads them for its start-up figures.
    clock::mark("assay-start");
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(assay_app::App);
    // index.html's loading screen stands in until now.
    page::remove_element("loading");
    clock::mark("assay-interactive");
}
