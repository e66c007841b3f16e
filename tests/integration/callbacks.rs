//! Host callbacks: `debug::print`, `pure_callback` and `io_callback` run
//! Rust closures from inside compiled programs, through the plugin's FFI
//! extension.

use rjax_pjrt::Plugin;
use std::path::PathBuf;

/// The plugin, loaded once and kept loaded (unloading XLA's library at
/// exit runs its static destructors out of order).
fn plugin() -> &'static Plugin {
    static PLUGIN: std::sync::OnceLock<std::sync::Arc<Plugin>> = std::sync::OnceLock::new();
    PLUGIN.get_or_init(|| {
        let path = std::env::var_os("RJAX_PJRT_PLUGIN")
            .map(PathBuf::from)
            .or(option_env!("RJAX_DEFAULT_PJRT_PLUGIN").map(PathBuf::from))
            .expect("a PJRT plugin");
        Plugin::load(&path).expect("plugin loads")
    })
}

#[test]
fn the_plugin_offers_the_ffi_extension() {
    let names: Vec<&str> = plugin().extensions().iter().map(|e| e.name).collect();
    assert!(names.contains(&"FFI"), "{names:?}");
}

use rjax::{AVal, Array, DType, HostArray, debug, grad, io_callback, jit, pure_callback, vmap};
use std::sync::{Arc, Mutex};

/// A host closure doubling its f32 operand, counting its calls.
fn doubler(calls: Arc<Mutex<usize>>) -> impl Fn(&[HostArray]) -> rjax::Result<Vec<HostArray>> {
    move |a| {
        *calls.lock().unwrap() += 1;
        let v: Vec<f32> = a[0].to_vec::<f32>()?.iter().map(|x| 2.0 * x).collect();
        Ok(vec![HostArray::from_slice(&v, a[0].shape())?])
    }
}

#[test]
fn pure_callback_runs_eagerly_and_under_jit() {
    let calls = Arc::new(Mutex::new(0));
    let x = Array::from_slice(&[1.0f32, 2.5], &[2]);
    let r = [AVal::new(vec![2], DType::F32)];
    let eager = pure_callback(doubler(calls.clone()), &r, &[&x]).unwrap();
    assert_eq!(eager[0].to_vec::<f32>().unwrap(), [2.0, 5.0]);
    let c = calls.clone();
    let f = jit(move |x: Array| {
        let y = pure_callback(doubler(c.clone()), &r, &[&x])?;
        Ok(&y[0] + 1.0)
    });
    assert_eq!(
        f.call(x.clone()).unwrap().to_vec::<f32>().unwrap(),
        [3.0, 6.0]
    );
    assert_eq!(f.call(x).unwrap().to_vec::<f32>().unwrap(), [3.0, 6.0]);
    assert_eq!(*calls.lock().unwrap(), 3);
}

#[test]
fn pure_callback_under_vmap_is_called_per_member() {
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let f = jit(move |xs: Array| {
        let c = c.clone();
        vmap(move |x: Array| {
            let y = pure_callback(doubler(c.clone()), &[AVal::new(vec![2], DType::F32)], &[&x])?;
            Ok(y[0].clone())
        })(xs)
    });
    let xs = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]);
    let y = f.call(xs).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
    assert_eq!(*calls.lock().unwrap(), 3);
}

#[test]
fn debug_print_under_grad_sees_primal_values() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let f = move |x: Array| {
        let log = log.clone();
        io_callback(
            move |a: &[HostArray]| {
                log.lock().unwrap().push(a[0].to_vec::<f32>()?[0]);
                Ok(vec![])
            },
            &[],
            &[&x],
        )?;
        debug::print("x = {}", &[&x])?;
        Ok((&x * &x).sum())
    };
    // io_callback is not differentiable, so grad of `f` fails with a typed error.
    let x = Array::from_slice(&[3.0f32], &[1]);
    let e = grad(f.clone())(x.clone()).unwrap_err();
    assert!(e.to_string().contains("io_callback"), "{e}");
    // debug::print alone is: it prints the primal under grad and under jit(grad).
    let g = |x: Array| {
        debug::print("x = {}", &[&x])?;
        Ok((&x * &x).sum())
    };
    let dx = grad(g)(x.clone()).unwrap();
    assert_eq!(dx.to_vec::<f32>().unwrap(), [6.0]);
    let jg = jit(move |x: Array| grad(g)(x));
    assert_eq!(jg.call(x).unwrap().to_vec::<f32>().unwrap(), [6.0]);
}

/// XLA's CPU runtime would run independent side-effecting custom calls in
/// an order of its choosing (grouped by operand); the token chain keeps
/// program order.
#[test]
fn io_callbacks_run_in_program_order() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let f = jit(move |(a, b): (Array, Array)| {
        for (i, x) in [&a, &b, &a, &b].into_iter().enumerate() {
            let log = log.clone();
            io_callback(
                move |v: &[HostArray]| {
                    log.lock().unwrap().push((i, v[0].to_vec::<f32>()?[0]));
                    Ok(vec![])
                },
                &[],
                &[x],
            )?;
        }
        Ok(&a + &b)
    });
    let out = f
        .call((Array::scalar(1.0f32), Array::scalar(2.0f32)))
        .unwrap();
    assert_eq!(out.item::<f32>().unwrap(), 3.0);
    assert_eq!(
        *seen.lock().unwrap(),
        [(0, 1.0), (1, 2.0), (2, 1.0), (3, 2.0)]
    );
}

#[test]
fn a_failing_callback_is_a_typed_error() {
    let x = Array::scalar(1.0f32);
    let r = [AVal::new(vec![], DType::F32)];
    let failing = |_: &[HostArray]| -> rjax::Result<Vec<HostArray>> {
        Err(rjax::Error::new(
            rjax::ErrorKind::Param,
            "mine",
            "bad input",
        ))
    };
    let r1 = r.clone();
    let f = jit(move |x: Array| Ok(pure_callback(failing, &r1, &[&x])?[0].clone()));
    let e = f.call(x.clone()).unwrap_err();
    assert_eq!(e.kind, rjax::ErrorKind::Runtime);
    assert!(e.to_string().contains("bad input"), "{e}");
    let panicking = |_: &[HostArray]| -> rjax::Result<Vec<HostArray>> { panic!("boom") };
    let r2 = r.clone();
    let f = jit(move |x: Array| Ok(pure_callback(panicking, &r2, &[&x])?[0].clone()));
    let e = f.call(x.clone()).unwrap_err();
    assert!(e.to_string().contains("panicked"), "{e}");
    // A result of the wrong shape is refused, not written.
    let wrong = |_: &[HostArray]| Ok(vec![HostArray::from_slice(&[1.0f32, 2.0], &[2])?]);
    let f = jit(move |x: Array| Ok(pure_callback(wrong, &r, &[&x])?[0].clone()));
    assert!(f.call(x).is_err());
}

#[test]
fn dropping_the_jitted_function_unregisters_its_callbacks() {
    let marker = Arc::new(());
    let held = marker.clone();
    let f = jit(move |x: Array| {
        let held = held.clone();
        let keep = move |a: &[HostArray]| {
            let _ = &held;
            Ok(vec![a[0].clone()])
        };
        Ok(pure_callback(keep, &[AVal::new(vec![], DType::F32)], &[&x])?[0].clone())
    });
    f.call(Array::scalar(1.0f32)).unwrap();
    assert!(Arc::strong_count(&marker) > 1);
    drop(f);
    assert_eq!(
        Arc::strong_count(&marker),
        1,
        "the closure is still registered"
    );
}
