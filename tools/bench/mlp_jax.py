"""The training-step workload of benches/training.rs, in JAX, for a side-by-side
comparison: grad of the mean-squared loss of an MLP 784-512-512-10 (tanh),
batch 128, f32, and an SGD step params - 0.01 * grads under jit."""
import time

import jax
import jax.numpy as jnp


def predict(params, x):
    for i, (w, b) in enumerate(params):
        x = jnp.dot(x, w) + b
        if i + 1 < len(params):
            x = jnp.tanh(x)
    return x


def loss(params, x, y):
    return jnp.mean((predict(params, x) - y) ** 2)


@jax.jit
def step(params, x, y):
    grads = jax.grad(loss)(params, x, y)
    return [(w - 0.01 * gw, b - 0.01 * gb) for (w, b), (gw, gb) in zip(params, grads)]


def median_us(rounds, iters, f):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(iters):
            f()
        times.append((time.perf_counter() - t) / iters * 1e6)
    return sorted(times)[rounds // 2]


sizes = [784, 512, 512, 10]
params = [(jnp.full((m, n), 0.01, jnp.float32), jnp.zeros((n,), jnp.float32)) for m, n in zip(sizes, sizes[1:])]
x = jnp.ones((128, 784), jnp.float32)
y = jnp.zeros((128, 10), jnp.float32)

lower_us = median_us(5, 5, lambda: jax.jit(lambda p, a, b: step(p, a, b)).lower(params, x, y).as_text())
jax.block_until_ready(step(params, x, y))
step_us = median_us(11, 20, lambda: jax.block_until_ready(step(params, x, y)))
print(f"jax {jax.__version__}: trace+transform+lower {lower_us:.1f} us, steady-state step {step_us:.1f} us")


# Per-example gradients of an MLP 784-128-10, batch 128.
sizes = [784, 128, 10]
params = [(jnp.full((m, n), 0.01, jnp.float32), jnp.zeros((n,), jnp.float32)) for m, n in zip(sizes, sizes[1:])]
per_example = jax.jit(jax.vmap(lambda p, a, b: jax.grad(loss)(p, a[None], b[None]), in_axes=(None, 0, 0)))
batch = jax.jit(jax.grad(loss))
jax.block_until_ready(per_example(params, x, y))
jax.block_until_ready(batch(params, x, y))
pe_us = median_us(11, 10, lambda: jax.block_until_ready(per_example(params, x, y)))
bg_us = median_us(11, 10, lambda: jax.block_until_ready(batch(params, x, y)))
print(f"jax {jax.__version__}: per-example grads {pe_us:.1f} us, batch grad {bg_us:.1f} us")
