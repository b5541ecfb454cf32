#!/usr/bin/env python3
"""tui-bench.py: times a full-screen program in a pseudo-terminal.

usage: bench/tui-bench.py [options] --step STEP [--step STEP ...] -- COMMAND [ARG...]

COMMAND runs in a pseudo-terminal of a fixed size (80x24 unless --size), with
TERM=xterm-256color. Its output is fed to a small VT100/xterm screen model, so
that a step can wait for text to be *on the screen* (ncurses moves the cursor
over what did not change; the raw byte stream is no place to look for text).

Steps run in order. REGEX is a Python regular expression searched in the
screen (its rows joined by newlines, re.M: ^ and $ are the ends of a row);
!REGEX waits until REGEX is no longer on the screen.
"A paint" ends when REGEX is on the screen and then the output has been quiet
for --settle ms; its time is the time of its last byte.

  first REGEX               first paint: from the exec to the paint showing REGEX
  key LABEL KEYS [REGEX]    send KEYS, time until the paint showing REGEX (without
                            REGEX: until the screen has changed); a LABEL used
                            several times (see repeat) gives median and p95
  type KEYS [REGEX]         send KEYS and wait for the paint, not timed
  repeat N ... end          the steps in between, N times
  rss LABEL                 peak and current RSS (VmHWM, VmRSS of /proc/PID/status)
  grab LABEL REGEX          keep REGEX's group 1 on the screen now (no wait) as LABEL
  sleep SECONDS             read the output for SECONDS, nothing else
  flood LABEL SECONDS [REGEX]
                            for SECONDS: the bytes COMMAND read (rchar of
                            /proc/PID/io: socket, files and terminal), its CPU time,
                            its terminal output, the longest gap between two
                            outputs, and with REGEX (one group) how often and at
                            what longest gap the group's text on screen changed;
                            with --tcp-port, the bytes acknowledged to it (ss)
  quit [KEYS]               take the RSS (as rss quit), send KEYS (default q); if
                            the screen then asks y/n, answer y; wait for the
                            exit, check its status (a run without quit ends so)

KEYS are characters, with <Space> <Enter> <Esc> <Tab> <Up> <Down> <Left> <Right>
<Home> <End> <PgUp> <PgDn> <C-x> (control-x) and <lt> (a '<'); they are written
in one write(2), as a paste would be. Arrows, Home and End are sent as xterm's
keypad-transmit forms (ESC O x), which curses programs switch on.

Every wait has a deadline (--step-timeout, and --timeout for the whole run): a
program that hangs is killed (SIGTERM, then SIGKILL to its process group), the
screen is printed to standard error and the run fails with exit status 1.
Results are printed one a line and, with --json FILE, written as JSON.
"""

import argparse
import errno
import fcntl
import json
import os
import pty
import re
import select
import shlex
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time

KEYS = {
    "space": b" ", "enter": b"\r", "esc": b"\x1b", "tab": b"\t", "lt": b"<",
    "up": b"\x1bOA", "down": b"\x1bOB", "right": b"\x1bOC", "left": b"\x1bOD",
    "home": b"\x1bOH", "end": b"\x1bOF", "pgup": b"\x1b[5~", "pgdn": b"\x1b[6~",
    "backspace": b"\x7f",
}

# DEC special graphics, for the line drawing of ESC ( 0.
DEC_GRAPHICS = dict(zip("`afgjklmnopqrstuvwxyz{|}~",
                        "◆▒°±┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·"))


def tcp_acked(port):
    """Bytes the peers of 127.0.0.1:port acknowledged (ss, tcp_info), all connections."""
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, timeout=5).stdout
    return sum(int(m) for m in re.findall(r"bytes_acked:(\d+)", out))


class Fail(Exception):
    pass


def parse_keys(text):
    out = bytearray()
    i = 0
    while i < len(text):
        m = re.match(r"<([A-Za-z]+|C-.)>", text[i:])
        if m:
            name = m.group(1)
            if name.startswith("C-"):
                out.append(ord(name[2].lower()) & 0x1f)
            elif name.lower() in KEYS:
                out += KEYS[name.lower()]
            else:
                raise SystemExit(f"tui-bench: unknown key <{name}>")
            i += m.end()
        else:
            out += text[i].encode()
            i += 1
    return bytes(out)


