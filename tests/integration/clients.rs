//! Single-device work and multi-device work on the CPU plugin: programs on
//! one device run on a client of their own (whose thread pools match the
//! cores), `pmap` and sharding on the client of every device, and values
//! cross between them with their numbers intact.

use crate::common::{assert_close, f64s};
use rjax::numpy as jnp;
use rjax::{Array, Mesh, NamedSharding, P, PmapSpec, device_put, jit, lax, pmap, pmap_with};

/// The `devices` field of the dump manifest's lines whose kind and Rust
/// function match.
fn dumped_devices(manifest: &str, kind: &str, function: &str) -> Vec<usize> {
    manifest
        .lines()
        .filter(|l| l.contains(&format!("\"kind\":\"{kind}\"")) && l.contains(function))
        .map(|l| {
            let at = l.find("\"devices\":").expect("a devices field") + "\"devices\":".len();
            let digits: String = l[at..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse().expect("a device count")
        })
        .collect()
}

#[test]
fn single_device_programs_run_on_a_one_device_client() {
    let n = rjax::device_count().unwrap();
    let dir = std::env::temp_dir().join(format!("rjax-clients-{}", std::process::id()));
    rjax::dump::enable(&dir).unwrap();
    let single = jit(|x: Array| &x * 3.0 + 1.0);
    let y = single
        .call(Array::from_slice(&[1.0f32, 2.0], &[2]))
        .unwrap();
    let mapped = pmap(|x: Array| &x * 2.0)(jnp::arange_f32(0.0, n as f32, 1.0)).unwrap();
    let sums = jit(|x: Array| {
        pmap_with(
            |r: Array| lax::psum(&r, "i"),
            PmapSpec::default().axis_name("i"),
        )(x)
    });
    let s = sums.call(jnp::ones(&[n], rjax::DType::F32)).unwrap();
    rjax::dump::disable();
    let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let here = "single_device_programs_run_on_a_one_device_client";
    // The plain jit on one device, the jit of a pmap on every device.
    assert_eq!(dumped_devices(&manifest, "jit", here), [1, n], "{manifest}");
    assert_eq!(dumped_devices(&manifest, "pmap", here), [n], "{manifest}");
    assert_eq!(y.to_vec::<f32>().unwrap(), [4.0, 7.0]);
    let want: Vec<f32> = (0..n).map(|i| 2.0 * i as f32).collect();
    assert_eq!(mapped.to_vec::<f32>().unwrap(), want);
    assert_eq!(s.to_vec::<f32>().unwrap(), vec![n as f32; n]);
    // The client of every device is still there for meshes.
    assert_eq!(Mesh::new(&[n], &["d"]).unwrap().devices().len(), n);
}

#[test]
fn values_cross_between_the_clients() {
    let n = rjax::device_count().unwrap();
    let x = jnp::arange_f32(0.0, (n * 3) as f32, 1.0).reshape(&[n as i64, 3]);
    let host: Vec<f64> = (0..n * 3).map(|i| i as f64).collect();
    // jit (one device) -> pmap (every device) -> jit -> eager.
    let double = jit(|x: Array| &x * 2.0);
    let a = double.call(x.clone()).unwrap();
    let b = pmap_with(
        |r: Array| &r + &lax::psum(&r, "i"),
        PmapSpec::default().axis_name("i"),
    )(a)
    .unwrap();
    let c = double.call(b.clone()).unwrap();
    let d = c.sum();
    let column_sums: Vec<f64> = (0..3)
        .map(|j| (0..n).map(|i| 2.0 * host[i * 3 + j]).sum())
        .collect();
    let want_b: Vec<f64> = (0..n * 3)
        .map(|k| 2.0 * host[k] + column_sums[k % 3])
        .collect();
    assert_close(&f64s(&b), &want_b, 0.0, "pmap of a jit output");
    let want_c: Vec<f64> = want_b.iter().map(|v| 2.0 * v).collect();
    assert_close(&f64s(&c), &want_c, 0.0, "jit of a pmap output");
    assert_close(&f64s(&d), &[want_c.iter().sum()], 0.0, "eager sum");

    // A jit of a pmap runs on every device; its result feeds one-device work.
    let total = jit(|x: Array| {
        pmap_with(
            |r: Array| lax::psum(&r, "j"),
            PmapSpec::default().axis_name("j"),
        )(x)
        .unwrap()
        .sum()
    });
    let t = total.call(x.clone()).unwrap();
    let want_t = n as f64 * host.iter().sum::<f64>();
    assert_close(&f64s(&t), &[want_t], 0.0, "jit of a pmap");
    assert_close(
        &f64s(&(&t + 1.0)),
        &[want_t + 1.0],
        0.0,
        "eager on its result",
    );
    assert_close(
        &f64s(&double.call(t).unwrap()),
        &[2.0 * want_t],
        0.0,
        "jit on its result",
    );

    // A sharded array and its pieces feed one-device programs.
    let mesh = Mesh::new(&[n], &["d"]).unwrap();
    let rows = device_put(&x, &NamedSharding::new(&mesh, P!["d"]).unwrap());
    assert_close(
        &f64s(&double.call(rows.clone()).unwrap()),
        &host.iter().map(|v| 2.0 * v).collect::<Vec<_>>(),
        0.0,
        "jit of a sharded array",
    );
    let last = rows.addressable_shards().unwrap().pop().unwrap();
    assert_eq!(last.device, n - 1);
    assert_close(
        &f64s(&(&last.data + 1.0)),
        &host[(n - 1) * 3..]
            .iter()
            .map(|v| v + 1.0)
            .collect::<Vec<_>>(),
        0.0,
        "eager on a shard",
    );
}

#[test]
fn host_callbacks_run_on_both_clients() {
    use rjax::{AVal, DType, HostArray, pure_callback};
    let n = rjax::device_count().unwrap();
    let host_square = |a: &[HostArray]| {
        let v: Vec<f32> = a[0].to_vec()?.iter().map(|x: &f32| x * x).collect();
        Ok(vec![HostArray::from_slice(&v, a[0].shape())?])
    };
    let on_one = jit(move |x: Array| {
        let out = pure_callback(host_square, &[AVal::new(vec![3], DType::F32)], &[&x])?;
        Ok(&out[0] + 1.0)
    });
    let y = on_one
        .call(Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]))
        .unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), [2.0, 5.0, 10.0]);
    let on_each = pmap(move |x: Array| {
        let out = pure_callback(host_square, &[AVal::new(vec![], DType::F32)], &[&x])?;
        Ok(&out[0] + 1.0)
    });
    let z = on_each(jnp::arange_f32(0.0, n as f32, 1.0)).unwrap();
    let want: Vec<f32> = (0..n).map(|i| (i * i) as f32 + 1.0).collect();
    assert_eq!(z.to_vec::<f32>().unwrap(), want);
}
