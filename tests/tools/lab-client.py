#!/usr/bin/env python3
"""lab-client.py: the SMTP client of tests/integration/lab.sh. It reads back
one built-in scenario of "smtpscope lab" (STARTTLS with Python's ssl module)
and checks the bytes the server sends.

usage: lab-client.py CHECK PORT [ARG [HOST]]

  CHECK  the scenario whose bytes are checked (a check_CHECK function below,
         with "-" for "_"): misordered, correct, keyword-first, no-starttls,
         starttls-only, mixed-codes, bare-lf, long-line, control-chars,
         injection, starttls-after-tls, tls-454, slow, ehlo-502, throttle-421;
         or mail (a whole message, for the command log), long-command,
         greeting (the greeting holds ARG) and idle (greeted, then 60 s idle).
  HOST   the server's address, 127.0.0.1 by default.

It exits 0 when the check holds; otherwise it says why and exits 1.
"""
import socket, ssl, sys, time

class Client:
    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def line(self):
        while b"\n" not in self.buf:
            self.fill()
        i = self.buf.index(b"\n") + 1
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def reply(self):
        out = b""
        while True:
            line = self.line()
            out += line
            if len(line) < 4 or line[3:4] != b"-":
                return out

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        return self.reply()

    def rest(self):
        try:
            while True:
                self.fill()
        except EOFError:
            pass
        data, self.buf = self.buf, b""
        return data

    def starttls(self, hostname=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        assert self.buf == b"", "bytes after the 220: %r" % self.buf
        self.sock = ctx.wrap_socket(self.sock, server_hostname=hostname or "localhost")
        return self.sock

def expect(what, got, want):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))

def expect_in(what, needle, got):
    if needle not in got:
        raise AssertionError("%s: %r not in %r" % (what, needle, got[:300]))

MISORDERED = (b"250-STARTTLS\r\n250-mail.domain1.com\r\n250-8BITMIME\r\n250-PIPELINING\r\n"
              b"250-HELP\r\n250-DELIVERBY 300\r\n250 SIZE 30000000\r\n")
MISORDERED_TLS = MISORDERED[len(b"250-STARTTLS\r\n"):]
CORRECT = b"250-mail-esa.com\r\n250-8BITMIME\r\n250-SIZE 33554432\r\n250 STARTTLS\r\n"
CORRECT_TLS = b"250-mail-esa.com\r\n250-8BITMIME\r\n250 SIZE 33554432\r\n"

def field_note(c, greeting, plain, tls):
    expect("greeting", c.reply(), greeting)
    expect("EHLO reply", c.cmd("EHLO client.example"), plain)
    expect("STARTTLS reply", c.cmd("STARTTLS"), b"220 Ready to start TLS\r\n")
    c.starttls()
    expect("EHLO reply inside TLS", c.cmd("EHLO client.example"), tls)
    expect("QUIT", c.cmd("QUIT")[:4], b"221 ")

def check_misordered(c, arg):
    field_note(c, b"220 mail.domain1.com ESMTP Service ready\r\n", MISORDERED, MISORDERED_TLS)

def check_correct(c, arg):
    field_note(c, b"220 mail-esa.com ESMTTP\r\n", CORRECT, CORRECT_TLS)

def check_keyword_first(c, arg):
    c.reply()
    r = c.cmd("EHLO client.example")
    expect("line 1", r.split(b"\n")[0], b"250-PIPELINING\r")
    expect_in("EHLO reply", b"250 STARTTLS\r\n", r)

def check_no_starttls(c, arg):
    c.reply()
    r = c.cmd("EHLO client.example")
    if b"STARTTLS" in r:
        raise AssertionError("STARTTLS offered: %r" % r)
    expect("STARTTLS", c.cmd("STARTTLS")[:4], b"502 ")

def check_starttls_only(c, arg):
    c.reply()
    expect("EHLO reply", c.cmd("EHLO client.example"), b"250 STARTTLS\r\n")
    expect("STARTTLS", c.cmd("STARTTLS")[:4], b"220 ")
    c.starttls()
    expect_in("EHLO reply inside TLS", b"250-mx.starttls-only.example\r\n",
              c.cmd("EHLO client.example"))

def check_mixed_codes(c, arg):
    c.reply()
    r = c.cmd("EHLO client.example")
    expect_in("EHLO reply", b"250-8BITMIME\r\n252-STARTTLS\r\n250 SIZE 10240000\r\n", r)

def check_bare_lf(c, arg):
    expect("greeting", c.reply(), b"220 mx.bare-lf.example ESMTP\n")
    expect("EHLO reply", c.cmd("EHLO client.example"),
           b"250-mx.bare-lf.example\n250-8BITMIME\n250 STARTTLS\n")
    expect("NOOP (a default)", c.cmd("NOOP"), b"250 2.0.0 Ok\n")

