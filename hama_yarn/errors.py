"""Exception hierarchy: one root (:class:`HamaError`), typed leaves, always chained.

Every error raised by hama-yarn derives from :class:`HamaError`, so callers can
catch the whole family with one ``except``.  Leaves carry the data that explains
them (the key, the peer, the superstep, the file offset) and render it in
``str()``.
"""

from __future__ import annotations

__all__ = [
    "HamaError",
    "ConfigError",
    "UsageError",
    "JobSubmissionError",
    "JobFailedError",
    "JobKilledError",
    "SyncError",
    "BarrierTimeoutError",
    "MessagingError",
    "PeerNotFoundError",
    "RPCError",
    "AuthenticationError",
    "InputError",
    "OutputError",
    "CheckpointError",
]


class HamaError(Exception):
    """Root of all hama-yarn errors."""


class ConfigError(HamaError, ValueError):
    """A configuration value is missing, unknown or malformed.

    Parameters
    ----------
    key : str
        The configuration key at fault (e.g. ``bsp.peers.num``).
    message : str
        What is wrong with it.
    """

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


class UsageError(HamaError):
    """The user asked for something that cannot be done (bad CLI use, bad class)."""


class JobSubmissionError(HamaError):
    """The job could not be submitted or started."""


class JobFailedError(HamaError):
    """A job finished in state FAILED.

    Parameters
    ----------
    job_id : str
        The job's id.
    diagnostics : str
        The master's diagnostics: the first failing peer, its superstep and
        the traceback.
    """

    def __init__(self, job_id: str, diagnostics: str) -> None:
        self.job_id = job_id
        self.diagnostics = diagnostics
        super().__init__(f"Job {job_id} failed: {diagnostics}")


class JobKilledError(HamaError):
    """A job was killed (by a user or because the client was interrupted)."""


class SyncError(HamaError):
    """The sync service failed (connection lost, job aborted during a barrier)."""


class BarrierTimeoutError(SyncError, TimeoutError):
    """A barrier did not complete in time.

    Parameters
    ----------
    superstep : int
        The superstep of the barrier.
    arrived : int
        How many peers had arrived.
    expected : int
        How many peers were expected.
    timeout : float
        The timeout in seconds.
    """

    def __init__(self, superstep: int, arrived: int, expected: int, timeout: float) -> None:
        self.superstep = superstep
        self.arrived = arrived
        self.expected = expected
        self.timeout = timeout
        super().__init__(
            f"barrier of superstep {superstep} timed out after {timeout:g}s "
            f"with {arrived} of {expected} peers arrived"
        )


class MessagingError(HamaError):
    """A message bundle could not be sent, received or decoded.

    Parameters
    ----------
    message : str
        What failed.
    peer_name : str, optional
        The peer that could not be reached, when the error is a lost connection to it: the
        master then looks at that peer first (its death is the job's failure, not this one).
    """

    peer_name: str | None = None

    def __init__(self, message: str = "", peer_name: str | None = None) -> None:
        super().__init__(message)
        self.peer_name = peer_name


class MemoryLimitError(HamaError):
    """A peer passed its memory limit (``hama.peer.memory.limit.mb`` / ``bsp.child.mem.in.mb``)."""


class PeerNotFoundError(MessagingError, KeyError):
    """A message was addressed to a peer name that is not part of the job."""

    def __init__(self, peer_name: str, known: list[str]) -> None:
        self.peer_name = peer_name
        self.known = known
        shown = ", ".join(known[:8]) + (" ..." if len(known) > 8 else "")
        super().__init__(f"unknown peer name {peer_name!r}; the job's peers are: {shown}")

    def __str__(self) -> str:  # KeyError would repr() the message otherwise
        return str(self.args[0])


class RPCError(HamaError, ConnectionError):
    """A Thrift call failed (the remote end is gone, refused or timed out)."""


class AuthenticationError(RPCError):
    """A connection did not present the job's secret."""


class InputError(HamaError):
    """Input cannot be read: missing path, bad record (names the file and offset)."""


class OutputError(HamaError):
    """Output cannot be written or committed."""


class CheckpointError(HamaError):
    """A checkpoint cannot be written, read or restored (fault tolerance, :mod:`hama_yarn.ft`)."""
