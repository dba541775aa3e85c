"""TLS cost: barrier time and message throughput of real jobs with ``hama.rpc.tls.enabled`` off vs on.

Local mode, P peer processes, ``rpc`` sync.  Both quantities are timed inside the job, by
every peer, with ``time.perf_counter_ns`` (no difference of two job wall times):

* barrier: each of ``--steps`` empty supersteps times its ``peer.sync()``; the table shows
  p50, mean, p99 and p99.9 over all peers' samples (the first ``--warmup`` supersteps of
  each job, which include opening the connections and their TLS handshakes, left out);
* throughput: each of ``--heavy-steps`` supersteps sends ``--msgs`` messages of ``--size``
  bytes from every peer to every other peer; a peer times the whole superstep (the
  ``send`` calls, ``sync()`` - encoding, shipping and queueing the bundles, the barrier -
  and reading its messages) and ``sync()`` alone.  Messages/s = messages of the superstep
  / its time (the slowest peer's: the superstep ends for all at the barrier), summed over
  the supersteps after the first (warm-up, connections opened).  The "sync only" row is
  the transport's share (the ``send`` loop is the same Python code with and without TLS).

Both modes run in the same invocation, interleaved, ``--reps`` times; the barrier samples
of all repetitions are pooled, throughput is the median of the repetitions.

The floor: a minimal barrier with the same structure and nothing else - one process
with a selector serving P peer processes over one connection each, a peer writing a
33-byte frame and blocking for the 33-byte reply the "master" writes to every peer
once all arrived (:func:`hama_yarn.rpc.tls.send_all` / ``recv_some``, the job's
contexts, TCP_NODELAY) - timed off and on in the same run.  Its on/off ratio is what
OpenSSL's per-record cost (encrypt, decrypt, and a second ``read`` syscall per record:
header, then body) allows on this machine for that exchange; the job's barrier adds
the same absolute cost to a longer superstep.
Goals (issue 17): TLS barrier <= 1.3x, TLS throughput >= 0.7x.

Run::

    python benchmarks/bench_tls.py [--peers 4] [--steps 300] [--msgs 20000] [--size 100] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_BIN = Path(sys.executable).parent / "hama"
HAMA = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "hama_yarn.cli.main"]
sys.path.insert(0, str(ROOT))
from hama_yarn.rpc.tls import recv_some, send_all  # noqa: E402

JOB = """\
import os
import time

from hama_yarn import BSP


class Steps(BSP):
    def bsp(self, peer):
        conf = peer.get_configuration()
        steps, msgs, size = (int(conf.get(k)) for k in ("bench.steps", "bench.msgs", "bench.size"))
        payload = "x" * size
        others = [n for n in peer.get_all_peer_names() if n != peer.get_peer_name()]
        clock = time.perf_counter_ns
        rows = []
        for _ in range(steps):
            t0 = clock()
            for name in others:
                for _ in range(msgs):
                    peer.send(name, payload)
            t1 = clock()
            peer.sync()
            t2 = clock()
            for _ in peer.messages():
                pass
            rows.append(f"{t2 - t1} {clock() - t0}")
        out = os.path.join(conf.get("bench.out"), f"peer-{peer.get_peer_index()}.txt")
        with open(out, "w") as f:
            f.write("\\n".join(rows) + "\\n")
