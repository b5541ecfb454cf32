#!/usr/bin/env python3
"""A tiny authoritative DNS server for smtpscope's tests, on loopback only.

usage: dns-server.py ZONEFILE
Prints "listening on 127.0.0.1:PORT" first, then answers UDP queries from
ZONEFILE until killed or for at most 120 s. ZONEFILE lines:
    NAME MX PREFERENCE HOST      (HOST "." is a null MX)
    NAME A 127.0.0.1
    NAME AAAA ::1
    NAME NODATA                  (the name exists, with no record of the type asked)
A name not in the file is NXDOMAIN.
"""
import socket
import struct
import sys
import time


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


def answer(zone, query):
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
    return out


def main():
    zone = load(sys.argv[1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    print("listening on 127.0.0.1:%d" % sock.getsockname()[1], flush=True)
    sock.settimeout(1)
    end = time.time() + 120
    while time.time() < end:
        try:
            query, peer = sock.recvfrom(512)
        except socket.timeout:
            continue
        try:
            sock.sendto(answer(zone, query), peer)
        except (IndexError, struct.error, UnicodeError):
            pass


if __name__ == "__main__":
    main()
