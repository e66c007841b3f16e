//! `.npz` archives: `np.savez`, `np.savez_compressed` and `jnp.load` of an
//! archive (the `npy` feature). An archive is a zip file holding one
//! `.npy` file per array, named after the array; entries are stored
//! ([`savez`]) or deflated ([`savez_compressed`]), as numpy writes them,
//! through the `zip` crate with only its deflate codec.
//!
//! ```
//! use rjax::{Array, numpy as jnp};
//! let path = std::env::temp_dir().join(format!("rjax-npz-doc-{}.npz", std::process::id()));
//! let w = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]);
//! let labels = Array::from_slice(&[3u8, 1], &[2]);
//! jnp::savez(&path, [("w", &w), ("labels", &labels)]).unwrap();
//!
//! let npz = jnp::load_npz(&path).unwrap();
//! assert_eq!(npz.names().collect::<Vec<_>>(), ["w", "labels"]);
//! assert_eq!(npz.get("labels").unwrap().to_vec::<u8>().unwrap(), [3, 1]);
//! assert!(npz.get("b").is_err());
//! # std::fs::remove_file(&path).unwrap();
//! ```

use super::npy::{WithPath, io_error, read_npy, write_npy};
use crate::Array;
use rjax_ir::{Error, ErrorKind, Result};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::panic::Location;
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The arrays of a `.npz` archive, by name, in the archive's order
/// (numpy's `NpzFile`, read whole when the archive is loaded).
#[derive(Clone, Debug)]
pub struct Npz {
    arrays: Vec<(String, Array)>,
}

impl Npz {
    /// The array names, in the archive's order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.arrays.iter().map(|(name, _)| name.as_str())
    }

    /// The array called `name`; a typed error (listing the names there
    /// are) if the archive has none.
    #[track_caller]
    pub fn get(&self, name: &str) -> Result<Array> {
        match self.arrays.iter().find(|(n, _)| n == name) {
            Some((_, x)) => Ok(x.clone()),
            None => {
                let names: Vec<&str> = self.names().collect();
                let message = format!("no array named `{name}` in the archive (it has {names:?})");
                Err(Error::new(ErrorKind::Param, "load_npz", message).at(Location::caller()))
            }
        }
    }

    /// The number of arrays.
    pub fn len(&self) -> usize {
        self.arrays.len()
    }

    /// Whether the archive holds no array.
    pub fn is_empty(&self) -> bool {
        self.arrays.is_empty()
    }

    /// The `(name, array)` pairs, in the archive's order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Array)> {
        self.arrays.iter().map(|(n, x)| (n.as_str(), x))
    }
}

impl IntoIterator for Npz {
    type Item = (String, Array);
    type IntoIter = std::vec::IntoIter<(String, Array)>;
    fn into_iter(self) -> Self::IntoIter {
        self.arrays.into_iter()
    }
}

/// Write arrays by name to an uncompressed `.npz` archive at `path`
/// (`np.savez(path, **arrays)`). Names must be distinct; each array is
/// stored as for [`save`](super::save), so bf16 is a typed error.
#[track_caller]
pub fn savez<'a>(
    path: impl AsRef<Path>,
    arrays: impl IntoIterator<Item = (&'a str, &'a Array)>,
) -> Result<()> {
    write_npz(path.as_ref(), arrays, CompressionMethod::Stored, "savez")
        .map_err(|e| e.at(Location::caller()))
}

/// [`savez`] with deflated entries (`np.savez_compressed`).
#[track_caller]
pub fn savez_compressed<'a>(
    path: impl AsRef<Path>,
    arrays: impl IntoIterator<Item = (&'a str, &'a Array)>,
) -> Result<()> {
    let op = "savez_compressed";
    write_npz(path.as_ref(), arrays, CompressionMethod::Deflated, op)
        .map_err(|e| e.at(Location::caller()))
}

/// Read every array of the `.npz` archive at `path` (`jnp.load` of an
/// archive). Entries whose names do not end in `.npy` are skipped, as
/// numpy does not treat them as arrays either.
#[track_caller]
pub fn load_npz(path: impl AsRef<Path>) -> Result<Npz> {
    let path = path.as_ref();
    read_npz(path)
        .map_err(|e| e.with_path(path))
        .map_err(|e| e.at(Location::caller()))
}

fn write_npz<'a>(
    path: &Path,
    arrays: impl IntoIterator<Item = (&'a str, &'a Array)>,
    method: CompressionMethod,
    op: &str,
) -> Result<()> {
    let file = File::create(path).map_err(|e| io_error(op, path, e))?;
    let failed = |e: zip::result::ZipError| Error::new(ErrorKind::Io, op, e.to_string());
    let mut zip = ZipWriter::new(BufWriter::new(file));
    let mut seen = BTreeSet::new();
    for (name, x) in arrays {
        if !seen.insert(name) {
            let message = format!("two arrays are named `{name}`");
            return Err(Error::new(ErrorKind::Param, op, message));
        }
        let aval = x.aval()?;
        // Entries of 4 GiB or more need zip64 records.
        let bytes = aval.checked_size().map(|n| n * aval.dtype.size_bytes());
        let large = bytes.is_none_or(|b| b >= u32::MAX as usize - 4096);
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(large);
        zip.start_file(format!("{name}.npy"), options)
            .map_err(failed)?;
        write_npy(&mut zip, x, op).map_err(|e| e.with_path(Path::new(name)))?;
    }
    zip.finish().map_err(failed)?;
    Ok(())
}

fn read_npz(path: &Path) -> Result<Npz> {
    let op = "load_npz";
    let file = File::open(path).map_err(|e| io_error(op, path, e))?;
    let mut zip = ZipArchive::new(BufReader::new(file))
        .map_err(|e| Error::new(ErrorKind::Io, op, format!("not a .npz (zip) archive: {e}")))?;
    let mut arrays = Vec::new();
    for index in 0..zip.len() {
        let entry = zip
            .by_index(index)
            .map_err(|e| Error::new(ErrorKind::Io, op, e.to_string()))?;
        let Some(name) = entry.name().strip_suffix(".npy").map(str::to_string) else {
            continue;
        };
        let x = read_npy(entry, op).map_err(|e| e.with_path(Path::new(&name)))?;
        arrays.push((name, x));
    }
    Ok(Npz { arrays })
}
