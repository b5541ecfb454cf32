#!/usr/bin/env python3
"""lab-crowd.py: many clients, slow clients and stalled clients against one
"smtpscope lab", for tests/integration/lab.sh.

usage: lab-crowd.py MODE PORT [ARGS...]

  crowd PORT N LIMIT     N clients connect at once; every one must get its 220
                         greeting within LIMIT seconds while none has sent a
                         byte yet, then each completes EHLO and QUIT.
  sessions PORT N LIMIT  N concurrent sessions (greeting, EHLO, QUIT) must all
                         end within LIMIT seconds.
  idle PORT SECONDS      connects, never reads nor sends, for SECONDS.
  stuck PORT SECONDS     connects with a tiny receive buffer, sends NOOP and
                         never reads the (large) reply, for SECONDS.
  dribble PORT GAP LIMIT reads the greeting, then sends one byte every GAP
                         seconds; prints the seconds from connect to the
                         server's close, fails when the close takes over LIMIT.
  flood PORT LIMIT       reads the greeting, then sends a line that never ends
                         as fast as the server takes it; prints the seconds to
                         the server's close, fails when it takes over LIMIT.
  hold PORT SECONDS      reads the greeting, prints "greeted", holds SECONDS.
  full PORT              expects exactly the 421 of a full server, then a close.

Each mode prints one line of what it measured and exits 0 when its check
holds, 1 otherwise.
"""
import select
import socket
import sys
import threading
import time

FULL = b"421 4.7.0 too many connections, try again later\r\n"


def reply(sock, buf=b""):
    """Reads one SMTP reply; returns (reply, rest of the buffer)."""
    out = b""
    while True:
        while b"\n" not in buf:
            data = sock.recv(65536)
            if not data:
                raise EOFError("closed after %r" % (out + buf)[:200])
            buf += data
        i = buf.index(b"\n") + 1
        line, buf = buf[:i], buf[i:]
        out += line
        if len(line) < 4 or line[3:4] != b"-":
            return out, buf


def command(sock, text, want):
    sock.sendall(text + b"\r\n")
    got, _ = reply(sock)
    if not got.startswith(want):
        raise AssertionError("%r: got %r" % (text, got[:200]))


def connect(port, timeout):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


class Crowd:
    """N clients in threads; the greeting phase ends before any client sends."""

    def __init__(self, port, n, limit, wait_all):
        self.port, self.n, self.limit = port, n, limit
        self.greeted = threading.Barrier(n + 1) if wait_all else None
        self.lock = threading.Lock()
        self.latest = 0.0
        self.failures = []
        self.done = 0

    def one(self, start):
        sock = None
        try:
            sock = connect(self.port, self.limit)
            greeting, _ = reply(sock)
            if not greeting.startswith(b"220"):
                raise AssertionError("greeting %r" % greeting[:200])
            with self.lock:
                self.latest = max(self.latest, time.monotonic() - start)
            if self.greeted is not None:
                self.greeted.wait(self.limit)
            command(sock, b"EHLO crowd.example", b"250")
            command(sock, b"QUIT", b"221")
            with self.lock:
                self.done += 1
        except (OSError, EOFError, AssertionError, threading.BrokenBarrierError) as e:
            with self.lock:
                self.failures.append("%s: %s" % (type(e).__name__, e))
            if self.greeted is not None:
                self.greeted.abort()
        finally:
            if sock is not None:
                sock.close()

    def run(self):
        start = time.monotonic()
        threads = [threading.Thread(target=self.one, args=(start,)) for _ in range(self.n)]
        for t in threads:
            t.start()
        if self.greeted is not None:
            try:
                self.greeted.wait(self.limit)
            except threading.BrokenBarrierError:
                pass
        for t in threads:
            t.join()
        took = time.monotonic() - start
        print("%d of %d sessions done in %.2f s, last greeting after %.2f s"
              % (self.done, self.n, took, self.latest))
        for f in sorted(set(self.failures))[:5]:
            print("  " + f)
        return self.done == self.n and took <= self.limit * 2 and self.latest <= self.limit


def idle(port, seconds):
    sock = connect(port, seconds)
    print("idle client connected")
    time.sleep(seconds)
    sock.close()
    return True


def stuck(port, seconds):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(seconds)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"NOOP\r\n")
    print("stuck client sent NOOP")
    time.sleep(seconds)
    sock.close()
    return True


def until_closed(port, limit, total, send, closed=lambda sock: False):
    """Greeted, sends with send(sock, sent), which returns the bytes it sent,
    until closed(sock) or an error says the server closed, or total seconds
    pass. Prints the seconds to the close; True when they are at most limit."""
    start = time.monotonic()
    sock = connect(port, total)
    reply(sock)
    sent = 0
    try:
        while time.monotonic() - start < total:
            sent += send(sock, sent)
            if closed(sock):
                break
    except OSError:
        pass
    took = time.monotonic() - start
    print("closed after %.2f s, %d bytes sent" % (took, sent))
    return took <= limit


def dribble(port, gap, limit):
    def send(sock, sent):
        sock.sendall(b"NOOP"[sent % 4:sent % 4 + 1])
        return 1

    def closed(sock):
        return wait_readable(sock, gap) and sock.recv(1) == b""

    return until_closed(port, limit, limit + gap + 5, send, closed)


def flood(port, limit):
    chunk = b"x" * 65536
    return until_closed(port, limit, limit + 5, lambda sock, sent: sock.send(chunk))


def wait_readable(sock, seconds):
    r, _, _ = select.select([sock], [], [], seconds)
    return bool(r)


def hold(port, seconds):
    sock = connect(port, seconds)
    greeting, _ = reply(sock)
    print("greeted" if greeting.startswith(b"220") else "not greeted: %r" % greeting)
    sys.stdout.flush()
    time.sleep(seconds)
    sock.close()
    return True


def full(port):
    sock = connect(port, 10)
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    print("got %r, then a close" % data[:200])
    return data == FULL


def main():
    mode, port, args = sys.argv[1], int(sys.argv[2]), [float(a) for a in sys.argv[3:]]
    if mode in ("crowd", "sessions"):
        ok = Crowd(port, int(args[0]), args[1], mode == "crowd").run()
    elif mode == "idle":
        ok = idle(port, args[0])
    elif mode == "stuck":
        ok = stuck(port, args[0])
    elif mode == "dribble":
        ok = dribble(port, args[0], args[1])
    elif mode == "flood":
        ok = flood(port, args[0])
    elif mode == "hold":
        ok = hold(port, args[0])
    elif mode == "full":
        ok = full(port)
    else:
        raise SystemExit("unknown mode " + mode)
    sys.stdout.flush()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
