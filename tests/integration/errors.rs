//! Bad input gives a typed error naming the operation, the operand shapes
//! and the caller's location — never a panic.

use rjax::numpy as jnp;
use rjax::{Array, DType, Error, ErrorKind, jit, lax, make_jaxpr};
use std::cell::RefCell;

#[track_caller]
fn expect(err: Error, kind: ErrorKind, op: &str, shapes: &[&str]) {
    assert_eq!(err.kind, kind, "{err}");
    assert_eq!(err.op, op, "{err}");
    let text = err.to_string();
    for s in shapes {
        assert!(text.contains(s), "`{text}` should mention {s}");
    }
    let location = err
        .location
        .unwrap_or_else(|| panic!("no location in {err}"));
    assert!(
        location.file().ends_with("errors.rs"),
        "location {location} should be this file"
    );
}

fn v(shape: &[usize]) -> Array {
    jnp::zeros(shape, DType::F32)
}

#[test]
fn mismatched_shapes_in_add() {
    let e = (&v(&[3]) + &v(&[4])).check().unwrap_err();
    expect(e, ErrorKind::Shape, "add", &["f32[3]", "f32[4]"]);
}

#[test]
fn mismatched_contraction_in_dot() {
    let e = jnp::dot(&v(&[2, 3]), &v(&[4, 5])).check().unwrap_err();
    expect(
        e,
        ErrorKind::Shape,
        "dot_general",
        &["f32[2,3]", "f32[4,5]"],
    );
}

#[test]
fn axis_out_of_range() {
    let e = jnp::sum(&v(&[2, 3]), 2, false).check().unwrap_err();
    expect(e, ErrorKind::Axis, "sum", &["axis 2"]);
    let e = lax::reduce_max(&v(&[2]), &[0, 0]).check().unwrap_err();
    expect(e, ErrorKind::Axis, "reduce_max", &["repeated"]);
}

#[test]
fn wrong_dtypes() {
    let e = lax::add(&v(&[2]), &jnp::zeros(&[2], DType::I32))
        .check()
        .unwrap_err();
    expect(e, ErrorKind::DType, "add", &["f32[2]", "i32[2]"]);
    let e = lax::exp(&jnp::zeros(&[2], DType::I32)).check().unwrap_err();
    expect(e, ErrorKind::DType, "exp", &["int32"]);
    let e = lax::select(&v(&[2]), &v(&[2]), &v(&[2]))
        .check()
        .unwrap_err();
    expect(e, ErrorKind::DType, "select_n", &["bool"]);
}

#[test]
fn reshape_to_the_wrong_size() {
    let e = lax::reshape(&v(&[2, 3]), &[4, 2]).check().unwrap_err();
    expect(e, ErrorKind::Shape, "reshape", &["f32[2,3]"]);
    let e = v(&[2, 3]).reshape(&[-1, 4]).check().unwrap_err();
    expect(e, ErrorKind::Shape, "reshape", &["f32[2,3]"]);
}

#[test]
fn bad_permutation_and_slice() {
    let e = lax::transpose(&v(&[2, 3]), &[0, 0]).check().unwrap_err();
    expect(e, ErrorKind::Axis, "transpose", &["f32[2,3]"]);
    let e = lax::slice(&v(&[4]), &[1], &[9], None).check().unwrap_err();
    expect(e, ErrorKind::Param, "slice", &["f32[4]"]);
    let e = jnp::broadcast_to(&v(&[3]), &[2, 4]).check().unwrap_err();
    expect(e, ErrorKind::Shape, "broadcast_to", &["f32[3]"]);
}

#[test]
fn reading_with_the_wrong_type() {
    let e = v(&[2]).to_vec::<i32>().unwrap_err();
    expect(e, ErrorKind::DType, "to_vec", &["f32[2]"]);
    let e = Array::from_slice(&[1.0f32, 2.0], &[3]).check().unwrap_err();
    expect(e, ErrorKind::Shape, "from_slice", &[]);
}

#[test]
fn reading_a_traced_value_inside_jit() {
    let seen = RefCell::new(None);
    let f = jit(|x: Array| {
        *seen.borrow_mut() = Some(x.to_vec::<f32>().unwrap_err());
        x
    });
    f.call(v(&[2])).unwrap();
    let e = seen.into_inner().unwrap();
    expect(e, ErrorKind::Concretization, "to_vec", &["f32[2]"]);
}

