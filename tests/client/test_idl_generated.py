"""The generated Thrift classes (hama_yarn/rpc/hama_thrift.py) are the IDL's: the committed file is
what ``python -m hama_yarn.rpc.idlgen`` writes from thrift/hama.thrift, its classes carry the same
specs as thriftpy2's parse of the IDL, and the two read each other's bytes."""

from __future__ import annotations

from typing import Any

from thriftpy2.protocol import TBinaryProtocolFactory
from thriftpy2.utils import deserialize, serialize

from hama_yarn.rpc import hama_thrift
from hama_yarn.rpc.idl import idl
from hama_yarn.rpc.idlgen import TARGET, parse_idl, render


def _names(spec: Any) -> Any:
    """A spec with classes replaced by their names (the two modules' classes are distinct objects)."""
    if isinstance(spec, type):
        return spec.__name__
    if isinstance(spec, tuple):
        return tuple(_names(v) for v in spec)
    if isinstance(spec, dict):
        return [(k, _names(v)) for k, v in spec.items()]  # order too: thriftpy2 writes fields in it
    return spec


def _payloads(module: Any) -> dict[str, type]:
    meta = module.__thrift_meta__
    out = {c.__name__: c for c in [*meta["structs"], *meta["exceptions"]]}
    for svc in meta["services"]:
        for fn in svc.thrift_services:
            for suffix in ("_args", "_result"):
                out[f"{svc.__name__}.{fn}{suffix}"] = getattr(svc, fn + suffix)
    return out


def test_committed_module_is_what_the_generator_writes() -> None:
    assert TARGET.read_text() == render(parse_idl()), "run: python -m hama_yarn.rpc.idlgen"


def test_generated_classes_carry_the_parsed_specs() -> None:
    parsed, generated = parse_idl(), idl()
    assert generated is hama_thrift
    want, got = _payloads(parsed), _payloads(generated)
    assert want.keys() == got.keys() and len(want) > 40
    for name, cls in want.items():
        mine = got[name]
        assert _names(mine.thrift_spec) == _names(cls.thrift_spec), name
        assert mine.default_spec == cls.default_spec, name
        assert getattr(mine, "oneway", None) == getattr(cls, "oneway", None), name
        assert issubclass(mine, Exception) == issubclass(cls, Exception), name
        # the constructor takes the same arguments, positionally too, with the same defaults
        assert vars(mine()) == vars(cls()), name
        values = [f"v{i}" for i in range(len(cls.default_spec))]
        assert vars(mine(*values)) == vars(cls(*values)), name
    for a, b in zip(parsed.__thrift_meta__["services"], generated.__thrift_meta__["services"], strict=True):
        assert (a.__name__, a.thrift_services) == (b.__name__, b.thrift_services)


def test_each_reads_the_others_bytes() -> None:
    parsed, proto = parse_idl(), TBinaryProtocolFactory()

    def status(m: Any) -> Any:
        return m.JobStatus(job_id="job_1", state="RUNNING", superstep=7, num_peers=2, settled=True,
                           counters=[m.Counter(group="g", name="n", value=3)],
                           peers=[m.PeerInfo(index=0, name="h:1", state="RUNNING", last_seen_ms=12)], recoveries=1)

    for src, dst in ((idl(), parsed), (parsed, idl())):
        data = serialize(status(src), proto)
        back = deserialize(dst.JobStatus(), data, proto)
        assert serialize(back, proto) == data
        assert back.peers[0].name == "h:1" and back.counters[0].value == 3 and back.am_attempt == 0
    err = idl().RemoteError(kind="SyncError", message="m")
    assert isinstance(err, Exception)
    result = deserialize(parsed.MasterService.get_status_result(),
                         serialize(idl().MasterService.get_status_result(err=err), proto), proto)
    assert result.err.kind == "SyncError" and result.success is None
