//! `random` against JAX 0.10's outputs (tests/fixtures/random.txt, written
//! by tools/fixtures/generate.sh), bit for bit.

use crate::common::f64s;
use crate::fixtures::{Fixture, lookup};
use rjax::{Array, DType, jit, random, vmap};

fn fixture(name: &str) -> Fixture {
    lookup(include_str!("../fixtures/random.txt"), name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

/// Exactly JAX's values, shape and dtype.
#[track_caller]
fn assert_exact(name: &str, got: &Array) {
    let want = fixture(name);
    assert_eq!(got.shape(), want.shape, "{name}: shape");
    assert_eq!(got.dtype().name(), want.dtype, "{name}: dtype");
    let got = f64s(got);
    for (i, (g, w)) in got.iter().zip(&want.values).enumerate() {
        assert!(
            g.to_bits() == w.to_bits(),
            "{name}: element {i}: got {g}, JAX {w}\n got {got:?}\n JAX {:?}",
            want.values
        );
    }
}

#[test]
fn keys_split_and_fold_in() {
    let k0 = random::key(0);
    let k42 = random::PRNGKey(42);
    assert_exact("key_0", &k0);
    assert_exact("key_42", &k42);
    assert_exact("key_large", &random::key(2u64.pow(31) - 1));
    assert_exact("split_0", &random::split(&k0, 2));
    assert_exact("split_0_8", &random::split(&k0, 8));
    assert_exact("split_42_3", &random::split(&k42, 3));
    assert_exact("fold_in_0_7", &random::fold_in(&k0, &Array::scalar(7u32)));
    assert_exact(
        "fold_in_42_123456",
        &random::fold_in(&k42, &Array::scalar(123456i32)),
    );
}

#[test]
fn bits_and_floats() {
    let k0 = random::key(0);
    let k42 = random::key(42);
    assert_exact("bits_0_5", &random::bits(&k0, &[5], DType::U32));
    assert_exact("bits_42_2x3", &random::bits(&k42, &[2, 3], DType::U32));
    assert_exact("bits_0_u8_4", &random::bits(&k0, &[4], DType::U8));
    assert_exact("bits_0_u16_4", &random::bits(&k0, &[4], DType::U16));
    assert_exact(
        "uniform_0_3",
        &random::uniform(&k0, &[3], DType::F32, 0.0, 1.0),
    );
    assert_exact(
        "uniform_42_2x4_m2_5",
        &random::uniform(&k42, &[2, 4], DType::F32, -2.0, 5.0),
    );
    assert_exact(
        "uniform_0_f16_4",
        &random::uniform(&k0, &[4], DType::F16, 0.0, 1.0),
    );
    assert_exact(
        "uniform_0_bf16_4",
        &random::uniform(&k0, &[4], DType::BF16, 0.0, 1.0),
    );
    assert_exact("normal_0_3", &random::normal(&k0, &[3], DType::F32));
    assert_exact("normal_42_4x3", &random::normal(&k42, &[4, 3], DType::F32));
    assert_exact("normal_0_f16_5", &random::normal(&k0, &[5], DType::F16));
}

#[test]
fn distributions() {
    let k0 = random::key(0);
    assert_exact("bernoulli_0_8", &random::bernoulli(&k0, 0.5, &[8]));
    assert_exact(
        "bernoulli_42_p03_8",
        &random::bernoulli(&random::key(42), 0.3, &[8]),
    );
    assert_exact(
        "exponential_0_4",
        &random::exponential(&k0, &[4], DType::F32),
    );
    assert_exact("gumbel_0_4", &random::gumbel(&k0, &[4], DType::F32));
    assert_exact("laplace_0_4", &random::laplace(&k0, &[4], DType::F32));
    assert_exact("logistic_0_4", &random::logistic(&k0, &[4], DType::F32));
}

#[test]
fn under_jit_and_vmap() {
    let keys = random::split(&random::key(0), 8);
    let per_key = |k: Array| random::normal(&k, &[2, 3], DType::F32);
    assert_exact("normal_split8_2x3", &vmap(per_key)(keys.clone()));
    let jitted = jit(|k: Array| random::normal(&k, &[3], DType::F32));
    assert_exact("normal_0_3", &jitted.call(random::key(0)).unwrap());
}

#[test]
fn the_seed_per_device_normal_matrices() {
    // The seed's pmap example with small matrices: one key per device.
    let keys = random::split(&random::PRNGKey(0), 8);
    let mats = rjax::pmap(|k: Array| random::normal(&k, &[2, 3], DType::F32))(keys.clone());
    assert_exact("normal_split8_2x3", &mats);
    let result = rjax::pmap(|x: Array| rjax::numpy::matmul(&x, &x.t()))(mats.clone());
    assert_eq!(result.shape(), vec![8, 2, 2]);
    let means = rjax::pmap(|x: Array| x.mean())(result);
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
