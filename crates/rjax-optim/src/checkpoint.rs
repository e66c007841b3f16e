//! Checkpoints: any [`Tree`] (parameters, optimizer state, both together)
//! saved as a [safetensors](https://github.com/huggingface/safetensors)
//! file, one tensor per leaf named by its key path (`layers.0.w`,
//! `1.0.mu.w`), in the leaf's own dtype, so a round trip is bit for bit
//! and other tools (Python's `safetensors`, PyTorch) read the file.
//!
//! Loading takes a tree of the wanted structure (freshly initialized
//! parameters and `opt.init(&params)`, typically) and checks every leaf: a
//! missing or extra tensor, or one of another shape or dtype, is a typed
//! error that names the key path. [`save`] writes a temporary file beside
//! the target and renames it over the target, so an interrupted save
//! leaves the previous checkpoint whole.
//!
//! ```
//! use rjax::{Array, Tree};
//! use rjax_optim::{GradientTransformation, OptState, adam, checkpoint};
//!
//! #[derive(Tree)]
//! struct Linear { w: Array, b: Array }
//! #[derive(Tree)]
//! struct TrainState { params: Linear, opt_state: OptState }
//!
//! let params = Linear { w: Array::from_slice(&[1.0f32, 2.0], &[2]), b: Array::scalar(0.5f32) };
//! let opt_state = adam(1e-3).init(&params).unwrap();
//! let state = TrainState { params, opt_state };
//! let path = std::env::temp_dir().join(format!("rjax-doc-{}.safetensors", std::process::id()));
//! checkpoint::save(&path, &state).unwrap();
//!
//! let like = TrainState {
//!     params: Linear { w: Array::from_slice(&[0.0f32, 0.0], &[2]), b: Array::scalar(0.0f32) },
//!     opt_state: adam(1e-3).init(&state.params).unwrap(),
//! };
//! let back = checkpoint::load(&path, &like).unwrap();
//! assert_eq!(back.params.w.to_vec::<f32>().unwrap(), [1.0, 2.0]);
//! # std::fs::remove_file(&path).unwrap();
//! ```

use rjax::{Array, DType, Error, ErrorKind, Result, Tree};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::panic::Location;
use std::path::Path;

/// The file's dtype for an rjax dtype; safetensors has none for c128.
fn file_dtype(dtype: DType) -> Option<Dtype> {
    Some(match dtype {
        DType::Bool => Dtype::BOOL,
        DType::I8 => Dtype::I8,
        DType::I16 => Dtype::I16,
        DType::I32 => Dtype::I32,
        DType::I64 => Dtype::I64,
        DType::U8 => Dtype::U8,
        DType::U16 => Dtype::U16,
        DType::U32 => Dtype::U32,
        DType::U64 => Dtype::U64,
        DType::F16 => Dtype::F16,
        DType::BF16 => Dtype::BF16,
        DType::F32 => Dtype::F32,
        DType::F64 => Dtype::F64,
        DType::C64 => Dtype::C64,
        DType::C128 => return None,
    })
}

/// The tensor name of every leaf: its key path's keys joined by dots.
fn leaf_names<T: Tree>(tree: &T) -> Result<(Vec<String>, Vec<Array>, rjax::TreeDef)> {
    let (leaves, def) = tree.flatten_tree();
    let names: Vec<String> = def.key_paths().iter().map(|p| p.simple(".")).collect();
    let mut seen = BTreeSet::new();
    if let Some(twice) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(Error::new(
            ErrorKind::Tree,
            "checkpoint",
            format!("two leaves are both named `{twice}` (a map key with a dot in it?)"),
        ));
    }
    Ok((names, leaves, def))
}