"""


def run_job(script: Path, tmp: Path, peers: int, steps: int, msgs: int, size: int,
            tls: bool) -> list[list[tuple[int, int]]]:
    """Run the job; per peer, per superstep ``(sync ns, superstep ns)``."""
    out = Path(tempfile.mkdtemp(prefix="out-", dir=tmp))
    args = [*HAMA, "run", f"{script}:Steps", "-n", str(peers), "-r", "local",
            "-D", f"hama.tmp.dir={tmp}", "-D", f"hama.rpc.tls.enabled={'true' if tls else 'false'}",
            "-D", f"bench.steps={steps}", "-D", f"bench.msgs={msgs}", "-D", f"bench.size={size}",
            "-D", f"bench.out={out}", "-D", "hama.web.enabled=false"]
    env = dict(os.environ)
    env.pop("HAMA_CONF_DIR", None)
    p = subprocess.run(args, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=900)
    if p.returncode != 0:
        raise SystemExit(f"job failed (tls={tls}):\n{p.stderr[-3000:]}")
    result = []
    for i in range(peers):
        lines = (out / f"peer-{i}.txt").read_text().split()
        result.append([(int(lines[j]), int(lines[j + 1])) for j in range(0, len(lines), 2)])
    return result


def _floor_master(listener: socket.socket, ctx: ssl.SSLContext | None, peers: int, steps: int) -> None:
    conns = []
    for _ in range(peers):
        c, _addr = listener.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conns.append(ctx.wrap_socket(c, server_side=True) if ctx is not None else c)
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c, selectors.EVENT_READ, c)
    arrived: list[socket.socket] = []
    done = 0
    while done < steps:
        for key, _ in sel.select():
            if not recv_some(key.data, 65536):
                return
            arrived.append(key.data)
            if len(arrived) == peers:
                for c in arrived:
                    send_all(c, b"r" * 33)
                arrived, done = [], done + 1


def _floor_peer(address: tuple[str, int], ctx: ssl.SSLContext | None, steps: int, out: int) -> None:
    sock = socket.create_connection(address)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if ctx is not None:
        sock = ctx.wrap_socket(sock)
    clock, rows = time.perf_counter_ns, []
    for _ in range(steps):
        t0 = clock()
        send_all(sock, b"e" * 33)
        recv_some(sock, 65536)
        rows.append(clock() - t0)
    os.write(out, (" ".join(map(str, rows)) + "\n").encode())


def floor_barrier(tmp: Path, peers: int, steps: int, warmup: int, tls: bool) -> list[float]:
    """Barrier times (ms) of the minimal barrier (see the module docstring), every peer's, warm-up left out."""
    server_ctx = client_ctx = None
    if tls:
        from hama_yarn.rpc.tls import _contexts_for, generate_self_signed

        server_ctx, client_ctx = _contexts_for(generate_self_signed(Path(tempfile.mkdtemp(prefix="floor-", dir=tmp))))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    children, pipes = [], []
    pid = os.fork()
    if pid == 0:
        try:
            _floor_master(listener, server_ctx, peers, warmup + steps)
        finally:
            os._exit(0)
    children.append(pid)
    for _ in range(peers):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                _floor_peer(listener.getsockname(), client_ctx, warmup + steps, w)
            finally:
                os._exit(0)
        os.close(w)
        children.append(pid)
        pipes.append(r)
    listener.close()
    samples: list[float] = []
    for r in pipes:
        with os.fdopen(r, "rb") as f:
            samples += [int(x) / 1e6 for x in f.read().split()[warmup:]]
    for pid in children:
        os.waitpid(pid, 0)
    return samples


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peers", type=int, default=4)
    ap.add_argument("--steps", type=int, default=300, help="empty supersteps timed per barrier job")
    ap.add_argument("--warmup", type=int, default=10, help="first supersteps of a barrier job left out")
    ap.add_argument("--heavy-steps", type=int, default=6)
    ap.add_argument("--msgs", type=int, default=20000, help="messages per peer pair per superstep")
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--floor-steps", type=int, default=2000, help="barriers per minimal-barrier run")
    a = ap.parse_args()
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="bench-tls-") as d:
        tmp = Path(d)
        script = tmp / "steps_job.py"
        script.write_text(JOB)
        barrier: dict[bool, list[float]] = {False: [], True: []}
        rate: dict[bool, list[float]] = {False: [], True: []}
        sync_rate: dict[bool, list[float]] = {False: [], True: []}
        per_step = a.peers * (a.peers - 1) * a.msgs
        floor: dict[bool, list[float]] = {False: [], True: []}
        for rep in range(a.reps):
            for tls in (False, True):
                floor[tls].extend(floor_barrier(tmp, a.peers, a.floor_steps, 200, tls))
                peers = run_job(script, tmp, a.peers, a.warmup + a.steps, 0, 0, tls)
                samples = [s / 1e6 for rows in peers for s, _ in rows[a.warmup:]]
                barrier[tls].extend(samples)
                peers = run_job(script, tmp, a.peers, a.heavy_steps, a.msgs, a.size, tls)
                steps = range(1, a.heavy_steps)
                whole = sum(max(rows[k][1] for rows in peers) for k in steps) / 1e9
                sync = sum(max(rows[k][0] for rows in peers) for k in steps) / 1e9
                rate[tls].append(per_step * len(steps) / whole)
                sync_rate[tls].append(per_step * len(steps) / sync)
                loads.append(os.getloadavg()[0])
                print(f"rep {rep} tls={tls}: barrier p50 {pct(samples, 0.5):.3f} ms, "
                      f"{rate[tls][-1]:,.0f} msgs/s ({sync_rate[tls][-1]:,.0f} in sync), "
                      f"load {loads[-1]:.2f}", file=sys.stderr, flush=True)
    print(f"\nTLS cost, {a.peers} local peers, rpc sync, {a.reps} interleaved reps "
          f"(1-min load average {min(loads):.2f}..{max(loads):.2f})")
    print(f"{'measure':<40}{'TLS off':>12}{'TLS on':>12}{'on/off':>9}{'goal':>9}")
    for label, q in (("barrier p50 (ms)", 0.5), ("barrier p99 (ms)", 0.99), ("barrier p99.9 (ms)", 0.999)):
        off, on = pct(barrier[False], q), pct(barrier[True], q)
        print(f"{label:<40}{off:>12.3f}{on:>12.3f}{on / off:>9.2f}{'<=1.3' if q == 0.5 else '':>9}")
    off, on = statistics.fmean(barrier[False]), statistics.fmean(barrier[True])
    print(f"{'barrier mean (ms)':<40}{off:>12.3f}{on:>12.3f}{on / off:>9.2f}{'<=1.3':>9}")
    for label, q in (("floor: minimal barrier p50 (ms)", 0.5), ("floor: minimal barrier p99 (ms)", 0.99)):
        off, on = pct(floor[False], q), pct(floor[True], q)
        print(f"{label:<40}{off:>12.3f}{on:>12.3f}{on / off:>9.2f}")
    off, on = statistics.fmean(floor[False]), statistics.fmean(floor[True])
    print(f"{'floor: minimal barrier mean (ms)':<40}{off:>12.3f}{on:>12.3f}{on / off:>9.2f}")
    print(f"{'job p50 minus floor p50 (ms)':<40}"
          f"{pct(barrier[False], 0.5) - pct(floor[False], 0.5):>12.3f}"
          f"{pct(barrier[True], 0.5) - pct(floor[True], 0.5):>12.3f}")
    n = len(barrier[False])
    print(f"{'  (samples per mode)':<40}{n:>12}{len(barrier[True]):>12}")
    for label, r in ((f"messages/s, superstep ({a.size} B)", rate), ("messages/s, sync() only", sync_rate)):
        off, on = statistics.median(r[False]), statistics.median(r[True])
        print(f"{label:<40}{off:>12,.0f}{on:>12,.0f}{on / off:>9.2f}{'>=0.7':>9}")
    print(f"  ({per_step:,} messages per superstep, {a.heavy_steps - 1} timed supersteps per job)")


if __name__ == "__main__":
    main()
