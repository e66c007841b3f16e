//! The CLI end to end: list, show, run, ls, stats, graph, diff, check,
//! on a dump this process writes, on modules JAX emits and on bad input;
//! one-line errors with distinct exit statuses.

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
        ("RJAX_DUMP_OPTIMIZED", "yes", "0 or 1"),
        ("RJAX_DUMP_EAGER", "2", "0 or 1"),
        ("RJAX_DUMP_DIR", " ", "a directory"),
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

/// The modules JAX 0.10.2 emits (tools/fixtures/mlir_fixtures.py).
fn jax_fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/jax/{name}.mlir",
        env!("CARGO_MANIFEST_DIR")
    )
}

const JAX_FIXTURES: [&str; 4] = ["mlp_train_step", "conv_relu", "cumulative_loop", "softmax"];

fn status(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// A temporary directory for one test, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("stablehlo-dump-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

#[test]
fn jax_modules_compile_run_and_report() {
    for name in JAX_FIXTURES {
        let file = jax_fixture(name);
        let o = dump(&["check", &file]);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let run = json(&dump(&["run", &file, "--iters", "2", "--json"]));
        assert!(run["compile_ms"].as_f64().unwrap() > 0.0, "{run}");
        assert!(run["execute_us"]["median"].as_f64().unwrap() > 0.0, "{run}");
        let s = json(&dump(&["stats", &file, "--json"]));
        assert!(s["ops"].as_object().unwrap().len() >= 3, "{name}: {s}");
        assert!(
            s["memory"]["argument_bytes"].as_i64().unwrap() > 0,
            "{name}: {s}"
        );
        assert!(s["cost"]["flops"].as_f64().unwrap() > 0.0, "{name}: {s}");
        let o = dump(&["show", &file, "--stage", "optimized-hlo"]);
        assert!(
            stdout(&o).starts_with("HloModule "),
            "{name}: {}",
            stdout(&o)
        );
        let o = dump(&["show", &file, "--stage", "hlo"]);
        assert!(
            stdout(&o).starts_with("HloModule "),
            "{name}: {}",
            stdout(&o)
        );
    }
}

#[test]
fn mlp_training_step_flops_match_the_matmuls() {
    let s = json(&dump(&["stats", &jax_fixture("mlp_train_step"), "--json"]));
    // x[64,256] w1[256,512] w2[512,10]: two matmuls forward, three back
    // (the gradients of w2, h and w1).
    let (m, d, h, c) = (64.0, 256.0, 512.0, 10.0);
    let analytic = 2.0 * (m * d * h + m * h * c + h * m * c + m * c * h + d * m * h);
    let flops = s["cost"]["flops"].as_f64().unwrap();
    assert!(
        (flops - analytic).abs() / analytic < 0.05,
        "{flops} FLOPs reported, {analytic} analytic"
    );
    assert_eq!(s["ops"]["stablehlo.dot_general"], 5, "{s}");
    assert_eq!(s["params"][4], "tensor<64x256xf32>", "{s}");
    let largest = &s["fusions"][0];
    assert!(largest["bytes"].as_u64().unwrap() >= 256 * 512 * 4, "{s}");
    assert!(s["memory"]["peak_bytes"].as_i64().unwrap() > 0, "{s}");
}

#[test]
fn diff_ignores_renamed_values() {
    let dir = TempDir::new("diff");
    let text = std::fs::read_to_string(jax_fixture("softmax")).unwrap();
    let renamed = text
        .replace("%arg0", "%input")
        .replace("%cst", "%zero")
        .replace("%1", "%tmp_one")
        .replace("module @jit_softmax", "module @jit_other");
    assert_ne!(renamed, text);
    std::fs::write(dir.file("renamed.mlir"), &renamed).unwrap();
    let o = dump(&["diff", &jax_fixture("softmax"), &dir.file("renamed.mlir")]);
    assert_eq!(status(&o), 0, "{}", stdout(&o));
    assert_eq!(stdout(&o), "");
    std::fs::write(
        dir.file("changed.mlir"),
        text.replace("stablehlo.exponential", "stablehlo.tanh"),
    )
    .unwrap();
    let o = dump(&["diff", &jax_fixture("softmax"), &dir.file("changed.mlir")]);
    assert_eq!(status(&o), 1);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.starts_with("- %v") && out.contains("stablehlo.exponential"),
        "{out}"
    );
    assert!(
        out.contains("\n+ %v") && out.contains("stablehlo.tanh"),
        "{out}"
    );
}

