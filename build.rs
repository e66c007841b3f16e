//! Fetch the default PJRT CPU plugin: the PyPI package `lammps-jax-pjrt-cpu`
//! (XLA of jaxlib 0.11.2), downloaded by name with pip, pinned by version
//! and SHA-256, verified before it is ever loaded, and cached so later
//! builds work offline. `RJAX_PJRT_PLUGIN` at build time skips all this.
//!
//! The plugin's path and SHA-256 reach the crate as `RJAX_DEFAULT_PJRT_PLUGIN`
//! and `RJAX_DEFAULT_PJRT_PLUGIN_SHA256`: the runtime hashes the file again
//! before loading it, since the cache may change after the build.

use sha2::{Digest, Sha256};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE: &str = "lammps-jax-pjrt-cpu";
const VERSION: &str = "0.11.2";
const WHEEL: &str = "lammps_jax_pjrt_cpu-0.11.2-py3-none-manylinux_2_27_x86_64.whl";
const WHEEL_SHA256: &str = "1319390d948b39f69f7dade496b7c385149d9ca6097a6b62114da113216d9ad1";
const MEMBER: &str = "lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so";
const PLUGIN: &str = "pjrt_c_api_cpu_plugin.so";
const PLUGIN_SHA256: &str = "ad1309ac822b1b24d51b7f9947c7c9fa9ef5d67f390584cbc3d1fa2428fed9c2";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in ["RJAX_PJRT_PLUGIN", "RJAX_CACHE_DIR", "XDG_CACHE_HOME"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    if std::env::var_os("RJAX_PJRT_PLUGIN").is_some() {
        return;
    }
    match ensure_plugin() {
        Ok(path) => {
            println!("cargo:rerun-if-changed={}", path.display());
            println!(
                "cargo:rustc-env=RJAX_DEFAULT_PJRT_PLUGIN={}",
                path.display()
            );
            println!("cargo:rustc-env=RJAX_DEFAULT_PJRT_PLUGIN_SHA256={PLUGIN_SHA256}");
        }
        Err(e) => println!(
            "cargo:warning=rjax could not fetch its PJRT CPU plugin ({e}); set RJAX_PJRT_PLUGIN=/path/to/plugin.so at run time"
        ),
    }
}

fn cache_dir() -> Result<PathBuf, String> {
    let base = std::env::var_os("RJAX_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("rjax")))
        .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache/rjax")))
        .ok_or("no cache directory: set RJAX_CACHE_DIR")?;
    Ok(base.join("pjrt").join(format!("{PACKAGE}-{VERSION}")))
}

/// The verified plugin in the cache, fetching it first if needed.
fn ensure_plugin() -> Result<PathBuf, String> {
    let dir = cache_dir()?;
    let plugin = dir.join(PLUGIN);
    let stamp = dir.join("verified");
    if fs::read_to_string(&stamp).ok().as_deref() == Some(&stamp_text(&plugin)) {
        return Ok(plugin);
    }
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let download = dir.join("download");
    let _ = fs::remove_dir_all(&download);
    let status = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
        ])
        .arg(format!("{PACKAGE}=={VERSION}"))
        .arg("-d")
        .arg(&download)
        .status()
        .map_err(|e| format!("cannot run python3 -m pip: {e}"))?;
    if !status.success() {
        return Err(format!(
            "pip download {PACKAGE}=={VERSION} failed ({status})"
        ));
    }
    let wheel = download.join(WHEEL);
    verify(&wheel, WHEEL_SHA256)?;
    let partial = dir.join(format!("{PLUGIN}.partial"));
    let script = "import sys, zipfile, shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:\n    shutil.copyfileobj(src, dst)";
    let status = Command::new("python3")
        .args(["-c", script])
        .arg(&wheel)
        .arg(MEMBER)
        .arg(&partial)
        .status()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !status.success() {
        return Err(format!("cannot extract {MEMBER} from {WHEEL}"));
    }
    verify(&partial, PLUGIN_SHA256)?;
    fs::rename(&partial, &plugin).map_err(|e| format!("cannot move the plugin into place: {e}"))?;
    let _ = fs::remove_dir_all(&download);
    fs::write(&stamp, stamp_text(&plugin))
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(plugin)
}

/// What the stamp records of a verified plugin: hash, size and mtime, so an
/// unchanged file is not hashed again on every build.
fn stamp_text(plugin: &Path) -> String {
    let meta = fs::metadata(plugin).ok();
    let size = meta.as_ref().map_or(0, |m| m.len());
    let mtime = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    format!(
        "{PLUGIN_SHA256} {size} {}\n",
        mtime.map_or(0, |d| d.as_nanos())
    )
}

fn verify(file: &Path, expected: &str) -> Result<(), String> {
    let mut f = fs::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let got: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if got != expected {
        let _ = fs::remove_file(file);
        return Err(format!(
            "{} has SHA-256 {got}, expected {expected}",
            file.display()
        ));
    }
    Ok(())
}
