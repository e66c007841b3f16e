//! Seeds of every integer dtype (plain and traced), typed keys, and the
//! samplers `multinomial` and `orthogonal`, against JAX 0.10's outputs
//! (tests/fixtures/random.txt).

use crate::fixtures::Computed::{Differently, Exact, Transcendental};
use crate::random::{assert_jax, fixture};
use rjax::random::{self, Key, KeyImpl};
use rjax::{Array, DType, ErrorKind, jit, vmap};

/// The seed fixtures: name, the seed as a Rust integer's key data, and the
/// seed as a scalar array of its dtype.
fn seeds() -> Vec<(&'static str, Array, Array)> {
    vec![
        ("seed_i8_m3", random::PRNGKey(-3i8), Array::scalar(-3i8)),
        (
            "seed_i16_m300",
            random::PRNGKey(-300i16),
            Array::scalar(-300i16),
        ),
        ("seed_i32_m7", random::PRNGKey(-7), Array::scalar(-7i32)),
        (
            "seed_i32_max",
            random::PRNGKey(i32::MAX),
            Array::scalar(i32::MAX),
        ),
        ("seed_u8_250", random::PRNGKey(250u8), Array::scalar(250u8)),
        (
            "seed_u16_65000",
            random::PRNGKey(65000u16),
            Array::scalar(65000u16),
        ),
        (
            "seed_u32_4e9",
            random::PRNGKey(4_000_000_000u32),
            Array::scalar(4_000_000_000u32),
        ),
        ("seed_literal_m1", random::PRNGKey(-1), Array::scalar(-1i32)),
        (
            "seed_i64_m2p40_m7",
            random::PRNGKey(-(1i64 << 40) - 7),
            Array::scalar(-(1i64 << 40) - 7),
        ),
        (
            "seed_i64_2p40_p3",
            random::PRNGKey((1i64 << 40) + 3),
            Array::scalar((1i64 << 40) + 3),
        ),
        (
            "seed_u64_max_m4",
            random::PRNGKey(u64::MAX - 4),
            Array::scalar(u64::MAX - 4),
        ),
        (
            "seed_u64_2p63_p11",
            random::PRNGKey((1u64 << 63) + 11),
            Array::scalar((1u64 << 63) + 11),
        ),
        ("seed_i64_m1", random::PRNGKey(-1i64), Array::scalar(-1i64)),
    ]
}

#[test]
fn seeds_of_every_integer_dtype_plain_traced_and_batched() {
    let from_seed = jit(|s: Array| random::key(&s));
    for (name, plain, seed) in seeds() {
        assert_jax(name, &plain, Exact);
        assert_jax(name, &random::key_data(&random::key(&seed)), Exact);
        assert_jax(name, &random::PRNGKey(&seed), Exact);
        let traced = from_seed.call(seed).unwrap();
        assert_jax(name, &random::key_data(&traced), Exact);
    }
    let seeds = Array::from_slice(&[0i32, -1, 5], &[3]);
    let keys = vmap(|s: Array| random::PRNGKey(&s))(seeds).unwrap();
    assert_jax("seed_vmap_i32", &keys, Exact);
}

#[test]
fn a_seed_is_a_scalar_integer() {
    for seed in [Array::scalar(1.5f32), Array::from_slice(&[1i32, 2], &[2])] {
        let e = random::key_data(&random::key(&seed)).check().unwrap_err();
        assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Shape, "key"), "{e}");
        assert!(
            e.location.unwrap().file().ends_with("random_keys.rs"),
            "{e}"
        );
    }
}

