/*
 * clients.c: how real SMTP clients read an EHLO reply to decide whether the
 * server offers STARTTLS.
 *
 * Each profile is constant data read off the client's own source; its basis
 * names the file and function. One evaluator applies any profile to a reply.
 * The profiles describe bytes only: none of them runs the real client.
 */
#include <stdio.h>
#include <string.h>

#include "proto/clients.h"
#include "proto/reply.h"

/* Which line the client takes as the greeting and never reads for keywords. */
enum skip {
	SKIP_NONE,       /* every line is read */
	SKIP_LINE1,      /* line 1, whatever it holds */
	SKIP_FIRST_GOOD, /* the first line that passes the line check */
	SKIP_FIRST_WORD, /* the first line that yields a keyword */
};

/* What the first bytes of a line must be for the client to accept it. */
enum code {
	CODE_ANY,    /* no check */
	CODE_DIGITS, /* three digits */
	CODE_2TO5,   /* a digit 2 to 5, then two digits */
	CODE_250,    /* exactly 250 */
	/* Line 1 starts with a 2 (the reply's status, else the client gives up on
	 * EHLO); any other line has three bytes or more (a shorter one makes the
	 * client fail). */
	CODE_STATUS_2,
	/* Line 1 exactly 250, other lines unchecked: the code is read off the
	 * start of the whole reply only (PHPMailer). */
	CODE_250_LINE1,
};

/* What the client does with a line it does not accept. */
enum bad {
	BAD_IGNORE, /* skips the line and reads on */
	BAD_REJECT, /* rejects the whole reply */
};

/* How the client tells the last line of a reply. */
enum end {
	END_NOT_HYPHEN, /* the byte after the code is not a hyphen */
	END_SPACE,      /* three digits and a space */
	END_SPACE_BARE, /* three digits and a space, or the bare code */
	/* Fewer than four bytes, or a space or CR as the fourth; no code check
	 * (PHPMailer's get_lines(), which reads up to LF). */
	END_SHORT_SPACE,
};

/* Bytes the client rewrites before it parses a line. */
enum clean {
	CLEAN_NONE,
	CLEAN_CTRL,      /* ASCII controls, tab included, and DEL become '?' */
	CLEAN_CTRL_KEEP, /* the same but whitespace is kept; 8-bit bytes too become '?' */
};

/* Where the text the client examines starts. */
enum text {
	TEXT_RAW,   /* the whole line: the code is part of the text */
	TEXT_AT4,   /* after the first four bytes, whatever the fourth is */
	TEXT_WORD2, /* after a first word ended by a hyphen or a space */
	TEXT_FLEX,  /* after the digits, one hyphen and any whitespace */
};

/* How the examined text is compared with STARTTLS. */
enum match {
	MATCH_TOKEN,  /* the first token, ended by a byte of delims, equals it */
	MATCH_RUN,    /* the leading run of letters, digits and hyphens equals it */
	MATCH_WHOLE,  /* the whole text equals it */
	MATCH_PREFIX, /* the text starts with its eight bytes */
	MATCH_ANY,    /* it appears anywhere in the text */
	MATCH_ALWAYS, /* no keyword is read: every accepted line counts */
	MATCH_WORD,   /* the first run of [A-Za-z0-9_-] that holds a letter, digit or
	               * '_', up to its last such byte (Perl /([-\w]+)\b/) */
	/* The text trimmed at both ends of the bytes of lead and of NUL (PHP's
	 * trim()), up to the first byte of delims, equals it (PHPMailer). */
	MATCH_FIELD,
};

struct proto_client {
	const char *id;
	const char *name;
	const char *rule;
	const char *basis;
	enum skip skip;
	enum code code;
	const char *seps; /* bytes accepted after the code; NULL accepts any */
	bool bare;        /* a line of the bare code is accepted */
	enum bad bad;
	enum end end;
	enum clean clean;
	enum text text;
	bool need_250;    /* the keyword counts only on a line with code 250 */
	const char *lead; /* bytes skipped before the keyword */
	enum match match;
	const char *delims; /* bytes that end the token of MATCH_TOKEN */
	bool nocase;
	bool regardless; /* sends STARTTLS whatever the reply says */
	/* Without STARTTLS: goes on in plaintext, or, when stops says why, stops. */
	const char *stops;
	/* Its time-out for a reply, in seconds; none of its own; or neither known. */
	unsigned timeout_s;
	bool no_timeout;
};

