//! Inputs that once aborted the process (XLA's C++ side threw across the
//! FFI, which Rust cannot catch) now give typed errors. Each case runs in
//! a child process, so a regression shows as a failed test, not as the
//! whole test binary dying: the parent re-runs this test binary on the
//! one test with `CASE_VAR` naming the case, and checks that the child
//! exited normally and printed the typed error.

use rjax::numpy as jnp;
use rjax::{Array, DType, lax, random};
use std::process::Command;

const CASE_VAR: &str = "RJAX_ABORT_SAFETY_CASE";

/// In the child (`CASE_VAR` is `name`): run `case` and print its error.
/// In the parent: run the test `test` in a child and check its exit.
fn isolated(name: &str, test: &str, case: impl Fn() -> Array) {
    if std::env::var(CASE_VAR).as_deref() == Ok(name) {
        match case().check() {
            Err(e) => println!("typed error: {:?} {e}", e.kind),
            Ok(()) => panic!("{name} should have failed"),
        }
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE_VAR, name)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: the child died ({:?})\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("typed error: Shape"),
        "{name}: no typed error\n{stdout}\n{stderr}"
    );
}

#[test]
fn reshape_whose_size_wraps() {
    isolated("reshape", "abort_safety::reshape_whose_size_wraps", || {
        lax::reshape(&jnp::zeros(&[1], DType::F32), &[274177, 67280421310721])
    });
}

#[test]
fn zeros_beyond_int64() {
    isolated("zeros", "abort_safety::zeros_beyond_int64", || {
        jnp::zeros(&[1 << 32, 1 << 32], DType::F32)
    });
}

#[test]
fn bytes_beyond_int64() {
    // 2^61 elements fit in int64, their 2^64 bytes do not.
    isolated("bytes", "abort_safety::bytes_beyond_int64", || {
        jnp::zeros(&[1 << 31, 1 << 30], DType::F64)
    });
}

#[test]
fn normal_beyond_int64() {
    isolated("normal", "abort_safety::normal_beyond_int64", || {
        random::normal(&random::key(0), &[1 << 32, 1 << 32], DType::F32)
    });
}
