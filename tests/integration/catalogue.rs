//! Snapshots of the Jaxpr and StableHLO of every catalogue program; each
//! module is also compiled, run, and its numbers checked against plain Rust
//! (and against eager execution of the same function).

use crate::common::{assert_close, f64s};
use rjax::catalogue::{find, programs};

/// Plain-Rust results of a catalogue program on its inputs.
fn reference(name: &str, x: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let matmul = |a: &[f64], b: &[f64], n: usize, k: usize, m: usize| -> Vec<f64> {
        (0..n)
            .flat_map(|i| (0..m).map(move |j| (0..k).map(|l| a[i * k + l] * b[l * m + j]).sum()))
            .collect()
    };
    match name {
        "slow_f" => vec![x[0].iter().map(|v| v * v + v * 2.0).collect()],
        "elementwise" => vec![
            x[0].iter()
                .map(|v| v.sin().tanh() * (-v).exp() + (v * v).ln_1p())
                .collect(),
        ],
        "broadcast_add" => vec![(0..6).map(|i| x[0][i] + x[1][i % 3]).collect()],
        "reductions" => vec![
            x[0].chunks(4).map(|r| r.iter().sum()).collect(),
            (0..4)
                .map(|j| {
                    (0..3)
                        .map(|i| x[0][i * 4 + j])
                        .fold(f64::NEG_INFINITY, f64::max)
                })
                .collect(),
            vec![x[0].iter().sum::<f64>() / 12.0],
        ],
        "argmax" => vec![
            x[0].chunks(5)
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .fold(0, |best, (i, v)| if *v > r[best] { i } else { best })
                        as f64
                })
                .collect(),
        ],
        "batched_matmul" => vec![
            (0..2)
                .flat_map(|b| matmul(&x[0][b * 12..], &x[1][b * 20..], 3, 4, 5))
                .collect(),
        ],
        "mlp_forward" => {
            let h: Vec<f64> = matmul(&x[0], &x[1], 4, 3, 5)
                .iter()
                .enumerate()
                .map(|(i, v)| (v + x[2][i % 5]).tanh())
                .collect();
            vec![
                matmul(&h, &x[3], 4, 5, 2)
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v + x[4][i % 2])
                    .collect(),
            ]
        }
        "slicing" => vec![
            [1, 3, 5, 13, 15, 17].iter().map(|&i| x[0][i]).collect(),
            [7, 8, 9, 13, 14, 15].iter().map(|&i| x[0][i]).collect(),
        ],
        "update_slice" => vec![vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]],
        "concatenate" => vec![
            [&x[0][..], &x[1][..]].concat(),
            (0..2)
                .flat_map(|i| (0..2).flat_map(move |_| (0..3).map(move |j| (i, j))))
                .map(|(i, j)| x[0][i * 3 + j])
                .collect(),
        ],
        "pad" => vec![vec![0.0, x[0][0], 0.0, x[0][1], 0.0, x[0][2], 0.0, 0.0]],
        "iota" => vec![
            vec![0.0, 1.0, 2.0, 3.0, 4.0],
            vec![0.0, 0.5, 1.0, 1.5],
            vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        ],
        "convert" => vec![
            x[0].iter().map(|v| v.trunc()).collect(),
            x[0].iter().map(|&v| f64::from(u8::from(v > 0.0))).collect(),
        ],
        "where" => vec![x[0].iter().map(|&v| v.max(0.0)).collect()],
        "transpose_reshape" => vec![
            (0..4)
                .flat_map(|k| (0..2).flat_map(move |i| (0..3).map(move |j| i * 12 + j * 4 + k)))
                .map(|i| x[0][i])
                .collect(),
        ],
        other => panic!("no reference for {other}"),
    }
}

#[test]
fn snapshots_compile_and_compute() {
    let all = programs();
    assert!(all.len() >= 12);
    for p in &all {
        let jaxpr = p.jaxpr().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        let lowered = p.lower().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        insta::assert_snapshot!(format!("{}_jaxpr", p.name), jaxpr.to_string());
        insta::assert_snapshot!(format!("{}_stablehlo", p.name), lowered.as_text());
        let outs = p.run().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        let eager = (p.function)((p.inputs)());
        let inputs: Vec<Vec<f64>> = (p.inputs)().iter().map(f64s).collect();
        let want = reference(p.name, &inputs);
        assert_eq!(outs.len(), want.len(), "{}: number of outputs", p.name);
        for (i, ((o, e), w)) in outs.iter().zip(&eager).zip(&want).enumerate() {
            assert_close(&f64s(o), w, 1e-5, &format!("{} output {i} (jit)", p.name));
            assert_close(&f64s(e), w, 1e-5, &format!("{} output {i} (eager)", p.name));
        }
    }
    assert!(find("no_such_program").is_none());
}
