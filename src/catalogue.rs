//! A catalogue of small programs covering the primitives, used by the
//! `stablehlo-dump` CLI and by the snapshot tests of emitted IR.
//!
//! ```
//! let p = rjax::catalogue::find("broadcast_add").unwrap();
//! let out = p.run().unwrap();
//! assert_eq!(out[0].shape().unwrap(), [2, 3]);
//! ```

use crate::numpy as jnp;
use crate::{Array, ClosedJaxpr, DType, Lowered, Result, jit, lax, make_jaxpr};

/// One catalogue program: a function of a list of arrays and its inputs.
pub struct Program {
    pub name: &'static str,
    pub description: &'static str,
    /// The example inputs the program is shown and run with.
    pub inputs: fn() -> Vec<Array>,
    pub function: fn(Vec<Array>) -> Vec<Array>,
}

impl Program {
    /// The Jaxpr of the program on its inputs.
    pub fn jaxpr(&self) -> Result<ClosedJaxpr> {
        make_jaxpr(self.function, (self.inputs)())
    }
    /// The lowered StableHLO of the program on its inputs.
    pub fn lower(&self) -> Result<Lowered> {
        jit(self.function).named(self.name).lower((self.inputs)())
    }
    /// Compile and run the program on its inputs.
    pub fn run(&self) -> Result<Vec<Array>> {
        jit(self.function).named(self.name).call((self.inputs)())
    }
}

/// `n` deterministic f32 values in [-1, 1) shaped `shape`.
pub fn sample(shape: &[usize], seed: u32) -> Array {
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n)
        .map(|i| (((i as u32 * 7 + seed * 13) % 17) as f32 / 8.5) - 1.0)
        .collect();
    Array::from_slice(&data, shape)
}

/// Every catalogue program.
pub fn programs() -> Vec<Program> {
    vec![
        Program {
            name: "slow_f",
            description: "the README's jit example: x * x + x * 2.0",
            inputs: || vec![jnp::ones(&[4, 4], DType::F32)],
            function: |x| vec![&x[0] * &x[0] + &x[0] * 2.0],
        },
        Program {
            name: "elementwise",
            description: "unary math chained: tanh(sin(x)) * exp(-x) + log1p(x*x)",
            inputs: || vec![sample(&[8], 1)],
            function: |x| {
                let v = &x[0];
                vec![jnp::tanh(&jnp::sin(v)) * jnp::exp(&-v) + jnp::log1p(&(v * v))]
            },
        },
        Program {
            name: "broadcast_add",
            description: "numpy broadcasting of f32[2,3] + f32[3]",
            inputs: || vec![sample(&[2, 3], 2), sample(&[3], 3)],
            function: |x| vec![&x[0] + &x[1]],
        },
        Program {
            name: "reductions",
            description: "sum over axis 1, max over axis 0, mean of all",
            inputs: || vec![sample(&[3, 4], 4)],
            function: |x| {
                vec![
                    jnp::sum(&x[0], 1, false),
                    jnp::max(&x[0], 0, false),
                    jnp::mean(&x[0], (), false),
                ]
            },
        },
        Program {
            name: "argmax",
            description: "argmax along the last axis",
            inputs: || vec![sample(&[3, 5], 5)],
            function: |x| vec![jnp::argmax(&x[0], Some(-1), false)],
        },
        Program {
            name: "batched_matmul",
            description: "dot_general with a batch dimension: f32[2,3,4] @ f32[2,4,5]",
            inputs: || vec![sample(&[2, 3, 4], 6), sample(&[2, 4, 5], 7)],
            function: |x| vec![jnp::matmul(&x[0], &x[1])],
        },
        Program {
            name: "mlp_forward",
            description: "a two-layer tanh MLP on a batch: tanh(x W1 + b1) W2 + b2",
            inputs: || {
                vec![
                    sample(&[4, 3], 8),
                    sample(&[3, 5], 9),
                    sample(&[5], 10),
                    sample(&[5, 2], 11),
                    sample(&[2], 12),
                ]
            },
            function: |x| {
                let h = (jnp::dot(&x[0], &x[1]) + &x[2]).tanh();
                vec![jnp::dot(&h, &x[3]) + &x[4]]
            },
        },
        Program {
            name: "slicing",
            description: "a strided static slice and a dynamic slice",
            inputs: || vec![sample(&[4, 6], 13), Array::scalar(1i32)],
            function: |x| {
                vec![
                    lax::slice(&x[0], &[0, 1], &[4, 6], Some(&[2, 2])),
                    lax::dynamic_slice(&x[0], &[x[1].clone(), x[1].clone()], &[2, 3]),
                ]
            },
        },
        Program {
            name: "update_slice",
            description: "dynamic_update_slice of a 2x2 block",
            inputs: || {
                vec![
                    jnp::zeros(&[3, 3], DType::F32),
                    jnp::ones(&[2, 2], DType::F32),
                    Array::scalar(1i32),
                ]
            },
            function: |x| {
                vec![lax::dynamic_update_slice(
                    &x[0],
                    &x[1],
                    &[x[2].clone(), x[2].clone()],
                )]
            },
        },
        Program {
            name: "concatenate",
            description: "concatenate along axis 0 and stack along a new axis",
            inputs: || vec![sample(&[2, 3], 14), sample(&[1, 3], 15)],
            function: |x| {
                vec![
                    jnp::concatenate(&x, 0),
                    jnp::stack(&[x[0].clone(), x[0].clone()], 1),
                ]
            },
        },
        Program {
            name: "pad",
            description: "pad with low, high and interior padding",
            inputs: || vec![sample(&[3], 16)],
            function: |x| vec![lax::pad(&x[0], &Array::scalar(0.0f32), &[(1, 2, 1)])],
        },
        Program {
            name: "iota",
            description: "arange, a float range and the identity matrix",
            inputs: Vec::new,
            function: |_| {
                vec![
                    jnp::arange(5),
                    jnp::arange_f32(0.0, 2.0, 0.5),
                    jnp::eye(3, None, 0, DType::F32),
                ]
            },
        },
        Program {
            name: "convert",
            description: "type conversions f32 -> i32 -> f64 and a comparison to bool",
            inputs: || vec![sample(&[5], 17) * 3.0],
            function: |x| {
                let i = x[0].astype(DType::I32);
                vec![i.astype(DType::F64), x[0].gt(0.0)]
            },
        },
        Program {
            name: "where",
            description: "relu through a comparison and select",
            inputs: || vec![sample(&[6], 18)],
            function: |x| vec![jnp::where_(&x[0].gt(0.0), &x[0], &Array::weak(0.0f32))],
        },
        Program {
            name: "transpose_reshape",
            description: "transpose then reshape with an inferred axis",
            inputs: || vec![sample(&[2, 3, 4], 19)],
            function: |x| vec![jnp::transpose(&x[0], Some(&[2, 0, 1])).reshape(&[4, -1])],
        },
    ]
}

/// The catalogue program called `name`.
pub fn find(name: &str) -> Option<Program> {
    programs().into_iter().find(|p| p.name == name)
}
