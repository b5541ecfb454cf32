#!/usr/bin/env python3
"""Writes the section "Verified against the real clients" of docs/clients.md
from one run of tests/clients/run.sh (run.sh --doc calls it).

usage: doc.py SHAPES RESULTS OUTCOMES VERSIONS SKIPPED LINT_JSON CLIENTS_MD
  SHAPES     tests/clients/shapes.txt
  RESULTS    lines "SHAPE CLIENT PREDICTED OBSERVED": does it find STARTTLS (yes, no)
  OUTCOMES   lines "SHAPE CLIENT PREDICTED OBSERVED": what it does next
             (starttls, plaintext, abort, stall)
  VERSIONS   lines "CLIENT|VERSION"
  SKIPPED    lines "CLIENT|REASON"
  LINT_JSON  smtpscope lint --json of any shape: the profiles, in order
  CLIENTS_MD the document; the text between the two markers is replaced,
             or the section is appended with its markers
"""
import json
import sys

BEGIN = "<!-- clients-verified:begin (tests/clients/run.sh --doc writes this section) -->"
END = "<!-- clients-verified:end -->"


def shown(line):
    """A reply line as the table shows it, in code spans."""
    return line.replace("\\x20", "␠").replace("\\t", "<TAB>").replace("|", "\\|")


def read_pairs(path, clients):
    """{(shape, client): (predicted, observed)} of a results file; new clients go to clients."""
    pairs = {}
    for raw in open(path, encoding="utf-8"):
        fields = raw.split()
        if len(fields) != 4:  # a shape lint could not read: run.sh has failed it
            continue
        sid, client, pred, obs = fields
        pairs[(sid, client)] = (pred, obs)
        if client not in clients:
            clients.append(client)
    return pairs


