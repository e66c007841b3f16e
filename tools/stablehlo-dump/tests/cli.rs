//! The CLI end to end: list, show, run, and one-line errors with a
//! non-zero exit status on bad input.

use std::process::{Command, Output};

fn dump(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stablehlo-dump"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn one_line_error(o: &Output) -> String {
    assert!(!o.status.success(), "should fail: {}", stdout(o));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

#[test]
fn list_and_show() {
    let o = dump(&["list"]);
    assert!(o.status.success());
    assert!(stdout(&o).lines().count() >= 12);
    assert!(stdout(&o).contains("mlp_forward"));
    let o = dump(&["show", "slow_f", "--stage", "jaxpr"]);
    assert!(
        stdout(&o).starts_with("{ lambda ; a:f32[4,4]. let"),
        "{}",
        stdout(&o)
    );
    let o = dump(&["show", "slow_f"]);
    assert!(
        stdout(&o).starts_with("module @jit_slow_f"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn run_a_module_file() {
    let dir = std::env::temp_dir().join(format!("stablehlo-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("add.mlir");
    std::fs::write(&file, "module @m {\n  func.func public @main(%arg0: tensor<3xf32>, %arg1: tensor<3xf32>) -> tensor<3xf32> {\n    %0 = stablehlo.add %arg0, %arg1 : tensor<3xf32>\n    return %0 : tensor<3xf32>\n  }\n}\n").unwrap();
    let o = dump(&[
        "run",
        file.to_str().unwrap(),
        "--input",
        "1,2,3",
        "--input",
        "10,20,30",
        "--iters",
        "3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.contains("output 0: f32[3] [11. 22. 33.]"), "{out}");
    assert!(
        out.contains("compile:") && out.contains("execute:"),
        "{out}"
    );
    let o = dump(&["run", file.to_str().unwrap(), "--seed", "7", "--iters", "1"]);
    assert!(
        o.status.success(),
        "seeded random inputs: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let bad = dir.join("bad.mlir");
    std::fs::write(&bad, "module @m {\n  func.func public @main(%arg0: tensor<3xf32>) -> tensor<4xf32> {\n    return %arg0 : tensor<3xf32>\n  }\n}\n").unwrap();
    let err = one_line_error(&dump(&["run", bad.to_str().unwrap()]));
    assert!(err.contains("compile"), "{err}");
    let err = one_line_error(&dump(&["run", file.to_str().unwrap(), "--input", "1,2"]));
    assert!(err.contains("2 values"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_is_one_line_and_non_zero() {
    let err = one_line_error(&dump(&["show", "no_such_program"]));
    assert!(err.contains("no_such_program"), "{err}");
    let err = one_line_error(&dump(&["run", "/nonexistent/file.mlir"]));
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn missing_plugin_is_a_clear_error() {
    let o = Command::new(env!("CARGO_BIN_EXE_stablehlo-dump"))
        .args(["show", "slow_f"])
        .env("RJAX_PJRT_PLUGIN", "/nonexistent/plugin.so")
        .output()
        .unwrap();
    let err = one_line_error(&o);
    assert!(err.contains("RJAX_PJRT_PLUGIN"), "{err}");
}

/// A module whose `@main` takes one `tensor<TYPE>` and returns it.
fn identity_module(dir: &std::path::Path, name: &str, ty: &str) -> std::path::PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, format!("module @m {{\n  func.func public @main(%arg0: tensor<{ty}>) -> tensor<{ty}> {{\n    return %arg0 : tensor<{ty}>\n  }}\n}}\n")).unwrap();
    file
}

#[test]
fn oversized_inputs_are_refused_before_allocating() {
    let dir = std::env::temp_dir().join(format!("stablehlo-dump-size-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let overflow = identity_module(&dir, "overflow.mlir", "4294967296x4294967296xf32");
    let err = one_line_error(&dump(&["run", overflow.to_str().unwrap()]));
    assert!(
        err.contains("more bytes than this machine can address"),
        "{err}"
    );
    let huge = identity_module(&dir, "huge.mlir", "1099511627776xf32");
    let err = one_line_error(&dump(&["run", huge.to_str().unwrap()]));
    assert!(
        err.contains("4398046511104 bytes") && err.contains("--max-input-bytes 268435456"),
        "{err}"
    );
    let small = identity_module(&dir, "small.mlir", "4x2xf32");
    let named = dir.join("named.mlir");
    std::fs::write(
        &named,
        std::fs::read_to_string(&small)
            .unwrap()
            .replace("%arg0", "%x"),
    )
    .unwrap();
    let o = dump(&["run", named.to_str().unwrap(), "--iters", "1"]);
    assert!(
        o.status.success(),
        "parameters need not be called %argN: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = one_line_error(&dump(&[
        "run",
        small.to_str().unwrap(),
        "--max-input-bytes",
        "31",
    ]));
    assert!(err.contains("32 bytes"), "{err}");
    let o = dump(&[
        "run",
        small.to_str().unwrap(),
        "--max-input-bytes",
        "32",
        "--iters",
        "1",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_environment_variables_are_clear_errors() {
    for (name, value, expected) in [
        ("RJAX_CPU_DEVICE_COUNT", "-1", "1 to 1024"),
        ("RJAX_CPU_DEVICE_COUNT", "0", "1 to 1024"),
        ("RJAX_CPU_DEVICE_COUNT", "100000", "1 to 1024"),
        ("RJAX_CPU_DEVICE_COUNT", "abc", "1 to 1024"),
        ("RJAX_ASYNC", "yes", "0 or 1"),
        ("RJAX_PLATFORM", "tpu", "cpu or cuda"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_stablehlo-dump"))
            .args(["show", "slow_f"])
            .env(name, value)
            .output()
            .unwrap();
        let err = one_line_error(&o);
        assert!(
            err.contains(&format!("{name}=\"{value}\"")) && err.contains(expected),
            "{name}={value}: {err}"
        );
    }
    let o = Command::new(env!("CARGO_BIN_EXE_stablehlo-dump"))
        .args(["show", "slow_f"])
        .env("RJAX_CPU_DEVICE_COUNT", "2")
        .env("RJAX_ASYNC", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