#define WS " \t\n\v\f\r"

static const struct proto_client clients[] = {
    {
        .id = "cisco-esa",
        .name = "Cisco Secure Email (ESA)",
        .rule = "skips line 1 (vendor note); assumed: first word after the code, "
                "split at space, case-insensitive exact match",
        .basis = "Cisco field note \"La negociacion de TLS falla con el comando "
                 "STARTTLS no soportado\" (ESA mail_logs); closed source, "
                 "keyword parsing assumed",
        .skip = SKIP_LINE1,
        .end = END_NOT_HYPHEN,
        .text = TEXT_AT4,
        .lead = "",
        .match = MATCH_TOKEN,
        .delims = " ",
        .nocase = true,
    },
    {
        .id = "postfix",
        .name = "Postfix smtp(8)",
        .rule = "skips the first line that yields a word; tabs and controls become '?'; "
                "word split at space, tab or '='; case-insensitive exact",
        .basis = "postfix src/smtp/smtp_proto.c smtp_helo() and src/smtp/smtp_chat.c "
                 "smtp_chat_resp() (3.x)",
        .skip = SKIP_FIRST_WORD,
        .end = END_SPACE_BARE,
        .clean = CLEAN_CTRL,
        .text = TEXT_WORD2,
        .lead = " \t=",
        .match = MATCH_TOKEN,
        .delims = " \t=",
        .nocase = true,
        .timeout_s = 300, /* smtp_helo_timeout */
    },
    {
        .id = "exim",
        .name = "Exim smtp transport",
        .rule = "skips line 1; needs 250 then space or hyphen, else rejects the reply; "
                "STARTTLS then whitespace or end; case-sensitive",
        .basis = "exim src/src/transports/smtp.c smtp_deliver_init() (regex_STARTTLS) "
                 "and ehlo_response(); src/src/smtp_out.c smtp_read_response() (4.9x)",
        .skip = SKIP_LINE1,
        .code = CODE_DIGITS,
        .seps = " -",
        .bare = true,
        .bad = BAD_REJECT,
        .end = END_SPACE_BARE,
        .text = TEXT_AT4,
        .need_250 = true,
        .lead = "",
        .match = MATCH_TOKEN,
        .delims = WS,
        .timeout_s = 300, /* command_timeout */
    },
    {
        .id = "sendmail",
        .name = "Sendmail",
        .rule = "skips the first well-formed line; ignores lines not code+space/hyphen; "
                "word split at space or '='; case-insensitive exact",
        .basis = "sendmail sendmail/usersmtp.c reply() and helo_options() "
                 "(usersmtp.c 8.488, 2013)",
        .skip = SKIP_FIRST_GOOD,
        .code = CODE_DIGITS,
        .seps = " -",
        .bare = true,
        .end = END_SPACE_BARE,
        .text = TEXT_AT4,
        .lead = "",
        .match = MATCH_TOKEN,
        .delims = " =",
        .nocase = true,
        .timeout_s = 300, /* Timeout.helo */
    },
    {
        .id = "python-smtplib",
        .name = "Python smtplib",
        .rule = "skips line 1; text after the first four bytes, trimmed; keyword = leading run of "
                "[A-Za-z0-9-]; case-insensitive exact",
        .basis = "cpython Lib/smtplib.py SMTP.getreply(), SMTP.ehlo() and has_extn() (3.x)",
        .skip = SKIP_LINE1,
        .end = END_NOT_HYPHEN,
        .text = TEXT_AT4,
        .lead = " \t\r\n",
        .match = MATCH_RUN,
        .nocase = true,
        .no_timeout = true, /* timeout=None by default */
    },
    {
        .id = "go-net-smtp",
        .name = "Go net/smtp",
        .rule = "skips line 1; lines must be code+space/hyphen; a line whose code is not "
                "250 is kept whole and never matches; word up to the first space; "
                "case-sensitive exact (keys kept as sent)",
        .basis = "go src/net/smtp/smtp.go (*Client).ehlo() and Extension(), "
                 "src/net/textproto/reader.go ReadResponse() (releases before the "
                 "golang/go#78749 fix)",
        .skip = SKIP_LINE1,
        .code = CODE_DIGITS,
        .seps = " -",
        .end = END_SPACE,
        .text = TEXT_AT4,
        .need_250 = true,
        .lead = "",
        .match = MATCH_TOKEN,
        .delims = " ",
        .no_timeout = true, /* no deadline on the connection */
    },
    {
        .id = "dotnet",
        .name = ".NET System.Net.Mail",
        .rule = "skips line 1; lines must be code+space/hyphen, else rejects the reply; "
                "case-insensitive 8-byte prefix STARTTLS",
        .basis = "dotnet/runtime System.Net.Mail SmtpConnection.cs ParseExtensions(), "
                 "SmtpCommands.cs EHelloCommand.CheckResponse(), "
                 "SmtpReplyReaderFactory.cs ProcessRead()",
        .skip = SKIP_LINE1,
        .code = CODE_DIGITS,
        .seps = " -",
        .bad = BAD_REJECT,
        .end = END_SPACE,
        .text = TEXT_AT4,
        .lead = "",
        .match = MATCH_PREFIX,
        .nocase = true,
        .stops = "with EnableSsl it throws SmtpException, no secure connection",
        .timeout_s = 100, /* SmtpClient.Timeout, 100,000 ms */
    },
    {
        .id = "jakarta-mail",
        .name = "Jakarta Mail",
        .rule = "skips line 1; word after the first four bytes, up to the first space; "
                "case-insensitive exact (upper-cased both sides)",
        .basis = "JavaMail/Jakarta Mail com/sun/mail/smtp/SMTPTransport.java ehlo(), "
                 "readServerResponse() and supportsExtension() (1.6)",
        .skip = SKIP_LINE1,
        .end = END_NOT_HYPHEN,
        .text = TEXT_AT4,
        .lead = "",
        .match = MATCH_TOKEN,
        .delims = " ",
        .nocase = true,
        .no_timeout = true, /* mail.smtp.timeout: infinite */
    },
    {
        .id = "opensmtpd",
        .name = "OpenSMTPD",
        .rule = "reads every line; the text after the first four bytes must equal STARTTLS; "
                "case-sensitive",
        .basis = "OpenSMTPD usr.sbin/smtpd/mta_session.c mta_io() (1.133) and util.c "
                 "parse_smtp_response()",
        .code = CODE_2TO5,
        .bare = true,
        .bad = BAD_REJECT,
        .end = END_NOT_HYPHEN,
        .text = TEXT_AT4,
        .lead = "",
        .match = MATCH_WHOLE,
    },
    {
        .id = "curl",
        .name = "curl",
        .rule = "reads every line; ignores lines not code+space/hyphen; "
                "case-sensitive 8-byte prefix STARTTLS",
        .basis = "curl lib/smtp.c smtp_endofresp() and smtp_state_ehlo_resp() "
                 "(up to 8.16; see curl#18588)",
        .code = CODE_DIGITS,
        .seps = " -",
        .bare = true,
        .end = END_SPACE_BARE,
        .text = TEXT_AT4,
        .lead = "",
        .match = MATCH_PREFIX,
        .no_timeout = true, /* no --max-time by default */
    },
    {
        .id = "swaks",
        .name = "swaks",
        .rule = "reads every line; the text after the first four bytes must equal STARTTLS; "
                "case-sensitive; reply ends only at code+space",
        .basis = "swaks do_smtp_helo(), transact() and recv_line() (20201014.0)",
        .end = END_SPACE,
        .text = TEXT_AT4,
        .lead = "",
        .match = MATCH_WHOLE,
        .timeout_s = 30, /* --timeout */
    },
    {
        .id = "msmtp",
        .name = "msmtp",
        .rule = "reads every line; lines must be code+space/hyphen, else rejects the "
                "reply; case-insensitive 8-byte prefix STARTTLS",
        .basis = "msmtp src/smtp.c smtp_get_msg() and smtp_init()",
        .code = CODE_DIGITS,
        .seps = " -",
        .bad = BAD_REJECT,
        .end = END_SPACE,
        .text = TEXT_AT4,
        .lead = "",
        .match = MATCH_PREFIX,
        .nocase = true,
        .stops = "with tls on (as tested) it gives up on the session",
        .no_timeout = true, /* timeout off */
    },
    {
        .id = "openssl-s_client",
        .name = "OpenSSL s_client -starttls smtp",
        .rule = "reads every line; STARTTLS anywhere in the raw line, code included; "
                "case-sensitive; sends STARTTLS even if absent",
        .basis = "openssl apps/s_client.c s_client_main(), case PROTO_SMTP (1.1.1, 3.x)",
        .end = END_NOT_HYPHEN,
        .text = TEXT_RAW,
        .lead = "",
        .match = MATCH_ANY,
        .regardless = true,
        .no_timeout = true,
    },
    {
        .id = "posttls-finger",
        .name = "Postfix posttls-finger",
        .rule = "reads every line; word after the code, hyphen and whitespace, split at "
                "space, tab or '='; case-insensitive exact",
        .basis = "postfix src/posttls-finger/posttls-finger.c response() and doproto() "
                 "(3.x)",
        .end = END_NOT_HYPHEN,
        .clean = CLEAN_CTRL_KEEP,
        .text = TEXT_FLEX,
        .lead = " \t=",
        .match = MATCH_TOKEN,
        .delims = " \t=",
        .nocase = true,
        .stops = "a TLS probe: it says STARTTLS is not offered and quits",
        .timeout_s = 30, /* -T */
    },
    {
        .id = "testssl",
        .name = "testssl.sh",
        .rule = "reads every line; each must start 250- or 250 (else the dialog fails); "
                "case-sensitive prefix STARTTLS right after",
        .basis = "testssl.sh starttls_smtp_dialog() and starttls_full_read() "
                 "(testssl/testssl.sh 3.3dev)",
        .code = CODE_250,
        .seps = " -",
        .bad = BAD_REJECT,
        .end = END_SPACE,
        .text = TEXT_AT4,
        .lead = "",
        .match = MATCH_PREFIX,
        .stops = "its STARTTLS dialog fails",
    },
    {
        .id = "s-nail",
        .name = "s-nail (mailx)",
        .rule = "reads no keyword: with smtp-use-starttls it sends STARTTLS after any "
                "EHLO reply that ends in a 2xx line; modelled as seeing it on line 1; "
                "sends STARTTLS even if absent",
        .basis = "s-nail src/mx/net-smtp.c a_netsmtp_talk() and a_netsmtp_read() "
                 "(v14.9.x); manual s-nail(1), smtp-use-starttls; observed with "
                 "s-nail v14.9.24 against smtpscope lab",
        .end = END_NOT_HYPHEN,
        .text = TEXT_RAW,
        .lead = "",
        .match = MATCH_ALWAYS,
        .regardless = true,
    },
    {
        .id = "ruby-net-smtp",
        .name = "Ruby net-smtp",
        .rule = "skips line 1; rejects the reply if line 1 does not start with 2 or a later "
                "line is under 3 bytes; word after the first four bytes, split at whitespace; "
                "case-sensitive exact",
        .basis = "ruby net-smtp lib/net/smtp.rb Net::SMTP#do_start, #do_helo, "
                 "#recv_response, #capable?, Response.parse and Response#capabilities; "
                 "net/protocol.rb BufferedIO#readline (net-smtp 0.3.1, Debian ruby3.1)",
        .skip = SKIP_LINE1,
        .code = CODE_STATUS_2,
        .bad = BAD_REJECT,
        .end = END_NOT_HYPHEN,
        .text = TEXT_AT4,
        .lead = WS,
        .match = MATCH_TOKEN,
        .delims = WS,
        .timeout_s = 60, /* read_timeout */
    },
    {
        .id = "perl-net-smtp",
        .name = "Perl Net::SMTP (libnet)",
        .rule = "reads every line; lines must start with three digits, else rejects the reply; "
                "keyword = first match of /([-\\w]+)\\b/ after the code; case-insensitive "
                "exact; for a caller testing defined supports('STARTTLS')",
        .basis = "perl libnet Net/SMTP.pm hello() and supports(), Net/Cmd.pm response(), "
                 "getline() and parse_response() (libnet 3.14, perl 5.36)",
        .code = CODE_DIGITS,
        .bare = true,
        .bad = BAD_REJECT,
        .end = END_NOT_HYPHEN,
        .text = TEXT_AT4,
        .lead = "",
        .match = MATCH_WORD,
        .nocase = true,
    },
    {
        .id = "phpmailer",
        .name = "PHPMailer (SMTPAutoTLS)",
        .rule = "skips line 1, which must start 250 (else HELO, no STARTTLS); the reply ends "
                "at a line under 4 bytes or whose 4th is a space or CR; text after the first "
                "four bytes, trimmed, up to the first space; case-sensitive exact",
        .basis = "PHPMailer src/SMTP.php get_lines(), sendCommand(), sendHello(), "
                 "parseHelloFields() and getServerExt(); src/PHPMailer.php smtpConnect() "
                 "(SMTPAutoTLS) (6.6.3, Debian 12 libphp-phpmailer 6.6.3-1)",
        .skip = SKIP_LINE1,
        .code = CODE_250_LINE1,
        .bare = true,
        .bad = BAD_REJECT,
        .end = END_SHORT_SPACE,
        .text = TEXT_AT4,
        .lead = " \t\n\r\v",
        .match = MATCH_FIELD,
        .delims = " ",
        .timeout_s = 300, /* Timelimit */
    },
};

