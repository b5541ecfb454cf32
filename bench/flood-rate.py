#!/usr/bin/env python3
"""flood-rate.py: how fast a consumer reads a flooding loopback server.

usage: bench/flood-rate.py sink PORT SECONDS [--warmup S] [--json FILE] [--label L]
       bench/flood-rate.py cmd SECONDS [--warmup S] [--stdin TEXT] [--json FILE]
                               [--label L] -- COMMAND [ARG...]

sink: this script is the client: it connects to 127.0.0.1:PORT, reads the
banner, sends "EHLO bench.example" and reads into a 1 MiB buffer as fast as it
can. That is the floor of the server: what it can send at all.

cmd: runs COMMAND with standard input a pipe (TEXT written to it, "\\n" for
a newline, and the pipe then kept open), standard output to /dev/null and
standard error to a file next to --json (or /dev/null); after --warmup
seconds (default 0.5) it counts, for SECONDS, the bytes COMMAND read (rchar of
/proc/PID/io: read(2) only, recv(2) is not in it), with --port the bytes the
server's socket on that port got acknowledged (bytes_acked of ss -ti: what
reached COMMAND's socket, however it reads; its receive buffer, a few MB,
is the error), and its CPU time, then ends it (SIGTERM to its process group,
SIGKILL 2 s later). A COMMAND that exits early is reported with its status.

Loopback only; every wait is bounded.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time


def proc_io(pid):
    with open(f"/proc/{pid}/io") as f:
        return {k: int(v) for k, v in (line.split(": ") for line in f)}["rchar"]


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tcp_acked(port):
    """Bytes the peers of 127.0.0.1:port acknowledged (ss, tcp_info), all connections."""
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, timeout=5).stdout
    return sum(int(m) for m in re.findall(r"bytes_acked:(\d+)", out))


def sink(a):
    s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
    banner = b""
    while b"\n" not in banner:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("flood-rate: the server closed before its banner")
        banner += chunk
    s.sendall(b"EHLO bench.example\r\n")
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    t_start = time.monotonic()
    t0 = t_start + a.warmup
    end = t0 + a.seconds
    n = 0
    counting = False
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if not counting and now >= t0:
            counting, n, t0 = True, 0, now
        k = s.recv_into(view)
        if k == 0:
            raise SystemExit("flood-rate: the server closed during the flood")
        n += k
    dt = time.monotonic() - t0
    s.close()
    cpu = os.times()
    return {"label": a.label or "python3 socket sink", "seconds": round(dt, 3),
            "read_bytes": n, "read_MBps": round(n / dt / 1e6, 1),
            "note": f"client cpu {cpu.user + cpu.system:.2f} s in all"}


def cmd(a):
    errpath = (a.json + ".stderr") if a.json else os.devnull
    err = open(errpath, "wb")
    p = subprocess.Popen(a.command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=err, start_new_session=True)
    res = {"label": a.label or " ".join(a.command), "command": a.command}
    try:
        if a.stdin:
            p.stdin.write(a.stdin.encode().decode("unicode_escape").encode())
            p.stdin.flush()
        time.sleep(a.warmup)
        if p.poll() is not None:
            res.update(exited=p.returncode, error=f"exited ({p.returncode}) within the warm-up")
            return res
        tcp0 = tcp_acked(a.port) if a.port else None
        io0, cpu0, t0 = proc_io(p.pid), proc_cpu(p.pid), time.monotonic()
        io1, cpu1, t1 = io0, cpu0, t0
        tcp1 = tcp0
        end = t0 + a.seconds
        while time.monotonic() < end and p.poll() is None:
            try:
                io1, cpu1, t1 = proc_io(p.pid), proc_cpu(p.pid), time.monotonic()
                if a.port:
                    tcp1 = tcp_acked(a.port)
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))
        dt = t1 - t0
        res.update(seconds=round(dt, 3), read_bytes=io1 - io0,
                   read_MBps=round((io1 - io0) / dt / 1e6, 1) if dt > 0 else None,
                   cpu_pct=round((cpu1 - cpu0) / dt * 100, 1) if dt > 0 else None)
        if a.port and dt > 0:
            res.update(tcp_bytes=tcp1 - tcp0, tcp_MBps=round((tcp1 - tcp0) / dt / 1e6, 1))
        if p.poll() is not None:
            res["exited"] = p.returncode
            res["error"] = f"exited ({p.returncode}) {dt:.1f} s into the count"
    finally:
        if p.poll() is None:
            for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
                try:
                    os.killpg(p.pid, sig)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    pass
        err.close()
    return res


def main():
    ap = argparse.ArgumentParser(prog="flood-rate.py", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    sub = ap.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("sink")
    s.add_argument("port", type=int)
    s.add_argument("seconds", type=float)
    c = sub.add_parser("cmd")
    c.add_argument("seconds", type=float)
    c.add_argument("--stdin", default="")
    c.add_argument("--port", type=int, help="the server's port, for ss")
    c.add_argument("command", nargs="+")
    for p in (s, c):
        p.add_argument("--warmup", type=float, default=0.5)
        p.add_argument("--json")
        p.add_argument("--label")
    a = ap.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("flood-rate: deadline passed"))
    signal.alarm(int(a.warmup + a.seconds + 30))
    res = sink(a) if a.mode == "sink" else cmd(a)
    signal.alarm(0)
    line = f"{res['label']}: "
    line += f"{res['read_MBps']} MB/s read()" if res.get("read_MBps") is not None else "no rate"
    if res.get("tcp_MBps") is not None:
        line += f", {res['tcp_MBps']} MB/s delivered (tcp)"
    if res.get("cpu_pct") is not None:
        line += f", cpu {res['cpu_pct']:.0f} %"
    if res.get("error"):
        line += f" ({res['error']})"
    print(line)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
