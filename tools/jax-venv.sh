#!/usr/bin/env bash
# Print the python of a private virtual environment with the JAX version
# rjax matches (jax[cpu]==0.10.2), creating it with pip on first use.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/fixtures-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet "jax[cpu]==0.10.2" >&2
fi
echo "$venv/bin/python"
