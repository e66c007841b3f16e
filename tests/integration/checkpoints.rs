//! rjax_optim::checkpoint: safetensors round trips of parameters and
//! optimizer state, the typed errors of a mismatched tree, and a failed
//! save that leaves the previous checkpoint whole.

use half::{bf16, f16};
use rjax::{Array, Complex, ErrorKind, Tree, jit};
use rjax_optim::{GradientTransformation, OptState, adam, apply_updates, checkpoint};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Tree, Clone, Debug)]
struct Layer {
    w: Array,
    b: Array,
}

#[derive(Tree, Clone, Debug)]
struct TrainState {
    params: Vec<Layer>,
    opt_state: OptState,
}

/// A fresh file path under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rjax-checkpoints-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// One array of every dtype, with NaN, infinities and -0.0 among the floats.
fn every_dtype() -> BTreeMap<String, Array> {
    let floats = [0.1f64, -0.0, f64::NAN, f64::INFINITY, -1e-3, 65504.0];
    let arrays = [
        ("bool", Array::from_slice(&[true, false, true], &[3])),
        ("i8", Array::from_slice(&[-128i8, 0, 127], &[3])),
        ("i16", Array::from_slice(&[-300i16, 1, 2], &[3])),
        ("i32", Array::from_slice(&[i32::MIN, 7, i32::MAX], &[3])),
        ("i64", Array::from_slice(&[i64::MIN, 8, i64::MAX], &[3])),
        ("u8", Array::from_slice(&[0u8, 1, 255], &[3])),
        ("u16", Array::from_slice(&[0u16, 1, 65535], &[3])),
        ("u32", Array::from_slice(&[0u32, 1, u32::MAX], &[3])),
        ("u64", Array::from_slice(&[0u64, 1, u64::MAX], &[3])),
        (
            "f16",
            Array::from_slice(&floats.map(f16::from_f64), &[2, 3]),
        ),
        (
            "bf16",
            Array::from_slice(&floats.map(bf16::from_f64), &[2, 3]),
        ),
        ("f32", Array::from_slice(&floats.map(|v| v as f32), &[3, 2])),
        ("f64", Array::from_slice(&floats, &[6])),
        (
            "c64",
            Array::from_slice(
                &[Complex::new(1.5f32, -2.0), Complex::new(0.0, f32::INFINITY)],
                &[2],
            ),
        ),
        ("scalar", Array::scalar(1.5f32)),
    ];
    arrays
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

#[test]
fn c128_leaves_are_refused_with_a_typed_error() {
    let tree = vec![Array::from_vec(vec![Complex::new(1.0f64, 2.0)])];
    let e = checkpoint::save(scratch("c128.safetensors"), &tree).unwrap_err();
    assert_eq!(e.kind, ErrorKind::DType, "{e}");
    assert!(e.to_string().contains("complex128"), "{e}");
}

#[test]
fn every_dtype_round_trips_bit_for_bit() {
    let tree = every_dtype();
    let path = scratch("dtypes.safetensors");
    checkpoint::save(&path, &tree).unwrap();
    let back = checkpoint::load(&path, &every_dtype()).unwrap();
    for (name, x) in &tree {
        let y = &back[name];
        assert_eq!(y.dtype().unwrap(), x.dtype().unwrap(), "{name}");
        assert_eq!(y.shape().unwrap(), x.shape().unwrap(), "{name}");
        assert_eq!(y.to_bytes().unwrap(), x.to_bytes().unwrap(), "{name}");
    }
    // Tensor names are the key paths; the file is plain safetensors.
    let bytes = std::fs::read(&path).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap();
    assert!(
        header.contains(r#""bf16":{"dtype":"BF16","shape":[2,3]"#),
        "{header}"
    );
}

fn layer(w: &[f32], b: f32) -> Layer {
    Layer {
        w: Array::from_slice(w, &[w.len()]),
        b: Array::scalar(b),
    }
}

fn fresh_state() -> TrainState {
    let params = vec![layer(&[0.5, -1.0], 0.0), layer(&[2.0, 0.25], 1.0)];
    let opt_state = adam(0.1).init(&params).unwrap();
    TrainState { params, opt_state }
}

/// A few Adam steps on a quadratic, the state passed through jit.
fn train(state: TrainState, steps: usize) -> TrainState {
    let opt = adam(0.1);
    let step = jit(|s: TrainState| {
        let grads = rjax::tree_util::tree_map(&s.params, |p| p * 2.0)?;
        let (updates, opt_state) = opt.update(&grads, &s.opt_state, Some(&s.params))?;
        Ok(TrainState {
            params: apply_updates(&s.params, &updates)?,
            opt_state,
        })
    });
    (0..steps).fold(state, |s, _| step.call(s).unwrap())
}

#[test]
fn training_resumes_from_a_checkpoint_exactly() {
    let path = scratch("train.safetensors");
    let halfway = train(fresh_state(), 3);
    checkpoint::save(&path, &halfway).unwrap();
    let names: Vec<String> = rjax::tree_util::tree_leaves_with_path(&halfway)
        .iter()
        .map(|(p, _)| p.simple("."))
        .collect();
    assert_eq!(names[..3], ["params.0.w", "params.0.b", "params.1.w"]);
    assert!(
        names.contains(&"opt_state.0.mu.1.w".to_string()),
        "{names:?}"
    );

    let resumed = train(checkpoint::load(&path, &fresh_state()).unwrap(), 3);
    let straight = train(halfway, 3);
    let bytes = |s: &TrainState| -> Vec<Vec<u8>> {
        rjax::tree_util::tree_leaves(s)
            .iter()
            .map(|x| x.to_bytes().unwrap())
            .collect()
    };
    assert_eq!(bytes(&resumed), bytes(&straight));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_mismatched_tree_is_a_typed_error_naming_the_path() {
    let path = scratch("mismatch.safetensors");
    checkpoint::save(&path, &fresh_state()).unwrap();

    let mut wrong_shape = fresh_state();
    wrong_shape.params[1].w = Array::from_slice(&[0.0f32; 3], &[3]);
    let e = checkpoint::load(&path, &wrong_shape).unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Shape, "checkpoint"));
    assert!(e.message.contains("params.1.w"), "{e}");
    assert_eq!(e.operands[0].shape, [3]);
    assert!(
        e.location.unwrap().file().ends_with("checkpoints.rs"),
        "{e}"
    );

    let mut wrong_dtype = fresh_state();
    wrong_dtype.params[0].b = Array::scalar(0.0f64);
    let e = checkpoint::load(&path, &wrong_dtype).unwrap_err();
    assert_eq!(e.kind, ErrorKind::DType);
    assert!(
        e.message.contains("params.0.b") && e.message.contains("F32"),
        "{e}"
    );

    let mut more_layers = fresh_state();
    more_layers.params.push(layer(&[1.0, 1.0], 0.0));
    let e = checkpoint::load(&path, &more_layers).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Tree);
    assert!(e.message.contains("params.2.w"), "{e}");

    let params_only = fresh_state().params;
    let e = checkpoint::load(&path, &params_only).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Tree);
    assert!(
        e.message.contains("has tensors the tree has no leaf for"),
        "{e}"
    );
    assert!(e.message.contains("params.0.w"), "{e}");

    let e = checkpoint::load(scratch("absent.safetensors"), &params_only).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Io);
    std::fs::write(scratch("garbage.safetensors"), b"not a checkpoint").unwrap();
    let e = checkpoint::load(scratch("garbage.safetensors"), &params_only).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Io);
    std::fs::remove_file(scratch("garbage.safetensors")).unwrap();
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_failed_save_leaves_the_previous_checkpoint() {
    let path = scratch("kept.safetensors");
    let first = vec![layer(&[1.0, 2.0], 3.0)];
    checkpoint::save(&path, &first).unwrap();

    // A leaf holding an error fails before anything is written.
    let broken = vec![Layer {
        w: first[0].w.reshape(&[5]),
        b: Array::scalar(0.0f32),
    }];
    assert_eq!(
        checkpoint::save(&path, &broken).unwrap_err().kind,
        ErrorKind::Shape
    );
    // A write that fails midway fails on the temporary file, not the checkpoint.
    let temporary = checkpoint::temporary_path(&path);
    std::fs::create_dir_all(&temporary).unwrap();
    let second = vec![layer(&[9.0, 9.0], 9.0)];
    assert_eq!(
        checkpoint::save(&path, &second).unwrap_err().kind,
        ErrorKind::Io
    );
    std::fs::remove_dir(&temporary).unwrap();

    let back = checkpoint::load(&path, &first).unwrap();
    assert_eq!(back[0].w.to_vec::<f32>().unwrap(), [1.0, 2.0]);
    checkpoint::save(&path, &second).unwrap();
    let back = checkpoint::load(&path, &first).unwrap();
    assert_eq!(back[0].b.item::<f32>().unwrap(), 9.0);
    assert!(!temporary.exists());
    std::fs::remove_file(&path).unwrap();
}
