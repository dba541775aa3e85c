"""Launch overhead on YARN: a trivial hama-yarn job next to a bare skein application.

Both run in the same process against the same ResourceManager, through one skein
driver, alternating, so cluster noise hits both alike:

* ``skein echo``: a skein application whose one service container runs ``echo`` (the
  AM plus one container: the least any YARN application with workers costs);
* ``hama-yarn P=1`` / ``P=2``: a job with P peers doing one empty superstep, from
  ``BSPJob.wait_for_completion`` until the application has FINISHED (the AM in its
  container, the master's Thrift port, P peer containers, registration, barrier,
  counters, shutdown).

Wall time is from submit to the application's final state.  Goal: hama/echo <= 1.5.

Run (needs the test cluster: ``tests/cluster/cluster.sh up``)::

    . tests/cluster/.work/env.sh && python benchmarks/bench_yarn_launch.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from typing import Any

from hama_yarn import BSP, BSPJob
from hama_yarn.config import HamaConfiguration

FINAL = ("FINISHED", "FAILED", "KILLED")


class Trivial(BSP):
    """One empty superstep."""

    def bsp(self, peer: Any) -> None:
        peer.sync()


def bare_skein(client: Any) -> float:
    """Seconds from submit to FINISHED of a skein app with one ``echo`` container."""
    import skein

    spec = skein.ApplicationSpec(
        name="bench-echo", queue="default", max_attempts=1,
        master=skein.Master(resources=skein.Resources(memory=512, vcores=1)),
        services={"echo": skein.Service(instances=1, resources=skein.Resources(memory=512, vcores=1),
                                        script="echo hello")},
    )
    t0 = time.perf_counter()
    app_id = client.submit(spec)
    while str(client.application_report(app_id).state) not in FINAL:
        time.sleep(0.05)
    elapsed = time.perf_counter() - t0
    report = client.application_report(app_id)
    assert str(report.final_status) == "SUCCEEDED", report.diagnostics
    return elapsed


def hama_job(peers: int, tmp: str) -> float:
    """Seconds from submit until the job's application FINISHED."""
    conf = HamaConfiguration()
    conf.set("bsp.master.address", "yarn")
    conf.set("hama.tmp.dir", tmp)
    job = BSPJob(conf, Trivial)
    job.set_num_bsp_task(peers)
    t0 = time.perf_counter()
    ok = job.wait_for_completion(verbose=False)  # returns once the application has ended
    elapsed = time.perf_counter() - t0
    assert ok, job.get_diagnostics()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    from hama_yarn.launcher.yarn.submit import skein_client

    client = skein_client()
    tmp = tempfile.mkdtemp(prefix="bench-yarn-")
    bare_skein(client)  # warm-up: staging dir, NM localizer, JIT of the driver
    hama_job(1, tmp)
    rows: dict[str, list[float]] = {"skein echo (AM + 1 container)": [], "hama-yarn P=1": [], "hama-yarn P=2": []}
    for _ in range(args.repeat):
        rows["skein echo (AM + 1 container)"].append(bare_skein(client))
        rows["hama-yarn P=1"].append(hama_job(1, tmp))
        rows["hama-yarn P=2"].append(hama_job(2, tmp))
    base = statistics.median(rows["skein echo (AM + 1 container)"])
    print(f"YARN launch overhead, submit -> application FINISHED (median of {args.repeat})")
    print(f"{'application':<32}{'median s':>10}{'min s':>9}{'ratio':>8}")
    for name, values in rows.items():
        med = statistics.median(values)
        print(f"{name:<32}{med:>10.2f}{min(values):>9.2f}{med / base:>7.2f}x")
    worst = max(statistics.median(v) for v in rows.values()) / base
    print(f"goal hama/echo <= 1.5x: {'met' if worst <= 1.5 else 'NOT met'} ({worst:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
