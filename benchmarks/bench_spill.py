"""Out-of-core message throughput (issue 23): receive queues ``spilling`` and ``disk`` next to
``memory`` at a size that fits in memory, and next to a plain sequential write + read of the
same bytes on the same disk, all measured in one run.

Three peers each send ``--mib`` MiB of ``--message-kib`` KiB ``bytes`` messages to a fourth
peer in one superstep; the time runs from the senders' first ``send`` (after an aligning
superstep) to the receiver having read every message.  The baseline writes the same number
of bytes to a file in the spill directory (``bsp.local.dir``) in 16 MiB writes, reads it
back and deletes it (no fsync; the queues do not fsync either).

Run::

    python benchmarks/bench_spill.py [--mib 256] [--message-kib 64] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from hama_yarn import BSP, BSPJob
from hama_yarn.config import HamaConfiguration

GROUP = "bench_spill"


class Flood(BSP):
    def bsp(self, peer: Any) -> None:
        conf = peer.get_configuration()
        total = int(conf.get("bench.bytes") or 1 << 28)
        size = int(conf.get("bench.message.bytes") or 65536)
        idx = peer.get_peer_index()
        body = os.urandom(size)
        # distinct messages (pickle would send one repeated object once), made before the clock starts
        msgs = [body[:-8] + i.to_bytes(8, "little") for i in range(total // size)] if idx else []
        peer.sync()  # all peers up and aligned
        t0 = time.time()
        if idx != 0:
            dest = peer.get_peer_name(0)
            for m in msgs:
                peer.send(dest, m)
            del msgs
            peer.increment_counter(GROUP, f"T0_MS_{idx}", int(t0 * 1000))
        peer.sync()
        if idx == 0:
            peer.increment_counter(GROUP, "T_BARRIER_MS", int(time.time() * 1000))
            got = 0
            for msg in peer.messages():
                got += len(msg)
            peer.increment_counter(GROUP, "T1_MS", int(time.time() * 1000))
            peer.increment_counter(GROUP, "RECEIVED_BYTES", got)


def run_queue(queue: str, nbytes: int, msg_bytes: int, tmp: str) -> tuple[float, float, float]:
    """Bytes per second through *queue* (3 senders -> 1 receiver), and the seconds from the first
    send to the receiver passing the barrier and from there to the last message read."""
    conf = HamaConfiguration()
    conf.set("hama.tmp.dir", tmp)
    conf.set("bsp.local.dir", os.path.join(tmp, "local"))
    conf.set("hama.messenger.receive.queue.class", queue)
    conf.set("bench.bytes", str(nbytes))
    conf.set("bench.message.bytes", str(msg_bytes))
    job = BSPJob(conf, Flood)
    job.set_num_bsp_task(4)
    if not job.wait_for_completion(verbose=False):
        raise SystemExit(f"the {queue} run failed")
    c = job.get_counters()
    received = c.get(GROUP, "RECEIVED_BYTES")
    expect = 3 * (nbytes // msg_bytes) * msg_bytes
    if received != expect:
        raise SystemExit(f"{queue}: received {received} bytes, sent {expect}")
    t0 = min(c.get(GROUP, f"T0_MS_{i}") for i in (1, 2, 3))
    tb, t1 = c.get(GROUP, "T_BARRIER_MS"), c.get(GROUP, "T1_MS")
    return received / max((t1 - t0) / 1000.0, 1e-3), (tb - t0) / 1000.0, (t1 - tb) / 1000.0


def sequential_io(nbytes: int, directory: str) -> float:
    """Bytes per second of writing *nbytes* sequentially, reading them back, deleting the file."""
    os.makedirs(directory, exist_ok=True)
    chunk = os.urandom(16 << 20)
    path = Path(directory) / "seq.bin"
    t = time.perf_counter()
    with open(path, "wb") as f:
        left = nbytes
        while left > 0:
            f.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
    with open(path, "rb", buffering=0) as f:
        while f.read(16 << 20):
            pass
    path.unlink()
    return nbytes / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mib", type=int, default=256, help="MiB each of the 3 senders sends")
    ap.add_argument("--message-kib", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=2, help="runs per queue (best is kept)")
    ap.add_argument("--queues", default="memory,spilling,disk",
                    help="comma-separated queues to measure (memory is always measured: the ratios need it)")
    args = ap.parse_args()
    nbytes, msg = args.mib << 20, args.message_kib << 10
    total = 3 * (nbytes // msg) * msg
    names = ["memory"] + [q for q in args.queues.split(",") if q and q != "memory"]
    best: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-spill-") as tmp:
        seqs = []
        for _ in range(args.repeat):  # rounds over every path: load changes hit all of them alike
            for q in names:
                r = run_queue(q, nbytes, msg, tmp)
                best[q] = max(best.get(q, r), r)
            seqs.append(sequential_io(total, os.path.join(tmp, "local")))
        seq = max(seqs)
    rates = {q: best[q][0] for q in names}
    print(f"message throughput, 3 peers x {args.mib} MiB of {args.message_kib} KiB messages to one peer "
          f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)")
    print(f"{'path':<34}{'MiB/s':>10}{'vs memory':>12}{'vs seq I/O':>12}{'to barrier':>12}{'reading':>10}")
    rows = [(f"queue {q}", r) for q, r in rates.items()] + [("sequential write+read, same disk", seq)]
    for name, r in rows:
        split = best.get(name.removeprefix("queue "))
        times = f"{split[1]:>11.2f}s{split[2]:>9.2f}s" if split else ""
        print(f"{name:<34}{r / (1 << 20):>10.1f}{r / rates['memory']:>11.2f}x{r / seq:>11.2f}x{times}")
    print("goals: spilling >= 0.7x memory, disk >= 0.5x memory, both >= 0.6x sequential write+read")
    for q in names[1:]:  # the time a queue adds to the memory queue's, against writing + reading the bytes
        extra = total / rates[q] - total / rates["memory"]
        if extra > 0:
            print(f"{q}: {extra:.2f} s more than memory; sequential write+read of the same bytes "
                  f"{total / seq:.2f} s ({total / seq / extra:.2f}x of the extra time)")


if __name__ == "__main__":
    main()
