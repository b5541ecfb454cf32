/*
 * findings.c: the catalogue of findings. Ids are stable: scripts match on
 * them, docs/findings.md lists them, and a test keeps the two in step.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/findings.h"
#include "proto_int.h"

#define E PROTO_SEV_ERROR
#define W PROTO_SEV_WARNING
#define I PROTO_SEV_INFO

static const struct proto_finding_info catalogue[PROTO_F_COUNT] = {
    [PROTO_F_STARTTLS_BEFORE_GREETING] =
        {"starttls-before-greeting", E, "RFC 5321 §4.1.1.1",
         "STARTTLS stands on line 1 of the EHLO reply, where the server's domain belongs",
         "The first line of an EHLO reply is \"250\" SP/\"-\" Domain [SP ehlo-greet]; keywords "
         "only follow it. Clients that read by the grammar (Postfix, Exim, Sendmail, Cisco ESA, "
         "Python smtplib, Go, .NET, Jakarta Mail, Ruby net-smtp, PHPMailer) take this line as "
         "the greeting and never see "
         "STARTTLS: they report \"STARTTLS not supported\" or deliver in plaintext. Fix: make the "
         "server send its domain on the first line and STARTTLS on a later one."},
    [PROTO_F_KEYWORD_BEFORE_GREETING] =
        {"keyword-before-greeting", E, "RFC 5321 §4.1.1.1",
         "An EHLO keyword stands on line 1 of the EHLO reply, where the server's domain belongs",
         "The first line of an EHLO reply carries the server's Domain and an optional greeting "
         "text. A keyword there is read as the domain by strict clients, so that extension is "
         "lost to them. Fix: send the domain first and the keywords after it."},
    [PROTO_F_INVALID_EHLO_KEYWORD] =
        {"invalid-ehlo-keyword", E, "RFC 5321 §4.1.1.1",
         "A line after the first is not a valid ehlo-keyword",
         "Every line after the first must be ehlo-keyword *(SP ehlo-param), where ehlo-keyword "
         "is (ALPHA / DIGIT) *(ALPHA / DIGIT / \"-\"). A domain here (dots are not allowed) is "
         "the usual twin of a keyword on line 1: the server swapped the two. Fix: put the "
         "domain on line 1 and send only keywords after it."},
    [PROTO_F_GREETING_NOT_DOMAIN] =
        {"greeting-not-domain", W, "RFC 5321 §4.1.1.1",
         "Line 1 of the EHLO reply does not start with a domain or address literal",
         "The first line must be Domain [SP ehlo-greet], the Domain being a host name or an "
         "address literal such as [192.0.2.1]. Clients rarely check it, but it marks a server "
         "that does not follow the grammar. Fix: start the line with the server's host name."},
    [PROTO_F_MIXED_REPLY_CODES] =
        {"mixed-reply-codes", E, "RFC 5321 §4.2.1",
         "The lines of one multi-line reply carry different reply codes",
         "Every line of a multi-line reply must carry the same code. Clients take the code of "
         "the last line, or of the first, and disagree on what was meant. Fix: send one code "
         "on every line of a reply."},
    [PROTO_F_INVALID_REPLY_CODE] =
        {"invalid-reply-code", E, "RFC 5321 §4.2",
         "A reply line does not start with a valid three-digit reply code",
         "A reply line starts with Reply-code = %x32-35 %x30-35 %x30-39: a first digit 2 to 5 "
         "and a second digit 0 to 5. A line without one is not a reply line at all, and "
         "clients may drop the connection. Fix: prefix every line with its code."},
    [PROTO_F_TRUNCATED_REPLY] =
        {"truncated-reply", E, "RFC 5321 §4.2.1", "The input ends inside a multi-line reply",
         "The last line seen has a \"-\" after its code, so more lines were due. A client waits "
         "for them until it times out. If this is a paste, the paste may be cut short; if it "
         "is a live capture, the server stopped mid-reply."},
    [PROTO_F_STARTTLS_AFTER_TLS] =
        {"starttls-after-tls", E, "RFC 3207 §4.2",
         "STARTTLS is advertised again after TLS was started",
         "After the handshake the server must not offer STARTTLS in its EHLO reply. A client "
         "may try it a second time and fail. Fix: drop the keyword from the EHLO reply when the "
         "session is already inside TLS."},
    [PROTO_F_EHLO_NOT_ACCEPTED] =
        {"ehlo-not-accepted", W, "RFC 5321 §4.1.1.1",
         "The server did not accept EHLO with a 250 reply",
         "An accepted EHLO gets 250 (ehlo-ok-rsp). Any other answer makes clients fall back to "
         "HELO, which carries no extensions: no STARTTLS, no SIZE, no 8BITMIME. Fix: accept "
         "EHLO, or check what rejected the client's name."},
    [PROTO_F_LINE_TOO_LONG] =
        {"line-too-long", W, "RFC 5321 §4.5.3.1.5",
         "A reply line is longer than 512 octets including CRLF",
         "Clients may cut the line, join it with the next or close the connection. Fix: keep "
         "reply lines within 512 octets, splitting long texts over several lines."},
    [PROTO_F_BARE_LF] =
        {"bare-lf", W, "RFC 5321 §2.3.8", "A line ends with LF alone instead of CR LF",
         "SMTP lines end with CR LF. Lenient clients accept LF alone, strict ones wait for the "
         "CR LF that never comes. Fix: end every line with CR LF."},
    [PROTO_F_BARE_CR] =
        {"bare-cr", W, "RFC 5321 §2.3.8",
         "A CR stands in a line without the LF that must follow it",
         "CR is allowed only as half of the CR LF line ending. A lone CR can make a client's "
         "and a log's view of the line differ. Fix: remove stray CR characters."},
    [PROTO_F_CONTROL_CHARACTERS] =
        {"control-characters", W, "RFC 5321 §4.2",
         "A reply line contains NUL or another control character",
         "Reply text is textstring = 1*(%d09 / %d32-126). Control characters confuse clients "
         "and logs, and can change a terminal that shows them raw (smtpscope shows them "
         "escaped, as ^X). Fix: send printable ASCII only."},
    [PROTO_F_EIGHT_BIT] =
        {"eight-bit-characters", W, "RFC 5321 §4.2",
         "A reply line contains bytes with the high bit set",
         "Reply text is printable US-ASCII. 8-bit bytes are shown as \\xHH here; clients may "
         "reject or mangle them. Fix: send ASCII, or encoded text."},
    [PROTO_F_MISSING_SPACE_AFTER_CODE] =
        {"missing-space-after-code", W, "RFC 5321 §4.2",
         "The reply code is followed by neither a space nor a hyphen",
         "A reply line is the code, then \"-\" (more lines follow) or SP (last line), then the "
         "text. Without that separator clients disagree on whether the reply has ended. Fix: "
         "put SP or \"-\" right after the code."},
    [PROTO_F_DUPLICATE_KEYWORD] =
        {"duplicate-keyword", W, "RFC 5321 §4.1.1.1", "The same EHLO keyword is advertised twice",
         "Each extension is listed once. Clients keep the first or the last copy, and with "
         "parameters (SIZE, AUTH) they may disagree on the value. Fix: list each keyword once."},
    [PROTO_F_INVALID_EHLO_PARAM] =
        {"invalid-ehlo-param", W, "RFC 5321 §4.1.1.1",
         "An EHLO keyword's parameters do not follow the grammar",
         "Parameters are separated by single spaces and are made of printable ASCII "
         "(ehlo-param = 1*(%d33-126)). Two spaces in a row, a tab or a control character make "
         "an invalid parameter. Fix: separate parameters with exactly one space."},
    [PROTO_F_TRAILING_WHITESPACE] =
        {"trailing-whitespace", W, "RFC 5321 §4.1.1.1", "An EHLO line ends with a space or tab",
         "The grammar allows no white space after the last keyword or parameter. Clients that "
         "split on spaces cope; clients that compare the whole rest of the line do not. Fix: "
         "remove the trailing white space."},
    [PROTO_F_STARTTLS_WITH_PARAMETERS] =
        {"starttls-with-parameters", W, "RFC 3207 §4", "STARTTLS is advertised with parameters",
         "The STARTTLS keyword takes no parameters. Clients that compare the whole line miss "
         "it. Fix: advertise the bare keyword \"STARTTLS\"."},
    [PROTO_F_STARTTLS_NOT_UPPERCASE] =
        {"starttls-not-uppercase", W, "RFC 5321 §2.4",
         "STARTTLS is advertised in lower or mixed case",
         "Keywords are case-insensitive, so this is valid, but clients that compare bytes "
         "(exim, go-net-smtp, opensmtpd, curl, swaks, openssl-s_client, testssl) do not see it. "
         "Fix: advertise \"STARTTLS\" in "
         "upper case, as every common server does."},
    [PROTO_F_LEGACY_AUTH_EQUALS] =
        {"legacy-auth-equals", I, "RFC 4954 §4",
         "The pre-standard \"AUTH=\" form of the AUTH keyword is advertised",
         "Some old clients only understood AUTH=MECHS, so servers still send it beside the "
         "standard \"AUTH MECHS\". It is harmless when the standard line is also present."},
    [PROTO_F_NO_STARTTLS] =
        {"no-starttls", I, "RFC 3207 §4", "The EHLO reply does not advertise STARTTLS",
         "Clients with opportunistic TLS will deliver in plaintext; clients that require TLS "
         "will not deliver. If the server should offer TLS, check its TLS configuration and "
         "any middlebox that strips STARTTLS from the reply."},
    [PROTO_F_STARTTLS_RESPONSE_INJECTION] =
        {"starttls-response-injection", E, "RFC 3207 §4.2",
         "Plaintext bytes arrived after the 220 to STARTTLS, before the TLS handshake",
         "Bytes that follow the 220 reply in plaintext were sent before TLS began, so they "
         "can have been injected by anyone on the path (the CVE-2011-0411 class). A client "
         "that keeps them would take them as replies received inside TLS. smtpscope "
         "discarded them. Fix: the server must discard its input buffer at STARTTLS and "
         "send nothing after the 220 until the handshake; if it does, look for a middlebox."},
    [PROTO_F_STARTTLS_REJECTED] =
        {"starttls-rejected", W, "RFC 3207 §4", "The server refused STARTTLS",
         "STARTTLS was answered with something other than 220 (often 454 \"TLS not available "
         "due to temporary reason\"). Clients with opportunistic TLS go on in plaintext; "
         "clients that require TLS stop. Fix: check the server's certificate and key files "
         "and its TLS log; a 454 usually means it could not load them."},
    [PROTO_F_TLS_HANDSHAKE_FAILED] =
        {"tls-handshake-failed", E, "RFC 3207 §4.1", "The TLS handshake after STARTTLS failed",
         "The server accepted STARTTLS but the handshake did not complete: no common "
         "protocol version or cipher, a certificate the server cannot use, or bytes that are "
         "not TLS. The message beside it says what OpenSSL saw. Clients then either retry in "
         "plaintext or defer the mail."},
    [PROTO_F_TLS_UNVERIFIED] =
        {"tls-unverified", W, "RFC 6125 §6",
         "The server's certificate could not be verified for this host name",
         "TLS was established, but the certificate chain does not lead to a trusted CA, or "
         "the certificate does not carry the name that was checked. Opportunistic clients "
         "deliver anyway; clients that verify (DANE, MTA-STS, smtp_tls_security_level = "
         "verify) do not. Fix: serve a certificate for the MX host name with its full chain. "
         "With --tls-verify this finding is an error."},
    [PROTO_F_EARLY_REPLY] =
        {"early-reply", E, "RFC 5321 §4.3.1",
         "The server sent a reply before the command it would answer",
         "SMTP is an alternating dialogue: each command gets one reply, sent after the command "
         "arrived. These lines arrived before smtpscope sent its next command (in the same "
         "write as the reply before them, or while the session waited for the user), so they "
         "answer nothing. A client that does not pipeline takes them as the reply to its next "
         "command, and every reply after them is off by one: an early \"250\" becomes the "
         "EHLO reply, an early \"220\" seems to accept STARTTLS. smtpscope shows them, pairs "
         "them with no command, and sends its next command only once they have ended. A 421 "
         "may come at any time (RFC 5321 §3.8) and is not reported. Fix: the server (or a "
         "middlebox in front of it) must answer only what it was asked, in order."},
};

const struct proto_finding_info *proto_finding(enum proto_finding_id id)
{
	if ((unsigned)id >= PROTO_F_COUNT)
		abort();
	return &catalogue[id];
}

const char *proto_severity_name(enum proto_severity severity)
{
	switch (severity) {
	case PROTO_SEV_INFO:
		return "info";
	case PROTO_SEV_WARNING:
		return "warning";
	case PROTO_SEV_ERROR:
		return "error";
	}
	abort();
}

enum proto_finding_id proto_finding_by_name(const char *id)
{
	unsigned i;

	for (i = 0; i < PROTO_F_COUNT; i++)
		if (strcmp(catalogue[i].id, id) == 0)
			return (enum proto_finding_id)i;
	return PROTO_F_COUNT;
}

const char *proto_finding_doc(enum proto_finding_id id)
{
	size_t i;

	if ((unsigned)id >= PROTO_F_COUNT)
		return NULL;
	for (i = 0; i < proto_finding_ndocs; i++)
		if (strcmp(proto_finding_docs[i].id, catalogue[id].id) == 0)
			return proto_finding_docs[i].text;
	return NULL;
}
