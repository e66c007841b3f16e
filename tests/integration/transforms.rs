//! Transformations over trees against JAX (tests/fixtures/transform.txt,
//! written by tools/fixtures/generate.sh): Jacobians of trees with respect
//! to trees, `has_aux`, `linearize`, `linear_transpose` — eager and under
//! `jit`.

use crate::fixtures::{Computed, Fixture, assert_matches, case};
use rjax::numpy as jnp;
use rjax::{
    Array, Result, Tree, hessian, jacfwd, jacfwd_aux, jacrev, jacrev_aux, jit, linear_transpose,
    linearize, vjp_aux,
};
use std::collections::BTreeMap;

const FIXTURES: &str = include_str!("../fixtures/transform.txt");

/// Compare the leaves of `got` with the case's outputs.
fn check(name: &str, got: impl Tree, want: &[Fixture]) {
    let (leaves, _) = got.flatten_tree();
    assert_eq!(leaves.len(), want.len(), "{name}: number of outputs");
    for (i, (g, w)) in leaves.iter().zip(want).enumerate() {
        assert_matches(&format!("{name} output {i}"), g, w, Computed::Differently);
    }
}

/// Run `f` on the case's inputs eagerly and under `jit`, checking both.
fn run<T: Tree>(name: &str, f: impl Fn(Vec<Array>) -> Result<T>) {
    let (inputs, want) = case(FIXTURES, name);
    check(name, f(inputs.clone()).unwrap(), &want);
    let jitted = jit(|xs: Vec<Array>| f(xs)).call(inputs).unwrap();
    check(&format!("{name} (jit)"), jitted, &want);
}

fn layer((w, b): (Array, Array), x: &Array) -> Array {
    (&jnp::matmul(&w, x) + &b).tanh()
}

fn two_outputs(x: Array) -> (Array, Array) {
    (&x.sin() * 2.0, (&x * &x).sum())
}

fn of_dict(d: BTreeMap<String, Array>) -> Array {
    &d["a"] * &d["b"].sum()
}

fn dict(a: &Array, b: &Array) -> BTreeMap<String, Array> {
    BTreeMap::from([("a".to_string(), a.clone()), ("b".to_string(), b.clone())])
}

fn exp_with_aux(x: Array) -> (Array, Array) {
    (&x.exp() * &x, x.cos())
}

#[test]
fn jacobians_of_parameter_trees() {
    run("jacfwd_params", |xs| {
        jacfwd(|p| layer(p, &xs[2]))((xs[0].clone(), xs[1].clone()))
    });
    run("jacrev_params", |xs| {
        jacrev(|p| layer(p, &xs[2]))((xs[0].clone(), xs[1].clone()))
    });
}

#[test]
fn jacobians_of_tree_outputs() {
    run("jacfwd_two_outputs", |xs| {
        jacfwd(two_outputs)(xs[0].clone())
    });
    run("jacrev_two_outputs", |xs| {
        jacrev(two_outputs)(xs[0].clone())
    });
}

#[test]
fn jacobians_of_dicts() {
    run("jacfwd_dict", |xs| jacfwd(of_dict)(dict(&xs[0], &xs[1])));
    run("jacrev_dict", |xs| jacrev(of_dict)(dict(&xs[0], &xs[1])));
}

#[test]
fn jacobians_with_aux() {
    run("jacfwd_aux", |xs| jacfwd_aux(exp_with_aux)(xs[0].clone()));
    run("jacrev_aux", |xs| jacrev_aux(exp_with_aux)(xs[0].clone()));
}

#[test]
fn hessian_of_a_pair() {
    let f = |(x, y): (Array, Array)| &(&(&x * &x) * &y.index(0)).sum() + &y.sin().sum();
    run("hessian_pair", |xs| {
        hessian(f)((xs[0].clone(), xs[1].clone()))
    });
}

#[test]
fn linearize_evaluates_the_jvp_without_the_primal() {
    run("linearize", |xs| {
        let (y, f_jvp) = linearize(|x: Array| &x.sin() * &x, xs[0].clone())?;
        Ok((y, f_jvp.call(xs[1].clone())?, f_jvp.call(&xs[1] * 2.0)?))
    });
}

#[test]
fn linear_transpose_of_a_pair_output() {
    run("linear_transpose", |xs| {
        let a = xs[0].clone();
        let f = move |x: Array| (jnp::matmul(&a, &x), &x * 2.0);
        let ft = linear_transpose(f, jnp::zeros(&[3], rjax::DType::F32))?;
        ft((xs[1].clone(), xs[2].clone()))
    });
}

#[test]
fn linear_transpose_refuses_a_non_linear_function() {
    let ft = linear_transpose(|x: Array| x.sin(), jnp::zeros(&[3], rjax::DType::F32)).unwrap();
    let e = ft(jnp::ones(&[3], rjax::DType::F32)).unwrap_err();
    assert!(e.to_string().contains("sin"), "{e}");
}

#[test]
fn vjp_with_aux() {
    run("vjp_aux", |xs| {
        let (y, pullback, aux) = vjp_aux(|x: Array| (&x.sin() * &x, x.sum()), xs[0].clone())?;
        Ok((y, pullback.call(xs[1].clone())?, aux))
    });
}