/// The checkpoint of `tree` as safetensors bytes (flax's
/// `serialization.to_bytes`).
#[track_caller]
pub fn to_bytes<T: Tree>(tree: &T) -> Result<Vec<u8>> {
    let location = Location::caller();
    let at = |e: Error| e.at(location);
    let (names, leaves, _) = leaf_names(tree).map_err(at)?;
    let data = leaves
        .iter()
        .map(|x| Ok((x.to_bytes()?, x.aval()?)))
        .collect::<Result<Vec<_>>>()
        .map_err(at)?;
    let views = names
        .iter()
        .zip(&data)
        .map(|(name, (bytes, aval))| {
            let dtype = file_dtype(aval.dtype).ok_or_else(|| {
                Error::new(
                    ErrorKind::DType,
                    "checkpoint",
                    format!(
                        "safetensors cannot store {} (leaf `{name}`)",
                        aval.dtype.name()
                    ),
                )
            })?;
            TensorView::new(dtype, aval.shape.clone(), bytes)
                .map(|v| (name.as_str(), v))
                .map_err(|e| format_error(name, e))
        })
        .collect::<Result<Vec<_>>>()
        .map_err(at)?;
    let views = views.iter().map(|(name, v)| (*name, v));
    safetensors::serialize(views, None).map_err(|e| at(format_error("(header)", e)))
}

fn format_error(name: &str, e: safetensors::SafeTensorError) -> Error {
    Error::new(ErrorKind::Io, "checkpoint", format!("tensor `{name}`: {e}"))
}

/// A tree shaped like `like` from safetensors bytes, each leaf from the
/// tensor named by its key path (flax's `serialization.from_bytes`).
#[track_caller]
pub fn from_bytes<T: Tree>(bytes: &[u8], like: &T) -> Result<T> {
    let location = Location::caller();
    read(bytes, like).map_err(|e| e.at(location))
}

fn read<T: Tree>(bytes: &[u8], like: &T) -> Result<T> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            "checkpoint",
            format!("not a safetensors file: {e}"),
        )
    })?;
    let (names, templates, def) = leaf_names(like)?;
    let stored: BTreeMap<String, TensorView> = file.tensors().into_iter().collect();
    let extra: Vec<&str> = stored
        .keys()
        .filter(|k| !names.contains(k))
        .map(String::as_str)
        .collect();
    if !extra.is_empty() {
        return Err(Error::new(
            ErrorKind::Tree,
            "checkpoint",
            format!("the file has tensors the tree has no leaf for: {extra:?}"),
        ));
    }
    let leaves = names
        .iter()
        .zip(&templates)
        .map(|(name, template)| {
            let want = template.aval()?;
            let mistake = |kind, what: String| {
                Err(
                    Error::new(kind, "checkpoint", format!("leaf `{name}`: {what}"))
                        .with_operands(vec![want.clone()]),
                )
            };
            let Some(view) = stored.get(name) else {
                return mistake(
                    ErrorKind::Tree,
                    "the file has no tensor of this name".into(),
                );
            };
            if Some(view.dtype()) != file_dtype(want.dtype) {
                let what = format!(
                    "the file holds {:?}, the tree wants {}",
                    view.dtype(),
                    want.dtype.name()
                );
                return mistake(ErrorKind::DType, what);
            }
            if view.shape() != want.shape.as_slice() {
                let what = format!(
                    "the file holds shape {:?}, the tree wants {:?}",
                    view.shape(),
                    want.shape
                );
                return mistake(ErrorKind::Shape, what);
            }
            let leaf = Array::from_bytes(view.data(), view.shape(), want.dtype);
            leaf.check().map(|_| leaf)
        })
        .collect::<Result<Vec<_>>>()?;
    T::unflatten_tree(&def, leaves)
}

/// Save `tree` to `path` (see the [module](self) for the format): the
/// bytes go to a temporary file beside `path` (`.{name}.{pid}.tmp`),
/// which is synced and then renamed over `path`.
#[track_caller]
pub fn save<T: Tree>(path: impl AsRef<Path>, tree: &T) -> Result<()> {
    let location = Location::caller();
    let bytes = to_bytes(tree).map_err(|e| e.at(location))?;
    write_atomically(path.as_ref(), &bytes).map_err(|e| e.at(location))
}

/// A tree shaped like `like`, read from the checkpoint at `path`.
#[track_caller]
pub fn load<T: Tree>(path: impl AsRef<Path>, like: &T) -> Result<T> {
    let location = Location::caller();
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| io_error("reading", path, e).at(location))?;
    from_bytes(&bytes, like).map_err(|e| e.at(location))
}

/// Where [`save`] writes before renaming.
pub fn temporary_path(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = temporary_path(path);
    let written = std::fs::File::create(&temporary).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temporary, path));
    renamed.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        io_error("writing", path, e)
    })
}

fn io_error(doing: &str, path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Io,
        "checkpoint",
        format!("{doing} {}: {e}", path.display()),
    )
}
