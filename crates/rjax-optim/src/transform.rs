//! The building blocks optimizers chain: scaling, moments, clipping,
//! weight decay. Each follows optax's arithmetic step by step, so the
//! numbers match optax's.

use crate::base::{EmptyState, FlatTree, GradientTransformation, OptState};
use crate::schedule::Schedule;
use rjax::numpy as jnp;
use rjax::{Array, DType, Error, ErrorKind, Result, Tree, lax};

/// The count after `count` (int32), held at the largest int32 instead of
/// wrapping (optax's `safe_increment`).
fn safe_increment(count: &Array) -> Array {
    jnp::where_(&count.lt(i32::MAX), &(count + 1), count)
}

/// A zero int32 step count.
fn zero_count() -> Array {
    jnp::zeros(&[], DType::I32)
}

/// `moment / (1 - decay^count)`, the correction computed in f32 and the
/// division in the moment's dtype.
fn bias_correction(moment: &FlatTree, decay: f64, count: &Array) -> FlatTree {
    let correction = 1.0 - jnp::power(&Array::weak(decay), &count.astype(DType::F32));
    moment.map(|t| Array::from_result(t.dtype().map(|d| t / &correction.astype(d))))
}

/// The exponential moving average `(1 - decay) * g^order + decay * t`.
fn update_moment(
    updates: &FlatTree,
    moments: &FlatTree,
    decay: f64,
    order: i32,
    op: &str,
) -> Result<FlatTree> {
    updates.zip_map(moments, op, |g, t| {
        let g = if order == 1 { g.clone() } else { g.powi(order) };
        g * (1.0 - decay) + t * decay
    })
}

/// Leaves cast to `dtype`, when one is given.
fn cast(tree: FlatTree, dtype: Option<DType>) -> FlatTree {
    match dtype {
        Some(d) => tree.map(|x| x.astype(d)),
        None => tree,
    }
}

/// Zeros like `params`, of `dtype` or each leaf's.
fn zeros_like(params: &FlatTree, dtype: Option<DType>) -> FlatTree {
    params.map(|x| jnp::zeros_like(x, dtype))
}

/// Multiply the updates by a constant (optax's `scale`).
pub struct Scale(pub f64);

/// Multiply the updates by `step_size`.
pub fn scale(step_size: f64) -> Scale {
    Scale(step_size)
}

impl GradientTransformation for Scale {
    fn init_flat(&self, _params: &FlatTree) -> Result<OptState> {
        Ok(FlatTree::of(&EmptyState))
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        _: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        Ok((updates.map(|g| g * self.0), state.clone()))
    }
}

#[derive(Tree)]
struct ScaleByScheduleState {
    count: Array,
}

/// Multiply the updates by a schedule's value at the step count (optax's
/// `scale_by_schedule`).
pub struct ScaleBySchedule(pub Schedule);

/// Multiply the updates by `schedule` at the step count.
pub fn scale_by_schedule(schedule: Schedule) -> ScaleBySchedule {
    ScaleBySchedule(schedule)
}

impl GradientTransformation for ScaleBySchedule {
    fn init_flat(&self, _params: &FlatTree) -> Result<OptState> {
        Ok(FlatTree::of(&ScaleByScheduleState {
            count: zero_count(),
        }))
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        _: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        let ScaleByScheduleState { count } = state.to()?;
        let step = self.0.at(&count);
        let updates = updates.map(|g| Array::from_result(g.dtype().map(|d| step.astype(d) * g)));
        let count = safe_increment(&count);
        Ok((updates, FlatTree::of(&ScaleByScheduleState { count })))
    }
}

/// Multiply the updates by minus the learning rate (optax's
/// `scale_by_learning_rate`): a constant scale, or a schedule with a count.
pub fn scale_by_learning_rate(
    learning_rate: impl Into<Schedule>,
) -> Box<dyn GradientTransformation> {
    match learning_rate.into() {
        Schedule::Constant(lr) => Box::new(scale(-lr)),
        Schedule::Function(f) => Box::new(scale_by_schedule(Schedule::new(move |c| -f(c)))),
    }
}