def check_long_line(c, arg):
    c.reply()
    lines = c.cmd("EHLO client.example").split(b"\r\n")
    expect("lines", len(lines), 10004)
    expect("filler", lines[5000], b"250-X-FILLER")
    expect("long line length", len(lines[10001]), 100000)
    expect("long line start", lines[10001][:12], b"250-X-LONG x")
    expect("last line", lines[10002], b"250 STARTTLS")

def check_control_chars(c, arg):
    expect_in("greeting", b"\x1b[2J\x1b[31m", c.reply())
    r = c.cmd("EHLO client.example")
    for needle in (b"\x1b]0;", b"\x1b]52;c;", b"\x1bP", b"\x1b\\", b"\x9b31m", b"\x9d",
                   b"a\x00b", b"a\x7fb"):
        expect_in("EHLO reply", needle, r)

def check_injection(c, arg):
    c.reply()
    c.cmd("EHLO client.example")
    c.sock.sendall(b"STARTTLS\r\n")
    want = b"220 Ready to start TLS\r\n250 injected\r\n"
    deadline = time.time() + 5
    while len(c.buf) < len(want) and time.time() < deadline:
        c.fill()
    expect("bytes after STARTTLS", c.buf[:len(want)], want)

def check_starttls_after_tls(c, arg):
    c.reply()
    c.cmd("EHLO client.example")
    expect("STARTTLS", c.cmd("STARTTLS")[:4], b"220 ")
    c.starttls()
    expect_in("EHLO reply inside TLS", b"250 STARTTLS\r\n", c.cmd("EHLO client.example"))
    expect("second STARTTLS", c.cmd("STARTTLS")[:4], b"503 ")

def check_tls_454(c, arg):
    c.reply()
    expect_in("EHLO reply", b"STARTTLS", c.cmd("EHLO client.example"))
    expect("STARTTLS", c.cmd("STARTTLS")[:4], b"454 ")

def check_slow(c, arg):
    start = time.time()
    expect("greeting", c.reply(), b"220 slow\r\n")
    took = time.time() - start
    if took < 1.8:
        raise AssertionError("greeting took %.2f s, want at least 1.8 s" % took)
    start = time.time()
    c.cmd("EHLO client.example")
    took = time.time() - start
    if took < 0.45:
        raise AssertionError("EHLO reply took %.2f s, want at least 0.45 s" % took)

def check_ehlo_502(c, arg):
    c.reply()
    expect("EHLO", c.cmd("EHLO client.example")[:4], b"502 ")
    expect("HELO", c.cmd("HELO client.example"), b"250 mx.ehlo-502.example\r\n")

def check_throttle_421(c, arg):
    expect("greeting", c.reply()[:4], b"421 ")
    expect("after the 421", c.rest(), b"")

def check_mail(c, arg):
    """A whole message with the defaults, AUTH redacted, STARTTLS with pipelining."""
    c.reply()
    c.cmd("EHLO client.example")
    expect("AUTH", c.cmd("AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=")[:4], b"502 ")
    expect("MAIL", c.cmd("MAIL FROM:<a@client.example>")[:4], b"250 ")
    expect("RCPT", c.cmd("RCPT TO:<b@lab.invalid>")[:4], b"250 ")
    expect("DATA", c.cmd("DATA")[:4], b"354 ")
    # ".\r\n" after a bare LF does not end the body: only CRLF.CRLF does.
    c.sock.sendall(b"Subject: t\r\n\r\nQUIT\r\n.x\r\nEHLO inside\n.\n.\r\nlast\r\n.\r\n")
    expect("end of data", c.reply()[:4], b"250 ")
    expect("unknown", c.cmd("XYZZY \x1b[31m")[:4], b"500 ")
    c.sock.sendall(b"STARTTLS\r\nNOOP\r\n")
    expect("STARTTLS", c.reply()[:4], b"220 ")
    c.starttls()
    c.cmd("EHLO client.example")
    expect("QUIT", c.cmd("QUIT")[:4], b"221 ")
    expect("after QUIT", c.rest(), b"")

def check_long_command(c, arg):
    c.reply()
    expect("long EHLO", c.cmd("EHLO " + "a" * 5000)[:4], b"250-")
    expect("NOOP after", c.cmd("NOOP")[:4], b"250 ")

def check_greeting(c, arg):
    expect_in("greeting", arg.encode(), c.reply())

def check_idle(c, arg):
    c.reply()
    time.sleep(60)

check = globals()["check_" + sys.argv[1].replace("-", "_")]
c = Client(int(sys.argv[2]), sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1")
try:
    check(c, sys.argv[3] if len(sys.argv) > 3 else "")
except (AssertionError, EOFError, OSError) as e:
    print("%s: %s" % (sys.argv[1], e))
    sys.exit(1)