#define NCLIENTS (sizeof clients / sizeof clients[0])

static const char keyword[] = "STARTTLS";
#define KEYWORD_LEN (sizeof keyword - 1)

/* A line as one client sees it, after its cleaning. */
struct view {
	const unsigned char *text;
	size_t len;
	enum clean clean;
};

/* What the evaluator carries from one line to the next. */
struct scan {
	int found;         /* first line where STARTTLS counts, or -1 */
	bool greeted;      /* the greeting line has been passed */
	bool ended;        /* a line ended the reply for this client */
	int greeting;      /* the line taken as the greeting, or -1 */
	bool greeting_hit; /* that line offered STARTTLS by the client's rule */
};

static bool is_ws(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 'a' - 'A') : c;
}

/* Byte i of the line after the client's cleaning. */
static unsigned char at(const struct view *v, size_t i)
{
	unsigned char c = v->text[i];

	if (v->clean == CLEAN_CTRL && (c < 0x20 || c == 0x7f))
		return '?';
	if (v->clean == CLEAN_CTRL_KEEP && ((c < 0x20 && !is_ws(c)) || c >= 0x7f))
		return '?';
	return c;
}

/* True when c is one of the bytes of set; NUL never is. */
static bool in_set(const char *set, unsigned char c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* Index of the first byte from i on that is not in set. */
static size_t skip_set(const struct view *v, size_t i, const char *set)
{
	while (i < v->len && in_set(set, at(v, i)))
		i++;
	return i;
}

/* Index of the first byte from i on that is in set. */
static size_t skip_to(const struct view *v, size_t i, const char *set)
{
	while (i < v->len && !in_set(set, at(v, i)))
		i++;
	return i;
}

/* True when the len bytes at i spell STARTTLS, in any case if nocase. */
static bool is_keyword(const struct view *v, size_t i, size_t len, bool nocase)
{
	size_t k;

	if (len != KEYWORD_LEN)
		return false;
	for (k = 0; k < len; k++) {
		unsigned char c = at(v, i + k);

		if (nocase ? lower(c) != lower((unsigned char)keyword[k]) : c != keyword[k])
			return false;
	}
	return true;
}

static bool code_ok(enum code code, const struct view *v)
{
	if (code == CODE_ANY || code == CODE_250_LINE1)
		return true;
	if (v->len < 3 || !is_digit(at(v, 0)) || !is_digit(at(v, 1)) || !is_digit(at(v, 2)))
		return false;
	if (code == CODE_2TO5)
		return at(v, 0) >= '2' && at(v, 0) <= '5';
	if (code == CODE_250)
		return at(v, 0) == '2' && at(v, 1) == '5' && at(v, 2) == '0';
	return true;
}

/* True when the client accepts line i as a reply line at all. */
static bool line_ok(const struct proto_client *c, const struct view *v, size_t i)
{
	if (c->code == CODE_STATUS_2)
		return i == 0 ? v->len > 0 && at(v, 0) == '2' : v->len >= 3;
	if (c->code == CODE_250_LINE1 && i == 0 && !code_ok(CODE_250, v))
		return false;
	if (!code_ok(c->code, v))
		return false;
	if (v->len == 3)
		return c->bare || c->code == CODE_ANY;
	return c->seps == NULL || (v->len > 3 && in_set(c->seps, at(v, 3)));
}

/* True when the client takes the line as the last of the reply. */
static bool ends_reply(const struct proto_client *c, const struct view *v)
{
	bool digits = code_ok(CODE_DIGITS, v);

	switch (c->end) {
	case END_NOT_HYPHEN:
		return v->len < 4 || at(v, 3) != '-';
	case END_SPACE:
		return digits && v->len > 3 && at(v, 3) == ' ';
	case END_SPACE_BARE:
		return digits && (v->len == 3 || at(v, 3) == ' ');
	case END_SHORT_SPACE:
		return v->len < 4 || at(v, 3) == ' ' || at(v, 3) == '\r';
	}
	return true;
}

/* Index where the text the client examines begins. */
static size_t text_start(const struct proto_client *c, const struct view *v)
{
	size_t i = 0;

	switch (c->text) {
	case TEXT_RAW:
		return 0;
	case TEXT_AT4:
		return v->len < 4 ? v->len : 4;
	case TEXT_WORD2:
		i = skip_to(v, skip_set(v, 0, "- "), "- ");
		return i < v->len ? i + 1 : i;
	case TEXT_FLEX:
		while (i < v->len && is_digit(at(v, i)))
			i++;
		if (i < v->len && at(v, i) == '-')
			i++;
		while (i < v->len && is_ws(at(v, i)))
			i++;
		return i;
	}
	return 0;
}

/* True when STARTTLS occurs anywhere in the bytes from i to the end. */
static bool contains(const struct view *v, size_t i, bool nocase)
{
	for (; i + KEYWORD_LEN <= v->len; i++)
		if (is_keyword(v, i, KEYWORD_LEN, nocase))
			return true;
	return false;
}

/* Index after the leading run of letters, digits and hyphens from i. */
static size_t skip_run(const struct view *v, size_t i)
{
	while (i < v->len) {
		unsigned char c = lower(at(v, i));

		if (!is_digit(c) && c != '-' && (c < 'a' || c > 'z'))
			break;
		i++;
	}
	return i;
}

static bool is_word(unsigned char c)
{
	return is_digit(c) || c == '_' || (lower(c) >= 'a' && lower(c) <= 'z');
}

/*
 * For MATCH_WORD: the start of the first run of word bytes and hyphens from i
 * that holds a word byte, or v->len; *end is after its last word byte. A run
 * of hyphens alone is passed over, like any byte outside the run.
 */
static size_t find_word(const struct view *v, size_t i, size_t *end)
{
	size_t j, last;

	while (i < v->len) {
		last = i;
		for (j = i; j < v->len && (is_word(at(v, j)) || at(v, j) == '-'); j++)
			if (is_word(at(v, j)))
				last = j + 1;
		if (last > i) {
			*end = last;
			return i;
		}
		i = j > i ? j : i + 1;
	}
	*end = v->len;
	return v->len;
}

/* True when MATCH_FIELD trims byte k: a byte of lead, or NUL. */
static bool trims(const struct proto_client *c, const struct view *v, size_t k)
{
	return at(v, k) == '\0' || in_set(c->lead, at(v, k));
}

/*
 * True when the line offers STARTTLS by the client's rule. *word tells
 * whether the line yielded a keyword at all, for SKIP_FIRST_WORD.
 */
static bool offers(const struct proto_client *c, const struct view *v, bool *word)
{
	size_t i = skip_set(v, text_start(c, v), c->lead);
	size_t end = v->len;
	bool hit;

	*word = i < v->len;
	switch (c->match) {
	case MATCH_TOKEN:
		end = skip_to(v, i, c->delims);
		*word = end > i;
		break;
	case MATCH_RUN:
		end = skip_run(v, i);
		*word = end > i;
		break;
	case MATCH_FIELD:
		while (i < v->len && trims(c, v, i))
			i++;
		while (end > i && trims(c, v, end - 1))
			end--;
		if (skip_to(v, i, c->delims) < end)
			end = skip_to(v, i, c->delims);
		*word = end > i;
		break;
	case MATCH_WHOLE:
		break;
	case MATCH_PREFIX:
		end = v->len - i < KEYWORD_LEN ? v->len : i + KEYWORD_LEN;
		break;
	case MATCH_ANY:
		return contains(v, i, c->nocase) && (!c->need_250 || code_ok(CODE_250, v));
	case MATCH_ALWAYS:
		*word = true;
		return !c->need_250 || code_ok(CODE_250, v);
	case MATCH_WORD:
		i = find_word(v, i, &end);
		*word = end > i;
		break;
	}
	hit = is_keyword(v, i, end - i, c->nocase);
	return hit && (!c->need_250 || code_ok(CODE_250, v));
}

/* True when the client takes this line as the greeting and reads no keyword. */
static bool is_greeting(const struct proto_client *c, struct scan *s, size_t i, bool word)
{
	switch (c->skip) {
	case SKIP_NONE:
		return false;
	case SKIP_LINE1:
		return i == 0;
	case SKIP_FIRST_GOOD:
		break;
	case SKIP_FIRST_WORD:
		if (!word)
			return false;
		break;
	}
	if (s->greeted)
		return false;
	s->greeted = true;
	return true;
}

/* Reads line i; returns -1 when the client rejects the whole reply. */
static int scan_line(const struct proto_client *c, const struct proto_reply *r, size_t i,
                     struct scan *s)
{
	struct view v = {(const unsigned char *)r->line[i].text, r->line[i].len, c->clean};
	bool word, hit;

	if (!line_ok(c, &v, i))
		return c->bad == BAD_REJECT ? -1 : 0;
	hit = offers(c, &v, &word);
	if (is_greeting(c, s, i, word)) {
		s->greeting = (int)i;
		s->greeting_hit = hit;
	} else if (hit && s->found < 0) {
		s->found = (int)i;
	}
	s->ended = ends_reply(c, &v);
	return 0;
}

size_t proto_client_count(void)
{
	return NCLIENTS;
}

const struct proto_client *proto_client_at(size_t i)
{
	return i < NCLIENTS ? &clients[i] : NULL;
}

const struct proto_client *proto_client_find(const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < NCLIENTS; i++)
		if (strcmp(clients[i].id, id) == 0)
			return &clients[i];
	return NULL;
}