#[derive(Tree)]
struct TraceState {
    trace: FlatTree,
}

/// Momentum: `trace = g + decay * trace` (optax's `trace`).
pub struct Trace {
    /// The decay of the trace.
    pub decay: f64,
    /// Whether the update is `g + decay * trace` (Nesterov) instead of the trace.
    pub nesterov: bool,
    /// The dtype the trace is stored in (the parameters' when `None`).
    pub accumulator_dtype: Option<DType>,
}

/// Momentum with the given decay.
pub fn trace(decay: f64, nesterov: bool, accumulator_dtype: Option<DType>) -> Trace {
    Trace {
        decay,
        nesterov,
        accumulator_dtype,
    }
}

impl GradientTransformation for Trace {
    fn init_flat(&self, params: &FlatTree) -> Result<OptState> {
        Ok(FlatTree::of(&TraceState {
            trace: zeros_like(params, self.accumulator_dtype),
        }))
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        _: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        let TraceState { trace } = state.to()?;
        let f = |g: &Array, t: &Array| g + t * self.decay;
        let new_trace = updates.zip_map(&trace, "trace", f)?;
        let updates = if self.nesterov {
            updates.zip_map(&new_trace, "trace", f)?
        } else {
            new_trace.clone()
        };
        let trace = cast(new_trace, self.accumulator_dtype);
        Ok((updates, FlatTree::of(&TraceState { trace })))
    }
}

/// Adam's hyperparameters, with optax's defaults.
#[derive(Clone, Debug)]
pub struct AdamOptions {
    /// Decay of the first moment.
    pub b1: f64,
    /// Decay of the second moment.
    pub b2: f64,
    /// Added to the denominator, outside the square root.
    pub eps: f64,
    /// Added to the second moment inside the square root.
    pub eps_root: f64,
    /// The dtype the first moment is stored in (the parameters' when `None`).
    pub mu_dtype: Option<DType>,
    /// Nesterov momentum (NAdam).
    pub nesterov: bool,
}

impl Default for AdamOptions {
    fn default() -> Self {
        AdamOptions {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            eps_root: 0.0,
            mu_dtype: None,
            nesterov: false,
        }
    }
}

#[derive(Tree)]
struct ScaleByAdamState {
    count: Array,
    mu: FlatTree,
    nu: FlatTree,
}

/// Scale by Adam's bias-corrected moments (optax's `scale_by_adam`).
pub struct ScaleByAdam(pub AdamOptions);

/// Scale by Adam's moments.
pub fn scale_by_adam(options: AdamOptions) -> ScaleByAdam {
    ScaleByAdam(options)
}

impl GradientTransformation for ScaleByAdam {
    fn init_flat(&self, params: &FlatTree) -> Result<OptState> {
        Ok(FlatTree::of(&ScaleByAdamState {
            count: zero_count(),
            mu: zeros_like(params, self.0.mu_dtype),
            nu: zeros_like(params, None),
        }))
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        _: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        let o = &self.0;
        let ScaleByAdamState {
            count,
            mu,
            nu: old_nu,
        } = state.to()?;
        let mu = update_moment(&updates, &mu, o.b1, 1, "scale_by_adam")?;
        let nu = update_moment(&updates, &old_nu, o.b2, 2, "scale_by_adam")?;
        let count = safe_increment(&count);
        let mu_hat = if o.nesterov {
            let m = bias_correction(&mu, o.b1, &safe_increment(&count));
            let g = bias_correction(&updates, o.b1, &count);
            m.zip_map(&g, "scale_by_adam", |m, g| m * o.b1 + g * (1.0 - o.b1))?
        } else {
            bias_correction(&mu, o.b1, &count)
        };
        let nu_hat = bias_correction(&nu, o.b2, &count);
        let updates = mu_hat.zip_map(&nu_hat, "scale_by_adam", |m, v| {
            m / ((v + o.eps_root).sqrt() + o.eps)
        })?;
        let mu = cast(mu, o.mu_dtype);
        let nu = nu.zip_map(&old_nu, "scale_by_adam", |v, old| {
            Array::from_result(old.dtype().map(|d| v.astype(d)))
        })?;
        Ok((updates, FlatTree::of(&ScaleByAdamState { count, mu, nu })))
    }
}

