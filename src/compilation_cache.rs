//! The persistent compilation cache: programs compiled by XLA, serialized
//! by the plugin and kept on disk, so that a later process loads them
//! instead of compiling again (what JAX's `jax_compilation_cache_dir`
//! does).
//!
//! It is on by default, in `$RJAX_CACHE_DIR/compiled` (else
//! `$XDG_CACHE_HOME/rjax/compiled`, else `~/.cache/rjax/compiled`).
//! `RJAX_COMPILATION_CACHE=0` turns it off; `RJAX_COMPILATION_CACHE_MAX_BYTES`
//! bounds its size (default 1 GiB): past the bound, the entries used least
//! recently (by modification time, which a hit refreshes) are removed.
//!
//! An entry's name is its key: a SHA-256 of the module text, the compile
//! options and everything else that decides the machine code (the plugin's
//! identity, the device count and kind, the host CPU, `XLA_FLAGS` and the
//! version of the entry format). Each file starts with a header (magic, format
//! version, key, payload length, payload SHA-256) that is checked before
//! the plugin sees a byte: a truncated, corrupt or foreign file is removed,
//! and the program is compiled and stored again. Files are written under a
//! temporary name and renamed, so a reader never sees half an entry, and
//! processes may share the directory. Nothing here can fail a compilation:
//! a directory that cannot be read or written only means compiling.
//!
//! ```
//! use rjax::prelude::*;
//!
//! let f = jit(|x: Array| x.exp());
//! f.call(jnp::ones(&[3], DType::F32)).unwrap();
//! let s = rjax::compilation_cache::stats();
//! // Unless RJAX_COMPILATION_CACHE=0: a hit if an earlier process (or
//! // this one) compiled the same program, else a miss, then a store.
//! assert!(rjax::compilation_cache::directory().unwrap().is_none() || s.hits + s.misses >= 1);
//! ```

use crate::Result;
use crate::runtime::bad_env;
use rjax_pjrt::{Client, CompileOptions, Executable};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Counters of the persistent compilation cache since the process started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Programs loaded from the cache instead of compiled.
    pub hits: u64,
    /// Programs not found (or not usable) in the cache, so compiled.
    pub misses: u64,
    /// Entries written.
    pub stores: u64,
    /// Entries found corrupt, truncated, foreign or refused by the plugin,
    /// and removed.
    pub rejected: u64,
    /// Entries removed to keep the cache within its size bound.
    pub evicted: u64,
}

static HITS: AtomicU64 = AtomicU64::new(0);
static MISSES: AtomicU64 = AtomicU64::new(0);
static STORES: AtomicU64 = AtomicU64::new(0);
static REJECTED: AtomicU64 = AtomicU64::new(0);
static EVICTED: AtomicU64 = AtomicU64::new(0);

/// What the persistent compilation cache did in this process so far.
pub fn stats() -> Stats {
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    Stats {
        hits: get(&HITS),
        misses: get(&MISSES),
        stores: get(&STORES),
        rejected: get(&REJECTED),
        evicted: get(&EVICTED),
    }
}

/// The cache's directory, or `None` when the cache is off. Starts the
/// runtime (which reads the environment) if it has not started.
pub fn directory() -> Result<Option<PathBuf>> {
    Ok(crate::runtime::disk_cache()?.map(|c| c.dir.clone()))
}

/// The version of the entry format and of what goes into a key; entries
/// of another version are never loaded.
const FORMAT_VERSION: u32 = 1;
const MAGIC: &[u8; 8] = b"RJAXEXE\0";
/// Magic, version, key, payload length, payload SHA-256.
const HEADER_LEN: usize = 8 + 4 + 32 + 8 + 32;
const ENTRY_SUFFIX: &str = ".rjaxexe";
/// Temporary files of writers that died are removed after this long.
const STALE_TEMP: Duration = Duration::from_secs(3600);
const DEFAULT_MAX_BYTES: u64 = 1 << 30;

type Key = [u8; 32];

/// The on-disk cache of one runtime.
pub(crate) struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
    /// What every key shares: format version, plugin, host CPU, `XLA_FLAGS`.
    identity: String,
    /// The directory's size in bytes as last counted plus what this process
    /// wrote since; `None` until first counted.
    total: Mutex<Option<u64>>,
}

