"""A streaming child that misbehaves as told by its first argument (fault tests)."""

import os
import sys
import time

from hama_yarn.streaming import BSP, BSPPeer, run

MODE = sys.argv[1] if len(sys.argv) > 1 else "ok"


class Faulty(BSP):
    def bsp(self, peer):
        peer.sync()
        if MODE == "crash":
            print("about to crash in superstep", peer.get_superstep_count(), file=sys.stderr)
            raise RuntimeError("boom in the child")
        if MODE == "malformed":
            peer._line("this is %not a command")
        if MODE == "stdout":
            os.write(1, b"debug output on stdout\n")
        if MODE == "newline":
            peer.send(peer.get_peer_name(), "two\nlines")
        if MODE == "unknown":
            peer._line("%99%=")
        if MODE == "silent":
            print("going silent", file=sys.stderr, flush=True)
            time.sleep(600)
        peer.sync()


if __name__ == "__main__":
    if MODE == "exit_before_ack":
        sys.stdin.readline()
        print("giving up before the ack", file=sys.stderr)
        sys.exit(7)
    run(Faulty())
