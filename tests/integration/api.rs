//! numpy, lax and nn functions against JAX's values
//! (tests/fixtures/api.txt, written by tools/fixtures/generate.sh), eager
//! and under `jit`; `*_vjp` cases also check the VJP JAX computed for the
//! cotangent `linspace(-1, 1, size)`.

use crate::common::{assert_close, f64s};
use crate::fixtures::case;
use rjax::lax::{self, ConvOptions, Padding, Window};
use rjax::numpy as jnp;
use rjax::{Array, DType, jit, nn, vjp};

const FIXTURES: &str = include_str!("../fixtures/api.txt");

type Case = fn(&[Array]) -> Vec<Array>;

/// `f`'s value and VJP for the cotangent JAX's fixtures use.
fn with_vjp(f: impl Fn(Vec<Array>) -> Array, xs: &[Array]) -> Vec<Array> {
    let (y, pullback) = vjp(f, xs.to_vec()).expect("vjp");
    let n = y.size();
    let ct = jnp::linspace(-1.0, 1.0, n)
        .astype(y.dtype())
        .reshape(&y.shape().iter().map(|&d| d as i64).collect::<Vec<_>>());
    let mut out = vec![y];
    out.extend(pullback.call(ct).expect("pullback"));
    out
}

fn run_case(name: &str, f: Case) {
    let (inputs, want) = case(FIXTURES, name);
    let eager = f(&inputs);
    let jitted = jit(move |xs: Vec<Array>| f(&xs))
        .call(inputs)
        .unwrap_or_else(|e| panic!("{name}: jit: {e}"));
    for (mode, got) in [("eager", eager), ("jit", jitted)] {
        assert_eq!(got.len(), want.len(), "{name}: number of outputs");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            let what = format!("{name} ({mode}) output {i}");
            assert_eq!(g.shape(), w.shape, "{what}: shape");
            assert_eq!(g.dtype().name(), w.dtype, "{what}: dtype");
            let tol = if g.dtype().is_float() { 2e-5 } else { 0.0 };
            assert_close(&f64s(g), &w.values, tol, &what);
        }
    }
}

fn conv_opts(strides: &[usize], padding: Padding) -> ConvOptions {
    ConvOptions {
        window_strides: strides.to_vec(),
        padding,
        ..ConvOptions::default()
    }
}

const CONV: &[(&str, Case)] = &[
    ("conv_valid", |x| {
        vec![lax::conv(&x[0], &x[1], &[1, 1], Padding::Valid)]
    }),
    ("conv_same_strided", |x| {
        vec![lax::conv(&x[0], &x[1], &[2, 1], Padding::Same)]
    }),
    ("conv_dilated_vjp", |x| {
        let opts = ConvOptions {
            lhs_dilation: vec![1, 2],
            rhs_dilation: vec![2, 1],
            ..conv_opts(&[2, 1], Padding::Explicit(vec![(1, 2), (0, 1)]))
        };
        with_vjp(move |x| lax::conv_general_dilated(&x[0], &x[1], &opts), x)
    }),
    ("conv_groups_vjp", |x| {
        let opts = ConvOptions {
            feature_group_count: 2,
            ..conv_opts(&[1, 1], Padding::Same)
        };
        with_vjp(move |x| lax::conv_general_dilated(&x[0], &x[1], &opts), x)
    }),
    ("conv_nhwc_vjp", |x| {
        let opts = conv_opts(&[1, 2], Padding::Same).with_layouts("NHWC", "HWIO", "NHWC");
        with_vjp(move |x| lax::conv_general_dilated(&x[0], &x[1], &opts), x)
    }),
    ("conv_1d_strided_vjp", |x| {
        with_vjp(|x| lax::conv(&x[0], &x[1], &[3], Padding::Valid), x)
    }),
];

fn neg_inf() -> Array {
    Array::scalar(f32::NEG_INFINITY)
}

const WINDOWS: &[(&str, Case)] = &[
    ("max_pool", |x| {
        with_vjp(
            |x| {
                let w = Window::new(&[1, 2, 2, 1], &[1, 2, 2, 1], Padding::Valid);
                lax::reduce_window(&x[0], &neg_inf(), lax::max, &w)
            },
            x,
        )
    }),
    ("avg_pool_same", |x| {
        let w = Window::new(&[1, 3, 3, 1], &[1, 2, 2, 1], Padding::Same);
        vec![lax::reduce_window(&x[0], &Array::scalar(0.0f32), lax::add, &w) / 9.0]
    }),
    ("reduce_window_dilated", |x| {
        let w = Window {
            base_dilation: vec![1, 2],
            window_dilation: vec![2, 1],
            ..Window::new(&[2, 2], &[1, 2], Padding::Explicit(vec![(1, 0), (0, 1)]))
        };
        vec![lax::reduce_window(
            &x[0],
            &Array::scalar(0.0f32),
            lax::add,
            &w,
        )]
    }),
];

const SORTING: &[(&str, Case)] = &[
    ("sort_axis1", |x| with_vjp(|x| jnp::sort(&x[0], Some(1)), x)),
    ("sort_axis0", |x| vec![jnp::sort(&x[0], Some(0))]),
    ("argsort", |x| vec![jnp::argsort(&x[0], Some(-1))]),
    ("sort_two_keys", |x| lax::sort(x, 0, true, 2)),
    ("top_k", |x| {
        let (v, i) = lax::top_k(&x[0], 3);
        vec![v, i]
    }),
    ("sort_special", |x| vec![jnp::sort(&x[0], Some(-1))]),
];