/// RMSProp's hyperparameters (without `centered`), with optax's defaults.
#[derive(Clone, Debug)]
pub struct RmsOptions {
    /// Decay of the second moment.
    pub decay: f64,
    /// Added to the denominator.
    pub eps: f64,
    /// The second moment's initial value.
    pub initial_scale: f64,
    /// `eps` inside the square root (optax's default) or outside (PyTorch's).
    pub eps_in_sqrt: bool,
    /// Bias-correct the second moment (then the state has a count).
    pub bias_correction: bool,
}

impl Default for RmsOptions {
    fn default() -> Self {
        RmsOptions {
            decay: 0.9,
            eps: 1e-8,
            initial_scale: 0.0,
            eps_in_sqrt: true,
            bias_correction: false,
        }
    }
}

#[derive(Tree)]
struct ScaleByRmsState {
    nu: FlatTree,
}

#[derive(Tree)]
struct ScaleByRmsWithCountState {
    count: Array,
    nu: FlatTree,
}

/// Scale by the root of a moving average of squared updates (optax's
/// `scale_by_rms`).
pub struct ScaleByRms(pub RmsOptions);

/// Scale by the root mean square of past updates.
pub fn scale_by_rms(options: RmsOptions) -> ScaleByRms {
    ScaleByRms(options)
}

impl GradientTransformation for ScaleByRms {
    fn init_flat(&self, params: &FlatTree) -> Result<OptState> {
        let nu = params.map(|x| jnp::full_like(x, self.0.initial_scale, None));
        Ok(match self.0.bias_correction {
            true => FlatTree::of(&ScaleByRmsWithCountState {
                count: zero_count(),
                nu,
            }),
            false => FlatTree::of(&ScaleByRmsState { nu }),
        })
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        _: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        let o = &self.0;
        let (count, nu) = match o.bias_correction {
            true => state
                .to()
                .map(|s: ScaleByRmsWithCountState| (Some(s.count), s.nu))?,
            false => (None, state.to::<ScaleByRmsState>()?.nu),
        };
        let nu = update_moment(&updates, &nu, o.decay, 2, "scale_by_rms")?;
        let count = count.map(|c| safe_increment(&c));
        let nu_hat = match &count {
            Some(c) => bias_correction(&nu, o.decay, c),
            None => nu.clone(),
        };
        let scaling = match o.eps_in_sqrt {
            true => nu_hat.map(|n| lax::rsqrt(&(n + o.eps))),
            false => nu_hat.map(|n| 1.0 / (n.sqrt() + o.eps)),
        };
        let updates = scaling.zip_map(&updates, "scale_by_rms", |s, g| s * g)?;
        let state = match count {
            Some(count) => FlatTree::of(&ScaleByRmsWithCountState { count, nu }),
            None => FlatTree::of(&ScaleByRmsState { nu }),
        };
        Ok((updates, state))
    }
}

#[derive(Tree)]
struct ScaleByRssState {
    sum_of_squares: FlatTree,
}

/// Scale by the root of the sum of all squared updates so far (optax's
/// `scale_by_rss`, Adagrad's rule).
pub struct ScaleByRss {
    /// The sums' initial value.
    pub initial_accumulator_value: f64,
    /// Added inside the square root.
    pub eps: f64,
}

/// Scale by the root of the sum of squared updates.
pub fn scale_by_rss(initial_accumulator_value: f64, eps: f64) -> ScaleByRss {
    ScaleByRss {
        initial_accumulator_value,
        eps,
    }
}

impl GradientTransformation for ScaleByRss {
    fn init_flat(&self, params: &FlatTree) -> Result<OptState> {
        let sum_of_squares =
            params.map(|x| jnp::full_like(x, self.initial_accumulator_value, None));
        Ok(FlatTree::of(&ScaleByRssState { sum_of_squares }))
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        _: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        let ScaleByRssState { sum_of_squares } = state.to()?;
        let sum_of_squares = updates.zip_map(&sum_of_squares, "scale_by_rss", |g, t| g * g + t)?;
        let inv = sum_of_squares.map(|t| {
            let zero = jnp::zeros_like(t, None);
            jnp::where_(&t.gt(0.0), &lax::rsqrt(&(t + self.eps)), &zero)
        });
        let updates = inv.zip_map(&updates, "scale_by_rss", |s, g| s * g)?;
        Ok((updates, FlatTree::of(&ScaleByRssState { sum_of_squares })))
    }
}

