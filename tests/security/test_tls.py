"""Mutual TLS on a job's connections (``hama.rpc.tls.*``) and secrets kept out of what users see.

Local modes (real master and peer processes): a job with TLS on succeeds; its master
speaks TLS only; a client with the right certificate but the wrong secret, or the right
secret but another certificate, or no TLS at all, is refused; the web UI is HTTPS; the job
secret and the TLS private key appear in no log, no web UI page and no ``hama conf``.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from hama_yarn import BSPJob
from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import HamaError
from hama_yarn.rpc import tls
from hama_yarn.rpc.client import RPCClient, open_connection

JOBS = Path(__file__).resolve().parents[1]
HELLO = str(JOBS / "core" / "jobs" / "core_hello.py")
SLOW = str(JOBS / "sync" / "jobs" / "zk_slow.py")
_BIN = Path(sys.executable).parent / "hama"
HAMA = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "hama_yarn.cli.main"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HAMA_CONF_DIR", None)
    env.pop("HAMA_KEEP_STAGING", None)
    return env


@pytest.mark.parametrize("runner", ["local", "inline"])
def test_job_with_tls_succeeds(tmp_path: Path, runner: str) -> None:
    out = tmp_path / "out"
    p = subprocess.run([*HAMA, "run", HELLO, "-n", "3", "-o", str(out), "-r", runner,
                        "-D", "hama.rpc.tls.enabled=true", "-D", f"hama.tmp.dir={tmp_path / 'tmp'}"],
                       capture_output=True, text=True, timeout=120, env=_env(), stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    lines = sorted(line for f in out.glob("part-*") for line in f.read_text().splitlines())
    assert [x for x in lines if x.startswith("hi ")] == sorted(f"hi {j} from {i}" for i in range(3) for j in range(3))
    assert "https://" in p.stderr  # the web UI is served over HTTPS
    assert not list((tmp_path / "tmp" / "tls").glob("job-*"))  # the generated key is removed with the job


def _conf(tmp: Path) -> HamaConfiguration:
    old = os.environ.pop("HAMA_CONF_DIR", None)
    try:
        conf = HamaConfiguration()
    finally:
        if old is not None:
            os.environ["HAMA_CONF_DIR"] = old
    conf.set("hama.tmp.dir", str(tmp / "hama-tmp"))
    conf.set("bsp.master.address", "local")
    conf.set("hama.rpc.tls.enabled", "true")
    return conf


def test_tls_refuses_wrong_secret_or_certificate_and_hides_secrets(tmp_path: Path) -> None:
    job = BSPJob(_conf(tmp_path), f"{SLOW}:Slow")
    job.set_num_bsp_task(2)
    job.set("test.steps", 300)
    job.set("test.sleep", 0.05)
    job.set("my.db.password", "hunter2-not-shown")
    job.submit()
    running = job._job()
    secret, address = running.handle.secret, running.address
    tmp = tmp_path / "hama-tmp"
    entry = json.loads((tmp / "jobs" / f"{running.job_id}.json").read_text())
    files = tls.TLSFiles(entry["tls"]["cert"], entry["tls"]["key"], entry["tls"]["ca"])
    key_pem = Path(files.key).read_text()
    key_body = "".join(key_pem.strip().splitlines()[1:-1])[:40]
    try:
        sock = open_connection(address, secret, what="master")
        try:
            assert isinstance(sock, ssl.SSLSocket) and sock.getpeercert()  # mutual TLS, verified
        finally:
            sock.close()
        assert running.status().state == "RUNNING"

        # right certificate, wrong secret
        wrong = "0" * 64
        tls.install(wrong, files)
        with pytest.raises(HamaError):
            RPCClient(address, "MasterService", wrong, connect_timeout=5).get_status()
        tls.uninstall(wrong)

        # another certificate (its own CA), right secret
        other = tls.generate_self_signed(tmp_path / "other")
        tls.install(secret, other)
        with pytest.raises(HamaError, match="TLS|refused|closed"):
            RPCClient(address, "MasterService", secret, connect_timeout=5).get_status()

        # no TLS at all, right secret
        tls.uninstall(secret)
        with pytest.raises(HamaError):
            RPCClient(address, "MasterService", secret, connect_timeout=3).get_status()
        tls.install(secret, files)

        # the web UI: HTTPS with the job's certificate; no secret in its configuration page
        ui = running.ui_url
        assert ui.startswith("https://"), ui
        ctx = ssl.create_default_context(cafile=files.ca)
        ctx.check_hostname = False
        with urllib.request.urlopen(ui + "api/v1/conf", context=ctx, timeout=30) as r:
            page = r.read().decode()
        assert "hama.rpc.tls.enabled" in page
        for leak in (secret, key_body, "hunter2-not-shown"):
            assert leak not in page
        with pytest.raises(OSError):
            urllib.request.urlopen(ui.replace("https://", "http://") + "api/v1/conf", timeout=10).read()

        # hama conf: neither the secret nor the key
        p = subprocess.run([*HAMA, "conf", "-D", "hama.rpc.tls.enabled=true", "-D", f"hama.rpc.tls.key={files.key}",
                            "-D", f"hama.tmp.dir={tmp}"], capture_output=True, text=True, timeout=60, env=_env())
        assert p.returncode == 0, p.stderr
        assert secret not in p.stdout + p.stderr and key_body not in p.stdout + p.stderr
        assert running.status().state == "RUNNING"  # none of the refused clients disturbed it
    finally:
        job.kill_job()
        job.wait_for_completion(verbose=False)
    logs = [f for f in tmp.rglob("*.log")]
    assert logs, "no master/peer logs to check"
    for f in logs:
        text = f.read_text(errors="replace")
        assert secret not in text and key_body not in text, f
    assert not Path(files.key).exists()  # generated key removed when the job is over


def test_bundle_channel_over_tls_moves_large_bundles_intact_and_survives_a_cut_bundle(tmp_path: Path) -> None:
    """The raw bundle channel (bundles >= 256 KiB) under TLS: records read straight into the
    receive buffer (``tls.recv_into_all``), a sender that stops mid-bundle only ends its own
    connection, and the next bundle arrives on a fresh one."""
    import numpy as np

    from hama_yarn.messaging.bundlechannel import _HEAD, CHANNEL_MIN_BYTES
    from hama_yarn.messaging.codec import encode
    from hama_yarn.peer.messenger import Messenger

    secret = "tls-bundle-channel-test"
    tls.install(secret, tls.generate_self_signed(tmp_path / "certs"))
    a = Messenger(0, secret, "127.0.0.1", 0, "127.0.0.1", rpc_timeout=30)
    b = Messenger(1, secret, "127.0.0.1", 0, "127.0.0.1", rpc_timeout=30)
    try:
        rng = np.random.default_rng(7)
        x, y = rng.random(CHANNEL_MIN_BYTES // 8 + 12345), rng.random(1000)
        a.send_bundles(1, [(b.name, encode([x, "text", y]))])
        channel = a._channels[b.name]
        assert channel is not None and isinstance(channel._sock, ssl.SSLSocket)  # the channel, under TLS
        got = b.incoming.take(1).to_list()
        assert np.array_equal(got[0], x) and got[1] == "text" and np.array_equal(got[2], y)

        # a sender announcing 1 MB, writing 100 KB and closing: the receiver drops that connection only
        host, _, port = b.name.rpartition(":")
        cut = open_connection(f"{host}{b.bundle_channel()}", secret, what="bundle channel")
        assert isinstance(cut, ssl.SSLSocket)
        tls.send_all(cut, _HEAD.pack(0, 2, 1 << 20) + b"\0" * 100_000)
        cut.close()
        a.send_bundles(2, [(b.name, encode([x]))])
        assert np.array_equal(b.incoming.take(2).to_list()[0], x)
    finally:
        a.close()
        b.close()
        tls.uninstall(secret)
