//! Why a command failed, as one line and an exit status.

/// The programs `diff` compared differ.
pub const DIFFERENT: u8 = 1;
/// The command line is wrong (clap uses 2 as well).
pub const USAGE: u8 = 2;
/// An input is missing, unreadable or not a module.
pub const BAD_INPUT: u8 = 3;
/// XLA (the PJRT plugin) refused the module or failed to run it.
pub const XLA: u8 = 4;

/// A failed command: its exit status and its message (the first line is
/// printed).
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: USAGE,
            message: message.into(),
        }
    }

    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            code: BAD_INPUT,
            message: message.into(),
        }
    }

    pub fn xla(message: impl Into<String>) -> Failure {
        Failure {
            code: XLA,
            message: message.into(),
        }
    }
}

impl From<rjax::Error> for Failure {
    /// Errors from the plugin are XLA failures; those rjax raises before
    /// reaching it (bad shapes, parameters) are bad input.
    fn from(e: rjax::Error) -> Failure {
        match e.kind {
            rjax::ErrorKind::Runtime | rjax::ErrorKind::Plugin => Failure::xla(e.to_string()),
            _ => Failure::input(e.to_string()),
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::input(message)
    }
}

pub type Outcome<T = ()> = Result<T, Failure>;