/// Checks DOT's structure: one digraph, balanced braces, every edge
/// between declared nodes; and where Graphviz is installed, `dot` parses it.
fn assert_valid_dot(dot: &str) {
    assert!(dot.starts_with("digraph "), "{dot}");
    assert_eq!(dot.matches('{').count(), dot.matches('}').count(), "{dot}");
    let nodes: Vec<&str> = dot
        .lines()
        .filter(|l| l.contains(" [label="))
        .map(|l| l.trim().split(" [").next().unwrap())
        .collect();
    let edges: Vec<&str> = dot.lines().filter(|l| l.contains(" -> ")).collect();
    assert!(!nodes.is_empty() && !edges.is_empty(), "{dot}");
    for e in edges {
        let (from, to) = e.trim().trim_end_matches(';').split_once(" -> ").unwrap();
        assert!(nodes.contains(&from) && nodes.contains(&to), "{e}");
    }
    if let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(dot.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "dot -Tsvg rejects: {dot}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    }
}

#[test]
fn graph_emits_valid_dot() {
    let o = dump(&["graph", &jax_fixture("softmax")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_valid_dot(&stdout(&o));
    insta::assert_snapshot!("softmax_dot", stdout(&o));
    let o = dump(&[
        "graph",
        &jax_fixture("mlp_train_step"),
        "--stage",
        "optimized-hlo",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dot = stdout(&o);
    assert_valid_dot(&dot);
    assert!(
        dot.contains("subgraph \"cluster_%"),
        "fusions are clusters: {dot}"
    );
    let dir = TempDir::new("graph");
    let o = dump(&["graph", &jax_fixture("softmax"), "-o", &dir.file("g.dot")]);
    assert!(o.status.success());
    assert_valid_dot(&std::fs::read_to_string(dir.file("g.dot")).unwrap());
    let o = dump(&["graph", &jax_fixture("softmax"), "-o", &dir.file("g.svg")]);
    let installed = Command::new("dot").arg("-V").output().is_ok();
    if installed {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    } else {
        let err = one_line_error(&o);
        assert!(
            err.contains("Graphviz") && err.contains("-o FILE.dot"),
            "{err}"
        );
    }
}

#[test]
fn bad_modules_have_distinct_exit_codes() {
    let dir = TempDir::new("bad");
    let o = dump(&["check", &dir.file("missing.mlir")]);
    assert!(one_line_error(&o).contains("cannot read"));
    assert_eq!(status(&o), 3);
    std::fs::write(dir.file("garbage.mlir"), "\u{0}\u{1}garbage{{{").unwrap();
    for command in ["check", "stats", "run"] {
        let o = dump(&[command, &dir.file("garbage.mlir")]);
        assert!(
            one_line_error(&o).contains("not a StableHLO module"),
            "{command}"
        );
        assert_eq!(status(&o), 3, "{command}");
    }
    std::fs::write(dir.file("rejected.mlir"), "module @m {\n  func.func public @main(%arg0: tensor<3xf32>) -> tensor<4xf32> {\n    return %arg0 : tensor<3xf32>\n  }\n}\n").unwrap();
    for command in ["check", "stats", "run"] {
        let o = dump(&[command, &dir.file("rejected.mlir")]);
        let err = one_line_error(&o);
        assert!(err.contains("compile_module"), "{command}: {err}");
        assert_eq!(status(&o), 4, "{command}");
    }
    let o = dump(&["stats", "--no-such-flag", &dir.file("rejected.mlir")]);
    assert_eq!(status(&o), 2);
    let o = dump(&["show", &jax_fixture("softmax"), "--stage", "jaxpr"]);
    assert!(one_line_error(&o).contains("no Jaxpr"));
    assert_eq!(status(&o), 2);
}

/// A one-dimensional `.npy` file (written by hand: an rjax array here
/// would start the runtime before the dump test asks for optimized HLO).
fn write_npy(path: &str, descr: &str, len: usize, data: &[u8]) {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({len},), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn run_takes_npy_inputs_and_devices() {
    let dir = TempDir::new("npy");
    let file = dir.file("add.mlir");
    std::fs::write(&file, "module @m {\n  func.func public @main(%arg0: tensor<3xf32>, %arg1: tensor<3xf32>) -> tensor<3xf32> {\n    %0 = stablehlo.add %arg0, %arg1 : tensor<3xf32>\n    return %0 : tensor<3xf32>\n  }\n}\n").unwrap();
    write_npy(
        &dir.file("a.npy"),
        "<f4",
        3,
        &[1.0f32, 2.0, 3.0].map(f32::to_le_bytes).concat(),
    );
    let out = json(&dump(&[
        "run",
        &file,
        "--input-npy",
        &dir.file("a.npy"),
        "--input",
        "10,20,30",
        "--iters",
        "1",
        "--json",
    ]));
    assert_eq!(out["outputs"][0]["type"], "f32[3]");
    assert_eq!(
        out["outputs"][0]["values"],
        serde_json::json!([11.0, 22.0, 33.0])
    );
    write_npy(
        &dir.file("b.npy"),
        "<i4",
        2,
        &[1i32, 2].map(i32::to_le_bytes).concat(),
    );
    let err = one_line_error(&dump(&["run", &file, "--input-npy", &dir.file("b.npy")]));
    assert!(
        err.contains("i32[2]") && err.contains("parameter 0"),
        "{err}"
    );
    let replicated = dir.file("sum.mlir");
    std::fs::write(&replicated, "module @m attributes {mhlo.num_replicas = 2 : i32} {\n  func.func public @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {\n    %0 = \"stablehlo.all_reduce\"(%arg0) ({\n    ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n      %s = stablehlo.add %a, %b : tensor<f32>\n      stablehlo.return %s : tensor<f32>\n    }) {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<2xf32>) -> tensor<2xf32>\n    return %0 : tensor<2xf32>\n  }\n}\n").unwrap();
    let out = json(&dump(&[
        "run",
        &replicated,
        "--input",
        "1,2",
        "--devices",
        "2",
        "--iters",
        "1",
        "--json",
    ]));
    assert_eq!(out["outputs"][0]["values"], serde_json::json!([2.0, 4.0]));
    let err = one_line_error(&dump(&["run", &replicated, "--devices", "1"]));
    assert!(err.contains("mhlo.num_replicas to 2"), "{err}");
}

/// JAX's Megatron-style MLP block, partitioned over 8 devices
/// (`relu(x @ w1) @ w2`, rows of `x` over a mesh axis of 4, `w1`'s columns
/// and `w2`'s rows over one of 2): the CLI splits the inputs as the
/// module's shardings say, runs the 8 partitions, and puts the result
/// back together; the optimized HLO is one partition's program.
#[test]
fn partitioned_jax_module_runs_over_its_devices() {
    let file = jax_fixture("sharded_mlp");
    let x: Vec<f32> = (0..32).map(|i| (i % 7) as f32 - 3.0).collect();
    let w1: Vec<f32> = (0..16).map(|i| (i % 5) as f32 * 0.5 - 1.0).collect();
    let w2: Vec<f32> = (0..16).map(|i| 1.0 - (i % 3) as f32).collect();
    // `--input=` keeps clap from reading a leading minus as a flag.
    let input = |v: &[f32]| {
        let values: Vec<String> = v.iter().map(f32::to_string).collect();
        format!("--input={}", values.join(","))
    };
    let (x_in, w1_in, w2_in) = (input(&x), input(&w1), input(&w2));
    let out = json(&dump(&[
        "run", &file, &x_in, &w1_in, &w2_in, "--iters", "1", "--json",
    ]));
    assert_eq!(out["devices"], 8);
    assert_eq!(out["outputs"][0]["type"], "f32[8,4]");
    let mut want = Vec::new();
    for r in 0..8 {
        let h: Vec<f32> = (0..4)
            .map(|c| {
                (0..4)
                    .map(|k| x[r * 4 + k] * w1[k * 4 + c])
                    .sum::<f32>()
                    .max(0.0)
            })
            .collect();
        want.extend((0..4).map(|c| (0..4).map(|k| h[k] * w2[k * 4 + c]).sum::<f32>()));
    }
    let got: Vec<f64> = out["outputs"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(got, want.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
    assert!(dump(&["check", &file]).status.success());
    let hlo = stdout(&dump(&["show", &file, "--stage", "optimized-hlo"]));
    assert!(
        hlo.contains("f32[2,4]") && hlo.contains("all-reduce"),
        "{hlo}"
    );
    let err = one_line_error(&dump(&["run", &file, "--devices", "4"]));
    assert!(err.contains("mhlo.num_partitions to 8"), "{err}");
}

/// A training step like the walkthrough's (docs/stablehlo-dump.md), run in
/// this process with dumping on; the CLI then reads the dump.
fn dump_training_step(dir: &std::path::Path) {
    use rjax::{Array, jit, nn};
    let mut options = rjax::dump::DumpOptions::new(dir);
    options.optimized_hlo = true;
    rjax::dump::enable_with(options).unwrap();
    fn loss(p: &[Array], x: &Array, y: &Array) -> Array {
        let h = nn::relu(&(x.matmul(&p[0]) + &p[1]));
        (y * &nn::log_softmax(&(h.matmul(&p[2]) + &p[3]), -1)).sum() * -1.0
    }
    let step = jit(|(p, x, y): (Vec<Array>, Array, Array)| {
        let g = rjax::grad(|p: Vec<Array>| loss(&p, &x, &y))(p.clone())?;
        Ok(p.iter()
            .zip(&g)
            .map(|(w, g)| w - &(g * 0.1))
            .collect::<Vec<Array>>())
    })
    .named("train_step");
    let sample = rjax::catalogue::sample;
    let params = |h: usize| {
        vec![
            sample(&[256, h], 1),
            sample(&[h], 2),
            sample(&[h, 10], 3),
            sample(&[10], 4),
        ]
    };
    let (x, y) = (sample(&[64, 256], 5), sample(&[64, 10], 6));
    for hidden in [512, 512, 128] {
        step.call((params(hidden), x.clone(), y.clone())).unwrap();
    }
    // Eager operations are not dumped.
    (&x + 1.0).block_until_ready().unwrap();
    rjax::dump::disable();
}

#[test]
fn dump_directory_of_a_training_step() {
    let dir = TempDir::new("dump");
    dump_training_step(&dir.0);
    let d = dir.0.to_str().unwrap();
    let entries = json(&dump(&["ls", d, "--json"]));
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 2, "one program per signature: {entries:?}");
    let first = &entries[0];
    assert_eq!(first["program"], "0000-jit_train_step");
    assert_eq!(first["kind"], "jit");
    assert!(
        first["called_at"]
            .as_str()
            .unwrap()
            .starts_with("tools/stablehlo-dump/tests/cli.rs:"),
        "{first}"
    );
    assert!(
        first["defined_at"].as_str().unwrap().contains("cli.rs"),
        "{first}"
    );
    assert_eq!(first["inputs"][0], "f32[256,512]");
    assert_eq!(first["outputs"].as_array().unwrap().len(), 4);
    assert_eq!(first["cache_key"].as_str().unwrap().len(), 16);
    assert_ne!(first["cache_key"], entries[1]["cache_key"]);
    assert!(first["compile_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(first["replicas"], 1);
    assert!(first["cost"]["temp_bytes"].as_i64().unwrap() > 0, "{first}");
    let ls = stdout(&dump(&["ls", d]));
    assert!(
        ls.contains("0001-jit_train_step") && ls.contains("f32[256,128]"),
        "{ls}"
    );
    let o = dump(&["show", &format!("{d}/0"), "--stage", "jaxpr"]);
    assert!(
        stdout(&o).starts_with("{ lambda ; a:f32[256,512]"),
        "{}",
        stdout(&o)
    );
    let o = dump(&[
        "show",
        &format!("{d}/jit_train_step"),
        "--stage",
        "optimized-hlo",
    ]);
    assert!(
        stdout(&o).starts_with("HloModule jit_train_step"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("f32[256,128]"),
        "the latest of that name"
    );
    let s = json(&dump(&[
        "stats",
        &format!("{d}/0000-jit_train_step"),
        "--json",
    ]));
    let analytic = 2.0 * (2.0 * 64.0 * 256.0 * 512.0 + 3.0 * 64.0 * 512.0 * 10.0);
    let flops = s["cost"]["flops"].as_f64().unwrap();
    assert!(
        (flops - analytic).abs() / analytic < 0.05,
        "{flops} vs {analytic}"
    );
    assert_eq!(s["entry"]["program"], "0000-jit_train_step");
    let o = dump(&["diff", &format!("{d}/0"), &format!("{d}/0")]);
    assert_eq!((status(&o), stdout(&o)), (0, String::new()));
    let o = dump(&["diff", &format!("{d}/0"), &format!("{d}/1")]);
    assert_eq!(status(&o), 1);
    assert!(stdout(&o).contains("512") && stdout(&o).contains("128"));
    assert_valid_dot(&stdout(&dump(&[
        "graph",
        &format!("{d}/1"),
        "--stage",
        "optimized-hlo",
    ])));

    // Bounded: past the cap, one line says so and nothing more is written.
    let capped = TempDir::new("capped");
    let mut options = rjax::dump::DumpOptions::new(&capped.0);
    options.max_programs = 1;
    rjax::dump::enable_with(options).unwrap();
    let f = rjax::jit(|x: rjax::Array| &x * 3.0);
    for n in 1..=3 {
        f.call(rjax::catalogue::sample(&[n], 1)).unwrap();
    }
    rjax::dump::disable();
    let manifest = std::fs::read_to_string(capped.0.join("manifest.jsonl")).unwrap();
    assert_eq!(manifest.lines().count(), 2, "{manifest}");
    assert!(
        manifest.lines().nth(1).unwrap().contains("\"capped\":true"),
        "{manifest}"
    );
    let ls = stdout(&dump(&["ls", capped.0.to_str().unwrap()]));
    assert!(ls.contains("the cap was reached"), "{ls}");
}

#[test]
fn completions_and_help() {
    let o = dump(&["completions", "bash"]);
    assert!(stdout(&o).contains("stablehlo-dump"));
    let o = dump(&["run", "--help"]);
    for flag in ["--input-npy", "--devices", "--json", "--iters", "--seed"] {
        assert!(stdout(&o).contains(flag), "{flag}");
    }
}

/// `RJAX_DUMP_DIR`, `RJAX_DUMP_OPTIMIZED` and `RJAX_DUMP_EAGER`, read when
/// the runtime starts: this test runs itself again in a child process
/// with them set, where it compiles one jitted function.
#[test]
fn dump_dir_from_the_environment() {
    if std::env::var_os("RJAX_DUMP_DIR").is_some() {
        let x = rjax::catalogue::sample(&[4], 1);
        let f = rjax::jit(|x: rjax::Array| x.sin());
        f.call(x.clone()).unwrap();
        (&x * 2.0).to_vec::<f32>().unwrap();
        let scaled = rjax::jit_static(|n: &u32, x: rjax::Array| &x * f64::from(*n));
        scaled.call(3, x).unwrap();
        return;
    }
    let dir = TempDir::new("env");
    let o = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "dump_dir_from_the_environment",
            "--test-threads=1",
        ])
        .env("RJAX_DUMP_DIR", &dir.0)
        .env("RJAX_DUMP_OPTIMIZED", "1")
        .env("RJAX_DUMP_EAGER", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stdout(&o));
    let entries = json(&dump(&["ls", dir.0.to_str().unwrap(), "--json"]));
    let kinds: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"jit") && kinds.contains(&"eager"),
        "{kinds:?}"
    );
    let jit = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "jit")
        .unwrap();
    assert!(jit["files"]["optimized_hlo"].is_string(), "{jit}");
    assert_eq!(jit["inputs"], serde_json::json!(["f32[4]"]));
    let jits: Vec<_> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "jit")
        .collect();
    assert_eq!(jits.len(), 2, "jit and jit_static: {jits:?}");
    for e in jits {
        // The closures' type names and their places in this file.
        assert!(
            e["function"]
                .as_str()
                .unwrap()
                .contains("dump_dir_from_the_environment"),
            "{e}"
        );
        assert!(e["defined_at"].as_str().unwrap().contains("cli.rs"), "{e}");
        assert!(e["called_at"].as_str().unwrap().contains("cli.rs"), "{e}");
    }
}
