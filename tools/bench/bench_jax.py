"""The workloads of rjax's benchmarks (benches/*.rs), in JAX, for a
side-by-side comparison (tools/bench/compare.sh). Each figure is printed
as `bench: <name> <microseconds>`, the same names the rjax benchmarks use.

- dispatch: jit(x + 1) and eager x + 1 on f32[1000], call + wait;
- the MLP 784-512-512-10 (tanh) training step, batch 128, f32: trace +
  transform + lower, first call (trace + lower + compile), steady state;
- per-example gradients of an MLP 784-128-10, batch 128;
- slow_f(x) = x * x + x * 2.0 on ones(5000, 5000), jit and eager;
- linear algebra under jit, f32: cholesky, solve, qr, eigh and svd at
  128 and 512.

Arguments name sections to run (e.g. `linalg`); none runs them all.
"""
import sys
import time

import jax
import jax.numpy as jnp


def median_us(rounds, iters, f):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(iters):
            f()
        times.append((time.perf_counter() - t) / iters * 1e6)
    return sorted(times)[rounds // 2]


def report(name, us):
    print(f"bench: {name} {us:.1f}")


def predict(params, x):
    for i, (w, b) in enumerate(params):
        x = jnp.dot(x, w) + b
        if i + 1 < len(params):
            x = jnp.tanh(x)
    return x


def loss(params, x, y):
    return jnp.mean((predict(params, x) - y) ** 2)


def step(params, x, y):
    grads = jax.grad(loss)(params, x, y)
    return [(w - 0.01 * gw, b - 0.01 * gb) for (w, b), (gw, gb) in zip(params, grads)]


def mlp_params(sizes):
    return [(jnp.full((m, n), 0.01, jnp.float32), jnp.zeros((n,), jnp.float32)) for m, n in zip(sizes, sizes[1:])]


def dispatch():
    x = jnp.ones((1000,), jnp.float32)
    f = jax.jit(lambda x: x + 1.0)
    jax.block_until_ready(f(x))
    report("jit_dispatch", median_us(21, 2000, lambda: jax.block_until_ready(f(x))))
    jax.block_until_ready(x + 1.0)
    report("eager_dispatch", median_us(21, 2000, lambda: jax.block_until_ready(x + 1.0)))


def training():
    params = mlp_params([784, 512, 512, 10])
    x = jnp.ones((128, 784), jnp.float32)
    y = jnp.zeros((128, 10), jnp.float32)
    report("trace_lower", median_us(5, 5, lambda: jax.jit(step).lower(params, x, y).as_text()))
    train = jax.jit(step)
    t = time.perf_counter()
    jax.block_until_ready(train(params, x, y))
    report("first_call", (time.perf_counter() - t) * 1e6)
    report("training_step", median_us(11, 20, lambda: jax.block_until_ready(train(params, x, y))))


def per_example():
    params = mlp_params([784, 128, 10])
    x = jnp.ones((128, 784), jnp.float32)
    y = jnp.zeros((128, 10), jnp.float32)
    pe = jax.jit(jax.vmap(lambda p, a, b: jax.grad(loss)(p, a[None], b[None]), in_axes=(None, 0, 0)))
    batch = jax.jit(jax.grad(loss))
    jax.block_until_ready(pe(params, x, y))
    jax.block_until_ready(batch(params, x, y))
    report("per_example_grads", median_us(11, 10, lambda: jax.block_until_ready(pe(params, x, y))))
    report("batch_grad", median_us(11, 10, lambda: jax.block_until_ready(batch(params, x, y))))


def slow_f():
    f = lambda x: x * x + x * 2.0
    x = jnp.ones((5000, 5000), jnp.float32)
    fast = jax.jit(f)
    jax.block_until_ready(fast(x))
    jax.block_until_ready(f(x))
    report("slow_f_jit", median_us(5, 3, lambda: jax.block_until_ready(fast(x))))
    report("slow_f_eager", median_us(5, 3, lambda: jax.block_until_ready(f(x))))


def spd(n):
    """The matrices the rjax benchmark uses: a symmetric positive definite
    matrix built from a fixed ramp, so both sides factor the same input."""
    i = jnp.arange(n * n, dtype=jnp.float32).reshape(n, n)
    a = jnp.sin(i * 0.37) * 0.5
    return a @ a.T + n * jnp.eye(n, dtype=jnp.float32)


def linalg():
    cases = [
        ("cholesky", jnp.linalg.cholesky, [128, 512]),
        ("solve", lambda a: jnp.linalg.solve(a, a[:, :1]), [128, 512]),
        ("qr", jnp.linalg.qr, [128, 512]),
        ("eigh", jnp.linalg.eigh, [128, 512]),
        ("svd", jnp.linalg.svd, [128, 512]),
    ]
    for name, f, sizes in cases:
        g = jax.jit(f)
        for n in sizes:
            a = spd(n)
            jax.block_until_ready(g(a))
            report(f"{name}_{n}", median_us(5, 3, lambda: jax.block_until_ready(g(a))))


print(f"jax {jax.__version__} on {jax.devices()[0].platform}")
for section in (dispatch, training, per_example, slow_f, linalg):
    if len(sys.argv) < 2 or section.__name__ in sys.argv[1:]:
        section()