impl DiskCache {
    /// The cache the environment asks for (`None`: off, or no directory),
    /// for programs of the plugin identified by `plugin` (its SHA-256, or
    /// what names its file).
    pub(crate) fn from_env(plugin: &str) -> Result<Option<DiskCache>> {
        let var = |name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        if !enabled(var("RJAX_COMPILATION_CACHE").as_deref())? {
            return Ok(None);
        }
        let max_bytes = max_bytes(var("RJAX_COMPILATION_CACHE_MAX_BYTES").as_deref())?;
        let base = std::env::var_os("RJAX_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("rjax")))
            .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache/rjax")));
        Ok(base.map(|b| DiskCache::new(b.join("compiled"), max_bytes, plugin)))
    }

    fn new(dir: PathBuf, max_bytes: u64, plugin: &str) -> DiskCache {
        let identity = format!(
            "rjax compiled program v{FORMAT_VERSION}\nplugin {plugin}\ncpu {}\nXLA_FLAGS {}\n",
            host_cpu(),
            std::env::var("XLA_FLAGS").unwrap_or_default()
        );
        DiskCache {
            dir,
            max_bytes,
            identity,
            total: Mutex::new(None),
        }
    }

    /// Load the program from the cache, or compile it with `client` and
    /// store it.
    pub(crate) fn compile(
        &self,
        client: &Client,
        text: &str,
        options: &CompileOptions,
    ) -> rjax_pjrt::Result<Executable> {
        let key = self.key(client, text, options);
        if let Some(bytes) = self.read(&key) {
            match client.deserialize(&bytes[HEADER_LEN..], options) {
                Ok(exe) => {
                    HITS.fetch_add(1, Ordering::Relaxed);
                    return Ok(exe);
                }
                Err(_) => self.reject(&key),
            }
        }
        MISSES.fetch_add(1, Ordering::Relaxed);
        let exe = client.compile(text, options)?;
        if let Ok(payload) = exe.serialize() {
            self.write(&key, &payload);
        }
        Ok(exe)
    }

    /// The key of a program for `client`: its devices' number and kind
    /// (the GPU model, for CUDA) count with the rest.
    fn key(&self, client: &Client, text: &str, options: &CompileOptions) -> Key {
        let proto = options.to_proto();
        let kind = client.device_kind(0).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(self.identity.as_bytes());
        h.update((client.devices().len() as u64).to_le_bytes());
        h.update((kind.len() as u64).to_le_bytes());
        h.update(kind.as_bytes());
        h.update((proto.len() as u64).to_le_bytes());
        h.update(&proto);
        h.update(text.as_bytes());
        h.finalize().into()
    }

    fn path(&self, key: &Key) -> PathBuf {
        self.dir.join(format!("{}{ENTRY_SUFFIX}", hex(key)))
    }

    /// The whole entry of `key` if it is present and sound (its use time
    /// refreshed); a present but unsound one is removed.
    fn read(&self, key: &Key) -> Option<Vec<u8>> {
        let path = self.path(key);
        let bytes = fs::read(&path).ok()?;
        if !entry_is_sound(&bytes, key) {
            self.reject(key);
            return None;
        }
        let now = SystemTime::now();
        let _ = fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(now));
        Some(bytes)
    }

    fn reject(&self, key: &Key) {
        REJECTED.fetch_add(1, Ordering::Relaxed);
        let _ = fs::remove_file(self.path(key));
    }

