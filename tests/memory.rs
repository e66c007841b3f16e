//! Steady-state memory: repeated dispatch must not grow the process. This
//! is its own test binary with a single test, so nothing else allocates
//! while resident memory is measured. It reads `/proc`, so it runs on
//! Linux only.
#![cfg(target_os = "linux")]

use rjax::numpy as jnp;
use rjax::{Array, DType, jit};
use rjax_pjrt::{Client, ClientOptions, CompileOptions, ElementType, Plugin};
use std::path::PathBuf;

/// Resident memory of this process in KiB (4 KiB pages). A `/proc` that
/// cannot be read fails the test rather than measuring zero growth.
fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm is readable");
    let pages = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u64>().ok())
        .expect("/proc/self/statm has a resident page count");
    assert!(pages > 0, "a running process has resident pages");
    pages * 4
}

/// Run `f` `warmup` times, then `n` times, and return the RSS growth of
/// the second phase.
fn growth(warmup: usize, n: usize, mut f: impl FnMut()) -> u64 {
    for _ in 0..warmup {
        f();
    }
    let before = rss_kib();
    for _ in 0..n {
        f();
    }
    rss_kib().saturating_sub(before)
}

#[test]
fn repeated_dispatch_does_not_grow_memory() {
    let f = jit(|x: Array| &x + 1.0);
    let x = jnp::ones(&[1000], DType::F32);
    let grown = growth(1000, 10_000, || {
        f.call(x.clone()).unwrap().block_until_ready().unwrap();
    });
    assert!(grown < 4096, "10k jitted calls grew RSS by {grown} KiB");
    let grown = growth(1000, 10_000, || {
        (&x + 1.0).block_until_ready().unwrap();
    });
    assert!(grown < 4096, "10k eager ops grew RSS by {grown} KiB");

    let path = std::env::var_os("RJAX_PJRT_PLUGIN")
        .map(PathBuf::from)
        .or(option_env!("RJAX_DEFAULT_PJRT_PLUGIN").map(PathBuf::from))
        .expect("a PJRT plugin");
    let client = Client::new(
        Plugin::load(&path).unwrap(),
        &ClientOptions {
            cpu_device_count: Some(1),
            asynchronous: Some(false),
        },
    )
    .unwrap();
    let text = "module { func.func public @main(%arg0: tensor<1000xf32>) -> tensor<1000xf32> {
    %c = stablehlo.constant dense<1.0> : tensor<1000xf32>
    %0 = stablehlo.add %arg0, %c : tensor<1000xf32>
    return %0 : tensor<1000xf32>
  } }";
    let exe = client.compile(text, &CompileOptions::default()).unwrap();
    let buf = client
        .buffer_from_host(&vec![0u8; 4000], ElementType::F32, &[1000], 0)
        .unwrap();
    let grown = growth(2000, 20_000, || {
        let out = exe.execute(&[&[&buf]]).unwrap();
        out[0][0].block_until_ready().unwrap();
    });
    assert!(grown < 2048, "20k raw executions grew RSS by {grown} KiB");
}
