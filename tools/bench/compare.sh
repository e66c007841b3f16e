#!/usr/bin/env bash
# Side-by-side: the MLP training step in JAX (installed with pip into a
# private venv under target/) and in rjax (benches/training.rs), in one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet "jax[cpu]==0.10.2"
fi
cargo bench --bench training 2>/dev/null | tee target/bench-rjax.txt
"$venv/bin/python" tools/bench/mlp_jax.py | tee target/bench-jax.txt
rjax_step=$(sed -n 's/.*steady-state step *\([0-9.]*\) us.*/\1/p' target/bench-rjax.txt)
jax_step=$(sed -n 's/.*steady-state step \([0-9.]*\) us.*/\1/p' target/bench-jax.txt)
python3 -c "print(f'steady-state step, rjax / jax: {float(\"$rjax_step\") / float(\"$jax_step\"):.2f}')"
rjax_pe=$(sed -n 's/.*per-example grads *\([0-9.]*\) us.*/\1/p' target/bench-rjax.txt)
jax_pe=$(sed -n 's/.*per-example grads \([0-9.]*\) us.*/\1/p' target/bench-jax.txt)
python3 -c "print(f'per-example grads, rjax / jax: {float(\"$rjax_pe\") / float(\"$jax_pe\"):.2f}')"