    /// Write the entry of `key` (temporary file, then rename), then keep
    /// the directory within its bound. Failures leave no entry.
    fn write(&self, key: &Key, payload: &[u8]) {
        let len = (HEADER_LEN + payload.len()) as u64;
        if len > self.max_bytes || fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let mut entry = Vec::with_capacity(len as usize);
        entry.extend_from_slice(MAGIC);
        entry.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        entry.extend_from_slice(key);
        entry.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        entry.extend_from_slice(&Sha256::digest(payload));
        entry.extend_from_slice(payload);
        static TEMP: AtomicU64 = AtomicU64::new(0);
        let temp = self.dir.join(format!(
            ".tmp-{}-{}-{}",
            std::process::id(),
            TEMP.fetch_add(1, Ordering::Relaxed),
            hex(key)
        ));
        let written = fs::write(&temp, &entry).and_then(|()| fs::rename(&temp, self.path(key)));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
            return;
        }
        STORES.fetch_add(1, Ordering::Relaxed);
        let mut total = self.total.lock().unwrap_or_else(|p| p.into_inner());
        let now = match *total {
            Some(t) => t + len,
            None => self.entries().iter().map(|e| e.1).sum(),
        };
        *total = Some(if now > self.max_bytes {
            self.evict()
        } else {
            now
        });
    }

    /// Remove the least recently used entries until the directory holds at
    /// most three quarters of its bound (so that eviction, which lists the
    /// directory, runs once per many stores); returns the bytes left.
    fn evict(&self) -> u64 {
        let mut entries = self.entries();
        entries.sort_by_key(|e| e.0);
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        for (_, len, path) in entries {
            if total <= self.max_bytes / 4 * 3 {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                EVICTED.fetch_add(1, Ordering::Relaxed);
            }
            total -= len;
        }
        total
    }

    /// (modification time, size, path) of each entry; temporary files left
    /// by writers that died are removed on the way.
    fn entries(&self) -> Vec<(SystemTime, u64, PathBuf)> {
        let Ok(dir) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let now = SystemTime::now();
        dir.filter_map(|e| {
            let e = e.ok()?;
            let meta = e.metadata().ok()?;
            let modified = meta.modified().ok()?;
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".tmp-") {
                if now
                    .duration_since(modified)
                    .is_ok_and(|age| age > STALE_TEMP)
                {
                    let _ = fs::remove_file(e.path());
                }
                return None;
            }
            name.ends_with(ENTRY_SUFFIX)
                .then(|| (modified, meta.len(), e.path()))
        })
        .collect()
    }
}

/// Whether `bytes` is a whole entry of this format for `key`.
fn entry_is_sound(bytes: &[u8], key: &Key) -> bool {
    let Some((header, payload)) = bytes.split_at_checked(HEADER_LEN) else {
        return false;
    };
    header[..8] == MAGIC[..]
        && header[8..12] == FORMAT_VERSION.to_le_bytes()
        && header[12..44] == key[..]
        && header[44..52] == (payload.len() as u64).to_le_bytes()
        && header[52..84] == Sha256::digest(payload)[..]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What identifies the host CPU's instruction set, which the CPU plugin
/// compiles for: the vendor, model and feature flags of the first
/// processor in `/proc/cpuinfo` (empty elsewhere).
fn host_cpu() -> String {
    const KEYS: [&str; 8] = [
        "vendor_id",
        "cpu family",
        "model",
        "model name",
        "flags",
        "Features",
        "CPU implementer",
        "CPU part",
    ];
    let info = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    info.lines()
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| {
            l.split(':')
                .next()
                .is_some_and(|k| KEYS.contains(&k.trim()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `RJAX_COMPILATION_CACHE`: `1` (the default) or `0`.
fn enabled(value: Option<&str>) -> Result<bool> {
    match value.map(str::trim) {
        None | Some("1") => Ok(true),
        Some("0") => Ok(false),
        Some(text) => Err(bad_env("RJAX_COMPILATION_CACHE", text, "0 or 1")),
    }
}

/// `RJAX_COMPILATION_CACHE_MAX_BYTES`: a positive integer, default 1 GiB.
fn max_bytes(value: Option<&str>) -> Result<u64> {
    let Some(text) = value else {
        return Ok(DEFAULT_MAX_BYTES);
    };
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(bad_env(
            "RJAX_COMPILATION_CACHE_MAX_BYTES",
            text,
            "a positive integer (the cache's size bound in bytes)",
        )),
    }
}

/// What names a plugin loaded without a pinned hash: its path, size and
/// modification time.
pub(crate) fn file_identity(path: &Path) -> String {
    let meta = fs::metadata(path).ok();
    let modified = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!(
        "file {} {} {modified}",
        path.canonicalize()
            .unwrap_or_else(|_| path.to_path_buf())
            .display(),
        meta.map_or(0, |m| m.len())
    )
}
