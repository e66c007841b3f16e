//! `random` against JAX 0.10's outputs (tests/fixtures/random.txt, written
//! by tools/fixtures/generate.sh): bit for bit where no CPU can change the
//! result, within a few ulps where XLA's code for the host CPU can.

use crate::common::f64s;
use crate::fixtures::Computed::{self, Arithmetic, Differently, Exact, Transcendental};
use crate::fixtures::{Fixture, assert_matches, lookup};
use rjax::random::Key;
use rjax::{Array, DType, grad, jit, random, vmap};

pub fn fixture(name: &str) -> Fixture {
    lookup(include_str!("../fixtures/random.txt"), name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

/// JAX's values, shape and dtype, as closely as the way they were computed
/// allows on any CPU (`Computed`).
#[track_caller]
pub fn assert_jax(name: &str, got: &Array, how: Computed) {
    assert_matches(name, got, &fixture(name), how);
}

#[test]
fn keys_split_and_fold_in() {
    let k0 = random::PRNGKey(0);
    let k42 = random::PRNGKey(42);
    assert_jax("key_0", &k0, Exact);
    assert_jax("key_42", &k42, Exact);
    assert_jax("key_large", &random::PRNGKey(2u64.pow(31) - 1), Exact);
    assert_jax("split_0", &random::split(&k0, 2), Exact);
    assert_jax("split_0_8", &random::split(&k0, 8), Exact);
    assert_jax("split_42_3", &random::split(&k42, 3), Exact);
    assert_jax(
        "fold_in_0_7",
        &random::fold_in(&k0, &Array::scalar(7u32)),
        Exact,
    );
    assert_jax(
        "fold_in_42_123456",
        &random::fold_in(&k42, &Array::scalar(123456i32)),
        Exact,
    );
}

#[test]
fn bits_and_floats() {
    let k0 = random::key(0);
    let k42 = random::key(42);
    assert_jax("bits_0_5", &random::bits(&k0, &[5], DType::U32), Exact);
    assert_jax(
        "bits_42_2x3",
        &random::bits(&k42, &[2, 3], DType::U32),
        Exact,
    );
    assert_jax("bits_0_u8_4", &random::bits(&k0, &[4], DType::U8), Exact);
    assert_jax("bits_0_u16_4", &random::bits(&k0, &[4], DType::U16), Exact);
    assert_jax(
        "uniform_0_3",
        &random::uniform(&k0, &[3], DType::F32, 0.0, 1.0),
        Exact,
    );
    assert_jax(
        "uniform_42_2x4_m2_5",
        &random::uniform(&k42, &[2, 4], DType::F32, -2.0, 5.0),
        Arithmetic,
    );
    assert_jax(
        "uniform_0_f16_4",
        &random::uniform(&k0, &[4], DType::F16, 0.0, 1.0),
        Exact,
    );
    assert_jax(
        "uniform_0_bf16_4",
        &random::uniform(&k0, &[4], DType::BF16, 0.0, 1.0),
        Exact,
    );
    assert_jax(
        "normal_0_3",
        &random::normal(&k0, &[3], DType::F32),
        Transcendental,
    );
    assert_jax(
        "normal_42_4x3",
        &random::normal(&k42, &[4, 3], DType::F32),
        Transcendental,
    );
    assert_jax(
        "normal_0_f16_5",
        &random::normal(&k0, &[5], DType::F16),
        Transcendental,
    );
}

#[test]
fn distributions() {
    let k0 = random::key(0);
    assert_jax("bernoulli_0_8", &random::bernoulli(&k0, 0.5, &[8]), Exact);
    assert_jax(
        "bernoulli_42_p03_8",
        &random::bernoulli(&random::key(42), 0.3, &[8]),
        Exact,
    );
    assert_jax(
        "exponential_0_4",
        &random::exponential(&k0, &[4], DType::F32),
        Transcendental,
    );
    assert_jax(
        "gumbel_0_4",
        &random::gumbel(&k0, &[4], DType::F32),
        Transcendental,
    );
    assert_jax(
        "laplace_0_4",
        &random::laplace(&k0, &[4], DType::F32),
        Transcendental,
    );
    assert_jax(
        "logistic_0_4",
        &random::logistic(&k0, &[4], DType::F32),
        Transcendental,
    );
}

#[test]
fn under_jit_and_vmap() {
    let keys = random::split(&random::key(0), 8);
    let per_key = |k: Key| random::normal(&k, &[2, 3], DType::F32);
    assert_jax(
        "normal_split8_2x3",
        &vmap(per_key)(keys.clone()).unwrap(),
        Transcendental,
    );
    let jitted = jit(|k: Key| random::normal(&k, &[3], DType::F32));
    assert_jax(
        "normal_0_3",
        &jitted.call(random::key(0)).unwrap(),
        Transcendental,
    );
}

#[test]
fn the_seed_per_device_normal_matrices() {
    if !crate::common::has_devices(8) {
        return;
    }
    // The seed's pmap example with small matrices: one key per device.
    let keys = random::split(&random::PRNGKey(0), 8);
    let mats =
        rjax::pmap(|k: Array| random::normal(&k, &[2, 3], DType::F32))(keys.clone()).unwrap();
    assert_jax("normal_split8_2x3", &mats, Transcendental);
    let result = rjax::pmap(|x: Array| rjax::numpy::matmul(&x, &x.t()))(mats.clone()).unwrap();
    assert_eq!(result.shape().unwrap(), [8, 2, 2]);
    let means = rjax::pmap(|x: Array| x.mean())(result).unwrap();
    // The same per device, without pmap.
    let one_by_one: Vec<f64> = (0..8)
        .map(|i| {
            let k = rjax::lax::reshape(&rjax::lax::slice(&keys, &[i, 0], &[i + 1, 2], None), &[2]);
            let x = random::normal(&k, &[2, 3], DType::F32);
            f64s(&rjax::numpy::matmul(&x, &x.t()).mean())[0]
        })
        .collect();
    crate::common::assert_close(&f64s(&means), &one_by_one, 1e-6, "pmap(mean)");
}

#[test]
fn a_malformed_key_is_a_typed_error() {
    let bad = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
    for out in [
        random::split(&bad, 2),
        random::normal(&bad, &[2], DType::F32),
        random::fold_in(&bad, &Array::scalar(1u32)),
    ] {
        let e = out.check().unwrap_err();
        assert_eq!(e.kind, rjax::ErrorKind::Shape, "{e}");
        assert!(e.to_string().contains("uint32[2]"), "{e}");
    }
}

#[test]
fn rademacher_and_truncated_normal() {
    let k0 = random::key(0);
    let k42 = random::key(42);
    assert_jax(
        "rademacher_0_8",
        &random::rademacher(&k0, &[8], DType::I32),
        Exact,
    );
    assert_jax(
        "rademacher_42_f32_2x3",
        &random::rademacher(&k42, &[2, 3], DType::F32),
        Exact,
    );
    let tn = |k: &Key, lo: f64, hi: f64, shape: &[usize], dtype: DType| {
        random::truncated_normal(k, lo, hi, shape, dtype)
    };
    assert_jax(
        "truncated_normal_0_m1_1_5",
        &tn(&k0, -1.0, 1.0, &[5], DType::F32),
        Transcendental,
    );
    assert_jax(
        "truncated_normal_42_m2_2_3x4",
        &tn(&k42, -2.0, 2.0, &[3, 4], DType::F32),
        Transcendental,
    );
    assert_jax(
        "truncated_normal_0_05_3_6",
        &tn(&k0, 0.5, 3.0, &[6], DType::F32),
        Transcendental,
    );
    assert_jax(
        "truncated_normal_0_f16_5",
        &tn(&k0, -2.0, 2.0, &[5], DType::F16),
        Transcendental,
    );
    // JAX compiles the batched sampler as one program; so does rjax, with
    // or without an outer jit.
    let keys = random::split(&k0, 3);
    let per_key = |k: Key| random::truncated_normal(&k, -1.0, 2.0, &[4], DType::F32);
    assert_jax(
        "truncated_normal_split3_4",
        &vmap(per_key)(keys.clone()).unwrap(),
        Transcendental,
    );
    let batched = jit(vmap(per_key)).call(keys).unwrap();
    assert_jax("truncated_normal_split3_4", &batched, Transcendental);
}

#[test]
fn randint_ranges_and_dtypes() {
    let k0 = random::key(0);
    let k42 = random::key(42);
    type Case<'a> = (&'a str, &'a Key, &'a [usize], i64, i64, DType);
    let cases: [Case; 10] = [
        ("randint_0_5_0_10", &k0, &[5], 0, 10, DType::I32),
        ("randint_42_2x3_m5_5", &k42, &[2, 3], -5, 5, DType::I32),
        ("randint_0_empty_range", &k0, &[4], 5, 5, DType::I32),
        ("randint_0_reversed_range", &k0, &[4], 7, 3, DType::I32),
        (
            "randint_0_i32_full",
            &k0,
            &[4],
            -(1 << 31),
            (1 << 31) - 1,
            DType::I32,
        ),
        ("randint_0_u8_0_256", &k0, &[6], 0, 256, DType::U8),
        ("randint_0_i8_m200_200", &k0, &[6], -200, 200, DType::I8),
        ("randint_42_i16_m7_1000", &k42, &[5], -7, 1000, DType::I16),
        ("randint_42_u16_3_70000", &k42, &[5], 3, 70000, DType::U16),
        (
            "randint_0_u32_m5_big",
            &k0,
            &[5],
            -5,
            (1 << 31) - 1,
            DType::U32,
        ),
    ];
    for (name, key, shape, lo, hi, dtype) in cases {
        assert_jax(name, &random::randint(key, shape, lo, hi, dtype), Exact);
    }
    let jitted = jit(|k: Key| random::randint(&k, &[5], 0, 10, DType::I32));
    assert_jax("randint_0_5_0_10", &jitted.call(k0).unwrap(), Exact);
}

#[test]
fn categorical_samples() {
    let k0 = random::key(0);
    let k42 = random::key(42);
    let logits = Array::from_slice(&[0.1f32, 0.5, -1.0, 2.0], &[4]);
    let table = Array::from_slice(
        &[0.0f32, 1.0, -2.0, 0.5, 3.0, 2.0, -1.0, 0.0, 0.0, 1.0],
        &[2, 5],
    );
    let cat = random::categorical;
    assert_jax("categorical_0_4", &cat(&k0, &logits, -1, None, true), Exact);
    assert_jax(
        "categorical_42_2x5",
        &cat(&k42, &table, -1, None, true),
        Exact,
    );
    assert_jax(
        "categorical_42_2x5_axis0",
        &cat(&k42, &table, 0, None, true),
        Exact,
    );
    assert_jax(
        "categorical_0_2x5_shape_6x2",
        &cat(&k0, &table, -1, Some(&[6, 2]), true),
        Exact,
    );
    assert_jax(
        "categorical_0_4_shape_10",
        &cat(&k0, &logits, -1, Some(&[10]), true),
        Exact,
    );
    assert_jax(
        "categorical_0_2x5_no_replace_3x2",
        &cat(&k0, &table, -1, Some(&[3, 2]), false),
        Exact,
    );
    assert_jax(
        "categorical_42_2x5_axis0_no_replace_2x5",
        &cat(&k42, &table, 0, Some(&[2, 5]), false),
        Exact,
    );
    let jitted = jit(|(k, l): (Key, Array)| random::categorical(&k, &l, -1, None, true));
    assert_jax(
        "categorical_42_2x5",
        &jitted.call((k42, table)).unwrap(),
        Exact,
    );
}

#[test]
fn permutations() {
    let k0 = random::key(0);
    let k42 = random::key(42);
    assert_jax(
        "permutation_0_10",
        &random::permutation(&k0, 10, 0, false),
        Exact,
    );
    assert_jax(
        "permutation_42_2000",
        &random::permutation(&k42, 2000, 0, false),
        Exact,
    );
    let x = Array::from_slice(&[0.0f32, 1.5, 3.0, 4.5, 6.0, 7.5], &[6]);
    assert_jax(
        "permutation_0_f32_6",
        &random::permutation(&k0, &x, 0, false),
        Exact,
    );
    let grid = rjax::numpy::arange(12).reshape(&[3, 4]);
    let perm = |axis: i64, independent: bool| random::permutation(&k42, &grid, axis, independent);
    assert_jax("permutation_42_3x4_axis0", &perm(0, false), Exact);
    assert_jax("permutation_42_3x4_axis1", &perm(1, false), Exact);
    assert_jax("permutation_42_3x4_axis1", &perm(-1, false), Exact);
    assert_jax(
        "permutation_42_3x4_axis1_independent",
        &perm(1, true),
        Exact,
    );
    let keys = random::split(&k0, 2);
    let per_key = vmap(|k: Key| random::permutation(&k, 10, 0, false));
    let both = per_key(keys.clone()).unwrap();
    let first = keys.index(0);
    assert_eq!(
        f64s(&rjax::lax::slice(&both, &[0, 0], &[1, 10], None)),
        f64s(&random::permutation(&first, 10, 0, false))
    );
}

#[test]
fn choices() {
    let k0 = random::key(0);
    let k42 = random::key(42);
    let p = Array::from_slice(&[0.1f32, 0.2, 0.3, 0.25, 0.15], &[5]);
    use random::choice;
    assert_jax(
        "choice_0_10_4",
        &choice(&k0, 10, &[4], true, None, 0),
        Exact,
    );
    assert_jax(
        "choice_42_10_2x3",
        &choice(&k42, 10, &[2, 3], true, None, 0),
        Exact,
    );
    assert_jax(
        "choice_0_10_scalar",
        &choice(&k0, 10, &[], true, None, 0),
        Exact,
    );
    assert_jax(
        "choice_0_10_4_no_replace",
        &choice(&k0, 10, &[4], false, None, 0),
        Exact,
    );
    assert_jax(
        "choice_42_5_2x2_no_replace",
        &choice(&k42, 5, &[2, 2], false, None, 0),
        Exact,
    );
    assert_jax(
        "choice_0_5_8_p",
        &choice(&k0, 5, &[8], true, Some(&p), 0),
        Exact,
    );
    assert_jax(
        "choice_42_5_2x3_p",
        &choice(&k42, 5, &[2, 3], true, Some(&p), 0),
        Exact,
    );
    assert_jax(
        "choice_0_5_3_no_replace_p",
        &choice(&k0, 5, &[3], false, Some(&p), 0),
        Exact,
    );
    let rows = rjax::lax::reshape(&rjax::lax::iota(DType::F32, &[20], 0), &[5, 4]);
    assert_jax(
        "choice_0_rows_3",
        &choice(&k0, &rows, &[3], true, None, 0),
        Exact,
    );
    assert_jax(
        "choice_42_columns_2_no_replace",
        &choice(&k42, &rows, &[2], false, None, 1),
        Exact,
    );
    let none = choice(&k0, 5, &[0, 3], true, None, 0);
    assert_eq!(
        (none.shape().unwrap(), none.dtype().unwrap()),
        (vec![0, 3], DType::I32)
    );
}

#[test]
fn gamma_beta_dirichlet() {
    let k0 = random::key(0);
    let k42 = random::key(42);
    let alphas = Array::from_slice(&[0.5f32, 1.0, 2.0, 5.0, 0.1, 30.0], &[6]);
    let f32 = DType::F32;
    assert_jax(
        "gamma_0_alphas",
        &random::gamma(&k0, &alphas, None, f32),
        Transcendental,
    );
    let a15 = Array::scalar(1.5f32);
    assert_jax(
        "gamma_42_15_8",
        &random::gamma(&k42, &a15, Some(&[8]), f32),
        Transcendental,
    );
    let a03 = Array::scalar(0.3f32);
    assert_jax(
        "gamma_0_03_2x3",
        &random::gamma(&k0, &a03, Some(&[2, 3]), f32),
        Transcendental,
    );
    assert_jax(
        "gamma_0_alphas_shape_2x6",
        &random::gamma(&k0, &alphas, Some(&[2, 6]), f32),
        Transcendental,
    );
    let halves = Array::from_slice(&[0.5f32, 1.0, 2.0, 5.0].map(half::f16::from_f32), &[4]);
    assert_jax(
        "gamma_0_f16_4",
        &random::gamma(&k0, &halves, None, DType::F16),
        Transcendental,
    );
    assert_jax(
        "loggamma_0_alphas",
        &random::loggamma(&k0, &alphas, None, f32),
        Transcendental,
    );
    let a001 = Array::scalar(0.01f32);
    assert_jax(
        "loggamma_42_001_5",
        &random::loggamma(&k42, &a001, Some(&[5]), f32),
        Transcendental,
    );
    let (two, three) = (Array::scalar(2.0f32), Array::scalar(3.0f32));
    assert_jax(
        "beta_0_2_3_5",
        &random::beta(&k0, &two, &three, Some(&[5]), f32),
        Transcendental,
    );
    let a = Array::from_slice(&[0.5f32, 1.0, 2.0], &[3]);
    let b = Array::from_slice(&[2.0f32, 2.0, 0.5], &[3]);
    assert_jax(
        "beta_42_arrays",
        &random::beta(&k42, &a, &b, None, f32),
        Transcendental,
    );
    let alpha = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
    assert_jax(
        "dirichlet_0_123_4",
        &random::dirichlet(&k0, &alpha, Some(&[4]), f32),
        Transcendental,
    );
    let halves = Array::from_slice(&[0.5f32, 0.5], &[2]);
    assert_jax(
        "dirichlet_42_halves",
        &random::dirichlet(&k42, &halves, None, f32),
        Transcendental,
    );
    let first3 = Array::from_slice(&[0.5f32, 1.0, 2.0], &[3]);
    let per_key = vmap(|k: Key| random::gamma(&k, &first3, None, f32));
    assert_jax(
        "gamma_split3_alphas",
        &per_key(random::split(&k0, 3)).unwrap(),
        Transcendental,
    );
    let batched = jit(per_key).call(random::split(&k0, 3)).unwrap();
    assert_jax("gamma_split3_alphas", &batched, Transcendental);
}

/// JAX's implicit-reparameterization gradients (to f32 rounding: they run
/// series and continued fractions that XLA may fuse differently).
#[test]
fn the_gamma_family_differentiates_in_its_parameters() {
    let (k0, k42) = (random::key(0), random::key(42));
    let f32 = DType::F32;
    let close = |name: &str, got: &Array| assert_jax(name, got, Differently);
    let alphas = Array::from_slice(&[0.5f32, 1.0, 2.0, 5.0, 0.1, 30.0], &[6]);
    let gamma = |a: Array| random::gamma(&k0, &a, None, f32).sum();
    close("gamma_grad_0_alphas", &grad(gamma)(alphas.clone()).unwrap());
    let loggamma = |a: Array| random::loggamma(&k0, &a, None, f32).sum();
    close(
        "loggamma_grad_0_alphas",
        &jit(grad(loggamma)).call(alphas).unwrap(),
    );
    let weights = Array::from_slice(&[1.0f32, -2.0, 0.5], &[3]);
    let a = Array::from_slice(&[0.5f32, 1.0, 2.0], &[3]);
    let b = Array::from_slice(&[2.0f32, 2.0, 0.5], &[3]);
    let beta = |(a, b): (Array, Array)| (&random::beta(&k42, &a, &b, None, f32) * &weights).sum();
    let (da, db) = grad(beta)((a, b)).unwrap();
    close("beta_grad_a_42", &da);
    close("beta_grad_b_42", &db);
    let alpha = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
    let dirichlet = |a: Array| (&random::dirichlet(&k0, &a, Some(&[4]), f32) * &weights).sum();
    close("dirichlet_grad_0_123", &grad(dirichlet)(alpha).unwrap());
}

#[test]
fn bad_sampler_arguments_are_typed_errors() {
    use rjax::ErrorKind;
    let k0 = random::key(0);
    let logits = Array::from_slice(&[0.0f32, 1.0, 2.0], &[3]);
    let kind = |a: Array| a.check().unwrap_err().kind;
    assert_eq!(
        kind(random::normal(&k0, &[2], DType::I32)),
        ErrorKind::DType
    );
    assert_eq!(
        kind(random::truncated_normal(&k0, -1.0, 1.0, &[2], DType::I32)),
        ErrorKind::DType
    );
    assert_eq!(kind(random::bits(&k0, &[2], DType::F32)), ErrorKind::DType);
    assert_eq!(
        kind(random::rademacher(&k0, &[2], DType::Bool)),
        ErrorKind::DType
    );
    assert_eq!(
        kind(random::randint(&k0, &[2], 0, 5, DType::F32)),
        ErrorKind::DType
    );
    assert_eq!(
        kind(random::randint(&k0, &[2], 0, 1 << 40, DType::I32)),
        ErrorKind::Param
    );
    assert_eq!(
        kind(random::categorical(&k0, &logits, 1, None, true)),
        ErrorKind::Axis
    );
    assert_eq!(
        kind(random::categorical(&k0, &logits, 0, Some(&[4]), false)),
        ErrorKind::Shape
    );
    let table = rjax::numpy::zeros(&[2, 3], DType::F32);
    assert_eq!(
        kind(random::categorical(&k0, &table, -1, Some(&[3]), true)),
        ErrorKind::Shape
    );
    assert_eq!(
        kind(random::permutation(&k0, &Array::scalar(3i32), 0, false)),
        ErrorKind::Shape
    );
    assert_eq!(
        kind(random::permutation(&k0, &logits, 1, false)),
        ErrorKind::Axis
    );
    assert_eq!(
        kind(random::choice(&k0, 3, &[4], false, None, 0)),
        ErrorKind::Param
    );
    assert_eq!(
        kind(random::choice(&k0, 0, &[1], true, None, 0)),
        ErrorKind::Param
    );
    assert_eq!(
        kind(random::choice(&k0, 4, &[2], true, Some(&logits), 0)),
        ErrorKind::Shape
    );
    let a = Array::from_slice(&[1.0f32, 2.0], &[2]);
    assert_eq!(
        kind(random::gamma(&k0, &a, Some(&[3]), DType::F32)),
        ErrorKind::Shape
    );
    assert_eq!(
        kind(random::gamma(&k0, &a, None, DType::I32)),
        ErrorKind::DType
    );
    assert_eq!(
        kind(random::beta(&k0, &a, &logits, None, DType::F32)),
        ErrorKind::Shape
    );
    assert_eq!(
        kind(random::dirichlet(
            &k0,
            &Array::scalar(1.0f32),
            None,
            DType::F32
        )),
        ErrorKind::Shape
    );
}

#[test]
fn nn_initializers() {
    use rjax::nn::initializers::{self as init, Distribution, FanAxes, FanMode};
    let key = random::key(42);
    let f32 = DType::F32;
    let draws = [
        ("init_zeros_2x3", init::zeros(), &[2, 3][..], Exact),
        ("init_ones_3x2", init::ones(), &[3, 2], Exact),
        ("init_constant_m7_2x3", init::constant(-7.0), &[2, 3], Exact),
        ("init_uniform_10_2x3", init::uniform(10.0), &[2, 3], Exact),
        ("init_uniform_default_4", init::uniform(1e-2), &[4], Exact),
        (
            "init_normal_5_2x3",
            init::normal(5.0),
            &[2, 3],
            Transcendental,
        ),
        (
            "init_truncated_normal_5_2x3",
            init::truncated_normal(5.0, -2.0, 2.0),
            &[2, 3],
            Transcendental,
        ),
        (
            "init_truncated_normal_2_m1_3_4",
            init::truncated_normal(2.0, -1.0, 3.0),
            &[4],
            Transcendental,
        ),
    ];
    for (name, initializer, shape, how) in draws {
        assert_jax(name, &initializer.init(&key, shape, f32), how);
    }
    let d = FanAxes::default;
    let scaled = [
        (
            "glorot_uniform",
            init::glorot_uniform(d()),
            init::xavier_uniform(d()),
        ),
        (
            "glorot_normal",
            init::glorot_normal(d()),
            init::xavier_normal(d()),
        ),
        (
            "he_uniform",
            init::he_uniform(d()),
            init::kaiming_uniform(d()),
        ),
        ("he_normal", init::he_normal(d()), init::kaiming_normal(d())),
        (
            "lecun_uniform",
            init::lecun_uniform(d()),
            init::lecun_uniform(d()),
        ),
        (
            "lecun_normal",
            init::lecun_normal(d()),
            init::lecun_normal(d()),
        ),
    ];
    for (name, initializer, alias) in scaled {
        assert_eq!(initializer, alias);
        let how = if name.ends_with("uniform") {
            Exact
        } else {
            Transcendental
        };
        let dense = initializer.init(&key, &[4, 5], f32);
        assert_jax(&format!("init_{name}_4x5"), &dense, how);
        let conv = initializer.init(&key, &[3, 3, 2, 4], f32);
        assert_jax(&format!("init_{name}_conv_3x3x2x4"), &conv, how);
    }
    let he = init::he_normal(d()).init(&key, &[3, 4], DType::F16);
    assert_jax("init_he_normal_f16_3x4", &he, Transcendental);
    let modes = [
        ("fan_in", FanMode::FanIn),
        ("fan_out", FanMode::FanOut),
        ("fan_avg", FanMode::FanAvg),
        ("fan_geo_avg", FanMode::FanGeoAvg),
    ];
    let distributions = [
        (
            "truncated_normal",
            Distribution::TruncatedNormal,
            Transcendental,
        ),
        ("normal", Distribution::Normal, Transcendental),
        ("uniform", Distribution::Uniform, Exact),
    ];
    for (mode_name, mode) in modes {
        for (dist_name, dist, how) in distributions {
            let initializer = init::variance_scaling(0.5, mode, dist, d());
            let name = format!("init_vs_{mode_name}_{dist_name}_3x5");
            assert_jax(&name, &initializer.init(&key, &[3, 5], f32), how);
        }
    }
    let axes = FanAxes {
        in_axis: vec![0, 1],
        out_axis: vec![-1],
        batch_axis: vec![2],
    };
    let initializer = init::variance_scaling(2.0, FanMode::FanIn, Distribution::Normal, axes);
    assert_jax(
        "init_vs_axes_2x3x4x5",
        &initializer.init(&key, &[2, 3, 4, 5], f32),
        Transcendental,
    );
    // The default input axis needs a rank-2 shape at least.
    let flat = init::glorot_uniform(d()).init(&key, &[5], f32);
    assert_eq!(flat.check().unwrap_err().kind, rjax::ErrorKind::Axis);
    let ints = init::he_normal(d()).init(&key, &[2, 2], DType::I32);
    assert_eq!(ints.check().unwrap_err().kind, rjax::ErrorKind::DType);
}

#[test]
fn rng_bit_generator_matches_xla() {
    use rjax::lax::{self, RngAlgorithm};
    let key = Array::from_slice(&[0u32, 1, 2, 3], &[4]);
    for (name, algorithm) in [
        ("three_fry", RngAlgorithm::ThreeFry),
        ("philox", RngAlgorithm::Philox),
    ] {
        let (new_key, bits) = lax::rng_bit_generator(&key, &[2, 3], DType::U32, algorithm);
        assert_jax(&format!("rbg_{name}_key"), &new_key, Exact);
        assert_jax(&format!("rbg_{name}_bits"), &bits, Exact);
        let jitted =
            jit(move |k: Array| lax::rng_bit_generator(&k, &[2, 3], DType::U32, algorithm).1);
        assert_jax(
            &format!("rbg_{name}_bits"),
            &jitted.call(key.clone()).unwrap(),
            Exact,
        );
    }
    let (_, bytes) = lax::rng_bit_generator(&key, &[5], DType::U8, RngAlgorithm::Default);
    assert_jax("rbg_default_u8", &bytes, Exact);
    // A batch of keys generates as each key alone.
    let keys = Array::from_slice(&[0u32, 1, 2, 3, 7, 7, 7, 7], &[2, 4]);
    let each = |k: Array| lax::rng_bit_generator(&k, &[3], DType::U32, RngAlgorithm::ThreeFry).1;
    let batched = vmap(each)(keys.clone()).unwrap();
    let second = each(Array::from_slice(&[7u32, 7, 7, 7], &[4]));
    assert_eq!(
        batched.to_vec::<u32>().unwrap()[3..],
        second.to_vec::<u32>().unwrap()[..]
    );
    let bad = lax::rng_bit_generator(&key, &[2], DType::F32, RngAlgorithm::Default).1;
    assert_eq!(bad.check().unwrap_err().kind, rjax::ErrorKind::DType);
}

/// A float32 array of the given values and shape.
fn f32s(values: &[f32], shape: &[usize]) -> Array {
    Array::from_slice(values, shape)
}

#[test]
fn transformed_samplers() {
    let (k0, k42) = (random::key(0), random::key(42));
    let (f32, f16) = (DType::F32, DType::F16);
    let s = Array::scalar;
    let row = f32s(&[0.5, 1.0, 2.0], &[3]);
    assert_jax(
        "cauchy_0_4",
        &random::cauchy(&k0, &[4], f32),
        Transcendental,
    );
    assert_jax(
        "cauchy_42_2x3",
        &random::cauchy(&k42, &[2, 3], f32),
        Transcendental,
    );
    assert_jax(
        "cauchy_0_f16_4",
        &random::cauchy(&k0, &[4], f16),
        Transcendental,
    );
    let one = s(1.0f32);
    assert_jax(
        "lognormal_0_4",
        &random::lognormal(&k0, &one, Some(&[4]), f32),
        Transcendental,
    );
    let lognormal = random::lognormal(&k42, &row, Some(&[2, 3]), f32);
    assert_jax("lognormal_42_sigmas_2x3", &lognormal, Transcendental);
    let two = s(2.0f32);
    assert_jax(
        "pareto_0_2_4",
        &random::pareto(&k0, &two, Some(&[4]), f32),
        Transcendental,
    );
    let pareto = random::pareto(&k42, &row, Some(&[2, 3]), f32);
    assert_jax("pareto_42_bs_2x3", &pareto, Transcendental);
    assert_jax(
        "rayleigh_0_1_4",
        &random::rayleigh(&k0, &one, Some(&[4]), f32),
        Transcendental,
    );
    let rayleigh = random::rayleigh(&k42, &row, Some(&[2, 3]), f32);
    assert_jax("rayleigh_42_scales_2x3", &rayleigh, Transcendental);
    assert_jax(
        "rayleigh_0_f16_4",
        &random::rayleigh(&k0, &two, Some(&[4]), f16),
        Transcendental,
    );
    let weibull = random::weibull_min(&k0, &one, &s(1.5f32), &[4], f32);
    assert_jax("weibull_min_0_1_15_4", &weibull, Transcendental);
    let scales = f32s(&[1.0, 2.0], &[2]);
    let weibull = random::weibull_min(&k42, &scales, &s(0.5f32), &[3, 2], f32);
    assert_jax("weibull_min_42_scales_3x2", &weibull, Transcendental);
    assert_jax(
        "maxwell_0_4",
        &random::maxwell(&k0, &[4], f32),
        Transcendental,
    );
    assert_jax(
        "maxwell_42_2x3",
        &random::maxwell(&k42, &[2, 3], f32),
        Transcendental,
    );
    let dsm = random::double_sided_maxwell;
    assert_jax(
        "double_sided_maxwell_0_1_2_4",
        &dsm(&k0, &one, &two, &[4], f32),
        Transcendental,
    );
    let locs = f32s(&[0.0, 10.0], &[2]);
    assert_jax(
        "double_sided_maxwell_42_locs_3",
        &dsm(&k42, &locs, &one, &[3], f32),
        Transcendental,
    );
    assert_jax(
        "double_sided_maxwell_42_locs",
        &dsm(&k42, &locs, &one, &[], f32),
        Transcendental,
    );
    assert_jax(
        "wald_0_1_4",
        &random::wald(&k0, &one, Some(&[4]), f32),
        Transcendental,
    );
    let wald = random::wald(&k42, &row, Some(&[2, 3]), f32);
    assert_jax("wald_42_means_2x3", &wald, Transcendental);
    let zero = s(0.0f32);
    let triangular = random::triangular(&k0, &zero, &s(0.3f32), &one, Some(&[4]), f32);
    assert_jax("triangular_0_0_03_1_4", &triangular, Transcendental);
    let (left, mode) = (f32s(&[-1.0, 0.0, 2.0], &[3]), f32s(&[0.0, 0.5, 2.0], &[3]));
    let right = f32s(&[1.0, 1.0, 5.0], &[3]);
    let triangular = random::triangular(&k42, &left, &mode, &right, None, f32);
    assert_jax("triangular_42_arrays", &triangular, Transcendental);
    // Under jit the sampler is staged into the caller's program.
    let jitted = jit(|k: Key| random::cauchy(&k, &[4], DType::F32));
    assert_jax("cauchy_0_4", &jitted.call(k0).unwrap(), Transcendental);
}

#[test]
fn gamma_based_samplers() {
    let (k0, k42) = (random::key(0), random::key(42));
    let f32 = DType::F32;
    let three = Array::scalar(3.0f32);
    let dfs = f32s(&[1.0, 2.5, 10.0], &[3]);
    assert_jax(
        "chisquare_0_3_4",
        &random::chisquare(&k0, &three, Some(&[4]), f32),
        Transcendental,
    );
    assert_jax(
        "chisquare_42_dfs",
        &random::chisquare(&k42, &dfs, None, f32),
        Transcendental,
    );
    let chisquare = |d: Array| random::chisquare(&k0, &d, None, f32).sum();
    let d = grad(chisquare)(dfs.clone()).unwrap();
    assert_jax("chisquare_grad_0_dfs", &d, Differently);
    assert_jax(
        "t_0_3_4",
        &random::t(&k0, &three, Some(&[4]), f32),
        Transcendental,
    );
    assert_jax(
        "t_42_dfs_2x3",
        &random::t(&k42, &dfs, Some(&[2, 3]), f32),
        Transcendental,
    );
    assert_jax(
        "t_0_f16_4",
        &random::t(&k0, &three, Some(&[4]), DType::F16),
        Transcendental,
    );
    let per_key = vmap(|k: Key| random::t(&k, &dfs, None, f32));
    assert_jax(
        "t_split3_dfs",
        &per_key(random::split(&k0, 3)).unwrap(),
        Transcendental,
    );
    let five = Array::scalar(5.0f32);
    assert_jax(
        "f_0_3_5_4",
        &random::f(&k0, &three, &five, Some(&[4]), f32),
        Transcendental,
    );
    let dfnum = f32s(&[1.0, 2.0, 5.0], &[3]);
    let dfden = f32s(&[3.0, 4.0, 10.0], &[3]);
    assert_jax(
        "f_42_arrays",
        &random::f(&k42, &dfnum, &dfden, None, f32),
        Transcendental,
    );
    let normal = random::generalized_normal;
    assert_jax(
        "generalized_normal_0_2_4",
        &normal(&k0, 2.0, &[4], f32),
        Transcendental,
    );
    assert_jax(
        "generalized_normal_42_05_2x3",
        &normal(&k42, 0.5, &[2, 3], f32),
        Transcendental,
    );
    assert_jax(
        "ball_0_3_2",
        &random::ball(&k0, 3, 2.0, &[2], f32),
        Transcendental,
    );
    assert_jax(
        "ball_42_2_p1_4",
        &random::ball(&k42, 2, 1.0, &[4], f32),
        Transcendental,
    );
}

#[test]
fn multivariate_normal_samples() {
    use random::CovFactor;
    let (k0, k42) = (random::key(0), random::key(42));
    let f32 = DType::F32;
    let mean = f32s(&[1.0, -2.0], &[2]);
    let cov = f32s(&[4.0, 2.0, 2.0, 5.0], &[2, 2]);
    let mvn = |k: &Key, m: &Array, c: &Array, shape: Option<&[usize]>, method| {
        random::multivariate_normal(k, m, c, shape, f32, method)
    };
    let chol = CovFactor::Cholesky;
    assert_jax(
        "multivariate_normal_0_3",
        &mvn(&k0, &mean, &cov, Some(&[3]), chol),
        Transcendental,
    );
    let means = rjax::numpy::zeros(&[4, 2], f32);
    assert_jax(
        "multivariate_normal_42_means",
        &mvn(&k42, &means, &cov, None, chol),
        Transcendental,
    );
    let covs = f32s(&[4.0, 2.0, 2.0, 5.0, 1.0, 0.0, 0.0, 9.0], &[2, 2, 2]);
    let batched = mvn(&k42, &mean, &covs, Some(&[3, 2]), chol);
    assert_jax("multivariate_normal_42_covs_3x2", &batched, Transcendental);
    let diagonal = f32s(&[4.0, 0.0, 0.0, 9.0], &[2, 2]);
    let eigh = mvn(&k0, &mean, &diagonal, Some(&[3]), CovFactor::Eigh);
    assert_jax("multivariate_normal_0_eigh_diag", &eigh, Transcendental);
    let svd = mvn(&k0, &mean, &diagonal, Some(&[3]), CovFactor::Svd);
    assert_jax("multivariate_normal_0_svd_diag", &svd, Transcendental);
}

#[test]
fn counting_samplers() {
    let (k0, k42) = (random::key(0), random::key(42));
    let i32 = DType::I32;
    let geometric = random::geometric(&k0, &Array::scalar(0.3f32), Some(&[6]), i32);
    assert_jax("geometric_0_03_6", &geometric, Exact);
    let ps = f32s(&[0.1, 0.5, 0.9], &[3]);
    let geometric = random::geometric(&k42, &ps, Some(&[2, 3]), i32);
    assert_jax("geometric_42_ps_2x3", &geometric, Exact);
    let poisson = random::poisson(&k0, &Array::scalar(3.0f32), Some(&[6]), i32);
    assert_jax("poisson_0_3_6", &poisson, Exact);
    let lams = f32s(&[0.0, 0.5, 5.0, 12.0, 50.0, 1000.0], &[6]);
    assert_jax(
        "poisson_42_lams",
        &random::poisson(&k42, &lams, None, i32),
        Exact,
    );
    let hundred = Array::scalar(100.0f32);
    let poisson = random::poisson(&k0, &hundred, Some(&[2, 3]), i32);
    assert_jax("poisson_0_100_2x3", &poisson, Exact);
    let first4 = f32s(&[0.0, 0.5, 5.0, 12.0], &[4]);
    let per_key = vmap(|k: Key| random::poisson(&k, &first4, None, i32));
    assert_jax(
        "poisson_split3_lams",
        &per_key(random::split(&k42, 3)).unwrap(),
        Exact,
    );
    let f32 = DType::F32;
    let (ten, p) = (Array::scalar(10.0f32), Array::scalar(0.3f32));
    let binomial = random::binomial(&k0, &ten, &p, Some(&[6]), f32);
    assert_jax("binomial_0_10_03_6", &binomial, Exact);
    let n = f32s(&[5.0, 20.0, 100.0, 1000.0], &[4]);
    let p = f32s(&[0.3, 0.7, 0.5, 0.01], &[4]);
    assert_jax(
        "binomial_42_arrays",
        &random::binomial(&k42, &n, &p, None, f32),
        Exact,
    );
    let n = f32s(&[-1.0, f32::INFINITY, 5.0, 5.0, 7.0], &[5]);
    let p = f32s(&[0.5, 0.5, f32::NAN, 1.2, 1.0], &[5]);
    assert_jax(
        "binomial_0_edges",
        &random::binomial(&k0, &n, &p, None, f32),
        Exact,
    );
}

#[test]
fn bad_arguments_of_more_samplers_are_typed_errors() {
    use rjax::ErrorKind;
    let k0 = random::key(0);
    let pair = f32s(&[1.0, 2.0], &[2]);
    let triple = f32s(&[1.0, 2.0, 3.0], &[3]);
    let one = Array::scalar(1.0f32);
    let here = line!();
    let cases = [
        (
            random::cauchy(&k0, &[2], DType::I32),
            ErrorKind::DType,
            "cauchy",
        ),
        (
            random::t(&k0, &pair, Some(&[3]), DType::F32),
            ErrorKind::Shape,
            "t",
        ),
        (
            random::f(&k0, &pair, &triple, None, DType::F32),
            ErrorKind::Shape,
            "f",
        ),
        (
            random::weibull_min(&k0, &pair, &one, &[3], DType::F32),
            ErrorKind::Shape,
            "weibull_min",
        ),
        (
            random::double_sided_maxwell(&k0, &pair, &triple, &[], DType::F32),
            ErrorKind::Shape,
            "double_sided_maxwell",
        ),
        (
            random::ball(&k0, 2, 2.0, &[2], DType::I32),
            ErrorKind::DType,
            "ball",
        ),
        (
            random::geometric(&k0, &one, None, DType::F32),
            ErrorKind::DType,
            "geometric",
        ),
        (
            random::poisson(&k0, &pair, Some(&[3]), DType::I32),
            ErrorKind::Shape,
            "poisson",
        ),
        (
            random::binomial(&k0, &one, &one, None, DType::I32),
            ErrorKind::DType,
            "binomial",
        ),
    ];
    for (out, kind, op) in cases {
        let e = out.check().unwrap_err();
        assert_eq!((e.kind, e.op.as_str()), (kind, op), "{e}");
        let location = e.location.unwrap_or_else(|| panic!("no location in {e}"));
        assert!(
            location.file().ends_with("random.rs") && location.line() > here,
            "{e}"
        );
    }
    use random::CovFactor;
    let cov = rjax::numpy::eye(2, None, 0, DType::F32);
    let mvn = |m: &Array, c: &Array, method| {
        random::multivariate_normal(&k0, m, c, None, DType::F32, method)
            .check()
            .unwrap_err()
    };
    let e = mvn(&pair, &f32s(&[1.0; 3], &[3]), CovFactor::Svd);
    assert_eq!(
        (e.kind, e.op.as_str()),
        (ErrorKind::Shape, "multivariate_normal"),
        "{e}"
    );
    assert_eq!(
        mvn(&triple, &cov, CovFactor::Cholesky).kind,
        ErrorKind::Shape
    );
    assert_eq!(mvn(&one, &cov, CovFactor::Cholesky).kind, ErrorKind::Shape);
    assert!(e.location.is_some());
}
