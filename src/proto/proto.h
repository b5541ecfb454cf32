/*
 * proto.h: the protocol engine of smtpscope.
 *
 * Everything here is pure: bytes go in, lines, replies, roles and findings
 * come out. Nothing in this module touches a socket, a file, the terminal or
 * a global variable, so any number of readers and analysers can live in one
 * process. Tables are constant data.
 */
#ifndef SMTPSCOPE_PROTO_H
#define SMTPSCOPE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets, CRLF included. */
#define PROTO_LINE_MAX 512
/* Bytes of one line the engine keeps; the rest is counted and dropped. */
#define PROTO_LINE_KEEP 2048
/* Lines of one reply kept for whole-reply consumers (client profiles). */
#define PROTO_REPLY_KEEP 512
/* Bytes of text one reply keeps in its arena. */
#define PROTO_REPLY_BYTES (64 * 1024)

/* How a line ended on the wire. */
enum proto_term {
	PROTO_TERM_CRLF,    /* CR LF, as RFC 5321 wants */
	PROTO_TERM_LF,      /* LF alone */
	PROTO_TERM_EOF,     /* the input ended first */
	PROTO_TERM_UNKNOWN, /* the source lost it (a pasted LF-only text) */
};

/* What a strict reader objects to in one line. */
enum {
	PROTO_L_BARE_LF = 1u << 0,    /* ended by LF without CR */
	PROTO_L_BARE_CR = 1u << 1,    /* a CR not followed by LF inside */
	PROTO_L_TOO_LONG = 1u << 2,   /* over 512 octets with CRLF */
	PROTO_L_CLIPPED = 1u << 3,    /* longer than PROTO_LINE_KEEP */
	PROTO_L_BAD_CODE = 1u << 4,   /* no Reply-code %x32-35 %x30-35 %x30-39 */
	PROTO_L_NO_SEP = 1u << 5,     /* code followed by neither SP, "-" nor end */
	PROTO_L_MIXED_CODE = 1u << 6, /* code differs from its reply's first */
	PROTO_L_CTRL = 1u << 7,       /* NUL or a control character other than HT */
	PROTO_L_8BIT = 1u << 8,       /* a byte with the high bit set */
	PROTO_L_NO_EOL = 1u << 9,     /* the input ended inside the line */
};

/* One reply line as the reader hands it back. */
struct proto_line {
	const char *text; /* kept bytes, terminator excluded; see the owner's rules */
	size_t len;       /* bytes at text (at most PROTO_LINE_KEEP) */
	size_t wire_len;  /* octets the line had, terminator included */
	unsigned flags;   /* PROTO_L_* */
	int code;         /* the three leading digits as a number, or -1 */
	int sep;          /* byte after the code, or -1 when the line ends there */
	bool last;        /* this line ends its reply */
	unsigned index;   /* 0-based position inside its reply */
};

/* A complete reply: its first lines and text kept, the rest counted. */
struct proto_reply_line {
	const char *text; /* points into the reply's arena */
	size_t len;
	unsigned flags;
};

struct proto_reply {
	int code;        /* code of the first line, or -1 */
	unsigned nlines; /* lines the reply had */
	unsigned nkept;  /* lines kept in line[] */
	unsigned flags;  /* PROTO_L_* of all its lines, or-ed */
	bool complete;   /* a final line was seen */
	size_t used;     /* arena bytes in use */
	struct proto_reply_line line[PROTO_REPLY_KEEP];
	char arena[PROTO_REPLY_BYTES];
};

void proto_reply_reset(struct proto_reply *reply);
void proto_reply_add(struct proto_reply *reply, const struct proto_line *line);

/*
 * The reply reader, in the shape of hiredis' reader: feed it any chunks of
 * bytes, then call next until it has no more lines. Memory is bounded by the
 * largest chunk fed plus PROTO_LINE_KEEP: an endless line is clipped, not
 * stored.
 */
struct proto_reader;

enum {
	PROTO_READER_ENDINGS_UNKNOWN = 1u << 0, /* do not judge line endings */
	PROTO_READER_NO_REPLY = 1u << 1,        /* do not assemble replies */
};

struct proto_reader *proto_reader_new(unsigned options);
void proto_reader_free(struct proto_reader *reader);
/* Returns 0, or -1 when memory ran out (the reader is then unusable). */
int proto_reader_feed(struct proto_reader *reader, const void *buf, size_t len);
/* Declares the end of input: a partial last line comes out, flagged. */
void proto_reader_eof(struct proto_reader *reader);
/*
 * Hands back the next line: 1 with *line filled (valid until the next call
 * on this reader), 0 when more bytes are needed.
 */
