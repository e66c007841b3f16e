//! pmap with the data-movement collectives, and pmap composed with the
//! other transformations: grad through pmap, vmap of pmap, pmap of vmap,
//! jit of pmap, jit inside pmap, nested pmap on a 2-D device grid.

use crate::common::{array, assert_close, f64s, values};
use rjax::numpy as jnp;
use rjax::{Array, DType, ErrorKind, PmapSpec, VmapSpec, grad, jit, lax, pmap_with, vmap_with};

const N: usize = 4;

fn named(name: &str) -> (PmapSpec, VmapSpec) {
    (
        PmapSpec::default().axis_name(name),
        VmapSpec::default().axis_name(name),
    )
}

/// `x[i, r, c]` of a [N, 4, 2] array.
fn at(host: &[f64], i: usize, r: usize, c: usize) -> f64 {
    host[i * 8 + r * 2 + c]
}

type Case = (
    &'static str,
    fn(Array) -> Array,
    Box<dyn Fn(&[f64]) -> Vec<f64>>,
);

fn cases() -> Vec<Case> {
    vec![
        (
            "ppermute without wrap-around",
            |x| lax::ppermute(&x, "i", &[(0, 1), (1, 2), (2, 3)]),
            Box::new(|h| {
                (0..N)
                    .flat_map(|j| {
                        (0..8).map(move |k| if j == 0 { 0.0 } else { h[(j - 1) * 8 + k] })
                    })
                    .collect()
            }),
        ),
        (
            "all_to_all untiled",
            |x| lax::all_to_all(&x, "i", 0, 1, false),
            Box::new(|h| {
                let mut out = Vec::new();
                for j in 0..N {
                    for c in 0..2 {
                        for i in 0..N {
                            out.push(at(h, i, j, c));
                        }
                    }
                }
                out
            }),
        ),
        (
            "all_to_all tiled",
            |x| lax::all_to_all(&x, "i", 0, 1, true),
            Box::new(|h| {
                let mut out = Vec::new();
                for j in 0..N {
                    for i in 0..N {
                        for c in 0..2 {
                            out.push(at(h, i, j, c));
                        }
                    }
                }
                out
            }),
        ),
        (
            "psum_scatter untiled",
            |x| lax::psum_scatter(&x, "i", 0, false),
            Box::new(|h| {
                (0..N)
                    .flat_map(|j| (0..2).map(move |c| (0..N).map(|i| at(h, i, j, c)).sum()))
                    .collect()
            }),
        ),
        (
            "all_gather tiled along 1",
            |x| lax::all_gather(&x, "i", 1, true),
            Box::new(|h| {
                let mut out = Vec::new();
                for _ in 0..N {
                    for r in 0..4 {
                        for i in 0..N {
                            for c in 0..2 {
                                out.push(at(h, i, r, c));
                            }
                        }
                    }
                }
                out
            }),
        ),
    ]
}

#[test]
fn data_movement_collectives_against_the_host() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = array(&values(N * 8, -1.0, 1.0, 7), &[N, 4, 2], DType::F32);
    let host = f64s(&x);
    let (p, v) = named("i");
    for (what, f, want) in cases() {
        let want = want(&host);
        let on_devices = pmap_with(f, p.clone())(x.clone()).unwrap();
        assert_close(&f64s(&on_devices), &want, 1e-6, &format!("{what} (pmap)"));
        let batched = vmap_with(f, v.clone())(x.clone()).unwrap();
        assert_close(&f64s(&batched), &want, 1e-6, &format!("{what} (vmap)"));
        assert_eq!(
            on_devices.shape().unwrap(),
            batched.shape().unwrap(),
            "{what}: shapes"
        );
    }
}

/// A per-member function using every linear collective.
fn mixed(x: Array) -> Array {
    let ring: Vec<(usize, usize)> = (0..N).map(|i| (i, (i + 1) % N)).collect();
    let s = lax::psum(&x, "i");
    let gathered = lax::all_gather(&x.sin(), "i", 0, false).sum();
    let shifted = lax::ppermute(&x, "i", &ring);
    let swapped = lax::all_to_all(&x, "i", 0, 0, true);
    let scattered = lax::psum_scatter(&(&x * &x), "i", 0, true);
    let head = jnp::sum(&(&scattered * &swapped.cos()), (), false);
    &(&(&x.tanh() * &s) + &(&shifted * &gathered)) * &head
}

