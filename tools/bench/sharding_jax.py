"""The JAX side of benches/sharding.rs: the same MLP step on one device,
data-parallel and tensor-parallel over 8 CPU devices, and sharded jit
dispatch. Run with XLA_FLAGS=--xla_force_host_platform_device_count=8."""
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")
import jax
import jax.numpy as jnp
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P


def params():
    out = []
    for a, b in [(784, 512), (512, 512), (512, 10)]:
        out += [jnp.full((a, b), 0.01, jnp.float32), jnp.zeros((b,), jnp.float32)]
    return out


def loss(p, x, y):
    h = jnp.tanh(x @ p[0] + p[1])
    h = jnp.tanh(h @ p[2] + p[3])
    d = h @ p[4] + p[5] - y
    return jnp.mean(d * d)


def step(p, x, y):
    g = jax.grad(loss)(p, x, y)
    return [a - 0.01 * b for a, b in zip(p, g)]


def median_us(rounds, iters, f):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(iters):
            f()
        times.append((time.perf_counter() - t) * 1e6 / iters)
    return sorted(times)[rounds // 2]


def time_step(what, train, args):
    t = time.perf_counter()
    jax.block_until_ready(train(*args))
    first = (time.perf_counter() - t) * 1e3
    steady = median_us(11, 10, lambda: jax.block_until_ready(train(*args)))
    print(f"jax: {what:<16} first call {first:8.1f} ms, steady-state step {steady:9.1f} us")


mesh = Mesh(jax.devices()[:8], ("d",))
everywhere = NamedSharding(mesh, P())
rows = NamedSharding(mesh, P("d"))
x = jnp.ones((1024, 784), jnp.float32)
y = jnp.zeros((1024, 10), jnp.float32)

time_step("one device", jax.jit(step), (params(), x, y))

data = jax.jit(step, in_shardings=(everywhere, rows, rows), out_shardings=everywhere)
placed = ([jax.device_put(p, everywhere) for p in params()],
          jax.device_put(x, rows), jax.device_put(y, rows))
time_step("data-parallel", data, placed)

s = lambda spec: NamedSharding(mesh, spec)
layout = [s(P(None, "d")), s(P("d")), s(P("d", None)), everywhere, everywhere, everywhere]
tensor = jax.jit(step, in_shardings=(layout, everywhere, everywhere), out_shardings=layout)
placed = ([jax.device_put(p, l) for p, l in zip(params(), layout)],
          jax.device_put(x, everywhere), jax.device_put(y, everywhere))
time_step("tensor-parallel", tensor, placed)

f = jax.jit(lambda v: v + 1.0, out_shardings=rows)
v = jax.device_put(jnp.ones((8000,), jnp.float32), rows)


def dispatch():
    global v
    v = f(v)
    v.block_until_ready()


print(f"jax: sharded jit dispatch (x + 1, f32[8000] over 8 devices) {median_us(21, 2000, dispatch):.2f} us")
