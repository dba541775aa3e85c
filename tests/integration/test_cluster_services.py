"""Round trips against the real services of tests/cluster (ZooKeeper, HDFS, YARN via skein, HBase Thrift1).

These prove the harness itself; they run with the stack that the session-scoped ``cluster``
fixture brings up (``tests/cluster/fixtures.py``). ``HAMA_TEST_SERVICES=0`` skips them.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.cluster import ClusterInfo
from tests.cluster.probes import webhdfs, yarn_running_apps

# --------------------------------------------------------------------------- ZooKeeper


@pytest.mark.zookeeper
def test_zookeeper_kazoo_roundtrip(zookeeper: ClusterInfo) -> None:
    from kazoo.client import KazooClient

    zk = KazooClient(hosts=zookeeper.zk_quorum, timeout=10)
    zk.start(timeout=15)
    try:
        base = f"/hama-test/{uuid.uuid4().hex}"
        zk.ensure_path(base)
        zk.create(f"{base}/node", b"value")
        eph = zk.create(f"{base}/peer-", b"", ephemeral=True, sequence=True)
        data, stat = zk.get(f"{base}/node")
        assert data == b"value"
        assert stat.version == 0
        assert sorted(zk.get_children(base)) == sorted(["node", eph.rsplit("/", 1)[1]])
        zk.delete("/hama-test", recursive=True)
        assert zk.exists(base) is None
    finally:
        zk.stop()
        zk.close()


# --------------------------------------------------------------------------- HDFS


@pytest.mark.hdfs
def test_hdfs_native_client_roundtrip(hdfs: ClusterInfo) -> None:
    from hdfs_native import Client

    client = Client(hdfs.hdfs_url)
    path = f"/tmp/hama-test-{uuid.uuid4().hex}/data.bin"
    payload = bytes(range(256)) * 4096  # 1 MiB
    with client.create(path) as fh:
        fh.write(payload)
    with client.read(path) as fh:
        assert fh.read() == payload
    assert client.get_file_info(path).length == len(payload)
    client.delete(path.rsplit("/", 1)[0], recursive=True)


@pytest.mark.hdfs
def test_hdfs_fsspec_roundtrip(hdfs: ClusterInfo) -> None:
    import fsspec

    fs = fsspec.filesystem("hdfs", host="127.0.0.1", port=hdfs.ports.namenode_rpc)
    base = f"/tmp/hama-test-{uuid.uuid4().hex}"
    fs.makedirs(base, exist_ok=True)
    with fsspec.open(f"{hdfs.hdfs_url}{base}/part-00000", "wt") as fh:
        fh.write("a\tb\nc\td\n")
    assert [p.rsplit("/", 1)[1] for p in fs.ls(base, detail=False)] == ["part-00000"]
    assert fs.cat_file(f"{base}/part-00000") == b"a\tb\nc\td\n"
    fs.rm(base, recursive=True)


@pytest.mark.hdfs
def test_webhdfs_roundtrip(hdfs: ClusterInfo) -> None:
    import fsspec

    base = f"/tmp/hama-test-{uuid.uuid4().hex}"
    payload = b"through webhdfs\n" * 1000
    # raw REST (NameNode -> DataNode redirect)
    webhdfs(hdfs.ports, f"{base}/raw.txt", "CREATE", "PUT", data=payload, overwrite="true")
    assert webhdfs(hdfs.ports, f"{base}/raw.txt", "OPEN") == payload
    # fsspec's WebHDFS implementation (default port is Hadoop 2's 50070: pass ours)
    fs = fsspec.filesystem("webhdfs", host="127.0.0.1", port=hdfs.ports.namenode_http, user="root")
    assert fs.cat_file(f"{base}/raw.txt") == payload
    fs.pipe_file(f"{base}/fsspec.txt", b"xyz")
    assert fs.cat_file(f"{base}/fsspec.txt") == b"xyz"
    fs.rm(base, recursive=True)
    assert not fs.exists(base)


# --------------------------------------------------------------------------- YARN / skein


def _wait_final(client: Any, app_id: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = client.application_report(app_id)
        if str(report.state) in ("FINISHED", "FAILED", "KILLED"):
            return report
        time.sleep(0.5)
    client.kill_application(app_id)
    raise AssertionError(f"{app_id} did not finish within {timeout}s (last state {report.state})")


@pytest.mark.yarn
def test_skein_trivial_application_succeeds(yarn: ClusterInfo, skein_client: Any) -> None:
    import skein

    marker = uuid.uuid4().hex
    spec = skein.ApplicationSpec(
        name="hama-cluster-selftest",
        queue="default",
        max_attempts=1,
        master=skein.Master(resources=skein.Resources(memory=256, vcores=1)),
        services={
            "hello": skein.Service(
                instances=2,
                resources=skein.Resources(memory=128, vcores=1),
                env={"MARKER": marker, "PYTHONUNBUFFERED": "1"},
                script=(
                    "echo hello\n"
                    f"exec {sys.executable} -c "
                    "'import os, sys; print(\"python\", sys.version_info[:2], os.environ[\"MARKER\"])'"
                ),
            )
        },
    )
    app_id = skein_client.submit(spec)
    report = _wait_final(skein_client, app_id)
    logs = yarn.container_logs(app_id)
    assert str(report.final_status) == "SUCCEEDED", (report.diagnostics, logs)
    service_logs = [text for name, text in logs.items() if name.endswith("/hello.log")]
    assert len(service_logs) == 2, sorted(logs)
    for text in service_logs:
        assert "hello" in text and marker in text, text
    # nothing left running in YARN, and no container process left on the machine
    assert not [a for a in yarn_running_apps(yarn.ports) if a.get("id") == app_id]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
        if not left:
            break
        time.sleep(0.5)
    assert not left, f"container processes still running: {left}"


# --------------------------------------------------------------------------- HBase


@pytest.mark.hbase
def test_hbase_thrift_happybase_roundtrip(hbase: ClusterInfo) -> None:
    import happybase

    conn = happybase.Connection(hbase.hbase_thrift_host, hbase.hbase_thrift_port, timeout=30000)
    name = f"hama_test_{uuid.uuid4().hex[:12]}"
    try:
        conn.create_table(name, {"cf": {"max_versions": 1}})
        assert name.encode() in conn.tables()
        table = conn.table(name)
        with table.batch() as batch:
            for i in range(10):
                batch.put(f"row{i:02d}".encode(), {b"cf:v": str(i * i).encode()})
        assert table.row(b"row03") == {b"cf:v": b"9"}
        rows = list(table.scan(row_start=b"row02", row_stop=b"row05"))
        assert [k for k, _ in rows] == [b"row02", b"row03", b"row04"]
        table.delete(b"row03")
        assert table.row(b"row03") == {}
    finally:
        if name.encode() in conn.tables():
            conn.delete_table(name, disable=True)
        assert name.encode() not in conn.tables()
        conn.close()


# --------------------------------------------------------------------------- Java helpers


@pytest.mark.java
def test_javac_against_hadoop_jars(hadoop_jars: ClusterInfo, tmp_path: Path) -> None:
    """`javac -cp 'tests/cluster/lib/*'` compiles and runs a SequenceFile writer/reader."""
    src = tmp_path / "SeqSmoke.java"
    src.write_text(
        """
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.*;
public class SeqSmoke {
  public static void main(String[] a) throws Exception {
    Configuration conf = new Configuration();
    Path p = new Path("file://" + a[0]);
    try (SequenceFile.Writer w = SequenceFile.createWriter(conf, SequenceFile.Writer.file(p),
        SequenceFile.Writer.keyClass(Text.class), SequenceFile.Writer.valueClass(IntWritable.class))) {
      w.append(new Text("k"), new IntWritable(42));
    }
    try (SequenceFile.Reader r = new SequenceFile.Reader(conf, SequenceFile.Reader.file(p))) {
      Text k = new Text(); IntWritable v = new IntWritable();
      r.next(k, v); System.out.println(k + "=" + v);
    }
  }
}
"""
    )
    java_home = Path(hadoop_jars.java_home)
    cp = f"{hadoop_jars.lib_dir}/*"
    subprocess.run([str(java_home / "bin" / "javac"), "-cp", cp, "-d", str(tmp_path), str(src)], check=True)
    out = subprocess.run(
        [str(java_home / "bin" / "java"), "-cp", f"{tmp_path}:{cp}", "SeqSmoke", str(tmp_path / "f.seq")],
        check=True, capture_output=True, text=True,
    ).stdout
    assert out.strip().splitlines()[-1] == "k=42"
    assert (tmp_path / "f.seq").read_bytes()[:3] == b"SEQ"
