#!/usr/bin/env python3
"""Turns a terminal capture with SGR colour sequences (tmux capture-pane -e)
into an HTML page that looks like the terminal, for screenshots.

usage: ansi2html.py [--cols N] [--rows N] [--font-size PX] TITLE < capture.ans > page.html
       ansi2html.py --geometry COLS ROWS [--font-size PX]

The page is a grid of COLS x ROWS cells (default: the size of the capture) in
DejaVu Sans Mono (FreeMono for what it lacks), with a margin of MARGIN pixels;
every row is one cell high and backgrounds fill the whole cell, so reversed
rows show as bars; a character outside ASCII takes exactly its cells, whatever
font draws it. Bold text in one of the eight basic colours is drawn in its
bright variant, as most terminals do. --geometry prints the window size "W,H"
in pixels that holds the page (for chromium --window-size) and exits.
"""
import argparse
import html
import math
import re
import sys
import unicodedata

# xterm-like, slightly softened so that the red, yellow and cyan of the roles
# stay apart on the dark background.
PALETTE = ["#1c1c1c", "#d03a3a", "#4fa84f", "#c8a22c", "#5b8fd6", "#b06ac0", "#2fa7a7",
           "#d0d0d0", "#6c6c6c", "#f05050", "#78d878", "#f0d050", "#82b4f8", "#d890e8",
           "#50d8d8", "#ffffff"]
DEFAULT_FG, DEFAULT_BG = "#d0d0d0", "#161616"
# FreeMono (fonts-freefont-ttf) draws what DejaVu Sans Mono lacks, the control
# pictures of the raw view (U+240D, U+240A), in a cell of the same width.
FONT = '"DejaVu Sans Mono","FreeMono","Liberation Mono",monospace'
ADVANCE = 0.6021  # DejaVu Sans Mono: 1233/2048 em per cell
LINE = 1.25       # row height in em
MARGIN = 14
DIM = 0.62     # share of the colour kept by dim text


def color256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    level = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (level, level, level)


def apply(state, params):
    codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            state.clear()
        elif c in (1, 2, 3, 4, 7):
            state[c] = True
        elif c == 22:
            state.pop(1, None)
            state.pop(2, None)
        elif c in (23, 24, 27):
            state.pop(c - 20, None)
        elif 30 <= c <= 37 or 90 <= c <= 97:
            state["fg"] = c - 30 if c < 90 else c - 82
        elif 40 <= c <= 47 or 100 <= c <= 107:
            state["bg"] = c - 40 if c < 100 else c - 92
        elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
            state["fg" if c == 38 else "bg"] = 256 + codes[i + 2]
            i += 2
        elif c in (38, 48) and i + 4 < len(codes) and codes[i + 1] == 2:
            state["fg" if c == 38 else "bg"] = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
            i += 4
        elif c == 39:
            state.pop("fg", None)
        elif c == 49:
            state.pop("bg", None)
        i += 1


def colour(value, bold):
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if value >= 256:
        return color256(value - 256)
    if bold and value < 8:
        value += 8
    return PALETTE[value]


def mix(fg, bg, share):
    """fg faded toward bg: share of fg, the rest of bg (dim text)."""
    a = [int(fg[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(bg[i:i + 2], 16) for i in (1, 3, 5)]
    return "#%02x%02x%02x" % tuple(round(x * share + y * (1 - share)) for x, y in zip(a, b))


def style(state):
    bold = bool(state.get(1))
    fg = colour(state.get("fg"), bold) or (PALETTE[15] if bold else DEFAULT_FG)
    bg = colour(state.get("bg"), False) or DEFAULT_BG
    if state.get(7):
        fg, bg = bg, fg
    if state.get(2):
        fg = mix(fg, bg, DIM)
    css = []
    if fg != DEFAULT_FG:
        css.append("color:" + fg)
    if bg != DEFAULT_BG:
        css.append("background:" + bg)
    if bold:
        css.append("font-weight:bold")
    if state.get(3):
        css.append("font-style:italic")
    if state.get(4):
        css.append("text-decoration:underline")
    return ";".join(css)


def cells(part):
    """part as HTML, each character outside ASCII in a box of exactly its cells
    (two for East Asian wide ones), so that a glyph from a fallback font of
    another width never shifts the rest of the row."""
    out = []
    for ch in part:
        if ord(ch) < 0x80:
            out.append(html.escape(ch))
        else:
            wide = unicodedata.east_asian_width(ch) in ("W", "F")
            out.append('<span class=c style="width:%dch">%s</span>' % (2 if wide else 1, html.escape(ch)))
    return "".join(out)


def convert(text):
    rows, state = [], {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        out = []
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
            if m:
                apply(state, m.group(1))
                continue
            # Any other escape sequence or control character is dropped.
            part = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x1f\x7f]", "", part)
            if part:
                css = style(state)
                text_ = cells(part)
                out.append('<span style="%s">%s</span>' % (css, text_) if css else
                           "<span>%s</span>" % text_)
        rows.append("".join(out))
    return rows


def geometry(cols, rows, font_size):
    width = math.ceil(cols * ADVANCE * font_size) + 2 * MARGIN + 2
    height = math.ceil(rows * LINE * font_size) + 2 * MARGIN
    return width, height


def main():
    ap = argparse.ArgumentParser(description="terminal capture to HTML")
    ap.add_argument("title", nargs="?", default="smtpscope")
    ap.add_argument("--cols", type=int)
    ap.add_argument("--rows", type=int)
    ap.add_argument("--font-size", type=int, default=16)
    ap.add_argument("--geometry", nargs=2, type=int, metavar=("COLS", "ROWS"))
    args = ap.parse_args()
    fs = args.font_size
    if args.geometry:
        print("%d,%d" % geometry(args.geometry[0], args.geometry[1], fs))
        return
    text = sys.stdin.buffer.read().decode("utf-8", "replace")
    sys.stdout.reconfigure(encoding="utf-8")
    rows = convert(text)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x09\x0b-\x1f\x7f]", "", text)
    ncols = args.cols or max([len(line) for line in plain.split("\n")] + [1])
    nrows = args.rows or len(rows)
    rows = rows[:nrows] + [""] * (nrows - len(rows))
    lh = LINE * fs
    print("<!doctype html><meta charset=utf-8><title>%s</title>" % html.escape(args.title))
    print("<style>html,body{margin:0;background:%s}"
          ".t{margin:%dpx;width:%dch;font:%dpx/%gpx %s;color:%s;"
          "font-variant-ligatures:none;overflow:hidden}"
          ".t div{height:%gpx;overflow:hidden;white-space:pre}"
          ".t span{display:inline-block;height:%gpx;vertical-align:top}"
          ".t span.c{overflow:visible;text-align:center}</style>"
          % (DEFAULT_BG, MARGIN, ncols, fs, lh, FONT, DEFAULT_FG, lh, lh))
    print("<div class=t>" + "".join("<div>%s</div>" % row for row in rows) + "</div>")


if __name__ == "__main__":
    main()
