//! Typed errors of the binding: every `PJRT_Error` becomes [`Error::Pjrt`].

use std::path::PathBuf;

/// What can go wrong talking to a PJRT plugin.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plugin file is missing or cannot be loaded.
    #[error(
        "cannot load the PJRT plugin {}: {reason}. Set RJAX_PJRT_PLUGIN=/path/to/plugin.so, or build the rjax crate with python3 and pip available so that it fetches the `lammps-jax-pjrt-cpu` package",
        path.display()
    )]
    PluginLoad { path: PathBuf, reason: String },
    /// The plugin file's SHA-256 is not the one expected: it was not loaded.
    #[error(
        "refusing to load the PJRT plugin {}: its SHA-256 is {found}, expected {expected}. The file was replaced or damaged; delete it and rebuild rjax to fetch it again",
        path.display()
    )]
    PluginHash {
        path: PathBuf,
        expected: String,
        found: String,
    },
    /// The library loads but is not a PJRT plugin.
    #[error("{} does not export `{symbol}`: it is not a PJRT plugin", path.display())]
    MissingSymbol { path: PathBuf, symbol: String },
    /// The plugin reported an error from `call`.
    #[error("{call} failed ({code}): {message}")]
    Pjrt {
        call: &'static str,
        code: String,
        message: String,
    },
    /// We refused the request before calling the plugin.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The plugin answered with something rjax does not support.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// Result with the binding's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
