"""The same jobs run by Apache Hama 0.7.1 and by hama-yarn on this machine, in one run (issue 15).

Apache Hama runs in its local mode (``bsp.master.address=local``: tasks are threads in one JVM),
2 tasks, with the jobs of ``benchmarks/java/HamaBench.java`` (written here against Hama's public
API: hama-examples is not on Maven Central; k-means is hama-ml's ``KMeansBSP``), compiled with
``javac`` at bench time against the jars ``tests/cluster/install.py`` puts in
``tests/cluster/lib/hama/`` (fetched here when missing).  hama-yarn runs the same inputs in its
local mode with 2 peers (processes), through ``benchmarks/vs_hama_jobs.py``.

Each job's output is checked to agree between the two systems (float tolerance) before its
time counts; a row whose outputs differ, or where one side fails, says so.  Wall time is the
whole command (JVM or Python start included; hama-yarn's modules compiled to bytecode first, as
``pip install`` leaves them), the median of ``--reps`` interleaved runs of each side for the short
jobs (pi, cmb, RandBench), peak RSS the sum of the per-process peaks (``VmHWM``) of the command's
process tree, sampled every 20 ms (for the short jobs in one more run of each side, whose time
does not count: the sampler's ``/proc`` scans compete with a 0.2 s job for the CPUs).  Jobs:

* pi: Hama's PiEstimator, ``--pi-samples`` darts per task (numpy in hama-yarn, a Java loop in Hama);
* cmb: Hama's CombineExample (sum combiner);
* RandBench: 1 KiB messages, 1000 per task per superstep, 50 supersteps;
* PageRank (Hama's example semantics: self edges, d=0.85, 30 iterations: convergence error 0)
  and SSSP (weights 1..255, source = the vertex with most out-edges) on R-MAT graphs
  (``--scales``, text adjacency ``id<TAB>dst dst ...``, 2 files), vectorized in hama-yarn.
  PageRank outputs are also checked against a float64 numpy reference (:func:`pagerank_reference`):
  Apache Hama 0.7.1's graph runtime intermittently drops messages (its ranks then sum to less than
  1), so a wrong Hama output is run again (``--hama-retries``) and the note says how many of its
  runs were wrong.  The cause is two data races in hama-graph 0.7.1, not the job: (1)
  ``IncomingVertexMessageManager.add`` (lines 70-81) is check-then-act on its map
  (``containsKey``, then ``putIfAbsent``, whose failure is ignored) and is not locked
  (``SingleLockQueue.synchronize(queue)`` only casts), while in local mode both tasks' threads
  deliver into a task's queue at once (``LocalBSPRunner`` line 355): when both deliver a message
  for the same vertex together, one task's messages to it that superstep are lost; (2)
  ``GraphJobMessage.add`` (lines 118-125) does ``numOfValues++`` unlocked while up to 64 compute
  threads add to one destination's message (``GraphJobRunner.sendMessage``), so the receiver
  reads fewer values than were written (the same ``add`` bundles the vertices that input loading
  sends to the other task, ``GraphJobRunner`` line 561: a lost count there loses a vertex).  With
  both methods made ``synchronized`` (a patched copy ahead of the jars) 8 of 8 rmat16 runs were
  right, against 4 of 8 wrong unpatched.  SSSP runs on the same runtime: its output is checked
  against scipy's Dijkstra (:func:`sssp_reference`) and retried alike;
* k-means: 100,000 points, 8 dimensions, k=10, 11 center updates, SequenceFile input (hama-ml's
  ``KMeansBSP`` makes ``k.means.max.iterations + 1`` updates: it is given 10).

Run::

    python benchmarks/bench_vs_hama.py [--scales 16,20] [--timeout 1800] [--jobs pi,cmb,...]
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_graph import cached_rmat  # noqa: E402

PY = sys.executable
JOBS = ROOT / "benchmarks" / "vs_hama_jobs.py"
JAVA_SRC = ROOT / "benchmarks" / "java" / "HamaBench.java"


class Run:
    """One command: wall seconds, summed peak RSS of its process tree, exit code, output."""

    def __init__(self, cmd: list[str], timeout: float, cwd: str, sample: bool = True) -> None:
        self.cmd = cmd
        peak: dict[int, int] = {}
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
        done = threading.Event()
        if not sample:  # timing only: no sampler competing with the job for the two cores
            done.set()

        def sample() -> None:
            root = psutil.Process(proc.pid)
            while not done.is_set():
                try:
                    procs = [root, *root.children(recursive=True)]
                except psutil.Error:
                    break
                for p in procs:
                    try:
                        with open(f"/proc/{p.pid}/status") as f:
                            for line in f:
                                if line.startswith("VmHWM:"):
                                    peak[p.pid] = max(peak.get(p.pid, 0), int(line.split()[1]) * 1024)
                    except OSError:
                        pass
                done.wait(0.02)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        try:
            self.out, self.err = proc.communicate(timeout=timeout)
            self.rc: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            self.out, self.err = proc.communicate()
            self.rc = None
        self.wall = time.perf_counter() - t0
        done.set()
        th.join()
        self.rss = sum(peak.values())
        self.timeout = timeout

    def ok(self) -> bool:
        return self.rc == 0

    def error(self) -> str:
        """Why the command failed: the root cause of a Java exception (its last ``Caused by:``, else
        the first exception line), else the first line naming an error, else the last line."""
        if self.rc is None:
            return f"timed out after {self.timeout:.0f} s"
        text = self.err + "\n" + self.out
        causes = _CAUSE.findall(text)
        if causes:
            hint = causes[-1]
        else:
            lines = [ln for ln in text.splitlines()
                     if ln.strip() and not ln.startswith(("log4j", "\tat ", "    at ")) and "WARN" not in ln]
            hint = next((ln for ln in lines if "Error" in ln or "Exception" in ln), lines[-1] if lines else "")
        return f"exit {self.rc}: {hint.strip()[:200]}"


#: A Java exception line: ``java.lang.OutOfMemoryError: Java heap space``, ``Caused by: ...``.
_CAUSE = re.compile(r"^(?:Caused by: |Exception in thread \"[^\"]*\" )?((?:[\w$]+\.)+[\w$]*(?:Exception|Error)\b.*)$",
                    re.MULTILINE)

#: Hama's log4j 1.2 logs nothing without a configuration (a task's exception in local mode is
#: only logged): errors go to stderr, where :meth:`Run.error` finds them.
LOG4J = """log4j.rootLogger=ERROR, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=%p %c{2}: %m%n
"""


def read_kv(out: str) -> dict[str, str]:
    res: dict[str, str] = {}
    for f in sorted(glob.glob(os.path.join(out, "part-*"))):
        with open(f) as fh:
            for line in fh:
                k, _, v = line.rstrip("\n").partition("\t")
                res.setdefault(k, v)
    return res


def values(out: str) -> list[str]:
    return sorted(v for f in glob.glob(os.path.join(out, "part-*")) for v in
                  (line.rstrip("\n").partition("\t")[2] for line in open(f)))


def agree_floats(a: dict[str, str], b: dict[str, str], rtol: float, unreached: float = math.inf) -> str | None:
    """None if *a* and *b* have the same keys and values within *rtol*, else what differs."""
    if a.keys() != b.keys():
        return f"{len(a)} vs {len(b)} vertices"

    def num(v: str) -> float:
        x = float(v)
        return math.inf if x >= unreached else x

    worst = 0.0
    for k, v in a.items():
        x, y = num(v), num(b[k])
        if x == y:
            continue
        if math.isinf(x) or math.isinf(y):
            return f"vertex {k}: {v} vs {b[k]}"
        worst = max(worst, abs(x - y) / max(abs(x), 1e-300))
    return None if worst <= rtol else f"max relative difference {worst:.2e}"


def pagerank_reference(n: int, src: Any, dst: Any, iterations: int, d: float = 0.85) -> dict[str, float]:
    """Hama's PageRank semantics in float64 numpy: every vertex has a self edge besides its
    out-edges (``hama.graph.self.ref``, duplicates kept), x0 = 1/n, *iterations* updates
    ``x = (1-d)/n + d * sum(x_u / outdeg_u)``.  The ranks sum to 1 in every iteration."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    inv = 1.0 / (np.bincount(src, minlength=n) + 1.0)
    x = np.full(n, 1.0 / n)
    for _ in range(iterations):
        c = x * inv
        x = (1.0 - d) / n + d * (np.bincount(dst, weights=c[src], minlength=n) + c)
    return {str(i): float(v) for i, v in enumerate(x.tolist())}