#[test]
fn errors_flow_through_later_operations_and_out_of_jit() {
    let bad = &v(&[3]) + &v(&[4]);
    let e = (bad.exp() * 2.0).sum().to_vec::<f32>().unwrap_err();
    expect(e, ErrorKind::Shape, "add", &["f32[3]"]);
    let e = jit(|x: Array| &x + &v(&[4])).call(v(&[3])).unwrap_err();
    expect(e, ErrorKind::Shape, "add", &["f32[3]", "f32[4]"]);
}

#[test]
fn leaked_tracer() {
    let leaked = RefCell::new(None);
    make_jaxpr(
        |x: Array| {
            *leaked.borrow_mut() = Some(x.clone());
            x
        },
        v(&[2]),
    )
    .unwrap();
    let e = (leaked.into_inner().unwrap() + 1.0).check().unwrap_err();
    expect(e, ErrorKind::LeakedTracer, "add", &["f32[2]"]);
}

#[test]
fn a_module_xla_rejects() {
    let err = rjax::compile_module("module @m { func.func public @main(%arg0: tensor<2xf32>) -> tensor<3xf32> {\n return %arg0 : tensor<2xf32>\n } }")
        .err()
        .expect("XLA must reject a type mismatch");
    assert_eq!(err.kind, ErrorKind::Runtime, "{err}");
    assert!(err.to_string().contains("compile_module"), "{err}");
    // A type XLA cannot represent is refused before XLA sees it (its C++
    // side would throw); a comment mentioning one does not count.
    let huge = "tensor<4294967296x4294967296xf32>";
    let module = |t: &str| {
        format!(
            "module @m {{ func.func public @main(%arg0: {t}) -> {t} {{\n return %arg0 : {t}\n }} }}"
        )
    };
    let err = rjax::compile_module(&module(huge)).err().expect("refused");
    assert_eq!(err.kind, ErrorKind::Shape, "{err}");
    assert!(
        err.to_string().contains("4294967296x4294967296xf32"),
        "{err}"
    );
    let commented = format!("// {huge}\n{}", module("tensor<2xf32>"));
    assert!(rjax::compile_module(&commented).is_ok());
}

#[test]
fn missing_plugin() {
    let err = rjax_pjrt::Plugin::load(std::path::Path::new("/nonexistent/plugin.so"))
        .err()
        .expect("no plugin there");
    let text = err.to_string();
    assert!(matches!(err, rjax_pjrt::Error::PluginLoad { .. }), "{text}");
    assert!(
        text.contains("RJAX_PJRT_PLUGIN"),
        "the error should say how to get a plugin: {text}"
    );
}

#[test]
fn bad_convolutions_windows_and_sorts() {
    use lax::{ConvOptions, Padding, Window};
    // Input features 3, kernel expects 2.
    let e = lax::conv(&v(&[1, 3, 5]), &v(&[4, 2, 2]), &[1], Padding::Valid)
        .check()
        .unwrap_err();
    expect(
        e,
        ErrorKind::Shape,
        "conv_general_dilated",
        &["f32[1,3,5]", "f32[4,2,2]"],
    );
    let opts = ConvOptions::default().with_layouts("NWC", "WIO", "NWX");
    let e = lax::conv_general_dilated(&v(&[1, 5, 3]), &v(&[2, 3, 4]), &opts)
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Axis, "conv_general_dilated", &["\"NWX\""]);
    // Strides of the wrong length are an error, not a panic.
    let e = lax::conv(&v(&[1, 2, 5]), &v(&[4, 2, 2]), &[1, 1], Padding::Same)
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Param, "conv_general_dilated", &["f32[1,2,5]"]);
    let w = Window::new(&[2], &[1], Padding::Explicit(vec![(0, 0), (1, 1)]));
    let e = lax::reduce_window(&v(&[4]), &Array::scalar(0.0f32), lax::add, &w)
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Param, "reduce_window", &["f32[4]"]);
    let e = lax::top_k(&v(&[2, 3]), 4).0.check().unwrap_err();
    expect(e, ErrorKind::Shape, "top_k", &["f32[2,3]"]);
    let e = lax::sort(&[v(&[3]), v(&[4])], 0, true, 1)[0]
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "sort", &["f32[3]", "f32[4]"]);
    let e = jnp::einsum("ij,jk->ik", &[v(&[2, 3])]).check().unwrap_err();
    expect(e, ErrorKind::Param, "einsum", &["2 operands"]);
}

