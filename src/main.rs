//! Mounts the Assay app; everything else lives in the library so tests can import it.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(assay_app::App);
    // index.html's loading screen stands in until now.
    assay_app::browser::page::remove_element("loading");
}