def main(shapes_path, results_path, outcomes_path, versions_path, skipped_path, lint_path,
         md_path):
    shapes = []
    for raw in open(shapes_path, encoding="utf-8"):
        raw = raw.rstrip("\n")
        if not raw or raw.startswith("#"):
            continue
        sid, ending, desc, *lines = raw.split("|")
        shapes.append((sid, ending, desc, lines))
    clients = []
    results = read_pairs(results_path, clients)
    outcomes = read_pairs(outcomes_path, clients)
    versions = dict(l.rstrip("\n").split("|", 1) for l in open(versions_path, encoding="utf-8") if "|" in l)
    skipped = dict(l.rstrip("\n").split("|", 1) for l in open(skipped_path, encoding="utf-8") if "|" in l)
    profiles = list(json.load(open(lint_path, encoding="utf-8"))["clients"])

    agree = sum(1 for p, o in results.values() if p == o)
    oagree = sum(1 for p, o in outcomes.values() if p == o)
    out = [BEGIN, "", "## Verified against the real clients", ""]
    out.append(
        "`tests/clients/run.sh` (ctest `clients.matrix`) runs each client below against the lab "
        "server, one connection per EHLO reply shape of `tests/clients/shapes.txt`, with "
        "opportunistic TLS and one message to send, and reads from the lab's `--log` what the "
        "client did after the EHLO reply: `starttls` (STARTTLS came next), `plaintext` (MAIL came "
        "next), `stall` (nothing came and the client took 8 s or more: it waited), `abort` "
        "(anything else: QUIT, HELO, a close). It also reads whether the client found STARTTLS "
        "(for `openssl s_client`, which always sends it, whether it printed \"Didn't find "
        "STARTTLS in server response\"; for testssl.sh, which opens many connections, only its "
        "own dialog, the first to say EHLO, counts). It compares both with `smtpscope lint "
        "--json` on the same reply lines (`outcome`, and `line` not null). A cell gives the "
        "outcome predicted and ✓ when both observations agree. This section is written by "
        "`tests/clients/run.sh --doc`; do not edit it by hand.")
    out.append("")
    out.append(f"**{len(clients)} clients × {len(shapes)} shapes: {agree}/{len(results)} agree on "
               f"whether the client finds STARTTLS, {oagree}/{len(outcomes)} on what it does next.**")
    out += ["", "### Clients and versions", "", "| id | Version run | How it was run |", "|---|---|---|"]
    how = {
        "python-smtplib": "`smtplib.SMTP`, `ehlo()`, `starttls()` if `has_extn('starttls')`, `quit()`",
        "swaks": "`--tls-optional --quit-after tls`",
        "curl": "`curl --ssl -k` with `--mail-from`, `--mail-rcpt` and `-T` (a small message)",
        "openssl-s_client": "`openssl s_client -starttls smtp`; its \"Didn't find STARTTLS\" message is read",
        "posttls-finger": "`posttls-finger -c -l may \"[127.0.0.1]:PORT\"`",
        "msmtp": "`tls on`, `tls_starttls on`, `tls_certcheck off` (msmtp has no opportunistic mode: "
                 "without STARTTLS it fails without sending it)",
        "go-net-smtp": "`tests/clients/go`: `Hello`, `StartTLS` if `Extension(\"STARTTLS\")`, `Quit`",
        "jakarta-mail": "`tests/clients/java`: `Transport.connect()` with `mail.smtp.starttls.enable=true`",
        "s-nail": "`s-nail -S mta=smtp://127.0.0.1:PORT -S smtp-use-starttls -S tls-verify=ignore`, "
                  "one message, a fresh `HOME`",
        "testssl": "`testssl --ip one -t smtp --protocols` against a lab serving many connections; only its "
                   "own dialog (`EHLO testssl.sh`) is read, and it is stopped once that is done",
        "ruby-net-smtp": "`Net::SMTP.new`, `enable_starttls_auto` with a context that does not verify, "
                         "`start`, `finish`",
        "phpmailer": "`tests/clients/php`: one message with `SMTPAutoTLS` (its default), `SMTPSecure ''`, "
                     "no authentication, `Timeout` 10, no certificate check",
        "postfix": "a private instance, `smtp_tls_security_level = may`, one message per shape routed "
                   "by `transport_maps` to `smtp:[127.0.0.1]:PORT`",
        "perl-net-smtp": "`Net::SMTP->new` with `Hello`, `starttls(SSL_verify_mode => 0)` if "
                         "`defined supports('STARTTLS')`, `quit`",
    }
    for c in clients:
        out.append(f"| `{c}` | {versions.get(c, '?')} | {how.get(c, '')} |")
    out += ["", "### The shapes", "", "| Shape | What it is | Reply lines |", "|---|---|---|"]
    for sid, ending, desc, lines in shapes:
        end = " (each line ends in a bare LF)" if ending == "lf" else ""
        out.append(f"| `{sid}` | {desc} | " + " / ".join(f"`{shown(l)}`" for l in lines) + f"{end} |")
    out += ["", "### Predicted and observed", "",
            "Each cell: the prediction, then ✓ when the client did the same, or "
            "\"predicted / observed ✗\" when it did not.", ""]
    out.append("| Shape | " + " | ".join(f"`{c}`" for c in clients) + " |")
    out.append("|---|" + "---|" * len(clients))
    for sid, _, _, _ in shapes:
        cells = []
        for c in clients:
            p, o = results.get((sid, c), ("?", "?"))
            op, oo = outcomes.get((sid, c), ("?", "?"))
            if p == o and op == oo:
                cells.append(f"{op} ✓")
            else:
                cells.append(f"{op} ({p}) / {oo} ({o}) ✗")
        out.append(f"| `{sid}` | " + " | ".join(cells) + " |")
    out += ["", "### Which profiles are verified", "", "| id | Status |", "|---|---|"]
    for c in profiles:
        if c in clients:
            n = sum(1 for (s, cc) in results if cc == c)
            k = sum(1 for (s, cc), (p, o) in results.items() if cc == c and p == o)
            ko = sum(1 for (s, cc), (p, o) in outcomes.items() if cc == c and p == o)
            out.append(f"| `{c}` | Verified by `tests/clients/run.sh`: {k}/{n} shapes agree, "
                       f"{ko}/{n} on the outcome ({versions.get(c, '?')}). |")
        else:
            out.append(f"| `{c}` | Rests on its source alone: {skipped.get(c, 'not run')}. |")
    out += ["", END]

    text = open(md_path, encoding="utf-8").read()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + "\n".join(out) + tail
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(out) + "\n"
    open(md_path, "w", encoding="utf-8").write(text)


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    main(*sys.argv[1:])