int proto_reader_next(struct proto_reader *reader, struct proto_line *line);
/* Gives one already-split line to the reader (a transcript source). */
void proto_reader_push(struct proto_reader *reader, const char *text, size_t len,
                       enum proto_term term, struct proto_line *line);
/* The reply the last line belongs to; complete when that line was last. */
const struct proto_reply *proto_reader_reply(const struct proto_reader *reader);
/* True when input stopped inside a multi-line reply. */
bool proto_reader_inside_reply(const struct proto_reader *reader);
/* Drops an open reply, so the next line starts a new one. */
void proto_reader_reset(struct proto_reader *reader);
/* Bytes fed and not yet handed back as lines. */
size_t proto_reader_pending(const struct proto_reader *reader);
/* Drops the bytes fed and not yet handed back, and any open reply. */
void proto_reader_discard(struct proto_reader *reader);
/* The bytes fed and not yet handed back (proto_reader_pending of them), read-only. */
const char *proto_reader_pending_bytes(const struct proto_reader *reader);
/* The line begun and not ended, read-only: see proto_session_partial. */
const char *proto_reader_partial(const struct proto_reader *reader, size_t *len, size_t *wire);

/* Findings: one catalogue, stable ids. */
enum proto_finding_id {
	PROTO_F_STARTTLS_BEFORE_GREETING,
	PROTO_F_KEYWORD_BEFORE_GREETING,
	PROTO_F_INVALID_EHLO_KEYWORD,
	PROTO_F_GREETING_NOT_DOMAIN,
	PROTO_F_MIXED_REPLY_CODES,
	PROTO_F_INVALID_REPLY_CODE,
	PROTO_F_TRUNCATED_REPLY,
	PROTO_F_STARTTLS_AFTER_TLS,
	PROTO_F_EHLO_NOT_ACCEPTED,
	PROTO_F_LINE_TOO_LONG,
	PROTO_F_BARE_LF,
	PROTO_F_BARE_CR,
	PROTO_F_CONTROL_CHARACTERS,
	PROTO_F_EIGHT_BIT,
	PROTO_F_MISSING_SPACE_AFTER_CODE,
	PROTO_F_DUPLICATE_KEYWORD,
	PROTO_F_INVALID_EHLO_PARAM,
	PROTO_F_TRAILING_WHITESPACE,
	PROTO_F_STARTTLS_WITH_PARAMETERS,
	PROTO_F_STARTTLS_NOT_UPPERCASE,
	PROTO_F_LEGACY_AUTH_EQUALS,
	PROTO_F_NO_STARTTLS,
	PROTO_F_STARTTLS_RESPONSE_INJECTION,
	PROTO_F_STARTTLS_REJECTED,
	PROTO_F_TLS_HANDSHAKE_FAILED,
	PROTO_F_TLS_UNVERIFIED,
	PROTO_F_EARLY_REPLY,
	PROTO_F_COUNT
};

enum proto_severity { PROTO_SEV_INFO, PROTO_SEV_WARNING, PROTO_SEV_ERROR };

struct proto_finding_info {
	const char *id; /* stable kebab-case id */
	enum proto_severity severity;
	const char *rfc;     /* e.g. "RFC 5321 §4.1.1.1" */
	const char *message; /* one line */
	const char *explain; /* what it means and how to fix it */
};

const struct proto_finding_info *proto_finding(enum proto_finding_id id);
const char *proto_severity_name(enum proto_severity severity);
/* Looks an id up by name; returns PROTO_F_COUNT when unknown. */
enum proto_finding_id proto_finding_by_name(const char *id);
/* The finding's whole section of docs/findings.md (Markdown), or NULL. */
const char *proto_finding_doc(enum proto_finding_id id);

/* Receives findings; line is the analyser's own line index. */
typedef void (*proto_emit_fn)(void *ctx, enum proto_finding_id id, unsigned line);

/* Grammar roles of a line in a conversation. */
enum proto_role {
	PROTO_ROLE_REPLY,               /* a server line outside an EHLO reply */
	PROTO_ROLE_BANNER,              /* the 220 connection greeting */
	PROTO_ROLE_COMMAND,             /* a client command */
	PROTO_ROLE_INFO,                /* a note of the transcript */
	PROTO_ROLE_GREETING,            /* EHLO line 1: Domain [SP ehlo-greet] */
	PROTO_ROLE_EHLO_LINE,           /* ehlo-keyword *(SP ehlo-param) */
	PROTO_ROLE_MISORDERED_STARTTLS, /* STARTTLS where the Domain belongs */
	PROTO_ROLE_MISORDERED_KEYWORD,  /* another keyword where the Domain belongs */
	PROTO_ROLE_MALFORMED,           /* matches no production */
	PROTO_ROLE_COUNT
};