#[test]
fn bad_indices_and_updates() {
    use rjax::idx;
    use rjax::indexing::{IndexMode, step};
    let e = v(&[2, 3]).get(idx![0, 0, 0]).check().unwrap_err();
    expect(e, ErrorKind::Shape, "index", &["f32[2,3]", "rank 2"]);
    let e = v(&[3]).get(idx![&v(&[2])]).check().unwrap_err();
    expect(e, ErrorKind::Shape, "index", &["f32[3]", "integers"]);
    let e = v(&[3]).get(idx![step(.., 0)]).check().unwrap_err();
    expect(e, ErrorKind::Shape, "index", &["step"]);
    let e = v(&[3, 2]).at(idx![1..]).set(&v(&[3])).check().unwrap_err();
    expect(e, ErrorKind::Shape, "index", &["[3]", "[2, 2]"]);
    let rows = Array::from_slice(&[0i32, 1], &[2]);
    let cols = Array::from_slice(&[0i32, 1, 2], &[3]);
    let e = v(&[3, 3]).get(idx![&rows, &cols]).check().unwrap_err();
    expect(e, ErrorKind::Shape, "index", &["do not broadcast"]);
    let dims = lax::IndexDims {
        window_dims: vec![1],
        collapsed_dims: vec![0],
        operand_batching_dims: vec![],
        indices_batching_dims: vec![],
        index_map: vec![0],
        index_vector_dim: 1,
    };
    let at = Array::from_slice(&[0i32], &[1, 1]);
    let e = lax::gather(&v(&[3, 2]), &at, &dims, &[1, 4])
        .check()
        .unwrap_err();
    expect(
        e,
        ErrorKind::Shape,
        "gather",
        &["f32[3,2]", "i32[1,1]", "slice_sizes"],
    );
    let e = lax::scatter_add(&v(&[3, 2]), &at, &v(&[1, 3]), &dims)
        .check()
        .unwrap_err();
    expect(
        e,
        ErrorKind::Shape,
        "scatter-add",
        &["f32[3,2]", "f32[1,3]"],
    );
    let e = jnp::take(&v(&[3]), &rows, Some(1), IndexMode::Fill)
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Axis, "take", &["axis 1"]);
    let e = jnp::take_along_axis(&v(&[3, 2]), &rows, 0, IndexMode::Fill)
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "take_along_axis", &["[2]", "[3, 2]"]);
}

#[test]
fn bad_linear_algebra() {
    use rjax::lax::linalg::{SolveOptions, triangular_solve};
    let e = lax::linalg::cholesky(&v(&[2, 3])).check().unwrap_err();
    expect(e, ErrorKind::Shape, "cholesky", &["f32[2,3]", "square"]);
    let e = triangular_solve(&v(&[3, 3]), &v(&[2, 2]), SolveOptions::default())
        .check()
        .unwrap_err();
    expect(
        e,
        ErrorKind::Shape,
        "triangular_solve",
        &["f32[3,3]", "f32[2,2]"],
    );
    let ints = jnp::zeros(&[2, 2], DType::I32);
    let e = lax::linalg::cholesky(&ints).check().unwrap_err();
    expect(e, ErrorKind::DType, "cholesky", &["int32"]);
    let e = jnp::linalg::solve(&v(&[3, 3]), &v(&[2, 3, 3, 1]))
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "solve", &["f32[3,3]"]);
    let e = lax::linalg::lu(&v(&[3])).0.check().unwrap_err();
    expect(e, ErrorKind::Shape, "lu", &["f32[3]"]);
    let e = lax::linalg::qr(&v(&[3]), false).1.check().unwrap_err();
    expect(e, ErrorKind::Shape, "qr", &["f32[3]"]);
    let e = lax::linalg::eigh(&v(&[3])).1.check().unwrap_err();
    expect(e, ErrorKind::Shape, "eigh", &["f32[3]"]);
    let e = jnp::linalg::eigh(&v(&[2, 3])).0.check().unwrap_err();
    expect(e, ErrorKind::Shape, "eigh", &["f32[2,3]", "square"]);
    let e = lax::linalg::svd(&v(&[3]), false).0.check().unwrap_err();
    expect(e, ErrorKind::Shape, "svd", &["f32[3]"]);
    // As in JAX, the full decomposition of a non-square matrix has no JVP.
    let tall = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 7.0], &[3, 2]);
    let e = rjax::grad(|a: Array| jnp::linalg::svd(&a, true).0.sum())(tall.clone()).unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Param, "svd"), "{e}");
    let reduced = rjax::grad(|a: Array| jnp::linalg::svd(&a, false).1.sum())(tall).unwrap();
    assert!(reduced.check().is_ok());
}