#[test]
fn grad_through_pmap_matches_grad_through_vmap() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = array(&values(N * 4 * 2, -1.0, 1.0, 8), &[N, 4, 2], DType::F32);
    let (p, v) = named("i");
    let loss_p = |x: Array| Ok(pmap_with(mixed, p.clone())(x)?.sum());
    let loss_v = |x: Array| Ok(vmap_with(mixed, v.clone())(x)?.sum());
    assert_close(
        &f64s(&loss_p(x.clone()).unwrap()),
        &f64s(&loss_v(x.clone()).unwrap()),
        1e-5,
        "forward",
    );
    let want = f64s(&grad(loss_v)(x.clone()).unwrap());
    assert_close(
        &f64s(&grad(loss_p)(x.clone()).unwrap()),
        &want,
        1e-5,
        "grad",
    );
    let jitted = jit(grad(loss_p)).call(x.clone()).unwrap();
    assert_close(&f64s(&jitted), &want, 1e-5, "jit(grad)");
}

#[test]
fn vmap_of_pmap_and_pmap_of_vmap() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = array(&values(3 * N * 2, -1.0, 1.0, 9), &[3, N, 2], DType::F32);
    let (p, v) = named("i");
    let normalize = |r: Array| &r / &lax::psum(&r, "i");
    // vmap over axis 0, pmap over the next: a loop of pmaps.
    let batched =
        vmap_with(pmap_with(normalize, p.clone()), VmapSpec::default())(x.clone()).unwrap();
    let looped: Vec<f64> = (0..3)
        .flat_map(|b| {
            let row = lax::squeeze(&lax::slice(&x, &[b, 0, 0], &[b + 1, N, 2], None), &[0]);
            f64s(&pmap_with(normalize, p.clone())(row).unwrap())
        })
        .collect();
    assert_close(&f64s(&batched), &looped, 1e-6, "vmap(pmap)");
    // pmap over axis 1 of a transposed x, vmap inside each device.
    let xt = lax::transpose(&x, &[1, 0, 2]);
    let inner = vmap_with(normalize, VmapSpec::default());
    let on_devices = pmap_with(inner, p.clone())(xt.clone()).unwrap();
    let reference = vmap_with(vmap_with(normalize, VmapSpec::default()), v)(xt).unwrap();
    assert_close(&f64s(&on_devices), &f64s(&reference), 1e-6, "pmap(vmap)");
}

#[test]
fn jit_of_pmap_and_jit_inside_pmap() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = array(&values(N * 3, -1.0, 1.0, 10), &[N, 3], DType::F32);
    let (p, _) = named("i");
    let f = |r: Array| &r.exp() / &lax::psum(&r.exp(), "i");
    let direct = f64s(&pmap_with(f, p.clone())(x.clone()).unwrap());
    let outer = jit(pmap_with(f, p.clone())).call(x.clone()).unwrap();
    assert_close(&f64s(&outer), &direct, 1e-6, "jit(pmap)");
    let inner_jit = jit(f);
    let inside = pmap_with(|r: Array| inner_jit.call(r).unwrap(), p)(x).unwrap();
    assert_close(&f64s(&inside), &direct, 1e-6, "pmap(jit)");
}

/// Collectives over both axes of a 2-D grid, from the inner body.
fn grid_program(x: Array) -> rjax::Result<Array> {
    pmap_with(
        |row: Array| {
            pmap_with(
                |z: Array| &(&lax::psum(&z, "i") * 10.0) + &lax::psum(&z, "j"),
                PmapSpec::default().axis_name("j"),
            )(row)
        },
        PmapSpec::default().axis_name("i"),
    )(x)
}