const char *proto_role_name(enum proto_role role);

/* A part of a line: byte offset and length inside the line's text. */
struct proto_span {
	uint32_t off;
	uint32_t len;
};

#define PROTO_EHLO_PARAMS 16 /* params of one line kept as spans */

/* How the EHLO analyser read one line. */
struct proto_ehlo_line {
	enum proto_role role;
	const char *production;      /* RFC 5321 §4.1.1.1 name of what it matched */
	const char *production_1869; /* RFC 1869 §4.3 name of the same */
	struct proto_span code;      /* the three digits */
	struct proto_span head;      /* Domain, or ehlo-keyword */
	struct proto_span rest;      /* ehlo-greet, or all the params */
	unsigned nparams;            /* params seen, kept or not */
	struct proto_span param[PROTO_EHLO_PARAMS];
	/*
	 * Where the line leaves the grammar: a code other than the literal
	 * "250", or the first byte of a keyword line that is not ALPHA, DIGIT
	 * or "-". Its len is 0 when nothing is known to fail.
	 */
	struct proto_span stop;
};

#define PROTO_EHLO_KEYWORDS 128 /* keywords remembered for duplicates */

/* The state of the analysis of one EHLO reply. */
struct proto_ehlo {
	bool tls;      /* the reply was received inside TLS */
	bool starttls; /* STARTTLS appears, in any position or form */
	unsigned nlines;
	unsigned nkeywords;
	/* Keywords seen, as 64-bit FNV-1a hashes of their upper-case form. */
	uint64_t keyword[PROTO_EHLO_KEYWORDS];
};

void proto_ehlo_begin(struct proto_ehlo *ehlo, bool tls);
/* Analyses the next line of the reply; findings go to emit(ctx, id, index). */
void proto_ehlo_line(struct proto_ehlo *ehlo, const char *text, size_t len, unsigned flags,
                     struct proto_ehlo_line *out, proto_emit_fn emit, void *ctx);
/* Closes the reply: reply-wide findings, placed on line first. */
void proto_ehlo_end(struct proto_ehlo *ehlo, unsigned first, proto_emit_fn emit, void *ctx);
/* True when text is a Domain or address-literal of RFC 5321 §4.1.2. */
bool proto_is_domain(const char *text, size_t len);
/* True when text is a valid ehlo-keyword of RFC 5321 §4.1.1.1. */
bool proto_is_ehlo_keyword(const char *text, size_t len);

/* The parts of a banner line, RFC 5321 §4.2's Greeting. */
struct proto_banner {
	struct proto_span code;   /* the three digits */
	struct proto_span domain; /* first line: the word after the code; len 0 otherwise */
	struct proto_span text;   /* the textstring after it, or len 0 */
	bool domain_ok;           /* the word is a Domain or an address-literal */
};

/* Splits a line of the banner; first: it is the reply's first line. */
void proto_banner_line(const char *text, size_t len, bool first, struct proto_banner *out);

/*
 * Client profiles: how real SMTP clients read an EHLO reply, each resting on
 * its source. The table is constant; the struct is private to clients.c.
 */
struct proto_client;

size_t proto_client_count(void);
const struct proto_client *proto_client_at(size_t i);
const struct proto_client *proto_client_find(const char *id);
const char *proto_client_id(const struct proto_client *client);
const char *proto_client_name(const struct proto_client *client);
/* One line: which lines it reads and how it matches the keyword. */
const char *proto_client_rule(const struct proto_client *client);
/* The source it rests on: file and function, or a vendor document. */
const char *proto_client_basis(const struct proto_client *client);
/* True when the client sends STARTTLS whatever the EHLO reply says (s-nail, s_client). */
#define PROTO_CLIENT_BLINDLY "sends STARTTLS without looking" /* what the matrix says of it */
bool proto_client_regardless(const struct proto_client *client);
/* True when the client takes line 1 as the greeting and skips it. */
bool proto_client_skips_first_line(const struct proto_client *client);
/* Index of the line where the client finds STARTTLS, or -1. */
int proto_client_starttls_line(const struct proto_client *client, const struct proto_reply *ehlo);

/* Safe text: every byte from a peer is escaped before it is shown. */

/* Caret form for terminals: ^[ for ESC, ^? for DEL, \xHH for 8-bit bytes. */
size_t proto_escape_term(char *out, size_t cap, const char *text, size_t len);
/* JSON string body (no quotes); 8-bit bytes become \u0080..\u00ff. */
size_t proto_escape_json(char *out, size_t cap, const char *text, size_t len);
/* Transcript form: "\\" for a backslash, \xHH for any other unsafe byte. */
size_t proto_escape_transcript(char *out, size_t cap, const char *text, size_t len);
/* The value of a hex digit in either case, or -1. */
int proto_hex_value(int c);
/* Undoes proto_escape_transcript; out needs len bytes. Returns its length. */
size_t proto_unescape_transcript(char *out, const char *text, size_t len);
/* Worst-case output size of the escapers for len input bytes; cap >= 1. */
#define PROTO_ESCAPE_MAX(len) ((len)*6 + 1)