const char *proto_client_id(const struct proto_client *client)
{
	return client != NULL ? client->id : "";
}

const char *proto_client_name(const struct proto_client *client)
{
	return client != NULL ? client->name : "";
}

const char *proto_client_rule(const struct proto_client *client)
{
	return client != NULL ? client->rule : "";
}

const char *proto_client_basis(const struct proto_client *client)
{
	return client != NULL ? client->basis : "";
}

bool proto_client_regardless(const struct proto_client *client)
{
	return client != NULL && client->regardless;
}

bool proto_client_skips_first_line(const struct proto_client *client)
{
	return client != NULL && client->skip != SKIP_NONE;
}

/* Walks the kept lines as the client would; returns the line that voids the reply, or -1. */
static int walk(const struct proto_client *c, const struct proto_reply *ehlo, struct scan *s)
{
	size_t i;

	for (i = 0; i < ehlo->nkept && !s->ended; i++)
		if (scan_line(c, ehlo, i, s) < 0)
			return (int)i;
	return -1;
}

/*
 * A rejected line may void the reply, a line may end it early, and a reply
 * the client never sees end (when every line was kept) yields no STARTTLS
 * either.
 */
int proto_client_starttls_line(const struct proto_client *client, const struct proto_reply *ehlo)
{
	struct proto_client_verdict v;

	proto_client_judge(client, ehlo, NULL, &v);
	return v.outcome == PROTO_OUTCOME_STARTTLS ? v.line : -1;
}

