#!/usr/bin/env bash
# Real ZooKeeper / HDFS / YARN / HBase(+Thrift1) on 127.0.0.1 for the integration tests.
#   tests/cluster/cluster.sh install|up|down|status|env [-v]
# `eval "$(tests/cluster/cluster.sh env)"` or `. tests/cluster/.work/env.sh` sets the client env.
# Runs with .venv/bin/python (created by `./dev.sh setup` when missing or incomplete) or $HAMA_TEST_PYTHON.
# Only the env file goes to stdout (it is eval'd): everything else goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# what tests/cluster/*.py import beyond the standard library (all in hama-yarn's core dependencies)
needs="psutil"
usable() { [[ -x "$1" ]] && "$1" -c "import $needs" >/dev/null 2>&1; }
python="${HAMA_TEST_PYTHON:-}"
if [[ -n "$python" ]]; then
  if ! usable "$python"; then
    echo "cluster.sh: HAMA_TEST_PYTHON=$python cannot import $needs: run ./dev.sh setup and unset HAMA_TEST_PYTHON (or pip install psutil into it)" >&2
    exit 2
  fi
else
  python="$root/.venv/bin/python"
  if ! usable "$python"; then
    echo "cluster.sh: $root/.venv is missing or incomplete: running ./dev.sh setup" >&2
    if ! "$root/dev.sh" setup >&2 || ! usable "$python"; then
      echo "cluster.sh: ./dev.sh setup did not give $python with $needs: run ./dev.sh setup by hand, then retry" >&2
      exit 2
    fi
  fi
fi
cd "$root"
exec "$python" -m tests.cluster.cluster "$@"