#[test]
fn bad_special_function_operands() {
    let e = lax::igamma(&v(&[2]), &v(&[3])).check().unwrap_err();
    expect(e, ErrorKind::Shape, "igamma", &["f32[2]", "f32[3]"]);
    let ints = jnp::zeros(&[2], DType::I32);
    let e = lax::igammac(&ints, &ints).check().unwrap_err();
    expect(e, ErrorKind::DType, "igammac", &["i32[2]"]);
    let f64s = jnp::zeros(&[2], DType::F64);
    let e = lax::random_gamma_grad(&v(&[2]), &f64s).check().unwrap_err();
    expect(
        e,
        ErrorKind::DType,
        "random_gamma_grad",
        &["f32[2]", "f64[2]"],
    );
    let e = lax::betainc(&v(&[2]), &v(&[]), &v(&[3]))
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "betainc", &["f32[2]", "f32[3]"]);
    // JAX has no derivative in the shape parameters either.
    let half = Array::scalar(0.5f32);
    let e = rjax::grad(|a: Array| lax::betainc(&a, &half, &half))(half.clone()).unwrap_err();
    assert_eq!(
        (e.kind, e.op.as_str()),
        (ErrorKind::Param, "betainc"),
        "{e}"
    );
}

#[test]
fn bad_lax_conveniences() {
    let ints = jnp::zeros(&[2], DType::I32);
    let e = lax::reduce_xor(&v(&[2]), &[0]).check().unwrap_err();
    expect(e, ErrorKind::DType, "reduce_xor", &["f32[2]"]);
    let e = lax::integer_pow(&ints, -1).check().unwrap_err();
    expect(e, ErrorKind::DType, "integer_pow", &["i32[2]"]);
    let e = lax::mulhi(&ints, &v(&[2])).check().unwrap_err();
    expect(e, ErrorKind::DType, "mulhi", &["i32[2]", "f32[2]"]);
    let e = lax::reduce_precision(&ints, 5, 10).check().unwrap_err();
    expect(e, ErrorKind::DType, "reduce_precision", &["i32[2]"]);
    let e = lax::reduce_precision(&v(&[2]), 0, 10).check().unwrap_err();
    expect(e, ErrorKind::Param, "reduce_precision", &["exponent_bits"]);
    let e = lax::full(&[2], &v(&[2]), None).check().unwrap_err();
    expect(e, ErrorKind::Shape, "full", &["f32[2]"]);
    let e = lax::tile(&v(&[2, 3]), &[2]).check().unwrap_err();
    expect(e, ErrorKind::Shape, "tile", &["f32[2,3]"]);
    let e = lax::split(&v(&[2, 3]), &[1, 1], 1)[0].check().unwrap_err();
    expect(e, ErrorKind::Shape, "split", &["f32[2,3]"]);
    let e = lax::unstack(&v(&[2, 3]), 2)[0].check().unwrap_err();
    expect(e, ErrorKind::Axis, "unstack", &["axis 2"]);
    let e = lax::stack(&[v(&[2]), v(&[3])], 0).check().unwrap_err();
    expect(
        e,
        ErrorKind::Shape,
        "concatenate",
        &["f32[1,2]", "f32[1,3]"],
    );
    let e = lax::collapse(&v(&[2, 3]), 2, Some(1)).check().unwrap_err();
    expect(e, ErrorKind::Axis, "collapse", &["empty"]);
    let e = lax::index_in_dim(&v(&[2, 3]), 3, 1, true)
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "index_in_dim", &["index 3"]);
    let e = lax::dynamic_slice_in_dim(&v(&[4]), &Array::scalar(1.0f32), 2, 0)
        .check()
        .unwrap_err();
    expect(e, ErrorKind::DType, "dynamic_slice_in_dim", &["f32[]"]);
    let e = lax::index_take(&v(&[2, 3]), std::slice::from_ref(&ints), &[2])
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Axis, "index_take", &["axes [2]"]);
    let e = lax::select_n(&ints, &[]).check().unwrap_err();
    expect(e, ErrorKind::Param, "select_n", &["i32[2]"]);
    let e = lax::select_n(&ints.gt(0), &[v(&[2]), v(&[2]), v(&[2])])
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Param, "select_n", &["3"]);
    let e = lax::dot(&v(&[2, 3]), &v(&[2, 3]), None, None)
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "dot", &["f32[2,3]"]);
    let e = lax::batch_matmul(&v(&[2, 3]), &v(&[2, 3, 4]))
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "batch_matmul", &["f32[2,3,4]"]);
    let e = lax::conv_transpose(
        &v(&[1, 4, 2]),
        &v(&[2, 2]),
        &[1],
        lax::Padding::Same,
        &[],
        None,
        false,
    )
    .check()
    .unwrap_err();
    expect(e, ErrorKind::Shape, "conv_transpose", &["rank"]);
    let e = lax::conv_transpose(
        &v(&[1, 4, 2]),
        &v(&[2, 2, 2]),
        &[1],
        lax::Padding::SameLower,
        &[],
        None,
        false,
    )
    .check()
    .unwrap_err();
    expect(e, ErrorKind::Param, "conv_transpose", &["padding"]);
}

