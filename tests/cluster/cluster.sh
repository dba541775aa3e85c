#!/usr/bin/env bash
# Real ZooKeeper / HDFS / YARN / HBase(+Thrift1) on 127.0.0.1 for the integration tests.
#   tests/cluster/cluster.sh install|up|down|status|env [-v]
# `eval "$(tests/cluster/cluster.sh env)"` or `. tests/cluster/.work/env.sh` sets the client env.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${HAMA_TEST_PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$root/.venv/bin/python" ]]; then python="$root/.venv/bin/python"; else python="$(command -v python3)"; fi
fi
cd "$root"
exec "$python" -m tests.cluster.cluster "$@"
