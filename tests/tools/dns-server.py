#!/usr/bin/env python3
"""A tiny authoritative DNS server for smtpscope's tests, on loopback only.

usage: dns-server.py ZONEFILE
Prints "listening on 127.0.0.1:PORT" first, then answers queries from
ZONEFILE over UDP and TCP on that port until killed or for at most 120 s.
A UDP answer over 512 bytes is sent as its header and question only, with
the TC bit set (RFC 1035 section 4.2.2): the client must ask again over TCP,
where the whole answer comes (RFC 7766). Each TCP question is printed as
"tcp NAME TYPE". ZONEFILE lines:
    NAME MX PREFERENCE HOST      (HOST "." is a null MX)
    NAME A 127.0.0.1
    NAME AAAA ::1
    NAME NODATA                  (the name exists, with no record of the type asked)
A name not in the file is NXDOMAIN.
"""
import select
import socket
import struct
import sys
import time

UDP_MAX = 512


def load(path):
    zone = {}
    for line in open(path):
        parts = line.split()
        if parts:
            zone.setdefault(parts[0].lower().rstrip("."), []).append(parts[1:])
    return zone


def read_name(msg, off):
    labels = []
    while msg[off]:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += n + 1
    return ".".join(labels).lower(), off + 1


def encode_name(name):
    if name in ("", "."):
        return b"\0"
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def answer(zone, query, limit=None):
    qid, _flags, qd = struct.unpack("!HHH", query[:6])
    name, off = read_name(query, 12)
    qtype = struct.unpack("!H", query[off:off + 2])[0]
    question = query[12:off + 4]
    records = zone.get(name)
    rcode = 3 if records is None else 0
    answers = []
    for rec in records or []:
        if rec[0] == "MX" and qtype == 15:
            data = struct.pack("!H", int(rec[1])) + encode_name(rec[2])
            answers.append((15, data))
        elif rec[0] == "A" and qtype == 1:
            answers.append((1, socket.inet_pton(socket.AF_INET, rec[1])))
        elif rec[0] == "AAAA" and qtype == 28:
            answers.append((28, socket.inet_pton(socket.AF_INET6, rec[1])))
    out = struct.pack("!HHHHHH", qid, 0x8400 | rcode, 1, len(answers), 0, 0) + question
    for rtype, data in answers:
        out += b"\xc0\x0c" + struct.pack("!HHIH", rtype, 1, 60, len(data)) + data
    if limit is not None and len(out) > limit:
        # Truncated: TC set, no records, as many servers do.
        out = struct.pack("!HHHHHH", qid, 0x8600 | rcode, 1, 0, 0, 0) + question
    return out


def bind_pair():
    """A UDP and a TCP socket on the same free loopback port."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", udp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(8)
        return udp, tcp
    sys.exit("dns-server.py: no free port for both UDP and TCP")


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def serve_tcp(zone, tcp):
    """One TCP connection: length-prefixed questions, whole answers."""
    conn, _ = tcp.accept()
    conn.settimeout(5)
    try:
        while True:
            query = recv_exact(conn, struct.unpack("!H", recv_exact(conn, 2))[0])
            name, off = read_name(query, 12)
            print("tcp %s %d" % (name, struct.unpack("!H", query[off:off + 2])[0]), flush=True)
            out = answer(zone, query)
            conn.sendall(struct.pack("!H", len(out)) + out)
    except (EOFError, OSError, IndexError, struct.error, UnicodeError):
        pass
    finally:
        conn.close()


def main():
    zone = load(sys.argv[1])
    udp, tcp = bind_pair()
    print("listening on 127.0.0.1:%d" % udp.getsockname()[1], flush=True)
    end = time.time() + 120
    while time.time() < end:
        ready, _, _ = select.select([udp, tcp], [], [], 1)
        if tcp in ready:
            serve_tcp(zone, tcp)
        if udp not in ready:
            continue
        query, peer = udp.recvfrom(UDP_MAX)
        try:
            udp.sendto(answer(zone, query, UDP_MAX), peer)
        except (IndexError, struct.error, UnicodeError):
            pass


if __name__ == "__main__":
    main()