#[test]
fn derivatives_jax_does_not_define() {
    let x = Array::scalar(2.0f32);
    let e = rjax::grad(|x: Array| lax::zeta(&x, &Array::scalar(1.0f32)))(x.clone()).unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Param, "zeta"), "{e}");
    let e =
        rjax::grad(|m: Array| lax::polygamma(&m, &Array::scalar(1.5f32)))(x.clone()).unwrap_err();
    assert_eq!(
        (e.kind, e.op.as_str()),
        (ErrorKind::Param, "polygamma"),
        "{e}"
    );
}

#[test]
fn sizes_that_overflow_int64() {
    // 274177 * 67280421310721 wraps to 1 in 64 bits.
    let e = lax::reshape(&v(&[1]), &[274177, 67280421310721])
        .check()
        .unwrap_err();
    expect(
        e,
        ErrorKind::Shape,
        "reshape",
        &["f32[1]", "67280421310721"],
    );
    let e = jnp::zeros(&[1 << 32, 1 << 32], DType::F32)
        .check()
        .unwrap_err();
    expect(
        e,
        ErrorKind::Shape,
        "broadcast_in_dim",
        &["f32[4294967296,4294967296]", "int64"],
    );
    // Zero-sized, but its other dimensions alone overflow: refused too.
    let e = jnp::zeros(&[0, 1 << 62, 1 << 62], DType::U8)
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "broadcast_in_dim", &["u8[0,"]);
    let e = Array::from_slice::<f32>(&[], &[0, 1 << 62, 1 << 62])
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "from_slice", &["[0, "]);
    let e = jnp::reshape(&v(&[4]), &[-1, 1 << 62, 1 << 62])
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "reshape", &["f32[4]"]);
    let e = rjax::random::normal(&rjax::random::key(0), &[1 << 32, 1 << 32], DType::F32)
        .check()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Shape, "{e}");
    assert!(e.to_string().contains("4294967296,4294967296"), "{e}");
    let e = lax::pad(
        &v(&[3]),
        &Array::scalar(0.0f32),
        &[(0, i64::MAX, usize::MAX)],
    )
    .check()
    .unwrap_err();
    expect(e, ErrorKind::Shape, "pad", &["f32[3]", "int64"]);
    let e = jnp::tile(&v(&[4]), &[1 << 62]).check().unwrap_err();
    expect(
        e,
        ErrorKind::Shape,
        "broadcast_in_dim",
        &["f32[4611686018427387904,4]"],
    );
    // Under jit the same check, while tracing.
    let e = jit(|x: Array| lax::reshape(&x, &[274177, 67280421310721]))
        .call(v(&[1]))
        .unwrap_err();
    assert_eq!(
        (e.kind, e.op.as_str()),
        (ErrorKind::Shape, "reshape"),
        "{e}"
    );
}

#[test]
fn representable_but_larger_than_memory() {
    // 2^62 bytes: XLA's sizes hold it; the device refuses it with a typed
    // error, not an abort.
    let e = jnp::zeros(&[1 << 31, 1 << 31], DType::U8)
        .check()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Runtime, "{e}");
}