const CUMULATIVE: &[(&str, Case)] = &[
    ("cumsum_vjp", |x| {
        with_vjp(|x| jnp::cumsum(&x[0], Some(1)), x)
    }),
    ("cumprod", |x| vec![jnp::cumprod(&x[0], Some(0))]),
    ("cummax_reverse", |x| vec![lax::cummax(&x[0], 1, true)]),
    ("cummin", |x| vec![lax::cummin(&x[0], 0, false)]),
];

const UNARY: &[(&str, Case)] = &[
    ("lax_lgamma", |x| vec![lax::lgamma(&x[0])]),
    ("lax_digamma", |x| vec![lax::digamma(&x[0])]),
    ("lax_sinh", |x| vec![lax::sinh(&x[0])]),
    ("lax_cosh", |x| vec![lax::cosh(&x[0])]),
    ("lax_asinh", |x| vec![lax::asinh(&x[0])]),
    ("lax_cbrt", |x| vec![lax::cbrt(&x[0])]),
    ("lax_asin", |x| vec![lax::asin(&x[0])]),
    ("lax_acos", |x| vec![lax::acos(&x[0])]),
    ("lax_atan", |x| vec![lax::atan(&x[0])]),
    ("lax_atanh", |x| vec![lax::atanh(&x[0])]),
    ("lax_acosh", |x| vec![lax::acosh(&x[0])]),
    ("lax_population_count", |x| {
        vec![lax::population_count(&x[0])]
    }),
    ("lax_clz", |x| vec![lax::clz(&x[0])]),
    ("lax_nextafter", |x| vec![lax::nextafter(&x[0], &x[1])]),
    ("lax_polygamma", |x| {
        vec![lax::polygamma(&jnp::ones_like(&x[0]), &x[0])]
    }),
    ("lax_clamp", |x| {
        vec![lax::clamp(
            &Array::scalar(-0.5f32),
            &x[0],
            &Array::scalar(0.5f32),
        )]
    }),
];

const NN: &[(&str, Case)] = &[
    ("nn_relu", |x| with_vjp(|x| nn::relu(&x[0]), x)),
    ("nn_relu6", |x| with_vjp(|x| nn::relu6(&x[0]), x)),
    ("nn_sigmoid", |x| with_vjp(|x| nn::sigmoid(&x[0]), x)),
    ("nn_softplus", |x| with_vjp(|x| nn::softplus(&x[0]), x)),
    ("nn_silu", |x| with_vjp(|x| nn::silu(&x[0]), x)),
    ("nn_log_sigmoid", |x| {
        with_vjp(|x| nn::log_sigmoid(&x[0]), x)
    }),
    ("nn_selu", |x| with_vjp(|x| nn::selu(&x[0]), x)),
    ("nn_hard_tanh", |x| with_vjp(|x| nn::hard_tanh(&x[0]), x)),
    ("nn_hard_sigmoid", |x| {
        with_vjp(|x| nn::hard_sigmoid(&x[0]), x)
    }),
    ("nn_hard_silu", |x| with_vjp(|x| nn::hard_silu(&x[0]), x)),
    ("nn_gelu_tanh", |x| with_vjp(|x| nn::gelu(&x[0], true), x)),
    ("nn_gelu_erf", |x| with_vjp(|x| nn::gelu(&x[0], false), x)),
    ("nn_elu", |x| with_vjp(|x| nn::elu(&x[0], 0.7), x)),
    ("nn_celu", |x| vec![nn::celu(&x[0], 1.3)]),
    ("nn_leaky_relu", |x| {
        with_vjp(|x| nn::leaky_relu(&x[0], 0.1), x)
    }),
    ("nn_softmax", |x| with_vjp(|x| nn::softmax(&x[0], -1), x)),
    ("nn_log_softmax", |x| {
        with_vjp(|x| nn::log_softmax(&x[0], 0), x)
    }),
    ("nn_logsumexp", |x| {
        with_vjp(|x| nn::logsumexp(&x[0], 1, false), x)
    }),
    ("nn_standardize", |x| vec![nn::standardize(&x[0], -1, 1e-5)]),
    ("nn_glu", |x| {
        let first4 = lax::slice(&x[0], &[0, 0], &[3, 4], None);
        vec![nn::glu(&first4, -1)]
    }),
    ("nn_one_hot", |x| vec![nn::one_hot(&x[0], 4, DType::F32)]),
];

fn run_all(cases: &[(&str, Case)]) {
    for (name, f) in cases {
        run_case(name, *f);
    }
}

#[test]
fn conv_general_dilated_matches_jax() {
    run_all(CONV);
}

#[test]
fn reduce_window_matches_jax() {
    run_all(WINDOWS);
}

#[test]
fn sorting_matches_jax() {
    run_all(SORTING);
}

#[test]
fn cumulative_reductions_match_jax() {
    run_all(CUMULATIVE);
}

#[test]
fn new_elementwise_lax_ops_match_jax() {
    run_all(UNARY);
}

#[test]
fn nn_matches_jax() {
    run_all(NN);
}
