#!/usr/bin/env bash
# Write docs/api-coverage.md: rjax's public functions per module against
# the JAX version the fixtures come from (installed by pip into a private
# virtual environment, shared with tools/fixtures).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/target/fixtures-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "jax[cpu]==0.10.2"
fi
"$venv/bin/python" "$root/tools/coverage/api_coverage.py" > "$root/docs/api-coverage.md"
echo "wrote docs/api-coverage.md"