#[test]
fn einsum_subscripts_are_checked() {
    let e = jnp::einsum("ii->i", &[v(&[2, 3])]).check().unwrap_err();
    expect(e, ErrorKind::Shape, "einsum", &["f32[2,3]", "'i'"]);
    let e = jnp::einsum("ij,jk->ik", &[v(&[2, 3]), v(&[4, 5])])
        .check()
        .unwrap_err();
    expect(e, ErrorKind::Shape, "einsum", &["f32[2,3]", "f32[4,5]"]);
    let e = jnp::einsum("iλ->i", &[v(&[2, 2])]).check().unwrap_err();
    expect(e, ErrorKind::Param, "einsum", &["ASCII"]);
    let e = jnp::einsum("ij->ii", &[v(&[2, 2])]).check().unwrap_err();
    expect(e, ErrorKind::Param, "einsum", &["repeated"]);
    let e = jit(|x: Array| jnp::einsum("ii->i", &[x]))
        .call(v(&[2, 3]))
        .unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Shape, "einsum"), "{e}");
    let d = jnp::einsum("ii->i", &[jnp::eye(2, None, 0, DType::F32)]);
    assert_eq!(d.to_vec::<f32>().unwrap(), vec![1.0, 1.0]);
}

#[test]
fn extremes_of_empty_arrays() {
    let empty = v(&[2, 0]);
    for (e, op, shape) in [
        (jnp::max(&empty, (), false), "max", "f32[2,0]"),
        (jnp::min(&empty, 1, false), "min", "f32[2,0]"),
        (jnp::argmax(&empty, None, false), "argmax", "f32[0]"),
        (jnp::argmin(&empty, Some(1), false), "argmin", "f32[2,0]"),
    ] {
        let e = e.check().unwrap_err();
        expect(e, ErrorKind::Shape, op, &[shape]);
    }
    let e = jit(|x: Array| jnp::max(&x, (), false))
        .call(empty.clone())
        .unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Shape, "max"), "{e}");
    assert!(e.message.contains("no identity"), "{e}");
    // Reductions with an identity give it; along a non-empty axis, max is
    // fine.
    assert_eq!(jnp::sum(&empty, (), false).item::<f32>().unwrap(), 0.0);
    assert_eq!(jnp::prod(&empty, (), false).item::<f32>().unwrap(), 1.0);
    assert!(jnp::all(&empty, (), false).item::<bool>().unwrap());
    assert!(!jnp::any(&empty, (), false).item::<bool>().unwrap());
    assert_eq!(jnp::max(&empty, 0, false).shape().unwrap(), [0]);
}

#[test]
fn windows_larger_than_the_composite_allows() {
    use rjax::lax::{Padding, Window};
    let x = jnp::ones(&[6], DType::F32);
    let init = Array::scalar(0.0f32);
    // A window that fits nowhere gives an empty result, at once.
    let w = Window::new(&[1 << 40], &[1], Padding::Valid);
    let y = lax::reduce_window(&x, &init, lax::add, &w);
    assert_eq!(y.shape().unwrap(), [0]);
    // A window with more elements than the composite emits slices for is
    // a typed error, not a hang; so is one whose size overflows.
    for dims in [vec![5000], vec![1 << 40, 1 << 40]] {
        let x = jnp::ones(&vec![1; dims.len()], DType::F32);
        let w = Window::new(&dims, &vec![1; dims.len()], Padding::Same);
        let e = lax::reduce_window(&x, &init, lax::add, &w)
            .check()
            .unwrap_err();
        assert_eq!(
            (e.kind, e.op.as_str()),
            (ErrorKind::Param, "reduce_window"),
            "{e}"
        );
        assert!(e.to_string().contains("4096"), "{e}");
    }
}

#[test]
fn linear_algebra_of_non_square_matrices_names_the_function() {
    let a = v(&[2, 3]);
    let b = v(&[2]);
    for (op, result) in [
        ("inv", jnp::linalg::inv(&a)),
        ("det", jnp::linalg::det(&a)),
        ("slogdet", jnp::linalg::slogdet(&a).1),
        ("solve", jnp::linalg::solve(&a, &b)),
        ("cholesky", jnp::linalg::cholesky(&a)),
        ("inv", jnp::linalg::inv(&v(&[3]))),
    ] {
        let e = result.check().unwrap_err();
        expect(e, ErrorKind::Shape, op, &["f32["]);
    }
}
