#!/usr/bin/env bash
# hama-yarn developer entry point.
#   ./dev.sh pagerank        set up .venv and run PageRank locally on the bundled graph
#   ./dev.sh test [ARGS]     set up everything (pip, apt, Maven jars) and run the whole test suite
#   ./dev.sh unit [ARGS]     only the fast tests (no real services)
#   ./dev.sh setup           only create/update .venv
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
venv="$root/.venv"

krb5_headers() {  # the kerberos extra builds against MIT Kerberos (libkrb5-dev, krb5-config)
  command -v krb5-config >/dev/null && return 0
  [[ $(id -u) == 0 ]] || { echo "the kerberos extra needs MIT Kerberos headers: sudo apt-get install -y libkrb5-dev" >&2; exit 2; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q libkrb5-dev >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libkrb5-dev >/dev/null; }
}

setup() {
  local py="${PYTHON:-python3}"
  [[ ",$1," != *",kerberos,"* ]] || krb5_headers
  if [[ ! -x "$venv/bin/python" ]]; then
    "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "hama-yarn needs Python >= 3.11" >&2; exit 2; }
    "$py" -m venv "$venv"
  fi
  local stamp="$venv/.installed" want
  want="$(cat pyproject.toml | sha1sum | cut -d' ' -f1)-$1"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    "$venv/bin/python" -m pip install -q --upgrade pip==25.3
    "$venv/bin/python" -m pip install -q -e ".${1:+[$1]}"
    echo "$want" > "$stamp"
  fi
}

cmd="${1:-help}"; shift || true
case "$cmd" in
  setup)    setup "test,zookeeper,hdfs,yarn,hbase,compression,arrow,tls,kerberos" ;;
  pagerank) setup ""
            exec "$venv/bin/hama" example pagerank "$@" ;;
  unit)     setup "test,zookeeper,hdfs,yarn,hbase,compression,arrow,tls,kerberos"
            HAMA_TEST_SERVICES=0 exec "$venv/bin/python" -m pytest "$@" ;;
  test)     setup "test,zookeeper,hdfs,yarn,hbase,compression,arrow,tls,kerberos"
            bash tests/cluster/cluster.sh install
            "$venv/bin/python" -m mypy --config-file pyproject.toml
            exec "$venv/bin/python" -m pytest --durations=40 "$@" ;;
  *)        sed -n '2,7p' "$0"; exit 2 ;;
esac