#[derive(Tree)]
struct ScaleByLionState {
    count: Array,
    mu: FlatTree,
}

/// Lion's sign update (optax's `scale_by_lion`, hard mode).
pub struct ScaleByLion {
    /// Mixes the momentum and the current update.
    pub b1: f64,
    /// Decay of the momentum.
    pub b2: f64,
    /// The dtype the momentum is stored in (the parameters' when `None`).
    pub mu_dtype: Option<DType>,
}

/// Lion's sign update.
pub fn scale_by_lion(b1: f64, b2: f64, mu_dtype: Option<DType>) -> ScaleByLion {
    ScaleByLion { b1, b2, mu_dtype }
}

impl GradientTransformation for ScaleByLion {
    fn init_flat(&self, params: &FlatTree) -> Result<OptState> {
        Ok(FlatTree::of(&ScaleByLionState {
            count: zero_count(),
            mu: zeros_like(params, self.mu_dtype),
        }))
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        _: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        let ScaleByLionState { count, mu } = state.to()?;
        let signs = updates.zip_map(&mu, "scale_by_lion", |g, m| {
            jnp::sign(&(g * (1.0 - self.b1) + m * self.b1))
        })?;
        let mu = cast(
            update_moment(&updates, &mu, self.b2, 1, "scale_by_lion")?,
            self.mu_dtype,
        );
        let count = safe_increment(&count);
        Ok((signs, FlatTree::of(&ScaleByLionState { count, mu })))
    }
}

/// Scale the updates down to a global L2 norm of `max_norm` when theirs is
/// larger (optax's `clip_by_global_norm`).
pub struct ClipByGlobalNorm(pub f64);

/// Clip the updates' global norm to `max_norm`.
pub fn clip_by_global_norm(max_norm: f64) -> ClipByGlobalNorm {
    ClipByGlobalNorm(max_norm)
}

/// The L2 norm of all leaves together (optax's `tree.norm`).
pub fn global_norm(tree: &FlatTree) -> Array {
    let sums = tree.leaves.iter().map(|x| jnp::sum(&(x * x), None, false));
    let total = sums
        .reduce(|a, b| a + b)
        .unwrap_or_else(|| jnp::full(&[], 0.0f32));
    total.sqrt()
}

impl GradientTransformation for ClipByGlobalNorm {
    fn init_flat(&self, _params: &FlatTree) -> Result<OptState> {
        Ok(FlatTree::of(&EmptyState))
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        _: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        let norm = global_norm(&updates);
        let keep = norm.lt(self.0);
        let updates = updates.map(|t| {
            let clipped = Array::from_result(t.dtype().map(|d| t / &norm.astype(d) * self.0));
            lax::select(&keep, t, &clipped)
        });
        Ok((updates, state.clone()))
    }
}

/// Add `weight_decay * params` to the updates (optax's
/// `add_decayed_weights`); needs the parameters.
pub struct AddDecayedWeights(pub f64);

/// Add `weight_decay * params` to the updates.
pub fn add_decayed_weights(weight_decay: f64) -> AddDecayedWeights {
    AddDecayedWeights(weight_decay)
}

impl GradientTransformation for AddDecayedWeights {
    fn init_flat(&self, _params: &FlatTree) -> Result<OptState> {
        Ok(FlatTree::of(&EmptyState))
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        params: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        let params = params.ok_or_else(|| {
            Error::new(
                ErrorKind::Param,
                "add_decayed_weights",
                "needs the parameters: pass Some(&params) to update",
            )
        })?;
        if self.0 == 0.0 {
            return Ok((updates, state.clone()));
        }
        let updates = updates.zip_map(params, "add_decayed_weights", |g, p| g + p * self.0)?;
        Ok((updates, state.clone()))
    }
}
