//! Pytrees: the Tree impls and #[derive(Tree)].

use rjax::{Array, Tree, jit};
use std::collections::BTreeMap;

#[derive(Tree, Clone)]
struct Layer {
    w: Array,
    b: Array,
}

#[derive(Tree)]
struct Pair(Array, Option<Array>);

#[test]
fn derived_structs_round_trip_through_jit() {
    let layer = Layer {
        w: Array::from_slice(&[2.0f32], &[1]),
        b: Array::from_slice(&[1.0f32], &[1]),
    };
    let f = jit(|l: Layer| Layer {
        w: &l.w * 2.0,
        b: &l.b + &l.w,
    });
    let out = f.call(layer).unwrap();
    assert_eq!(out.w.to_vec::<f32>().unwrap(), vec![4.0]);
    assert_eq!(out.b.to_vec::<f32>().unwrap(), vec![3.0]);
}

#[test]
fn containers_flatten_in_order() {
    let mut m = BTreeMap::new();
    m.insert("b".to_string(), Array::scalar(2.0f32));
    m.insert("a".to_string(), Array::scalar(1.0f32));
    let tree = (
        m,
        [Array::scalar(3.0f32)],
        Pair(Array::scalar(4.0f32), None),
        vec![Layer {
            w: Array::scalar(5.0f32),
            b: Array::scalar(6.0f32),
        }],
    );
    let (leaves, def) = tree.flatten_tree();
    let values: Vec<f32> = leaves.iter().map(|a| a.item::<f32>().unwrap()).collect();
    assert_eq!(values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    type T = (BTreeMap<String, Array>, [Array; 1], Pair, Vec<Layer>);
    let back = T::unflatten_tree(&def, leaves).unwrap();
    assert_eq!(back.3[0].b.item::<f32>().unwrap(), 6.0);
    assert!(back.2.1.is_none());
    assert!(
        <(Array, Array)>::unflatten_tree(&def, vec![]).is_err(),
        "structure mismatch is an error"
    );
}
