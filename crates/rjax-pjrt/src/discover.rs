//! Finding installed plugins.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The CUDA plugin of an installed `jax-cuda13-pjrt` or `jax-cuda12-pjrt`
/// package (`jax_plugins/xla_cuda*/xla_cuda_plugin.so` in a Python
/// site-packages directory), if there is one.
pub fn default_cuda_plugin() -> Option<PathBuf> {
    site_dirs().iter().find_map(|dir| {
        ["xla_cuda13", "xla_cuda12"]
            .iter()
            .map(|p| dir.join("jax_plugins").join(p).join("xla_cuda_plugin.so"))
            .find(|p| p.is_file())
    })
}

/// Python's `sys.path` when `python3` is present, then the usual places.
fn site_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Command::new("python3")
        .args(["-c", "import sys; print('\\n'.join(sys.path))"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default();
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    for pattern in [
        home.join(".local/lib"),
        PathBuf::from("/usr/local/lib"),
        PathBuf::from("/usr/lib"),
    ] {
        dirs.extend(python_dirs(&pattern));
    }
    dirs
}

fn python_dirs(lib: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(lib) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("python3"))
        })
        .flat_map(|p| [p.join("site-packages"), p.join("dist-packages")])
        .chain([lib.join("python3/dist-packages")])
        .collect()
}
