#!/usr/bin/env python3
"""Turns a terminal capture with SGR colour sequences (tmux capture-pane -e)
into an HTML page that looks like the terminal, for screenshots.

usage: ansi2html.py TITLE < capture.ans > page.html
"""
import html
import re
import sys

PALETTE = ["#1d1f21", "#cc6666", "#b5bd68", "#f0c674", "#81a2be", "#b294bb", "#8abeb7",
           "#c5c8c6", "#666666", "#d54e53", "#b9ca4a", "#e7c547", "#7aa6da", "#c397d8",
           "#70c0b1", "#eaeaea"]
DEFAULT_FG, DEFAULT_BG = "#c5c8c6", "#1d1f21"


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
        elif c in (1, 2, 4, 7):
            state[c] = True
        elif c in (22, 24, 27):
            state.pop({22: 1, 24: 4, 27: 7}[c], None)
            state.pop(2, None) if c == 22 else None
        elif 30 <= c <= 37 or 90 <= c <= 97:
            state["fg"] = PALETTE[c - 30 if c < 90 else c - 82]
        elif 40 <= c <= 47 or 100 <= c <= 107:
            state["bg"] = PALETTE[c - 40 if c < 100 else c - 92]
        elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
            state["fg" if c == 38 else "bg"] = color256(codes[i + 2])
            i += 2
        elif c == 39:
            state.pop("fg", None)
        elif c == 49:
            state.pop("bg", None)
        i += 1


def style(state):
    fg, bg = state.get("fg", DEFAULT_FG), state.get("bg", DEFAULT_BG)
    if state.get(7):
        fg, bg = bg, fg
    css = "color:%s;background:%s" % (fg, bg)
    if state.get(1):
        css += ";font-weight:bold"
    if state.get(2):
        css += ";opacity:0.6"
    if state.get(4):
        css += ";text-decoration:underline"
    return css


def convert(text):
    out, state = [], {}
    for part in re.split(r"(\x1b\[[0-9;]*m)", text):
        m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
        if m:
            apply(state, m.group(1))
        elif part:
            out.append('<span style="%s">%s</span>' % (style(state), html.escape(part)))
    return "".join(out)


def main():
    title = sys.argv[1] if len(sys.argv) > 1 else "smtpscope"
    body = convert(sys.stdin.read())
    print("<!doctype html><meta charset=utf-8><title>%s</title>" % html.escape(title))
    print("<body style='margin:0;background:%s'><pre style='margin:12px;font:15px/1.25 "
          "\"DejaVu Sans Mono\",monospace;color:%s'>%s</pre>" % (DEFAULT_BG, DEFAULT_FG, body))


if __name__ == "__main__":
    main()