def against_reference(out: str, ref: dict[str, float], rtol: float) -> str | None:
    """None if the PageRank output *out* matches *ref* within *rtol*, else what is wrong with it
    (missing vertices, the rank sum, the largest relative difference)."""
    got = read_kv(out)
    missing = sorted(ref.keys() - got.keys(), key=int)
    if missing:
        return f"{len(missing)} vertices missing from the output (e.g. {missing[0]})"
    if got.keys() != ref.keys():
        return f"{len(got.keys() - ref.keys())} unknown vertices in the output"
    total = math.fsum(float(v) for v in got.values())
    diff = agree_floats(got, {k: repr(v) for k, v in ref.items()}, rtol)
    return None if diff is None else f"{diff} from the float64 reference, ranks sum to {total:.10f}"


def sssp_reference(n: int, src: Any, dst: Any, w: Any, source: int) -> dict[str, str]:
    """Hama's SSSP output for the weighted graph: the shortest distance from *source* (scipy's
    Dijkstra; of parallel edges the lightest counts), ``2147483647`` where unreached."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra
    src, dst, w = (np.asarray(a, dtype=np.int64) for a in (src, dst, w))
    order = np.lexsort((w, dst, src))  # per (src, dst) the lightest first: csr_matrix would sum duplicates
    src, dst, w = src[order], dst[order], w[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    g = csr_matrix((w[first].astype(np.float64), (src[first], dst[first])), shape=(n, n))
    dist = dijkstra(g, directed=True, indices=source)
    return {str(i): str(int(x)) if math.isfinite(x) else "2147483647" for i, x in enumerate(dist.tolist())}


def against_sssp(out: str, ref: dict[str, str]) -> str | None:
    """None if the SSSP output *out* has *ref*'s distances (unreached: ``2147483647`` or ``inf``),
    else what is wrong with it."""
    got = read_kv(out)
    missing = sorted(ref.keys() - got.keys(), key=int)
    if missing:
        return f"{len(missing)} vertices missing from the output (e.g. {missing[0]})"
    diff = agree_floats(got, ref, 0.0, 2147483647)
    return None if diff is None else f"{diff} from Dijkstra's distances"


def mib(b: int) -> str:
    return f"{b / 2**20:.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", default="16,20", help="R-MAT scales (comma-separated)")
    p.add_argument("--jobs", default="pi,cmb,bench,pagerank,sssp,kmeans")
    p.add_argument("--pi-samples", type=int, default=10_000_000, help="darts per task")
    p.add_argument("--timeout", type=float, default=1800.0,
                   help="seconds per command (Apache Hama takes about 700 s for PageRank rmat20 on 2 cores)")
    p.add_argument("--xmx", default="8g", help="Hama's JVM heap")
    p.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "hama-bench-graphs"))
    p.add_argument("--hama-retries", type=int, default=4,
                   help="PageRank, SSSP: run Apache Hama again (at most this often) when its output is not the "
                        "reference's (data races in hama-graph 0.7.1 drop messages and vertices: see the docstring)")
    p.add_argument("--reps", type=int, default=5,
                   help="pi, cmb, RandBench: runs of each side (interleaved); the table shows the median")
    args = p.parse_args(argv)
    jobs = args.jobs.split(",")
    # hama-yarn's modules as a pip install leaves them, compiled to bytecode (an editable install or
    # PYTHONDONTWRITEBYTECODE would make every run compile them again: 80 ms of a 0.2 s job)
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "hama_yarn"), str(JOBS)], check=True,
                   stdout=subprocess.DEVNULL)

    from tests.cluster.config import Layout
    from tests.cluster.install import ensure_hama_jars

    lib = ensure_hama_jars(Layout())
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="bench-vs-hama-") as tmp:
        classes = os.path.join(tmp, "classes")
        subprocess.run(["javac", "-nowarn", "-d", classes, "-cp", f"{lib}/*", str(JAVA_SRC)], check=True)
        log4j = os.path.join(tmp, "log4j.properties")
        with open(log4j, "w") as f:
            f.write(LOG4J)
        java = ["java", f"-Xmx{args.xmx}", f"-Dlog4j.configuration=file:{log4j}", "-cp", f"{lib}/*:{classes}",
                "HamaBench"]
        # one split per input file: Hama graph jobs fail when the splits outnumber the tasks
        common_h = [f"hama.tmp.dir={tmp}/hama-tmp", f"hadoop.tmp.dir={tmp}/hadoop-tmp", "bsp.peers.num=2",
                    "bsp.min.split.size=4294967296"]
        common_y = [f"hama.tmp.dir={tmp}/yarn-tmp", "bsp.peers.num=2"]
        n = 0

        def both(label: str, job: str, extra: list[str], check: Any, hama_wrong: Any = None, reps: int = 1) -> None:
            """*hama_wrong(out)*: None if Apache Hama's output is right, else why (then Hama runs
            again, at most ``--hama-retries`` times; the note says how many runs were wrong)."""
            nonlocal n
            n += 1
            yo, ho = os.path.join(tmp, f"y{n}"), os.path.join(tmp, f"h{n}")
            print(f"{label}: hama-yarn ...", end="", flush=True, file=sys.stderr)
            y = Run([PY, str(JOBS), job, yo, *common_y, *extra], args.timeout, tmp)
            print(f" {y.wall:.1f} s; Apache Hama ...", end="", flush=True, file=sys.stderr)
            wrong: list[str] = []
            for attempt in range(1 + (args.hama_retries if hama_wrong else 0)):
                shutil.rmtree(ho, ignore_errors=True)
                h = Run([*java, job, ho, *common_h, *extra], args.timeout, tmp)
                print(f" {h.wall:.1f} s", end="", flush=True, file=sys.stderr)
                why = hama_wrong(ho) if hama_wrong and h.ok() else None
                if why is None:
                    break
                wrong.append(why)
                print(f" (wrong: {why})", end="", flush=True, file=sys.stderr)
            if reps > 1 and y.ok() and h.ok():
                # short jobs: the median of --reps more runs of each side, interleaved and not sampled
                # (the RSS sampler's /proc scans would take a tenth of a core from a 0.2 s job); the
                # peak RSS is the first runs' (sampled above); the outputs checked are the last runs'
                ys, hs = [], []
                for _ in range(reps):
                    shutil.rmtree(yo, ignore_errors=True)
                    shutil.rmtree(ho, ignore_errors=True)
                    ys.append(Run([PY, str(JOBS), job, yo, *common_y, *extra], args.timeout, tmp, sample=False))
                    hs.append(Run([*java, job, ho, *common_h, *extra], args.timeout, tmp, sample=False))
                y_rss, h_rss = y.rss, h.rss
                y, h = _median(ys), _median(hs)
                y.rss, h.rss = y_rss, h_rss
                print(f" (median of {reps}: {y.wall:.2f} s vs {h.wall:.2f} s)", end="", flush=True, file=sys.stderr)
            print("", file=sys.stderr)
            load = os.getloadavg()[0]
            if not y.ok():
                rows.append((label, "FAILED", "", f"{h.wall:.2f}", mib(h.rss), "", f"hama-yarn {y.error()}", f"{load:.1f}"))
                return
            if not h.ok():
                rows.append((label, f"{y.wall:.2f}", mib(y.rss), "FAILED", mib(h.rss) if h.rss else "", "",
                             f"Apache Hama {h.error()}", f"{load:.1f}"))
                return
            diff = check(yo, ho, y, h)
            note = "outputs agree" if diff is None or diff.startswith("agree") else f"OUTPUTS DIFFER: {diff}"
            if diff and diff.startswith("agree"):
                note = "outputs " + diff
            if wrong:
                note += (f"; Apache Hama's output was wrong in {len(wrong)} of {len(wrong) + (diff is None)} runs "
                         f"({wrong[0]}), the time is of its {'right run' if diff is None else 'last run'}")
            ratio = f"{h.wall / y.wall:.1f}x" if diff is None or diff.startswith("agree") else "(not counted)"
            rows.append((label, f"{y.wall:.2f}", mib(y.rss), f"{h.wall:.2f}", mib(h.rss), ratio, note, f"{load:.1f}"))

        if "pi" in jobs:
            def pi_check(yo: str, ho: str, *_: Any) -> str | None:
                a = float(read_kv(yo)["Estimated value of PI is"])
                b = float(read_kv(ho)["Estimated value of PI is"])
                tol = 6 * math.sqrt(math.pi * (4 - math.pi) / (2 * args.pi_samples))
                bad = [f"{v:.6f}" for v in (a, b) if abs(v - math.pi) > tol]
                return f"off by more than {tol:.1e}: {bad}" if bad else f"agree (both within {tol:.0e} of pi)"
            both(f"pi ({args.pi_samples:,} darts/task)", "pi", [f"pi.iterations={args.pi_samples}"], pi_check,
                 reps=args.reps)
        if "cmb" in jobs:
            def cmb_check(yo: str, ho: str, *_: Any) -> str | None:
                a, b = values(yo), values(ho)
                return None if a == b == ["6"] * 4 else f"{a} vs {b}"
            both("combiner (cmb)", "cmb", [], cmb_check, reps=args.reps)
        if "bench" in jobs:
            def bench_check(yo: str, ho: str, y: Run, h: Run) -> str | None:
                got = int(next(ln.split()[1] for ln in y.out.splitlines() if ln.startswith("BYTES_RECEIVED")))
                hb = sum(int(v) for v in values(ho)) * 1024
                want = 2 * 1000 * 50 * 1024
                return None if got == hb == want else f"bytes received {got} vs {hb} (expected {want})"
            both("RandBench (1 KiB x 1000 x 50 steps)", "bench",
                 ["msg.size=1024", "communications.num=1000", "supersteps.num=50"], bench_check, reps=args.reps)
        for scale in [int(s) for s in args.scales.split(",") if s]:
            if "pagerank" in jobs:
                text, src, dst, _ = cached_rmat(scale, 16, 2, args.cache, tmp)
                m = len(src)
                ref = pagerank_reference(1 << scale, src, dst, 30)
                del src, dst

                def pr_check(yo: str, ho: str, *_: Any) -> str | None:
                    mine = against_reference(yo, ref, 1e-9)
                    if mine is not None:
                        return f"hama-yarn: {mine}"
                    return agree_floats(read_kv(yo), read_kv(ho), 1e-9)
                both(f"PageRank rmat{scale} ({m / 1e6:.1f}M edges, 30 it)", "pagerank",
                     [f"bench.input={text}", "bench.iterations=30", "hama.graph.max.convergence.error=0"],
                     pr_check, lambda ho: against_reference(ho, ref, 1e-9))
                del ref
            if "sssp" in jobs:
                wtext, src, dst, w = cached_rmat(scale, 16, 2, args.cache, tmp, weighted=True)
                source = int(np.argmax(np.bincount(src, minlength=1 << scale)))
                sref = sssp_reference(1 << scale, src, dst, w, source)
                del src, dst, w

                def sssp_check(yo: str, ho: str, *_: Any) -> str | None:
                    mine = against_sssp(yo, sref)
                    if mine is not None:
                        return f"hama-yarn: {mine}"
                    return agree_floats(read_kv(yo), read_kv(ho), 0.0, 2147483647)
                both(f"SSSP rmat{scale}", "sssp", [f"bench.input={wtext}", f"shortest.paths.start.vertex.name={source}"],
                     sssp_check, lambda ho: against_sssp(ho, sref))
                del sref
        if "kmeans" in jobs:
            try:
                from hama_yarn.ml.kmeans import load_centers, write_centers
            except ImportError:
                rows.append(("k-means", "not yet", "", "", "", "", "hama_yarn.ml.kmeans missing", ""))
            else:
                rng = np.random.default_rng(5)
                k, d, npts = 10, 8, 100_000
                c = rng.normal(0, 10, (k, d))
                pts = c[rng.integers(0, k, npts)] + rng.normal(0, 2, (npts, d))
                km = os.path.join(tmp, "km")
                write_centers(f"{km}/in/part-00000", pts[: npts // 2])
                write_centers(f"{km}/in/part-00001", pts[npts // 2:])
                write_centers(f"{km}/cen/cen.seq", pts[:k])
                outs = {"y": f"{km}/ycent.seq", "h": f"{km}/hcent.seq"}

                def km_check(yo: str, ho: str, *_: Any) -> str | None:
                    a, b = load_centers(outs["y"]), load_centers(outs["h"])
                    worst = float(np.abs(a - b).max())
                    return None if worst <= 1e-9 * float(np.abs(b).max()) else f"centers differ by {worst:.2e}"
                # the two sides write their centers to different files: pass both keys, each reads its own
                # KMeansBSP 0.7.1 loops while maxIterations >= getSuperstepCount(): k.means.max.iterations=10
                # makes 11 center updates; hama-yarn's key counts updates, so it gets 11
                kv = [f"bench.input={km}/in", f"center.in.path={km}/cen/cen.seq", "bench.k=10"]
                both_y = kv + [f"center.out.path={outs['y']}", "k.means.max.iterations=11"]
                both_h = kv + [f"center.out.path={outs['h']}", "k.means.max.iterations=10"]
                _both_split("k-means (100k x 8, k=10, 11 updates)", both_y, both_h, km_check, locals())

    print(f"\nApache Hama 0.7.1 (local mode, 2 tasks, JDK 17) vs hama-yarn (local mode, 2 peers); "
          f"{os.cpu_count()} cores; wall = whole command (pi, cmb, RandBench: median of {args.reps} interleaved runs "
          f"each); RSS = sum of the process tree's peaks\n")
    head = ("job", "hama-yarn s", "hama-yarn RSS", "Apache Hama s", "Apache Hama RSS", "Hama / ours", "check",
            "load")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0


def _median(runs: list[Run]) -> Run:
    """The run of median wall time (the upper median of an even count)."""
    return sorted(runs, key=lambda r: r.wall)[len(runs) // 2]


def _both_split(label: str, ykv: list[str], hkv: list[str], check: Any, env: dict[str, Any]) -> None:
    """Like ``both`` in :func:`main`, for a job whose two sides take different keys (k-means centers)."""
    tmp, java, rows, args = env["tmp"], env["java"], env["rows"], env["args"]
    yo, ho = os.path.join(tmp, "ykm"), os.path.join(tmp, "hkm")
    y = Run([PY, str(JOBS), "kmeans", yo, *env["common_y"], *ykv], args.timeout, tmp)
    h = Run([*java, "kmeans", ho, *env["common_h"], *hkv], args.timeout, tmp)
    load = f"{os.getloadavg()[0]:.1f}"
    if not (y.ok() and h.ok()):
        bad = y if not y.ok() else h
        rows.append((label, f"{y.wall:.2f}" if y.ok() else "FAILED", mib(y.rss), f"{h.wall:.2f}" if h.ok() else "FAILED",
                     mib(h.rss), "", f"{'hama-yarn' if bad is y else 'Apache Hama'} {bad.error()}", load))
        return
    diff = check(yo, ho)
    rows.append((label, f"{y.wall:.2f}", mib(y.rss), f"{h.wall:.2f}", mib(h.rss),
                 f"{h.wall / y.wall:.1f}x" if diff is None else "(not counted)",
                 "outputs agree" if diff is None else f"OUTPUTS DIFFER: {diff}", load))


if __name__ == "__main__":
    sys.exit(main())