/*
 * The conversation linter: fed the lines of a conversation (server replies,
 * client commands, notes), it tells each line's role and the findings, and
 * keeps the first EHLO reply sent before TLS for the client matrix.
 */
enum proto_dir { PROTO_DIR_SERVER, PROTO_DIR_CLIENT, PROTO_DIR_INFO };

const char *proto_dir_name(enum proto_dir dir);

#define PROTO_LINE_FINDINGS 8 /* findings listed with one line */

struct proto_lint_line {
	unsigned n; /* line number in the input, from 1 */
	enum proto_dir dir;
	bool tls;
	enum proto_role role;
	/*
	 * The bytes as received, valid during the callback. A secret of the AUTH
	 * exchange is replaced by "<redacted N bytes>" unless
	 * PROTO_LINT_SHOW_SECRETS is set: see proto_auth_redact.
	 */
	const char *text;
	size_t len;
	unsigned flags; /* PROTO_L_* of a server line */
	/*
	 * How the line ended: as received for a server line, CR LF for a line
	 * a session sent; PROTO_TERM_UNKNOWN for notes and for client lines
	 * read from a file, whose endings the linter is not told.
	 */
	enum proto_term term;
	const struct proto_ehlo_line *ehlo; /* set inside an EHLO reply */
	unsigned nfindings;
	enum proto_finding_id finding[PROTO_LINE_FINDINGS];
};

struct proto_lint_ops {
	void (*line)(void *ctx, const struct proto_lint_line *line);
	/* Every finding, including those listed with their line. */
	void (*finding)(void *ctx, enum proto_finding_id id, unsigned n);
};

enum {
	PROTO_LINT_INFER_TLS = 1u << 0,    /* no TLS marks: TLS starts after a 220 to STARTTLS */
	PROTO_LINT_SHOW_SECRETS = 1u << 1, /* do not redact the AUTH exchange */
	/*
	 * The input holds every client line (a session, a transcript): a reply
	 * that begins while no command awaits one came early and pairs with
	 * nothing (early-reply).
	 */
	PROTO_LINT_PAIRED = 1u << 2,
};

/*
 * The server lines of one turn (from a client line to the next) that are
 * reported; beyond them one info line says how many were held back
 * ("... 812,500 lines not shown (N bytes)"), and the last line of the
 * reply they cut is reported after it.
 */
#define PROTO_LINT_TURN_LINES 10000
#define PROTO_LINT_TURN_BYTES (1024 * 1024)

/* What a client line sent by a session holds, so that redaction never guesses. */
enum proto_sent {
	PROTO_SENT_COMMAND,  /* a command with no secret */
	PROTO_SENT_AUTH,     /* an AUTH command, its initial response redacted */
	PROTO_SENT_RESPONSE, /* an answer to a 334, redacted */
};

struct proto_lint;

struct proto_lint *proto_lint_new(const struct proto_lint_ops *ops, void *ctx, unsigned options);
void proto_lint_free(struct proto_lint *lint);
void proto_lint_set_options(struct proto_lint *lint, unsigned options);
void proto_lint_server(struct proto_lint *lint, unsigned n, const char *text, size_t len,
                       enum proto_term term, bool tls);
void proto_lint_client(struct proto_lint *lint, unsigned n, const char *text, size_t len, bool tls);
/* A client line whose sender says what it holds: redacted by that, not by the replies. */
void proto_lint_sent(struct proto_lint *lint, unsigned n, const char *text, size_t len, bool tls,
                     enum proto_sent sent);
void proto_lint_info(struct proto_lint *lint, unsigned n, const char *text, size_t len);
/* Ends the conversation: an open reply is reported truncated. */
void proto_lint_end(struct proto_lint *lint);
/* True between a client's AUTH and the first reply to it that is not 334. */
bool proto_lint_in_auth(const struct proto_lint *lint);
/* The first EHLO reply before TLS, or NULL; first_n gets its first line. */
const struct proto_reply *proto_lint_first_ehlo(const struct proto_lint *lint, unsigned *first_n);
/* Input line number of line i of that reply. */
unsigned proto_lint_first_ehlo_n(const struct proto_lint *lint, unsigned i);
/* True when the last EHLO reply offered STARTTLS on any line, in any form. */
bool proto_lint_ehlo_starttls(const struct proto_lint *lint);

