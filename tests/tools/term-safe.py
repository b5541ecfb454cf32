#!/usr/bin/env python3
"""term-safe.py: fails when a file holds bytes that could change a terminal.

usage: term-safe.py [--allow-sgr] [--allow-tab] FILE...

A file passes when it is valid UTF-8 and holds no ESC, no C0 control but LF
(and TAB with --allow-tab), no DEL and no C1 control (U+0080-U+009F). Raw
bytes 0x80-0x9F outside a valid UTF-8 sequence are invalid UTF-8 and fail
too. With --allow-sgr, colour sequences ESC [ digits and ; m (the program's
own, from --color always) are removed first; nothing else that starts with
ESC is allowed. Each problem is printed with its offset and the bytes around
it; the exit status is 1 when any file fails, 0 otherwise.
"""
import re
import sys

SGR = re.compile(rb"\x1b\[[0-9;]*m")


def problems(data, allow_tab):
    """Yields (offset, what) for every unsafe byte or code point."""
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            if b == 0x1B:
                yield i, "ESC"
            elif b < 0x20 and b != 0x0A and not (allow_tab and b == 0x09):
                yield i, "C0 control 0x%02x" % b
            elif b == 0x7F:
                yield i, "DEL"
            i += 1
            continue
        size = 2 if 0xC2 <= b <= 0xDF else 3 if 0xE0 <= b <= 0xEF else 4 if 0xF0 <= b <= 0xF4 else 0
        chunk = data[i : i + size]
        try:
            if size == 0:
                raise UnicodeDecodeError("utf-8", data, i, i + 1, "not a lead byte")
            ch = chunk.decode("utf-8")
        except UnicodeDecodeError:
            yield i, "raw byte 0x%02x outside valid UTF-8" % b
            i += 1
            continue
        if 0x80 <= ord(ch) <= 0x9F:
            yield i, "C1 control U+%04X" % ord(ch)
        i += size


def main(argv):
    allow_sgr = "--allow-sgr" in argv
    allow_tab = "--allow-tab" in argv
    files = [a for a in argv if not a.startswith("--")]
    if not files:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 64
    bad = 0
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        if allow_sgr:
            data = SGR.sub(b"", data)
        found = list(problems(data, allow_tab))
        for off, what in found[:10]:
            print("%s: offset %d: %s near %r" % (path, off, what, data[max(0, off - 24) : off + 24]))
        if len(found) > 10:
            print("%s: %d more" % (path, len(found) - 10))
        bad += bool(found)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
