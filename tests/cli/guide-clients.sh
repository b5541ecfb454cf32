#!/usr/bin/env bash
# The client lists of docs/guide.md come from the tool: every sentence that
# names which clients miss STARTTLS carries a marker,
#   <!-- clients-blind: lint REPLY -->   (REPLY as printf %b reads it), or
#   <!-- clients-blind: demo SCENARIO --> (a built-in lab scenario, over loopback),
# and this test runs smtpscope on that input and compares the client ids the
# sentence names, and any count it states ("7 of 16 clients", "three
# clients"), with the clients smtpscope's JSON report says do not see
# STARTTLS. The sentence is the marker's table row, or its paragraph.
#
# usage: guide-clients.sh SMTPSCOPE SOURCE_TESTS_DIR
set -uo pipefail
bin=$(realpath "$1")
guide=$2/../docs/guide.md

python3 - "$bin" "$guide" <<'PY'
import json, re, subprocess, sys

binary, guide = sys.argv[1], sys.argv[2]
lines = open(guide, encoding="utf-8").read().split("\n")
marker = re.compile(r"<!-- clients-blind: (lint|demo) (.*?) -->")
words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
failures = checked = 0

def report(kind, arg):
    """The JSON report of smtpscope for the marker's input."""
    if kind == "lint":
        data = subprocess.run(["printf", "%b", arg], capture_output=True).stdout
        cmd = [binary, "lint", "--json", "-"]
    else:
        data, cmd = b"", [binary, "demo", "--batch", "--json", arg]
    out = subprocess.run(cmd, input=data, capture_output=True, timeout=60).stdout
    return json.loads(out)

def sentence(i):
    """The marker's table row, or the paragraph that holds it."""
    if lines[i].lstrip().startswith("|"):
        return lines[i]
    start, end = i, i
    while start > 0 and lines[start - 1].strip():
        start -= 1
    while end + 1 < len(lines) and lines[end + 1].strip():
        end += 1
    return " ".join(lines[start:end + 1])

for i, line in enumerate(lines):
    m = marker.search(line)
    if not m:
        continue
    checked += 1
    doc = report(m.group(1), m.group(2))
    blind = {k for k, v in doc["clients"].items() if not v["starttls"]}
    text = marker.sub("", sentence(i))
    named = {k for k in doc["clients"] if re.search(r"(?<![\w-])" + re.escape(k) + r"(?![\w-])", text)}
    counts = [int(n) for n in re.findall(r"\b(\d+) of \d+ clients", text)]
    counts += [words[w.lower()] for w in re.findall(r"\b(\w+) clients\b", text) if w.lower() in words]
    where = "docs/guide.md:%d" % (i + 1)
    if not named and not counts:
        print("FAIL: %s: the marked sentence names no client and no count" % where)
        failures += 1
    if named and named != blind:
        print("FAIL: %s names %s; smtpscope says %s" % (where, ", ".join(sorted(named)),
                                                         ", ".join(sorted(blind))))
        failures += 1
    for n in counts:
        if n != len(blind):
            print("FAIL: %s says %d clients; smtpscope says %d (%s)" % (where, n, len(blind),
                                                                    ", ".join(sorted(blind))))
            failures += 1
if checked < 3:
    print("FAIL: only %d marked sentences in %s" % (checked, guide))
    failures += 1
print("%d marked sentences, %d failures" % (checked, failures))
sys.exit(1 if failures else 0)
PY