/* Input formats of a conversation, and the source that reads them. */
enum proto_format {
	PROTO_FORMAT_AUTO,
	PROTO_FORMAT_RAW,        /* a reply as pasted, client lines optional */
	PROTO_FORMAT_SWAKS,      /* swaks' transcript: "<-  ", " -> ", "=== " */
	PROTO_FORMAT_TRANSCRIPT, /* smtpscope's own, docs/transcript-format.md */
	PROTO_FORMAT_JSONL,      /* smtpscope's JSON Lines transcript (--transcript-json) */
};

#define PROTO_TRANSCRIPT_MAGIC "# smtpscope transcript 1"
#define PROTO_JSONL_MAGIC      "{\"t\":\"" /* how every object of the JSON Lines form starts */
#define PROTO_DETECT_BYTES     (64 * 1024) /* input looked at to detect a format */

const char *proto_format_name(enum proto_format format);
/* Returns 0 and sets *format for "auto", "raw", "swaks", "transcript", "jsonl"; -1 otherwise. */
int proto_format_parse(const char *name, enum proto_format *format);
enum proto_format proto_format_detect(const char *buf, size_t len);

struct proto_source;

struct proto_source *proto_source_new(enum proto_format format, struct proto_lint_ops const *ops,
                                      void *ctx);
void proto_source_free(struct proto_source *source);
/* Returns 0, or -1 when memory ran out. */
int proto_source_feed(struct proto_source *source, const void *buf, size_t len);
/* Ends the input: the last line and the conversation are closed. */
int proto_source_end(struct proto_source *source);
enum proto_format proto_source_format(const struct proto_source *source);
/* Shows the AUTH exchange as it is (PROTO_LINT_SHOW_SECRETS); call before feeding. */
void proto_source_show_secrets(struct proto_source *source, bool show);
const struct proto_lint *proto_source_lint(const struct proto_source *source);
/*
 * The line a transcript ended in the middle of (left out, with a note), or 0.
 * Known once proto_source_end() has run.
 */
unsigned proto_source_cut(const struct proto_source *source);
/*
 * The time stamp of the line being read, for the line callback: milliseconds
 * since the epoch (UTC) as the transcript recorded it, or 0 when the line has
 * none (raw and swaks input, a note of the reader).
 */
long long proto_source_time_ms(const struct proto_source *source);
/*
 * A source's state between two feeds, kept compact (a few KiB plus the
 * bytes it holds): restore makes a new source that reads on from that point
 * exactly as the saved one would, its lines going to ops. Save returns NULL
 * when memory ran out. Replay keeps a few of these to
 * reach any line of a large file without keeping every line.
 */
struct proto_state;
struct proto_state *proto_source_save(const struct proto_source *source);
struct proto_source *proto_source_restore(const struct proto_state *state,
                                          const struct proto_lint_ops *ops, void *ctx);
/* The saved state's bytes and their count; restore_bytes reads them back (NULL if damaged). */
const void *proto_state_bytes(const struct proto_state *state);
size_t proto_state_size(const struct proto_state *state);
struct proto_source *proto_source_restore_bytes(const void *bytes, size_t len,
                                                const struct proto_lint_ops *ops, void *ctx);
void proto_state_free(struct proto_state *state);
/* Reads "YYYY-MM-DDTHH:MM:SS.mmmZ" at p into ms since the epoch; 0, or -1 when it is not one. */
int proto_time_parse(const char *p, size_t len, long long *ms);

/*
 * SMTP AUTH (RFC 4954): base64, the client side of the SASL mechanisms
 * smtpscope speaks, and the redaction of secrets. No crypto here: the
 * HMAC-MD5 of CRAM-MD5 comes from the owner.
 */
enum proto_auth_mech {
	PROTO_AUTH_NONE,
	PROTO_AUTH_PLAIN,    /* RFC 4616, initial response in the AUTH line */
	PROTO_AUTH_LOGIN,    /* user name, then password, each after a 334 */
	PROTO_AUTH_CRAM_MD5, /* RFC 2195 */
	PROTO_AUTH_XOAUTH2,  /* Google and Microsoft's OAuth 2.0 bearer token */
};

#define PROTO_AUTH_FIELD_MAX 4096  /* bytes of a user name, password or token */
#define PROTO_AUTH_LINE_MAX  12288 /* RFC 4954 §4: an AUTH line with its initial response */
#define PROTO_BASE64_LEN(n)  (((n) + 2) / 3 * 4)
#define PROTO_REDACT_MAX     128 /* bytes of a redacted line, with its NUL */

