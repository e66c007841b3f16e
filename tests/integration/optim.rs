//! rjax-optim against optax: three steps of each optimizer on a small
//! tree, run through jit, and the schedules' values (fixtures written by
//! tools/fixtures/optim_fixtures.py).

use crate::fixtures::{Computed, Fixture, assert_matches, lookup};
use rjax::{Array, DType, Tree, jit};
use rjax_optim::schedule::{self, Schedule};
use rjax_optim::{
    AdamOptions, GradientTransformation, LionOptions, OptState, RmsOptions, SgdOptions, adagrad,
    adam, adam_with, adamw, adamw_with, apply_updates, chain, clip_by_global_norm, lion, lion_with,
    rmsprop, rmsprop_with, sgd, sgd_with,
};
use std::sync::Arc;

const FIXTURES: &str = include_str!("../fixtures/optim.txt");

fn fixture(name: &str) -> Fixture {
    lookup(FIXTURES, name).unwrap_or_else(|| panic!("no fixture {name}"))
}

/// The fixture's parameter tree: the leaves of optax's `{"b", "w"}` dict.
#[derive(Tree, Clone, Debug)]
struct Params {
    b: Array,
    w: Array,
}

fn params(prefix: &str) -> Params {
    Params {
        b: fixture(&format!("{prefix}.b")).array(),
        w: fixture(&format!("{prefix}.w")).array(),
    }
}

/// Runs `opt` for the fixture's steps under jit, comparing the parameters
/// after each step and the final state's leaves with optax's.
fn check(name: &str, opt: impl GradientTransformation, gradient_scale: f64) {
    let mut p = params("params");
    let mut state = opt.init(&p).unwrap();
    let step = jit(|(p, state, g): (Params, OptState, Params)| {
        let (updates, state) = opt.update(&g, &state, Some(&p))?;
        Ok((apply_updates(&p, &updates)?, state))
    });
    for t in 0..3 {
        let g = params(&format!("grads.{t}"));
        let g = Params {
            b: &g.b * gradient_scale,
            w: &g.w * gradient_scale,
        };
        (p, state) = step.call((p, state, g)).unwrap();
        let case = format!("{name}.{t}");
        assert_matches(
            &format!("{case}.b"),
            &p.b,
            &fixture(&format!("{case}.b")),
            Computed::Differently,
        );
        assert_matches(
            &format!("{case}.w"),
            &p.w,
            &fixture(&format!("{case}.w")),
            Computed::Differently,
        );
    }
    let want: Vec<Fixture> = (0..)
        .map_while(|i| lookup(FIXTURES, &format!("{name}.state.{i}")))
        .collect();
    assert_eq!(state.leaves.len(), want.len(), "{name}: state leaves");
    for (i, (got, want)) in state.leaves.iter().zip(&want).enumerate() {
        assert_matches(
            &format!("{name}.state.{i}"),
            got,
            want,
            Computed::Differently,
        );
    }
}

#[test]
fn sgd_matches_optax() {
    check("sgd", sgd(0.1), 1.0);
    let momentum = |nesterov, accumulator_dtype| SgdOptions {
        momentum: Some(0.9),
        nesterov,
        accumulator_dtype,
    };
    check("sgd_momentum", sgd_with(0.1, momentum(false, None)), 1.0);
    check("sgd_nesterov", sgd_with(0.1, momentum(true, None)), 1.0);
    check(
        "sgd_momentum_bf16",
        sgd_with(0.1, momentum(false, Some(DType::BF16))),
        1.0,
    );
}

#[test]
fn adam_matches_optax() {
    check("adam", adam(0.01), 1.0);
    check(
        "adam_nesterov",
        adam_with(
            0.01,
            AdamOptions {
                nesterov: true,
                ..Default::default()
            },
        ),
        1.0,
    );
    check(
        "adam_bf16",
        adam_with(
            0.01,
            AdamOptions {
                mu_dtype: Some(DType::BF16),
                ..Default::default()
            },
        ),
        1.0,
    );
    check("adamw", adamw(0.01, 0.1), 1.0);
    let weights_only: rjax_optim::Mask = Arc::new(|path, _| path.simple(".") == "w");
    check(
        "adamw_masked",
        adamw_with(0.01, 0.1, AdamOptions::default(), Some(weights_only)),
        1.0,
    );
    check(
        "clip_adam",
        chain((clip_by_global_norm(1.0), adam(0.01))),
        3.0,
    );
    check(
        "adam_schedule",
        adam(schedule::warmup_cosine_decay(0.0, 0.01, 2, 10, 0.0)),
        1.0,
    );
}

#[test]
fn rmsprop_adagrad_lion_match_optax() {
    check("rmsprop", rmsprop(0.01), 1.0);
    let options = RmsOptions {
        eps_in_sqrt: false,
        bias_correction: true,
        ..Default::default()
    };
    check(
        "rmsprop_momentum",
        rmsprop_with(0.01, options, Some(0.9), true),
        1.0,
    );
    check("adagrad", adagrad(0.1), 1.0);
    check("lion", lion(0.01), 1.0);
    let bf16 = LionOptions {
        mu_dtype: Some(DType::BF16),
        ..Default::default()
    };
    check("lion_bf16", lion_with(0.01, bf16, None), 1.0);
}

#[test]
fn schedules_match_optax() {
    use Computed::{Arithmetic, Exact, Transcendental};
    let steps = Array::from_slice(&(0..13).collect::<Vec<i32>>(), &[13]);
    let check = |name: &str, s: Schedule, how: Computed| {
        // A constant schedule gives a scalar.
        let values = rjax::numpy::broadcast_to(&s.at(&steps), &[13]);
        let want = fixture(&format!("schedule.{name}"));
        assert_matches(&format!("schedule.{name}"), &values, &want, how);
    };
    check("constant", schedule::constant(0.1), Exact);
    check("linear", schedule::linear(1.0, 0.1, 10, 2), Arithmetic);
    check(
        "cosine",
        schedule::cosine_decay(1.0, 10, 0.1),
        Transcendental,
    );
    let warmup_cosine = schedule::warmup_cosine_decay(0.0, 1.0, 3, 10, 0.05);
    check("warmup_cosine", warmup_cosine, Transcendental);
    let exponential = schedule::exponential_decay(1.0, 3, 0.5, 2, false, None);
    check("exponential", exponential, Transcendental);
    let staircase = schedule::exponential_decay(1.0, 3, 0.5, 0, true, Some(0.3));
    check("exponential_staircase", staircase, Transcendental);
    let piecewise = schedule::piecewise_constant(1.0, &[(3, 0.5), (6, 0.1)]);
    check("piecewise", piecewise, Arithmetic);
}

#[test]
fn optimizer_state_key_paths_name_its_fields() {
    let p = params("params");
    let state = adam(0.01).init(&p).unwrap();
    let names: Vec<String> = state.key_paths().iter().map(|k| k.simple(".")).collect();
    assert_eq!(names, ["0.count", "0.mu.b", "0.mu.w", "0.nu.b", "0.nu.w"]);
}

#[test]
fn missing_parameters_and_mismatched_trees_are_typed_errors() {
    let p = params("params");
    let opt = adamw(0.01, 0.1);
    let state = opt.init(&p).unwrap();
    let e = opt.update(&p, &state, None).unwrap_err();
    assert_eq!(
        (e.kind, e.op.as_str()),
        (rjax::ErrorKind::Param, "add_decayed_weights")
    );
    let other = vec![Array::scalar(1.0f32)];
    let e = opt.update(&other, &state, Some(&other)).unwrap_err();
    assert_eq!(e.kind, rjax::ErrorKind::Tree);
}