const char *proto_outcome_name(enum proto_outcome outcome)
{
	switch (outcome) {
	case PROTO_OUTCOME_STARTTLS:
		return "starttls";
	case PROTO_OUTCOME_PLAINTEXT:
		return "plaintext";
	case PROTO_OUTCOME_ABORT:
		return "abort";
	case PROTO_OUTCOME_STALL:
		return "stall";
	}
	return "?";
}

/* What a line the client rejects lacks, by its line check. */
static const char *rejected_for(const struct proto_client *c, const struct proto_reply_line *line,
                                int i)
{
	struct view v = {(const unsigned char *)line->text, line->len, c->clean};

	if (c->code == CODE_STATUS_2)
		return i == 0 ? "does not start with 2, a success" : "is shorter than three bytes";
	if (c->code == CODE_250_LINE1)
		return "does not start with 250 (it falls back to HELO)";
	if (!code_ok(c->code, &v)) {
		if (c->code == CODE_250)
			return "does not start with 250";
		if (c->code == CODE_2TO5)
			return "does not start with a code from 200 to 599";
		return "does not start with three digits";
	}
	if (v.len == 3)
		return "is a code alone";
	return "has neither a space nor a hyphen after its code";
}

/* The reason a reply never ends for the client. */
static const char *never_ends(const struct proto_client *c)
{
	switch (c->end) {
	case END_NOT_HYPHEN:
		return "every line has a hyphen after its code";
	case END_SPACE:
		return "no line is three digits and a space";
	case END_SPACE_BARE:
		return "no line is three digits and a space, or the code alone";
	case END_SHORT_SPACE:
		return "no line is under four bytes or has a space or CR after its code";
	}
	return "";
}