/* "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2". */
const char *proto_auth_mech_name(enum proto_auth_mech mech);
/* Reads a mechanism name in any case; 0, or -1 when unknown. */
int proto_auth_mech_parse(const char *name, enum proto_auth_mech *out);
/* Base64 of RFC 4648 §4 with padding; out needs PROTO_BASE64_LEN(len) + 1. */
size_t proto_base64_encode(char *out, size_t cap, const void *in, size_t len);
/* Decodes strict padded base64 into out; 0, or -1 when invalid or over cap. */
int proto_base64_decode(void *out, size_t cap, const char *in, size_t len, size_t *outlen);
/* The responses, base64, NUL-terminated; 0, or -1 when a field is too long for cap. */
int proto_sasl_plain(char *out, size_t cap, const char *user, const char *password);
int proto_sasl_xoauth2(char *out, size_t cap, const char *user, const char *token);
/* RFC 2195: base64(user SP hex(digest)), digest the HMAC-MD5 of the challenge. */
int proto_sasl_cram_md5(char *out, size_t cap, const char *user, const unsigned char digest[16]);
/* True when a line of the EHLO reply (AUTH or legacy AUTH=) lists mech. */
bool proto_auth_offered(const struct proto_reply *ehlo, const char *mech);
/* True when the client line is an AUTH command (any case). */
bool proto_auth_command(const char *text, size_t len);
/* True when a line starts with an SMTP verb a client sends (EHLO, MAIL, NOOP, AUTH, ...), any case. */
bool proto_is_client_verb(const char *text, size_t len);
/*
 * Writes the redacted form of a client line into out (cap at least
 * PROTO_REDACT_MAX): "AUTH PLAIN <redacted 24 bytes>" for an AUTH command
 * (response false), "<redacted 12 bytes>" for a response inside the
 * exchange. Returns its length, or (size_t)-1 when the line holds no
 * secret: no initial response, "=", "*", an empty line, or a line
 * already redacted.
 */
size_t proto_auth_redact(char *out, size_t cap, const char *text, size_t len, bool response);

/*
 * The session engine: an explicit state machine that drives one SMTP
 * conversation. It is fed the server's bytes and tells its owner, through
 * callbacks, what to send and when to start TLS; it never touches a socket
 * or TLS itself. Every line goes through a linter, so the owner gets each
 * line with its role and the findings as they happen.
 *
 * Each state is the last step of the plan that went out on the wire: the
 * command it sent (the greeting awaited, for the banner; TLS asked for, for
 * the handshake), whose reply moves it to the next. One table in session.c
 * says, for each, what entering it sends and which replies move it where.
 * The steps of AUTH are states of their own, each named "auth", like the
 * state they are steps of. In step mode a move to a command of the plan
 * does not enter its state: the command waits for the user, the state
 * stays, and proto_session_planned names the state that sending it enters.
 */
enum proto_session_state {
	PROTO_S_BANNER,             /* waiting for the connection greeting */
	PROTO_S_EHLO,               /* EHLO sent */
	PROTO_S_HELO,               /* HELO sent after EHLO was refused */
	PROTO_S_STARTTLS,           /* STARTTLS sent */
	PROTO_S_HANDSHAKE,          /* the 220 came: the owner runs the TLS handshake */
	PROTO_S_TLS_EHLO,           /* EHLO sent inside TLS */
	PROTO_S_AUTH,               /* AUTH sent, with its initial response for PLAIN and XOAUTH2 */
	PROTO_S_AUTH_LOGIN_USER,    /* LOGIN: the user name sent, answering the first 334 */
	PROTO_S_AUTH_LOGIN_PASS,    /* LOGIN: the password sent, answering the second 334 */
	PROTO_S_AUTH_CRAM_MD5,      /* CRAM-MD5: the digest of the 334's challenge sent */
	PROTO_S_AUTH_XOAUTH2_ERROR, /* XOAUTH2: an empty line sent, answering its error 334 */
	PROTO_S_AUTH_CANCEL,        /* "*" sent: a 334 the mechanism has no answer for */
	PROTO_S_MAIL,               /* MAIL FROM sent */
	PROTO_S_RCPT,               /* RCPT TO sent */
	PROTO_S_DATA,               /* DATA sent */
	PROTO_S_BODY,               /* the message and its final dot sent */
	PROTO_S_QUIT,               /* QUIT sent */
	PROTO_S_DONE,               /* the conversation ended as planned */
	PROTO_S_FAILED,             /* it ended early: proto_session_error says why */
	PROTO_S_COUNT
};

enum proto_starttls_policy {
	PROTO_STARTTLS_AUTO,   /* when any line advertises it, in any position */
	PROTO_STARTTLS_STRICT, /* only when Postfix would see it: line 1 is the greeting */
	PROTO_STARTTLS_FORCE,  /* always, advertised or not */
	PROTO_STARTTLS_NEVER,  /* --no-tls */
};