#[test]
fn nested_pmap_runs_on_a_two_dimensional_grid() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = jnp::arange_f32(0.0, 8.0, 1.0).reshape(&[4, 2]);
    let host = f64s(&x);
    let want: Vec<f64> = (0..8)
        .map(|k| {
            let (i, j) = (k / 2, k % 2);
            let col: f64 = (0..4).map(|r| host[r * 2 + j]).sum();
            let row: f64 = (0..2).map(|c| host[i * 2 + c]).sum();
            10.0 * col + row
        })
        .collect();
    assert_close(
        &f64s(&grid_program(x.clone()).unwrap()),
        &want,
        1e-6,
        "2-D grid",
    );
    let lowered = rjax::pmap_lower(
        |row: Array| {
            pmap_with(
                |z: Array| &(&lax::psum(&z, "i") * 10.0) + &lax::psum(&z, "j"),
                PmapSpec::default().axis_name("j"),
            )(row)
        },
        &PmapSpec::default().axis_name("i"),
        x,
    )
    .unwrap();
    let text = lowered.as_text();
    assert!(text.contains("mhlo.num_replicas = 8"), "{text}");
    assert!(text.contains("[[0, 2, 4, 6], [1, 3, 5, 7]]"), "{text}");
    assert!(text.contains("[[0, 1], [2, 3], [4, 5], [6, 7]]"), "{text}");
    insta::assert_snapshot!("nested_pmap_stablehlo", text);
}

#[test]
fn spmd_errors() {
    if !crate::common::has_devices(8) {
        return;
    }
    let too_big = pmap_with(
        |r: Array| pmap_with(|z: Array| &z + 1.0, PmapSpec::default())(r),
        PmapSpec::default(),
    )(jnp::ones(&[4, 4], DType::F32))
    .unwrap_err();
    assert_eq!(too_big.kind, ErrorKind::Shape, "{too_big}");
    assert!(too_big.to_string().contains("16 devices"), "{too_big}");
    let (p, _) = named("i");
    let bad_pair = pmap_with(|r: Array| lax::ppermute(&r, "i", &[(0, 9)]), p.clone())(jnp::ones(
        &[4],
        DType::F32,
    ))
    .unwrap_err();
    assert_eq!(bad_pair.kind, ErrorKind::Param, "{bad_pair}");
    let uneven = pmap_with(|r: Array| lax::psum_scatter(&r, "i", 0, true), p)(jnp::ones(
        &[4, 3],
        DType::F32,
    ))
    .unwrap_err();
    assert_eq!(uneven.kind, ErrorKind::Shape, "{uneven}");
    let outside = lax::ppermute(&jnp::ones(&[2], DType::F32), "i", &[])
        .check()
        .unwrap_err();
    assert_eq!(outside.kind, ErrorKind::Axis, "{outside}");
}

#[test]
fn an_explicit_device_list() {
    if !crate::common::has_devices(8) {
        return;
    }
    let (p, _) = named("i");
    let normalize = |r: Array| &r / &lax::psum(&r, "i");
    let backwards = pmap_with(normalize, p.clone().devices(&[7, 6, 5, 4]));
    let out = backwards(jnp::arange_f32(0.0, 4.0, 1.0)).unwrap();
    assert_eq!(
        out.to_vec::<f32>().unwrap(),
        vec![0.0, 0.16666667, 0.33333334, 0.5]
    );
    // Its output feeds the same devices again without copies.
    let again = backwards(out).unwrap();
    assert_close(
        &f64s(&again),
        &[0.0, 0.16666667, 0.33333334, 0.5],
        1e-6,
        "second call",
    );
    let short =
        pmap_with(normalize, p.clone().devices(&[0, 1]))(jnp::ones(&[4], DType::F32)).unwrap_err();
    assert_eq!(short.kind, ErrorKind::Param, "{short}");
    let nested = pmap_with(
        |r: Array| pmap_with(|z: Array| z, PmapSpec::default().devices(&[0, 1]))(r),
        p,
    )(jnp::ones(&[2, 2], DType::F32))
    .unwrap_err();
    assert_eq!(nested.kind, ErrorKind::Param, "{nested}");
}

#[test]
fn out_axes() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = array(&values(N * 3, -1.0, 1.0, 11), &[N, 3], DType::F32);
    let (p, _) = named("i");
    let f = |r: Array| (&r * 2.0, lax::psum(&r, "i"));
    let (moved, replicated) = pmap_with(
        f,
        p.out_axes(rjax::AxisSpec::each([1.into(), rjax::AxisSpec::NONE])),
    )(x.clone())
    .unwrap();
    assert_eq!(moved.shape().unwrap(), [3, N]);
    assert_close(&f64s(&moved), &f64s(&(&x * 2.0).t()), 1e-6, "out_axes 1");
    assert_eq!(replicated.shape().unwrap(), [3]);
    assert_close(
        &f64s(&replicated),
        &f64s(&jnp::sum(&x, [0], false)),
        1e-6,
        "out_axes None",
    );
}