#[test]
fn typed_keys_split_fold_in_and_draw_as_raw_ones() {
    let k7 = random::key(7);
    assert_eq!(k7.shape().unwrap(), Vec::<usize>::new());
    let keys = random::split(&k7, 3);
    assert_eq!(keys.shape().unwrap(), [3]);
    assert_jax("typed_split_7_3", &random::key_data(&keys), Exact);
    let folded = random::fold_in(&k7, &Array::scalar(9i32));
    assert_jax("typed_fold_in_7_9", &random::key_data(&folded), Exact);
    let normal = |k: &Key| random::normal(k, &[3], DType::F32);
    assert_jax("typed_normal_7_3", &normal(&k7), Transcendental);
    assert_jax(
        "typed_normal_7_3",
        &normal(&random::clone(&k7)),
        Transcendental,
    );
    let raw = random::PRNGKey(7);
    assert_jax(
        "typed_normal_7_3",
        &random::normal(&raw, &[3], DType::F32),
        Transcendental,
    );
    // Raw data in, raw data out; the same bits either way.
    assert_jax("typed_split_7_3", &random::split(&raw, 3), Exact);
    let data = Array::from_slice(&[1u32, 2], &[2]);
    let wrapped = random::wrap_key_data(&data);
    assert_eq!(random::key_impl(&wrapped).unwrap(), KeyImpl::Threefry2x32);
    assert_eq!(random::key_impl(&data).unwrap().to_string(), "threefry2x32");
    let u = random::uniform(&wrapped, &[4], DType::F32, 0.0, 1.0);
    assert_jax("typed_wrapped_uniform_4", &u, Exact);
    let back = random::key_data(&wrapped).to_vec::<u32>().unwrap();
    assert_eq!(back, [1, 2]);
}

#[test]
fn typed_keys_pass_through_jit_vmap_and_scan() {
    let keys = random::split(&random::key(7), 3);
    let split = jit(|k: Key| random::split(&k, 3));
    let again = split.call(random::key(7)).unwrap();
    assert_jax("typed_split_7_3", &random::key_data(&again), Exact);
    let per_key = vmap(|k: Key| random::normal(&k, &[2], DType::F32));
    let batched = per_key(keys.clone()).unwrap();
    for i in 0..3 {
        let one = random::normal(&keys.index(i), &[2], DType::F32);
        assert_eq!(
            batched.index(i).to_vec::<f32>().unwrap(),
            one.to_vec::<f32>().unwrap()
        );
    }
    // A key as a scan carry: split, draw with one half, carry the other.
    let step = |k: Key, _: Array| {
        let pair = random::split(&k, 2);
        (
            pair.index(0),
            random::uniform(&pair.index(1), &[], DType::F32, 0.0, 1.0),
        )
    };
    let (_, draws) =
        rjax::lax::scan(step, random::key(7), Array::from_slice(&[0.0f32; 3], &[3])).unwrap();
    let mut k = random::key(7);
    for i in 0..3 {
        let (next, x) = step(k, Array::scalar(0.0f32));
        assert_eq!(
            draws.index(i).item::<f32>().unwrap(),
            x.item::<f32>().unwrap()
        );
        k = next;
    }
}

#[test]
fn bad_key_data_is_a_typed_error() {
    let bad = [
        Array::from_slice(&[1u32, 2, 3], &[3]),
        Array::from_slice(&[1.0f32, 2.0], &[2]),
    ];
    for data in bad {
        let key = random::wrap_key_data(&data);
        let e = key.shape().unwrap_err();
        assert_eq!(
            (e.kind, e.op.as_str()),
            (ErrorKind::Shape, "wrap_key_data"),
            "{e}"
        );
        assert!(
            e.location.unwrap().file().ends_with("random_keys.rs"),
            "{e}"
        );
        let e = random::key_impl(&data).unwrap_err();
        assert_eq!(e.op, "key_impl", "{e}");
        let x = random::normal(&key, &[2], DType::F32);
        assert_eq!(x.check().unwrap_err().op, "wrap_key_data");
    }
    let e = random::key(0).index(0).shape().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Shape, "{e}");
    // A sampler takes a single key.
    let keys = random::split(&random::key(0), 2);
    let e = random::normal(&keys, &[2], DType::F32).check().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Shape, "{e}");
}

