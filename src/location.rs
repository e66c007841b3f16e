//! The user's call site for error reports.
//!
//! `#[track_caller]` carries the caller's location through plain calls but
//! not into closures, which the numpy functions use to stop at the first
//! error. A public function that uses one opens a [`scope`]: while it is
//! open, errors raised anywhere inside it are located at the call that
//! opened it. Nested scopes keep the outermost call.

use std::cell::Cell;
use std::panic::Location;

thread_local! {
    static CALLER: Cell<Option<&'static Location<'static>>> = const { Cell::new(None) };
}

/// Closes the scope it opened (if it was the outermost) when dropped.
pub(crate) struct Scope {
    outermost: bool,
}

impl Drop for Scope {
    fn drop(&mut self) {
        if self.outermost {
            CALLER.with(|c| c.set(None));
        }
    }
}

/// Open a scope at the caller's location.
#[track_caller]
pub(crate) fn scope() -> Scope {
    let caller = Location::caller();
    let outermost = CALLER.with(|c| c.get().is_none().then(|| c.set(Some(caller))).is_some());
    Scope { outermost }
}

/// The location errors raised now should name.
#[track_caller]
pub(crate) fn current() -> &'static Location<'static> {
    match CALLER.with(Cell::get) {
        Some(outer) => outer,
        None => Location::caller(),
    }
}