static void judge_stall(const struct proto_client *c, struct proto_client_verdict *out)
{
	out->outcome = PROTO_OUTCOME_STALL;
	if (c->timeout_s > 0) {
		out->timeout_s = (int)c->timeout_s;
		snprintf(out->why, sizeof out->why,
		         "never sees the reply end (%s): waits for its time-out of %u s",
		         never_ends(c), c->timeout_s);
	} else if (c->no_timeout) {
		out->timeout_s = PROTO_CLIENT_NO_TIMEOUT;
		snprintf(out->why, sizeof out->why,
		         "never sees the reply end (%s): waits until the server gives up (no "
		         "time-out of its own by default)",
		         never_ends(c));
	} else {
		snprintf(out->why, sizeof out->why,
		         "never sees the reply end (%s): waits for its time-out", never_ends(c));
	}
}

/* No STARTTLS where the client looks: plaintext, or it stops. greeting_n: the greeting's number. */
static void judge_without(const struct proto_client *c, const struct scan *s, unsigned greeting_n,
                          struct proto_client_verdict *out)
{
	char seen[96] = "sees no STARTTLS by its rule";

	if (s->greeting >= 0 && s->greeting_hit) {
		out->line = s->greeting;
		snprintf(seen, sizeof seen, "takes line %u, which holds STARTTLS, for the greeting",
		         greeting_n);
	}
	if (c->stops != NULL) {
		out->outcome = PROTO_OUTCOME_ABORT;
		snprintf(out->why, sizeof out->why, "%s: %s", seen, c->stops);
	} else {
		out->outcome = PROTO_OUTCOME_PLAINTEXT;
		snprintf(out->why, sizeof out->why, "%s: goes on without TLS", seen);
	}
}

