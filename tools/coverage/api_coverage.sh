#!/usr/bin/env bash
# Write docs/api-coverage.md: rjax's public functions per module against
# the JAX version the fixtures come from.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="$("$root/tools/jax-venv.sh")"
"$python" "$root/tools/coverage/api_coverage.py" > "$root/docs/api-coverage.md"
echo "wrote docs/api-coverage.md"