/* Where the session stops early and sends QUIT, like swaks' --quit-after. */
enum proto_quit_after {
	PROTO_QUIT_NONE,
	PROTO_QUIT_CONNECT,
	PROTO_QUIT_EHLO,
	PROTO_QUIT_STARTTLS, /* after the TLS handshake */
	PROTO_QUIT_TLS_EHLO,
	PROTO_QUIT_MAIL,
	PROTO_QUIT_RCPT,
	PROTO_QUIT_AUTH, /* after AUTH succeeded */
};

#define PROTO_SESSION_RCPT_MAX 32

struct proto_session_config {
	const char *helo; /* name given with EHLO and HELO */
	const char *from; /* NULL: no mail transaction */
	const char *rcpt[PROTO_SESSION_RCPT_MAX];
	unsigned nrcpt;
	const char *data; /* message for DATA; NULL: no DATA */
	size_t data_len;
	enum proto_starttls_policy starttls;
	bool tls_on_connect; /* TLS was started before the greeting */
	enum proto_quit_after quit_after;
	bool step; /* hold each planned command until the owner sends it */
	/* AUTH after the EHLO that ends the TLS part; PROTO_AUTH_NONE: none. */
	enum proto_auth_mech auth;
	const char *auth_user;
	const char *auth_secret; /* the password, or the OAuth 2.0 token of XOAUTH2 */
	bool show_secrets;       /* PROTO_LINT_SHOW_SECRETS for the session's linter */
	/*
	 * Credentials go only over TLS whose certificate verified (chain and
	 * name). tls_verify (--tls-verify): never otherwise. auth_unverified
	 * (--auth-unverified): over unverified TLS too. Neither: step mode
	 * asks (proto_session_confirm_needed), and without step AUTH is not
	 * sent.
	 */
	bool tls_verify;
	bool auth_unverified;
	/*
	 * Milliseconds each reply may take, counted from the command it
	 * answers (the greeting: from proto_session_start); 0, or no
	 * ops->now: no deadline.
	 */
	int timeout_ms;
};

struct proto_session_ops {
	/* Bytes to write to the server, on TLS once it is started. */
	void (*send)(void *ctx, const char *buf, size_t len);
	/* Start the TLS handshake now; answer with proto_session_tls_done. */
	void (*starttls)(void *ctx);
	/* Every line, sent, received or noted, with its role; and every finding. */
	void (*line)(void *ctx, const struct proto_lint_line *line);
	void (*finding)(void *ctx, enum proto_finding_id id, unsigned n);
	/* Each change of state, AUTH's steps included, for logs; may be NULL. */
	void (*state)(void *ctx, enum proto_session_state from, enum proto_session_state to);
	/* Step mode: a planned command waits for the owner; may be NULL. */
	void (*pending)(void *ctx, const char *command);
	/*
	 * HMAC-MD5 (RFC 2104) of msg under key into out, for CRAM-MD5; 0, or -1
	 * when it failed. NULL: CRAM-MD5 is not available.
	 */
	int (*hmac_md5)(void *ctx, const void *key, size_t keylen, const void *msg, size_t msglen,
	                unsigned char out[16]);
	/* The owner's monotonic clock in milliseconds, for deadlines; may be NULL. */
	long long (*now)(void *ctx);
};

struct proto_session;

const char *proto_session_state_name(enum proto_session_state state);
int proto_quit_after_parse(const char *name, enum proto_quit_after *out);
int proto_starttls_policy_parse(const char *name, enum proto_starttls_policy *out);

struct proto_session *proto_session_new(const struct proto_session_config *config,
                                        const struct proto_session_ops *ops, void *ctx);
void proto_session_free(struct proto_session *session);
/* The connection is up (and TLS too, for tls_on_connect): wait for the greeting. */
void proto_session_start(struct proto_session *session);
/* TLS on connect is up; verified: chain and name. Call before the greeting. */
void proto_session_tls_on_connect(struct proto_session *session, bool verified);
/* Bytes received from the server. */
void proto_session_feed(struct proto_session *session, const void *buf, size_t len);
/* The server closed the connection. */
void proto_session_eof(struct proto_session *session);
/*
 * The connection broke (how: "the server reset the connection"). Like eof,
 * a line received without its end is kept; the reason, which names what
 * was waited for, is also noted as an info line.
 */
void proto_session_broken(struct proto_session *session, const char *how);
/*
 * The handshake asked for by ops->starttls ended; verified: chain and name;
 * why: what went wrong, in words, when it failed (or NULL).
 */