/* The number the why gives the reply's line i. */
static unsigned number(const unsigned *numbers, int i)
{
	return numbers != NULL ? numbers[i] : (unsigned)i + 1;
}

void proto_client_judge(const struct proto_client *client, const struct proto_reply *ehlo,
                        const unsigned *numbers, struct proto_client_verdict *out)
{
	struct scan s = {-1, false, false, -1, false};
	int voided;

	out->outcome = PROTO_OUTCOME_PLAINTEXT;
	out->line = -1;
	out->timeout_s = PROTO_CLIENT_TIMEOUT_UNKNOWN;
	snprintf(out->why, sizeof out->why, "no EHLO reply to judge");
	if (client == NULL || ehlo == NULL || ehlo->nkept == 0)
		return;
	voided = walk(client, ehlo, &s);
	if (voided >= 0) {
		out->outcome = PROTO_OUTCOME_ABORT;
		out->line = voided;
		snprintf(out->why, sizeof out->why, "rejects the reply: line %u %s",
		         number(numbers, voided),
		         rejected_for(client, &ehlo->line[voided], voided));
	} else if (!s.ended && ehlo->nkept == ehlo->nlines) {
		judge_stall(client, out);
	} else if (s.found >= 0) {
		out->outcome = PROTO_OUTCOME_STARTTLS;
		out->line = s.found;
		snprintf(out->why, sizeof out->why, "finds STARTTLS on line %u",
		         number(numbers, s.found));
	} else if (client->regardless) {
		out->outcome = PROTO_OUTCOME_STARTTLS;
		snprintf(out->why, sizeof out->why, "%s; it finds none in the reply",
		         PROTO_CLIENT_BLINDLY);
	} else {
		judge_without(client, &s, number(numbers, s.greeting < 0 ? 0 : s.greeting), out);
	}
}