#[test]
fn multinomial_matches_jax() {
    let (k0, k42) = (random::key(0), random::key(42));
    let f32s = |v: &[f32]| Array::from_slice(v, &[v.len()]);
    let p = f32s(&[0.2, 0.3, 0.5]);
    let halves = f32s(&[0.5, 0.25, 0.125, 0.125]);
    let rows = Array::from_slice(&[0.1f32, 0.2, 0.7, 0.25, 0.25, 0.5], &[2, 3]);
    let (f32, n) = (DType::F32, |v: f32| Array::scalar(v));
    let cases = [
        (
            "multinomial_0_10_p",
            random::multinomial(&k0, &n(10.0), &p, None, f32),
        ),
        (
            "multinomial_42_100_halves",
            random::multinomial(&k42, &n(100.0), &halves, None, f32),
        ),
        (
            "multinomial_0_rows",
            random::multinomial(&k0, &f32s(&[5.0, 100.0]), &rows, None, f32),
        ),
        (
            "multinomial_42_20_p_4x3",
            random::multinomial(&k42, &Array::scalar(20i32), &p, Some(&[4, 3]), f32),
        ),
        (
            "multinomial_0_1000_unnormalized",
            random::multinomial(&k0, &n(1000.0), &f32s(&[1.0, 3.0, 0.0, 4.0]), None, f32),
        ),
        (
            "multinomial_0_10_p_i32",
            random::multinomial(&k0, &n(10.0), &p, None, DType::I32),
        ),
    ];
    // Whole counts: any CPU that draws the same binomials gives these.
    for (name, x) in cases {
        assert_jax(name, &x, Exact);
    }
    let keys = random::split(&k42, 3);
    let per_key = vmap(|k: Key| random::multinomial(&k, &n(50.0), &halves, None, f32));
    assert_jax(
        "multinomial_split3_50_halves",
        &per_key(keys).unwrap(),
        Exact,
    );
    let jitted = jit(|(k, p): (Key, Array)| random::multinomial(&k, &n(10.0), &p, None, f32));
    assert_jax(
        "multinomial_0_10_p",
        &jitted.call((k0.clone(), p.clone())).unwrap(),
        Exact,
    );
    // p needs an axis of outcomes; the shape must fit p and n.
    let scalar = random::multinomial(&k0, &n(10.0), &n(0.5), None, f32);
    let misfit = random::multinomial(&k0, &n(10.0), &p, Some(&[2, 4]), f32);
    let bad_n = random::multinomial(&k0, &f32s(&[1.0, 2.0]), &p, None, f32);
    for x in [scalar, misfit, bad_n] {
        let e = x.check().unwrap_err();
        assert_eq!(
            (e.kind, e.op.as_str()),
            (ErrorKind::Shape, "multinomial"),
            "{e}"
        );
        assert!(e.location.is_some(), "{e}");
    }
}

#[test]
fn orthogonal_matches_jax() {
    let (k0, k42) = (random::key(0), random::key(42));
    let f32 = DType::F32;
    // Normal draws (transcendental) through rjax's own QR loop.
    assert_jax(
        "orthogonal_0_3",
        &random::orthogonal(&k0, 3, &[], f32, None),
        Differently,
    );
    assert_jax(
        "orthogonal_42_2x4",
        &random::orthogonal(&k42, 4, &[2], f32, None),
        Differently,
    );
    assert_jax(
        "orthogonal_0_2x3",
        &random::orthogonal(&k0, 2, &[], f32, Some(3)),
        Differently,
    );
    assert_jax(
        "orthogonal_42_4x2",
        &random::orthogonal(&k42, 4, &[], f32, Some(2)),
        Differently,
    );
    let want = fixture("orthogonal_0_3");
    let jitted = jit(|k: Key| random::orthogonal(&k, 3, &[], DType::F32, None));
    crate::fixtures::assert_matches(
        "orthogonal_0_3 (jit)",
        &jitted.call(k0.clone()).unwrap(),
        &want,
        Differently,
    );
    let e = random::orthogonal(&k0, 3, &[], DType::I32, None)
        .check()
        .unwrap_err();
    assert_eq!(
        (e.kind, e.op.as_str()),
        (ErrorKind::DType, "orthogonal"),
        "{e}"
    );
}
