"""A child that talks like Hama's python/BSPPeer.py (fixture written for this project): one
print + flush per line, raw string replies, never reads acknowledgements, expects no reply
to CLEAR, and ignores a phase line it does not recognise.  Sums its records' values, sends
them to peer 0 which writes "total"; checks the counts come back as raw lines."""
import sys


def out(text):
    print(text)
    sys.stdout.flush()


def line():
    return sys.stdin.readline().rstrip("\n")


assert line() == "%0%="
assert int(line()) == 0
assert line() == "%1%="
conf = {}
n = int(line())
for _ in range(0, n, 2):
    k = line()
    conf[k] = line()
out("%ACK_0%=")
if line().startswith("%3%="):
    out("%ACK_3%=")
if line().startswith("%4%="):
    total = 0.0
    while True:
        out("%6%=")
        k, v = line(), line()
        if k == "%%-1%%" and v == "%%-1%%":
            break
        total += float(v)
    out("%18%=")  # CLEAR: Hama's Python expects no reply
    out("%13%=")
    out("0")
    master = line()
    out("%10%=")
    out(master)
    out(str(total))
    out("%11%=")
    if line() != "%11%=_SUCCESS":
        raise RuntimeError("Barrier sync failed!")
    out("%14%=")
    if line() == "0":
        out("%9%=")
        count = line()
        s = 0.0
        for _ in range(int(count)):
            out("%8%=")
            s += float(line())
        out("%7%=")
        out("total")
        out(str(s))
        out("%31%=" + "peers: " + conf.get("bsp.peers.num", "?"))
    out("%ACK_4%=")
if line().startswith("%5%="):
    out("%ACK_5%=")
out("%22%=")
out("%21%=")