class Screen:
    """Enough of an xterm for what ncurses sends to xterm-256color."""

    TOKEN = re.compile(
        rb"\x1b\[([?>=!]?)([0-9;:]*)[ -/]*([@-~])"      # 1-3 CSI
        rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"           # OSC
        rb"|\x1b[P^_][^\x1b]*\x1b\\"                     # DCS, PM, APC
        rb"|\x1b([()*+])([ -/]*[0-~])"                   # 4-5 charset designation
        rb"|\x1b([0-OQ-Z\\`-~]|[ #%][0-~])"             # 6 other escapes
        rb"|([\x00-\x1a\x1c-\x1f\x7f])"                  # 7 C0 controls, DEL
        rb"|([^\x00-\x1f\x7f]+)",                        # 8 text
        re.S)
    # The start of an escape sequence that a read cut short.
    PREFIX = re.compile(
        rb"\x1b(?:\[[?>=!]?[0-9;:]*[ -/]*|\][^\x07\x1b]*\x1b?|[P^_][^\x1b]*\x1b?"
        rb"|[()*+][ -/]*|[ #%])?", re.S)

    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.reset()
        self.pending = b""
        self.version = 0  # bumped on every feed that changed something

    def reset(self):
        self.grid = [[" "] * self.cols for _ in range(self.rows)]
        self.y = self.x = 0
        self.top, self.bottom = 0, self.rows - 1
        self.wrap = False
        self.saved = (0, 0)
        self.last = " "
        self.g0_graphics = False

    def text(self):
        return "\n".join("".join(r) for r in self.grid)

    # --- operations -------------------------------------------------------
    def blank(self):
        return [" "] * self.cols

    def scroll_up(self, n, top=None, bottom=None):
        top = self.top if top is None else top
        bottom = self.bottom if bottom is None else bottom
        n = min(n, bottom - top + 1)
        del self.grid[top:top + n]
        for _ in range(n):
            self.grid.insert(bottom - n + 1, self.blank())

    def scroll_down(self, n, top=None, bottom=None):
        top = self.top if top is None else top
        bottom = self.bottom if bottom is None else bottom
        n = min(n, bottom - top + 1)
        del self.grid[bottom - n + 1:bottom + 1]
        for _ in range(n):
            self.grid.insert(top, self.blank())

    def linefeed(self):
        self.wrap = False
        if self.y == self.bottom:
            self.scroll_up(1)
        elif self.y < self.rows - 1:
            self.y += 1

    def put(self, s):
        if self.g0_graphics:
            s = "".join(DEC_GRAPHICS.get(c, c) for c in s)
        while s:
            if self.wrap:
                self.x = 0
                self.linefeed()
            n = min(len(s), self.cols - self.x)
            self.grid[self.y][self.x:self.x + n] = s[:n]
            self.last = s[n - 1]
            self.x += n
            s = s[n:]
            if self.x >= self.cols:
                self.x = self.cols - 1
                self.wrap = True

    def csi(self, private, params, final):
        p = [int(v) if v.isdigit() else 0 for v in params.replace(":", ";").split(";")] \
            if params else []
        a = p[0] if p else 0
        n = a or 1
        if final != "m":
            self.wrap = False
        if private == "?":
            if final in "hl" and any(v in (47, 1047, 1049) for v in p):
                self.grid = [self.blank() for _ in range(self.rows)]
            return
        if private:
            return
        g, rows, cols = self.grid, self.rows, self.cols
        if final == "m":
            return
        if final in "Hf":
            self.y = min(max(a, 1), rows) - 1
            self.x = min(max(p[1] if len(p) > 1 else 1, 1), cols) - 1
        elif final == "A":
            self.y = max(self.top if self.y >= self.top else 0, self.y - n)
        elif final in "Be":
            self.y = min(self.bottom if self.y <= self.bottom else rows - 1, self.y + n)
        elif final in "Ca":
            self.x = min(cols - 1, self.x + n)
        elif final == "D":
            self.x = max(0, self.x - n)
        elif final == "E":
            self.y, self.x = min(rows - 1, self.y + n), 0
        elif final == "F":
            self.y, self.x = max(0, self.y - n), 0
        elif final in "G`":
            self.x = min(n, cols) - 1
        elif final == "d":
            self.y = min(n, rows) - 1
        elif final == "J":
            if a == 0:
                g[self.y][self.x:] = [" "] * (cols - self.x)
                for r in range(self.y + 1, rows):
                    g[r] = self.blank()
            elif a == 1:
                g[self.y][:self.x + 1] = [" "] * (self.x + 1)
                for r in range(self.y):
                    g[r] = self.blank()
            else:
                for r in range(rows):
                    g[r] = self.blank()
        elif final == "K":
            if a == 0:
                g[self.y][self.x:] = [" "] * (cols - self.x)
            elif a == 1:
                g[self.y][:self.x + 1] = [" "] * (self.x + 1)
            else:
                g[self.y] = self.blank()
        elif final == "X":
            k = min(n, cols - self.x)
            g[self.y][self.x:self.x + k] = [" "] * k
        elif final == "@":
            row = g[self.y]
            row[self.x:self.x] = [" "] * n
            del row[cols:]
        elif final == "P":
            row = g[self.y]
            del row[self.x:self.x + n]
            row.extend([" "] * (cols - len(row)))
        elif final == "L":
            if self.top <= self.y <= self.bottom:
                self.scroll_down(n, self.y, self.bottom)
                self.x = 0
        elif final == "M":
            if self.top <= self.y <= self.bottom:
                self.scroll_up(n, self.y, self.bottom)
                self.x = 0
        elif final == "S":
            self.scroll_up(n)
        elif final == "T":
            self.scroll_down(n)
        elif final == "r":
            t = max(a, 1) - 1
            b = (p[1] if len(p) > 1 and p[1] else rows) - 1
            if t < b < rows:
                self.top, self.bottom = t, b
            self.y = self.x = 0
        elif final == "b":
            self.put(self.last * n)
        elif final == "s":
            self.saved = (self.y, self.x)
        elif final == "u":
            self.y, self.x = self.saved
        # everything else (modes, reports, ...) changes nothing on screen

    def esc(self, s):
        self.wrap = False
        if s == "7":
            self.saved = (self.y, self.x)
        elif s == "8":
            self.y, self.x = self.saved
        elif s == "D":
            self.linefeed()
        elif s == "E":
            self.x = 0
            self.linefeed()
        elif s == "M":
            if self.y == self.top:
                self.scroll_down(1)
            elif self.y > 0:
                self.y -= 1
        elif s == "c":
            self.reset()

    def control(self, c):
        if c == 13:
            self.x, self.wrap = 0, False
        elif c in (10, 11, 12):
            self.linefeed()
        elif c == 8:
            self.x, self.wrap = max(0, self.x - 1), False
        elif c == 9:
            self.x = min(self.cols - 1, (self.x // 8 + 1) * 8)
        elif c == 14 or c == 15:
            pass

    def feed(self, data):
        data = self.pending + data
        self.pending = b""
        pos, end = 0, len(data)
        match = self.TOKEN.match
        while pos < end:
            m = match(data, pos)
            if m is None:  # an ESC: a sequence cut by the end of the read, or garbage
                if end - pos < 4096 and self.PREFIX.fullmatch(data, pos):
                    self.pending = data[pos:]
                    break
                pos += 1
                continue
            i = m.lastindex
            if i == 8:
                chunk = m.group(8)
                if m.end() == end:  # maybe a UTF-8 character cut by the read
                    cut = len(chunk)
                    while cut > 0 and len(chunk) - cut < 3 and chunk[cut - 1] & 0xC0 == 0x80:
                        cut -= 1
                    if cut > 0 and chunk[cut - 1] >= 0xC0:
                        need = 2 if chunk[cut - 1] < 0xE0 else 3 if chunk[cut - 1] < 0xF0 else 4
                        if len(chunk) - (cut - 1) < need:
                            self.pending = chunk[cut - 1:]
                            chunk = chunk[:cut - 1]
                self.put(chunk.decode("utf-8", "replace"))
            elif i == 3:
                self.csi(m.group(1).decode(), m.group(2).decode(), m.group(3).decode())
            elif i == 5:
                if m.group(4) == b"(":
                    self.g0_graphics = m.group(5) == b"0"
            elif i == 6:
                self.esc(m.group(6).decode("latin-1"))
            elif i == 7:
                self.control(m.group(7)[0])
            pos = m.end()
        self.version += 1


class Run:
    def __init__(self, args):
        self.args = args
        self.rows, self.cols = args.rows, args.cols
        self.screen = Screen(self.rows, self.cols)
        self.deadline = time.monotonic() + args.timeout
        self.pid = None
        self.fd = None
        self.status = None
        self.last_output = None   # time of the last byte read
        self.out_bytes = 0
        self.results = {"command": args.command, "size": f"{self.cols}x{self.rows}",
                        "settle_ms": args.settle, "steps": []}
        self.samples = {}

    # --- the child --------------------------------------------------------
    def spawn(self):
        env = dict(os.environ)
        env.pop("LINES", None)
        env.pop("COLUMNS", None)
        env["TERM"] = self.args.term
        for kv in self.args.env:
            k, _, v = kv.partition("=")
            env[k] = v
        self.t_exec = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
                os.execvpe(self.args.command[0], self.args.command, env)
            except OSError as e:
                os.write(2, f"tui-bench: cannot run {self.args.command[0]}: {e}\n".encode())
            os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))

    def kill(self):
        if self.pid is None or self.status is not None:
            return
        for sig, wait in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 2.0)):
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass
            end = time.monotonic() + wait
            while time.monotonic() < end:
                self.drain(0.05)
                if self.reap():
                    return

    def reap(self):
        if self.status is not None:
            return True
        try:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.status = -1
            return True
        if pid == 0:
            return False
        self.status = os.waitstatus_to_exitcode(st)
        return True

    # --- reading ----------------------------------------------------------
    def drain(self, timeout):
        """Reads what comes within timeout seconds (stops at the first read). True if read."""
        if self.fd is None:
            return False
        try:
            r, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        except InterruptedError:
            return False
        if not r:
            return False
        try:
            data = os.read(self.fd, 1 << 20)
        except OSError as e:
            if e.errno == errno.EIO:  # the child closed the terminal
                os.close(self.fd)
                self.fd = None
                return False
            raise
        if not data:
            os.close(self.fd)
            self.fd = None
            return False
        self.last_output = time.monotonic()
        self.out_bytes += len(data)
        self.screen.feed(data)
        return True

    def step_deadline(self, seconds=None):
        return min(self.deadline, time.monotonic() + (seconds or self.args.step_timeout))

    def fail(self, what):
        raise Fail(what)

    def wait_paint(self, pred, deadline, what, settle=None):
        """Reads until pred(screen text) holds and output was then quiet for settle.
        Returns (time pred first held, time of the paint's last byte)."""
        settle = (self.args.settle if settle is None else settle) / 1000.0
        t_match = None
        checked = -1
        while True:
            now = time.monotonic()
            if t_match is None and self.screen.version != checked:
                checked = self.screen.version
                if pred(self.screen.text()):
                    t_match = self.last_output or now
            if t_match is not None:
                quiet_for = now - max(self.last_output or t_match, t_match)
                if quiet_for >= settle:
                    return t_match, max(self.last_output or t_match, t_match)
                wait = settle - quiet_for
            else:
                wait = 0.05
            if now >= deadline:
                if t_match is not None:  # output never settles (a live flood): take the match
                    return t_match, t_match
                self.fail(f"{what}: timed out")
            if self.fd is None:
                end = time.monotonic() + 1.0
                while not self.reap() and time.monotonic() < end:
                    time.sleep(0.01)
                self.fail(f"{what}: the program exited (status {self.status})")
            self.drain(min(wait, deadline - now))

    # --- /proc ------------------------------------------------------------
    def proc_status(self):
        out = {}
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS"):
                    out[k] = int(v.split()[0])  # kB
        return out

    def proc_io(self):
        with open(f"/proc/{self.pid}/io") as f:
            return {k: int(v) for k, v in (line.split(": ") for line in f)}

    def proc_cpu(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    # --- steps ------------------------------------------------------------
    def record(self, label, ms, extra=None):
        self.samples.setdefault(label, []).append(ms)
        entry = {"step": "key", "label": label, "ms": round(ms, 3)}
        if extra:
            entry.update(extra)
        self.results["steps"].append(entry)
        if self.args.verbose:
            print(f"  {label}: {ms:.2f} ms", file=sys.stderr)

    def pred_for(self, regex, before):
        if regex is None:
            return lambda text: text != before
        if regex.startswith("!"):
            rx = re.compile(regex[1:], re.M)
            return lambda text: rx.search(text) is None
        rx = re.compile(regex, re.M)
        return lambda text: rx.search(text) is not None

    def do_first(self, regex):
        deadline = self.step_deadline()
        t_match, t_done = self.wait_paint(self.pred_for(regex, None), deadline,
                                          f"first paint showing /{regex}/")
        self.results["first_paint_ms"] = round((t_done - self.t_exec) * 1000, 3)
        self.results["first_match_ms"] = round((t_match - self.t_exec) * 1000, 3)
        print(f"first paint: {self.results['first_paint_ms']:.1f} ms "
              f"(/{regex}/ on screen at {self.results['first_match_ms']:.1f} ms)")

    def send(self, keys):
        if self.fd is None:
            self.fail("the program has exited")
        os.write(self.fd, keys)

    def do_key(self, label, keys, regex, timed=True):
        # What is already on its way belongs to the paint before.
        end = time.monotonic() + self.args.settle / 1000.0
        while time.monotonic() < end and self.drain(end - time.monotonic()):
            pass
        before = self.screen.text()
        t0 = time.monotonic()
        self.send(parse_keys(keys))
        what = f"key {label!r} ({keys}) until /{regex}/" if regex else f"key {label!r} ({keys})"
        t_match, t_done = self.wait_paint(self.pred_for(regex, before), self.step_deadline(), what)
        if timed:
            self.record(label, (t_done - t0) * 1000, {"match_ms": round((t_match - t0) * 1000, 3)})

    def do_rss(self, label):
        st = self.proc_status()
        self.results.setdefault("rss", {})[label] = {"VmHWM_kB": st["VmHWM"], "VmRSS_kB": st["VmRSS"]}
        print(f"rss {label}: peak {st['VmHWM'] / 1024:.1f} MiB, now {st['VmRSS'] / 1024:.1f} MiB")

    def do_grab(self, label, regex):
        m = re.search(regex, self.screen.text(), re.M)
        v = (m.group(1) if m.groups() else m.group(0)) if m else None
        self.results.setdefault("grab", {})[label] = v
        print(f"grab {label}: {v}")

    def do_sleep(self, seconds):
        end = time.monotonic() + seconds
        if end > self.deadline:
            self.fail(f"sleep {seconds}: past the run's deadline (--timeout)")
        while time.monotonic() < end:
            self.drain(end - time.monotonic())

    def do_flood(self, label, seconds, regex):
        rx = re.compile(regex, re.M) if regex else None
        port = self.args.tcp_port
        tcp0 = tcp_acked(port) if port else None
        io0, cpu0, out0 = self.proc_io(), self.proc_cpu(), self.out_bytes
        own0 = os.times()
        t0 = time.monotonic()
        end = t0 + seconds
        if end > self.deadline:
            self.fail(f"flood {label}: {seconds} s go past the run's deadline (--timeout)")
        last_out = t0
        max_gap = 0.0
        value, value_t, value_changes, value_gap = None, t0, 0, 0.0
        first_value, last_change = None, None
        checked = -1
        next_check = t0
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if self.fd is None:
                self.fail(f"flood {label}: the program exited")
            got = self.drain(min(0.05, end - now))
            now = time.monotonic()
            if got:
                max_gap = max(max_gap, now - last_out)
                last_out = now
            if rx and now >= next_check and self.screen.version != checked:
                next_check = now + 0.01  # the screen is read at most 100 times a second
                checked = self.screen.version
                m = rx.search(self.screen.text())
                v = m.group(1) if m else None
                if first_value is None:
                    first_value = v
                if v != value:
                    if value is not None:
                        value_changes += 1
                        last_change = now
                    value_gap = max(value_gap, now - value_t)
                    value, value_t = v, now
        t1 = time.monotonic()
        max_gap = max(max_gap, t1 - last_out)
        if rx:
            value_gap = max(value_gap, t1 - value_t)
        io1, cpu1 = self.proc_io(), self.proc_cpu()
        tcp1 = tcp_acked(port) if port else None
        own1 = os.times()
        dt = t1 - t0
        res = {
            "step": "flood", "label": label, "seconds": round(dt, 3),
            "read_bytes": io1["rchar"] - io0["rchar"],
            "read_MBps": round((io1["rchar"] - io0["rchar"]) / dt / 1e6, 2),
            "cpu_pct": round((cpu1 - cpu0) / dt * 100, 1),
            "tty_out_bytes": self.out_bytes - out0,
            "tty_out_kBps": round((self.out_bytes - out0) / dt / 1e3, 1),
            "max_output_gap_ms": round(max_gap * 1000, 1),
            "bench_cpu_pct": round(((own1.user + own1.system) - (own0.user + own0.system)) / dt * 100, 1),
        }
        if port:
            res["tcp_bytes"] = tcp1 - tcp0
            res["tcp_MBps"] = round((tcp1 - tcp0) / dt / 1e6, 2)
        if rx:
            res["screen_changes"] = value_changes
            res["screen_changes_per_s"] = round(value_changes / dt, 1)
            res["max_screen_gap_ms"] = round(value_gap * 1000, 1)
            res["first_value"] = first_value
            res["last_value"] = value
            res["last_change_s"] = round(last_change - t0, 3) if last_change else None
        self.results["steps"].append(res)
        self.results.setdefault("flood", {})[label] = res
        line = (f"flood {label}: {res['read_MBps']:.1f} MB/s read()"
                + (f", {res['tcp_MBps']:.1f} MB/s delivered (tcp)" if port else "")
                + f", cpu {res['cpu_pct']:.0f} %, terminal {res['tty_out_kBps']:.0f} kB/s, longest output gap "
                f"{res['max_output_gap_ms']:.0f} ms")
        if rx:
            line += (f", screen changed {value_changes} times ({res['screen_changes_per_s']}/s),"
                     f" longest unchanged {res['max_screen_gap_ms']:.0f} ms, {first_value} to {value},"
                     f" last change at {res['last_change_s']} s")
        line += f" [tui-bench itself: cpu {res['bench_cpu_pct']:.0f} %]"
        print(line)

    def do_quit(self, keys):
        self.last_screen = self.screen.text()
        try:  # the peak RSS just before the quit key, always
            st = self.proc_status()
            self.results.setdefault("rss", {})["quit"] = {"VmHWM_kB": st["VmHWM"],
                                                          "VmRSS_kB": st["VmRSS"]}
        except (OSError, KeyError):
            pass
        self.send(parse_keys(keys))
        ask = re.compile(r"y/n|\[y/N\]|\(y or n\)", re.I)
        answered = False
        deadline = self.step_deadline()
        while not self.reap():
            now = time.monotonic()
            if now >= deadline:
                self.fail(f"quit ({keys}): the program did not exit")
            if not answered and ask.search(self.screen.text()):
                self.send(b"y")
                answered = True
            if self.fd is not None:
                self.drain(min(0.05, deadline - now))
            else:
                time.sleep(0.01)
        self.results["exit"] = self.status
        ok = self.args.exit_ok
        print(f"exit status {self.status}" + (" (answered y)" if answered else ""))
        if self.status not in ok:
            self.fail(f"exit status {self.status}, expected one of {sorted(ok)}")

    def run_steps(self, steps):
        for st in steps:
            kind = st[0]
            if kind == "repeat":
                for _ in range(st[1]):
                    self.run_steps(st[2])
            elif kind == "first":
                self.do_first(*st[1:])
            elif kind == "key":
                self.do_key(*st[1:])
            elif kind == "type":
                self.do_key("type", st[1], st[2], timed=False)
            elif kind == "rss":
                self.do_rss(st[1])
            elif kind == "sleep":
                self.do_sleep(st[1])
            elif kind == "grab":
                self.do_grab(st[1], st[2])
            elif kind == "flood":
                self.do_flood(*st[1:])
            elif kind == "quit":
                self.do_quit(st[1])

    def summary(self):
        keys = {}
        for label, v in self.samples.items():
            s = sorted(v)
            p95 = s[min(len(s) - 1, max(0, int(round(0.95 * len(s) + 0.5)) - 1))]
            keys[label] = {"n": len(s), "median_ms": round(statistics.median(s), 3),
                           "p95_ms": round(p95, 3), "min_ms": round(s[0], 3),
                           "max_ms": round(s[-1], 3)}
            print(f"key {label}: median {keys[label]['median_ms']:.2f} ms, "
                  f"p95 {keys[label]['p95_ms']:.2f} ms, n={len(s)}")
        self.results["keys"] = keys


def parse_steps(raw):
    """The --step strings, shell-split, into a tree (repeat ... end)."""
    stack = [[]]
    for text in raw:
        t = shlex.split(text)
        if not t:
            continue
        kind, a = t[0], t[1:]

        def need(lo, hi):
            if not lo <= len(a) <= hi:
                raise SystemExit(f"tui-bench: step {text!r}: wrong number of arguments")
        if kind == "first":
            need(1, 1)
            stack[-1].append(("first", a[0]))
        elif kind == "key":
            need(2, 3)
            stack[-1].append(("key", a[0], a[1], a[2] if len(a) > 2 else None))
        elif kind == "type":
            need(1, 2)
            stack[-1].append(("type", a[0], a[1] if len(a) > 1 else None))
        elif kind == "rss":
            need(1, 1)
            stack[-1].append(("rss", a[0]))
        elif kind == "grab":
            need(2, 2)
            stack[-1].append(("grab", a[0], a[1]))
        elif kind == "sleep":
            need(1, 1)
            stack[-1].append(("sleep", float(a[0])))
        elif kind == "flood":
            need(2, 3)
            stack[-1].append(("flood", a[0], float(a[1]), a[2] if len(a) > 2 else None))
        elif kind == "quit":
            need(0, 1)
            stack[-1].append(("quit", a[0] if a else "q"))
        elif kind == "repeat":
            need(1, 1)
            stack.append([])
            stack[-1].append(int(a[0]))
        elif kind == "end":
            need(0, 0)
            if len(stack) == 1:
                raise SystemExit("tui-bench: 'end' without 'repeat'")
            body = stack.pop()
            stack[-1].append(("repeat", body[0], body[1:]))
        else:
            raise SystemExit(f"tui-bench: unknown step {kind!r}")
    if len(stack) != 1:
        raise SystemExit("tui-bench: 'repeat' without 'end'")
    return stack[0]


def main():
    ap = argparse.ArgumentParser(
        prog="tui-bench.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--size", default="80x24", help="COLSxROWS (default 80x24)")
    ap.add_argument("--term", default="xterm-256color")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="set a variable in the program's environment")
    ap.add_argument("--settle", type=float, default=30.0,
                    help="ms of quiet output that end a paint (default 30)")
    ap.add_argument("--step-timeout", type=float, default=60.0,
                    help="seconds a step may take (default 60)")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds the whole run may take (default 300)")
    ap.add_argument("--exit-ok", default="0", help="exit statuses taken as success (default 0)")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    ap.add_argument("--tcp-port", type=int, metavar="PORT",
                    help="flood: also count the bytes a local server on PORT got acknowledged")
    ap.add_argument("--label", help="a name for the run, in the JSON")
    ap.add_argument("--dump", metavar="FILE",
                    help="write the screen as it was before the quit (or the failure) to FILE")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-s", "--step", action="append", default=[], required=True)
    ap.add_argument("command", nargs="+")
    args = ap.parse_args()
    m = re.fullmatch(r"(\d+)x(\d+)", args.size)
    if not m:
        raise SystemExit("tui-bench: --size takes COLSxROWS, 80x24 say")
    args.cols, args.rows = int(m.group(1)), int(m.group(2))
    args.exit_ok = {int(v) for v in args.exit_ok.split(",")}
    steps = parse_steps(args.step)

    run = Run(args)
    run.results["label"] = args.label
    # A backstop in case a wait of ours has no deadline after all.
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(Fail("the whole run's deadline")))
    signal.alarm(int(args.timeout) + 30)
    rc = 0
    try:
        run.spawn()
        run.run_steps(steps)
        if run.status is None:
            run.do_quit("q")
        run.summary()
    except Fail as e:
        rc = 1
        print(f"tui-bench: FAIL: {e} ({' '.join(args.command)})", file=sys.stderr)
        print("tui-bench: the screen was:", file=sys.stderr)
        for row in run.screen.text().split("\n"):
            print("  |" + row.rstrip(), file=sys.stderr)
        run.results["error"] = str(e)
    finally:
        signal.alarm(0)
        run.kill()
        if args.dump:
            with open(args.dump, "w") as f:
                f.write(getattr(run, "last_screen", None) or run.screen.text())
                f.write("\n")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(run.results, f, indent=1)
    return rc


if __name__ == "__main__":
    sys.exit(main())
