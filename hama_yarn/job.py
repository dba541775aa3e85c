"""``BSPJob``: define a job with Hama's setters, submit it, follow it to the end."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, TextIO

from .bsp import BSP, Combiner, Partitioner
from .client import Counters, RunningJob, record_job_end, submit_job
from .config import HamaConfiguration
from .errors import HamaError, UsageError
from .plugins import class_path

log = logging.getLogger(__name__)

__all__ = ["BSPJob"]


def _name_of(obj: type | str) -> str:
    return obj if isinstance(obj, str) else class_path(obj)


_SENT = ("org.apache.hama.bsp.BSPPeerImpl$PeerCounter", "TOTAL_MESSAGES_SENT")


def expected_supersteps(conf: HamaConfiguration) -> int:
    """Supersteps the job is expected to run: ``hama.job.expected.supersteps``, else a graph job's
    ``hama.graph.max.iteration`` (plus its two load/setup supersteps); 0 when unknown."""
    for key, extra in (("hama.job.expected.supersteps", 0), ("hama.graph.max.iteration", 2)):
        value = conf.get(key)
        if value and value.strip().lstrip("-").isdigit() and int(value) > 0:
            return int(value) + extra
    return 0


class ProgressMeter:
    """The tail of the progress line: peers done, messages per second, and an ETA when the length is known.

    Parameters
    ----------
    expected : int
        Supersteps the job is expected to run (0: unknown, no ETA).
    """

    def __init__(self, expected: int = 0) -> None:
        self.expected = expected
        self._start = time.monotonic()
        self._last: tuple[float, int] | None = None

    def describe(self, status: Any, now: float | None = None) -> str:
        """`` (peers done 1/4, 12.3K msgs/s, ETA 0:42)`` for a status (empty parts are left out)."""
        from .rpc.idl import counters_from_thrift

        now = time.monotonic() if now is None else now
        parts = []
        peers = list(status.peers or [])
        if peers:
            done = sum(1 for p in peers if str(p.state) == "SUCCEEDED")
            parts.append(f"peers done {done}/{len(peers)}")
        counters = counters_from_thrift(status.counters or [])
        sent = counters.get(_SENT, 0)
        if self._last is not None and now > self._last[0] and sent >= self._last[1]:
            rate = (sent - self._last[1]) / (now - self._last[0])
            parts.append(f"{_si(rate)} msgs/s")
        self._last = (now, sent)
        step = int(status.superstep or 0)
        if self.expected and 0 < step < self.expected:
            left = (now - self._start) / step * (self.expected - step)
            parts.append(f"ETA {int(left) // 60}:{int(left) % 60:02d}")
        from .peer.memory import peak_rss_summary

        rss = peak_rss_summary(counters)  # MemoryCounter: the largest peer's peak RSS
        if rss:
            parts.append(rss)
        return f" ({', '.join(parts)})" if parts else ""


def _si(x: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if x >= scale:
            return f"{x / scale:.1f}{unit}"
    return f"{x:.0f}"


class BSPJob:
    """A BSP job (Hama's ``BSPJob``): configuration setters, submission and control.

    Parameters
    ----------
    conf : HamaConfiguration, optional
        Base configuration (defaults and ``hama-site.xml`` when omitted).
    bsp_class : type or str, optional
        The :class:`~hama_yarn.BSP` subclass to run.

    Examples
    --------
    >>> job = BSPJob(bsp_class=Hello)          # doctest: +SKIP
    >>> job.set_num_bsp_task(3)                # doctest: +SKIP
    >>> job.wait_for_completion()              # doctest: +SKIP
    True
    """

    def __init__(self, conf: HamaConfiguration | None = None, bsp_class: type[BSP] | str | None = None) -> None:
        self.conf = conf.copy() if conf is not None else HamaConfiguration()
        self._running: RunningJob | None = None
        if bsp_class is not None:
            self.set_bsp_class(bsp_class)

    # -- setters (Hama names in snake_case) ----------------------------------
    def _ensure_define(self) -> None:
        if self._running is not None:
            raise UsageError("the job was already submitted; its configuration can no longer change")

    def set(self, key: str, value: object) -> None:
        """Set any configuration key."""
        self._ensure_define()
        self.conf.set(key, value)

    def get(self, key: str, default: str | None = None) -> str | None:
        """Read a configuration key."""
        return self.conf.get(key, default)

    def set_job_name(self, name: str) -> None:
        """``bsp.job.name``."""
        self.set("bsp.job.name", name)

    def get_job_name(self) -> str:
        """The job name."""
        return self.conf.get("bsp.job.name") or ""

    def set_bsp_class(self, cls: type[BSP] | str) -> None:
        """``bsp.work.class``: a BSP subclass, or ``module:Class`` / ``script.py:Class``."""
        self.set("bsp.work.class", _name_of(cls))

    def set_num_bsp_task(self, n: int) -> None:
        """``bsp.peers.num``."""
        self.set("bsp.peers.num", n)

    def get_num_bsp_task(self) -> int:
        """``bsp.peers.num``."""
        return self.conf.get_int("bsp.peers.num")

    def set_input_path(self, path: str) -> None:
        """``bsp.input.dir`` (comma-separated paths, directories or globs)."""
        self.set("bsp.input.dir", path)

    def set_input_format(self, fmt: type | str) -> None:
        """``bsp.input.format.class``: ``text``, ``keyvalue``, ``sequencefile``, ``null`` or a class."""
        self.set("bsp.input.format.class", _name_of(fmt))

    def set_output_path(self, path: str) -> None:
        """``bsp.output.dir``."""
        self.set("bsp.output.dir", path)

    def set_output_format(self, fmt: type | str) -> None:
        """``bsp.output.format.class``: ``text``, ``sequencefile``, ``null`` or a class."""
        self.set("bsp.output.format.class", _name_of(fmt))

    def set_combiner_class(self, cls: type[Combiner] | str) -> None:
        """``bsp.combiner.class``."""
        self.set("bsp.combiner.class", _name_of(cls))

    def set_partitioner_class(self, cls: type[Partitioner] | str) -> None:
        """``bsp.input.partitioner.class``."""
        self.set("bsp.input.partitioner.class", _name_of(cls))

    # -- control -----------------------------------------------------------
    def submit(self, detach: bool = False) -> None:
        """Submit the job (returns once its master runs).

        Raises
        ------
        ConfigError, InputError, OutputError, JobSubmissionError
            See :func:`hama_yarn.client.submit_job`.
        """
        self._ensure_define()
        self._running = submit_job(self.conf, detach=detach)

    def _job(self) -> RunningJob:
        if self._running is None:
            raise UsageError("the job has not been submitted")
        return self._running

    def get_job_id(self) -> str:
        """The job id (``job_<yyyyMMddHHmm>_<NNNN>``)."""
        return self._job().job_id

    def wait_for_completion(self, verbose: bool = True, stream: TextIO | None = None) -> bool:
        """Submit if needed, wait for the end, return True on success.

        With *verbose*, progress (the superstep, when it changes) and the final
        ``Counters: N`` block go to *stream* (stderr by default), as Hama's
        ``monitorAndPrintJob`` does; a failure prints the failing peer, its
        superstep and traceback.  Ctrl-C kills the job and re-raises.
        """
        if self._running is None:
            self.submit()
        job = self._job()
        out = stream or sys.stderr
        last = [-1]
        started = time.monotonic()

        def say(line: str) -> None:
            # One write per line: stderr is write-through, and a local master's log
            # shares it, so print()'s separate newline write could split our line.
            out.write(line + "\n")
            out.flush()

        recoveries = [0]
        meter = ProgressMeter(expected_supersteps(self.conf))

        am_attempt = [1]

        def progress(status: Any) -> None:
            if verbose and (status.am_attempt or 0) > am_attempt[0]:
                am_attempt[0] = status.am_attempt
                recoveries[0] = status.recoveries or 0
                say(f"application master restarted (attempt {status.am_attempt}); resuming from superstep "
                    f"{status.restored_superstep}")
            if verbose and (status.recoveries or 0) > recoveries[0]:
                recoveries[0] = status.recoveries
                say(f"Recovering: attempt {status.recoveries + 1}, rolled back to superstep "
                    f"{status.restored_superstep}")
            if verbose and status.state == "RUNNING" and status.superstep != last[0]:
                last[0] = status.superstep
                say(f"Current supersteps number: {status.superstep}{meter.describe(status)}")

        if verbose:
            say(f"Running job: {job.job_id}")
            if job.ui_url:
                say(f"Web UI: {job.ui_url}")
        try:
            status = job.wait(on_change=progress)
        except KeyboardInterrupt:
            job.kill("interrupted (Ctrl-C)")
            job.wait(timeout=30)
            self._finish(job)
            raise
        if verbose:
            elapsed = time.monotonic() - started
            if status.state == "SUCCEEDED":
                say(f"Job complete: {job.job_id}")
                say(f"The total number of supersteps: {status.superstep}")
                say(f"Elapsed: {elapsed:.2f}s")
            else:
                say(f"Job {status.state.lower()}: {job.job_id}")
                if status.diagnostics:
                    say(status.diagnostics)
            say(job.get_counters().format())
        self._finish(job)
        return bool(status.state == "SUCCEEDED")

    def _finish(self, job: RunningJob) -> None:
        record_job_end(self.conf, job)
        job.release()

    def is_complete(self) -> bool:
        """True once the job ended."""
        return self._job().is_complete()

    def is_successful(self) -> bool:
        """True if the job SUCCEEDED."""
        return self._job().is_successful()

    def get_state(self) -> str:
        """The job's run state."""
        return self._job().get_state()

    def kill_job(self) -> None:
        """Kill the job (Hama's ``killJob``)."""
        if not self._job().kill("killed by BSPJob.kill_job()") and not self._job().is_complete():
            raise HamaError(f"could not kill job {self.get_job_id()}")

    def get_counters(self) -> Counters:
        """The job's counters (aggregated over peers)."""
        return self._job().get_counters()

    def get_superstep_count(self) -> int:
        """Supersteps the job completed."""
        return self._job().get_superstep_count()

    def get_diagnostics(self) -> str:
        """The master's diagnostics for a failed job."""
        return self._job().diagnostics()