void proto_session_tls_done(struct proto_session *session, bool ok, bool verified, const char *why);
/* Step mode: the planned command waiting to be sent, or NULL. */
const char *proto_session_pending(const struct proto_session *session);
/* Step mode: the state sending the pending command enters, or PROTO_S_COUNT when none waits. */
enum proto_session_state proto_session_planned(const struct proto_session *session);
/*
 * Sends the pending command, or edited in its place. An edit with another
 * verb is sent as a free command and the plan keeps waiting. Returns 0, or
 * -1 when nothing is pending.
 */
int proto_session_send_pending(struct proto_session *session, const char *edited);
/* Drops the pending command and plans the next; -1 when it cannot be skipped (QUIT). */
int proto_session_skip(struct proto_session *session);
/*
 * Sets the name given with EHLO and HELO for the rest of the session (a
 * planned EHLO not sent yet takes it too); an edited EHLO sets it as well.
 * -1 when the name is empty, too long, or holds a space or a control byte.
 */
int proto_session_set_helo(struct proto_session *session, const char *name);
const char *proto_session_helo(const struct proto_session *session);
/*
 * Step mode: why the pending AUTH waits for the user's word (the
 * certificate was not verified), or NULL. While it waits,
 * proto_session_send_pending refuses until proto_session_confirm.
 */
const char *proto_session_confirm_needed(const struct proto_session *session);
void proto_session_confirm(struct proto_session *session);
/* Leaves step mode: the pending command and all after it are sent at once. */
void proto_session_run(struct proto_session *session);
/*
 * Sends a command the user typed, outside the plan. Its reply is analysed
 * like any other; a 220 to STARTTLS starts TLS, a reply to QUIT ends the
 * session; otherwise the plan goes on where it was. Returns -1 while
 * another command awaits its reply, -2 (with an info line saying why) for
 * an AUTH or an answer to its 334 under --tls-verify over a connection not
 * verified.
 */
int proto_session_command(struct proto_session *session, const char *command);
/*
 * True while a command (or the greeting) awaits its reply, or the server
 * is still sending bytes that answer nothing (no command may be sent).
 */
bool proto_session_busy(const struct proto_session *session);
/*
 * The server's line begun and not yet ended (a slow reply, a tarpit), for
 * the owner to show as it comes: its first bytes (*len, at most
 * PROTO_LINE_KEEP, raw: escape them) and in *wire how many bytes it has so
 * far. *wire is 0 when there is none. Read-only, valid until the next feed.
 */
const char *proto_session_partial(const struct proto_session *session, size_t *len, size_t *wire);
/*
 * True from ops->starttls to proto_session_tls_done: the session waits for
 * the owner. (In step mode the state stays "handshake" after it, until the
 * EHLO inside TLS, planned, is sent.)
 */
bool proto_session_handshaking(const struct proto_session *session);
/* A note for the transcript ("TLS started: ..."), shown as an info line. */
void proto_session_info(struct proto_session *session, const char *text);
/*
 * Ends the session early (timeout, I/O error), with the reason in words:
 * the line the server was in is kept, then the reason noted as an info line
 * (every end but a clean QUIT notes its reason so).
 */
void proto_session_abort(struct proto_session *session, const char *reason);
/*
 * When the reply awaited (or the greeting, or the handshake asked for) is
 * due, on ops->now's clock; -1 when no wait is bounded. Only sending moves
 * it: nothing the server sends can push it back.
 */
long long proto_session_deadline(const struct proto_session *session);
/*
 * Ends the session as timed out when a reply is awaited and its deadline
 * has passed: the line the server was in, then "timed out after N s
 * waiting for ...". True when it did.
 */
bool proto_session_expire(struct proto_session *session);
enum proto_session_state proto_session_state(const struct proto_session *session);
/* True once DONE or FAILED. */
bool proto_session_over(const struct proto_session *session);
/*
 * Why the session ended, in a few words for a status line ("refused (reply
 * 421)", "the server hung up", "timed out", "ended after QUIT"); "" while it
 * is open. proto_session_error has the whole sentence.
 */
const char *proto_session_cause(const struct proto_session *session);
/* Why the session failed, or "". */
const char *proto_session_error(const struct proto_session *session);
#define PROTO_DISCARD_KEEP 4096 /* bytes kept of the plaintext discarded at STARTTLS */
/*
 * The plaintext received after the 220 to STARTTLS and discarded: its first
 * PROTO_DISCARD_KEEP bytes (*kept of them), and *total, the bytes dropped.
 */
const char *proto_session_discarded(const struct proto_session *session, size_t *kept,
                                    size_t *total);
/* True while the owner must read and write through TLS. */
bool proto_session_tls(const struct proto_session *session);
/* What the command in flight is waiting for, for timeout messages. */
const char *proto_session_waiting_for(const struct proto_session *session);
const struct proto_lint *proto_session_lint(const struct proto_session *session);

#endif
