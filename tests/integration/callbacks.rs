//! Host callbacks: `debug::print`, `pure_callback` and `io_callback` run
//! Rust closures from inside compiled programs, through the plugin's FFI
//! extension.

use rjax_pjrt::Plugin;
use std::path::PathBuf;

/// The plugin, loaded once and kept loaded (unloading XLA's library at
/// exit runs its static destructors out of order).
fn plugin() -> &'static Plugin {
    static PLUGIN: std::sync::OnceLock<std::sync::Arc<Plugin>> = std::sync::OnceLock::new();
    PLUGIN.get_or_init(|| {
        let path = std::env::var_os("RJAX_PJRT_PLUGIN")
            .map(PathBuf::from)
            .or(option_env!("RJAX_DEFAULT_PJRT_PLUGIN").map(PathBuf::from))
            .expect("a PJRT plugin");
        Plugin::load(&path).expect("plugin loads")
    })
}

#[test]
fn the_plugin_offers_the_ffi_extension() {
    let names: Vec<&str> = plugin().extensions().iter().map(|e| e.name).collect();
    eprintln!("extensions: {names:?}");
    assert!(names.contains(&"FFI"), "{names:?}");
}
