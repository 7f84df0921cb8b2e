//! The wasm entry point: installs the panic hook and mounts the app (`pdscope::start`).

#[cfg(target_arch = "wasm32")]
fn main() {
    pdscope::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("pdscope is a browser app: run `trunk serve` (see README.md).");
}
