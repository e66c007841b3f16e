//! Cyclic Jacobi rotations, shared by `eigh` (rotating rows and columns of
//! a symmetric matrix) and `svd` (rotating columns until they are
//! orthogonal): sweeps over every pair `(p, q)`, `p < q`, each rotation
//! touching only lines `p` and `q` through dynamic slices.

use crate::numpy as jnp;
use crate::{Array, DType, Result, Tree, control, lax};

/// At most this many sweeps (convergence is quadratic: a handful suffice).
const MAX_SWEEPS: i32 = 20;

/// Rows or columns.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Lines {
    Rows,
    Columns,
}

/// The pairs `(p, q)`, `p < q`, of `n` indices, as two int32 tables.
pub(super) struct Sweep {
    ps: Array,
    qs: Array,
    len: usize,
}

fn index(i: i32) -> Array {
    lax::convert_element_type(&Array::scalar(i), DType::I32)
}

impl Sweep {
    pub(super) fn new(n: usize) -> Sweep {
        let n = n as i32;
        let pairs: Vec<(i32, i32)> = (0..n)
            .flat_map(|p| (p + 1..n).map(move |q| (p, q)))
            .collect();
        let table = |side: fn(&(i32, i32)) -> i32| {
            let values: Vec<i32> = pairs.iter().map(side).collect();
            Array::from_slice(&values, &[pairs.len()])
        };
        Sweep {
            ps: table(|pq| pq.0),
            qs: table(|pq| pq.1),
            len: pairs.len(),
        }
    }

    /// `rotate(p, q, state)` for every pair, sweep after sweep, until
    /// `off(state)` is at most `tolerance` (at least one sweep, at most
    /// [`MAX_SWEEPS`]).
    pub(super) fn run<C: Tree>(
        &self,
        state: C,
        tolerance: &Array,
        off: impl Fn(&C) -> Array,
        rotate: impl Fn(&Array, &Array, C) -> C,
    ) -> Result<C> {
        let pick = |table: &Array, k: &Array| {
            lax::reshape(
                &lax::dynamic_slice(table, std::slice::from_ref(k), &[1]),
                &[],
            )
        };
        let step = |k: Array, state: C| rotate(&pick(&self.ps, &k), &pick(&self.qs, &k), state);
        let running = |(count, off, _): &(Array, Array, C)| {
            let more = lax::bitwise_or(&jnp::equal(count, &Array::weak(0.0)), &off.gt(tolerance));
            lax::bitwise_and(&more, &count.lt(MAX_SWEEPS as f64))
        };
        let sweep = |(count, _, state): (Array, Array, C)| {
            let (leaves, def) = state.flatten_tree();
            let state = control::fori_loop(0, self.len as i32, step, state).unwrap_or_else(|e| {
                let failed = vec![Array::from_error(e); leaves.len()];
                C::unflatten_tree(&def, failed).expect("a tree rebuilt from its own structure")
            });
            (&count + 1, off(&state), state)
        };
        let start = (index(0), off(&state), state);
        Ok(lax::while_loop(running, sweep, start)?.2)
    }
}

/// `(t, c, s)` of the rotation `J` (`J_pp = J_qq = c`, `J_pq = -J_qp = s`,
/// `t = s / c`) that makes `Jᵀ [[app, apq], [apq, aqq]] J` diagonal, by the
/// smaller angle (Golub and Van Loan's `sym.schur2`); the identity when
/// `apq` is zero.
pub(super) fn angle(app: &Array, aqq: &Array, apq: &Array) -> (Array, Array, Array) {
    let is_zero = jnp::equal(apq, &Array::weak(0.0));
    let tau = &(aqq - app) / &(&jnp::where_(&is_zero, &Array::weak(1.0), apq) * 2.0);
    let sign = jnp::where_(&tau.lt(0.0), &Array::weak(-1.0), &Array::weak(1.0));
    let t = jnp::where_(
        &is_zero,
        &Array::weak(0.0),
        &(&sign / &(&tau.abs() + &(&(&tau * &tau) + 1.0).sqrt())),
    );
    let c = 1.0 / &(&(&t * &t) + 1.0).sqrt();
    let s = &t * &c;
    (t, c, s)
}

/// The start of line `i` and the shape of one line of an `n`-long `lines`.
fn line(lines: Lines, i: &Array, n: usize) -> ([Array; 2], [usize; 2]) {
    match lines {
        Lines::Rows => ([i.clone(), index(0)], [1, n]),
        Lines::Columns => ([index(0), i.clone()], [n, 1]),
    }
}

/// `m` with lines `p` and `q` rotated by `(c, s)`: as `Jᵀ m` for rows and
/// `m J` for columns.
pub(super) fn turn(m: &Array, lines: Lines, p: &Array, q: &Array, c: &Array, s: &Array) -> Array {
    let Ok(shape) = m.shape() else {
        return m.clone();
    };
    let n = if lines == Lines::Rows {
        shape[1]
    } else {
        shape[0]
    };
    let (at_p, size) = line(lines, p, n);
    let (at_q, _) = line(lines, q, n);
    let (mp, mq) = (
        lax::dynamic_slice(m, &at_p, &size),
        lax::dynamic_slice(m, &at_q, &size),
    );
    let m = lax::dynamic_update_slice(m, &(&(c * &mp) - &(s * &mq)), &at_p);
    lax::dynamic_update_slice(&m, &(&(s * &mp) + &(c * &mq)), &at_q)
}

/// `m[i, j]` as a scalar.
pub(super) fn entry(m: &Array, i: &Array, j: &Array) -> Array {
    lax::reshape(
        &lax::dynamic_slice(m, &[i.clone(), j.clone()], &[1, 1]),
        &[],
    )
}

/// `m` with `m[i, j] = value` (a scalar).
pub(super) fn set_entry(m: &Array, i: &Array, j: &Array, value: &Array) -> Array {
    lax::dynamic_update_slice(m, &lax::reshape(value, &[1, 1]), &[i.clone(), j.clone()])
}

/// The squared off-diagonal mass of a square matrix.
pub(super) fn off_diagonal(a: &Array) -> Array {
    let Ok(shape) = a.shape() else {
        return a.clone();
    };
    let n = shape[0];
    let off = jnp::where_(&jnp::eye(n, None, 0, DType::Bool), &Array::weak(0.0), a);
    jnp::sum(&(&off * &off), (), false)
}
