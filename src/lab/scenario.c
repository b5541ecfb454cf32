/*
 * scenario.c: the scenario parser. A scenario is a plain-text file of
 * sections -- the greeting and "on VERB [plain|tls]" -- each a list of
 * actions: bytes to send, delays, STARTTLS, a message body, a close. The
 * grammar is in docs/scenario-format.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lab_int.h"
#include "proto/escape.h"

enum ending { END_CRLF, END_LF, END_NONE };

struct parser {
	struct lab_scenario *sc;
	const char *name;
	unsigned line;
	int table;               /* LAB_T_OWN or LAB_T_DEFAULT */
	enum ending ending;      /* the scenario's line ending */
	enum ending sec_ending;  /* the ending in the open section */
	struct lab_section *sec; /* the open section, or NULL */
	enum lab_verb sec_verb;  /* its verb and state */
	enum lab_state sec_state;
	bool sec_ended; /* a close or body ended it */
	bool oom;       /* the failure was memory, not syntax */
	char *err;
	size_t errlen;
};

/* What a scenario falls back on for every section it leaves out. */
static const char defaults_text[] =
    "summary defaults\n"
    "greeting\n\tsend 220 lab.invalid ESMTP smtpscope lab\n"
    "on EHLO plain\n\tsend 250-lab.invalid\n\tsend 250-PIPELINING\n\tsend 250-8BITMIME\n"
    "\tsend 250 STARTTLS\n"
    "on EHLO tls\n\tsend 250-lab.invalid\n\tsend 250-PIPELINING\n\tsend 250 8BITMIME\n"
    "on HELO\n\tsend 250 lab.invalid\n"
    "on STARTTLS plain\n\tsend 220 2.0.0 Ready to start TLS\n\tstarttls\n"
    "on STARTTLS tls\n\tsend 503 5.5.1 TLS already active\n"
    "on MAIL\n\tsend 250 2.1.0 Ok\n"
    "on RCPT\n\tsend 250 2.1.5 Ok\n"
    "on DATA\n\tsend 354 End data with <CR><LF>.<CR><LF>\n\tbody\n"
    "on DOT\n\tsend 250 2.0.0 Ok: queued\n"
    "on QUIT\n\tsend 221 2.0.0 Bye\n\tclose\n"
    "on RSET\n\tsend 250 2.0.0 Ok\n"
    "on NOOP\n\tsend 250 2.0.0 Ok\n"
    "on AUTH\n\tsend 502 5.5.1 AUTH not available\n"
    "on DEFAULT\n\tsend 500 5.5.2 Command not recognized\n";

static const char *const verb_names[LAB_V_COUNT] = {"EHLO", "HELO",    "STARTTLS", "MAIL", "RCPT",
                                                    "DATA", "DOT",     "QUIT",     "RSET", "NOOP",
                                                    "AUTH", "DEFAULT", "greeting"};

static const char *const state_names[LAB_S_COUNT] = {"", " plain", " tls"};

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits off the first word of [*s, end); *s moves past it and one blank. */
static size_t next_word(const char **s, const char *end, const char **word)
{
	const char *p = *s;

	while (p < end && is_blank(*p))
		p++;
	*word = p;
	while (p < end && !is_blank(*p))
		p++;
	*s = p < end ? p + 1 : p;
	return (size_t)(p - *word);
}

static bool word_is(const char *word, size_t len, const char *what)
{
	return strlen(what) == len && memcmp(word, what, len) == 0;
}

/* True when only blanks remain in [s, end). */
static bool rest_empty(const char *s, const char *end)
{
	while (s < end && is_blank(*s))
		s++;
	return s == end;
}

/* Reads the decimal number word in [0, max]. */
static int word_number(struct parser *p, const char *word, size_t len, unsigned long max,
                       const char *what, unsigned long *value)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0)
		return fail(p, "%s needs a number", what);
	for (i = 0; i < len; i++) {
		if (word[i] < '0' || word[i] > '9')
			return fail(p, "%s needs a number, not '%.*s'", what, (int)len, word);
		if (v > (max - (unsigned long)(word[i] - '0')) / 10)
			return fail(p, "%s: %.*s is over the limit of %lu", what, (int)len, word,
			            max);
		v = v * 10 + (unsigned long)(word[i] - '0');
	}
	*value = v;
	return 0;
}

/* Reads a decimal number in [0, max] that must end the line. */
static int parse_number(struct parser *p, const char *s, const char *end, unsigned long max,
                        const char *what, unsigned long *value)
{
	const char *word;
	size_t len = next_word(&s, end, &word);

	if (word_number(p, word, len, max, what, value) != 0)
		return -1;
	return rest_empty(s, end) ? 0 : fail(p, "%s takes one number", what);
}

static int pool_reserve(struct parser *p, size_t more)
{
	struct lab_scenario *sc = p->sc;
	size_t cap = sc->pool_cap ? sc->pool_cap : 1024;
	char *grown;

	if (sc->pool_len + more <= sc->pool_cap)
		return 0;
	while (cap < sc->pool_len + more)
		cap *= 2;
	grown = realloc(sc->pool, cap);
	if (grown == NULL) {
		p->oom = true;
		return fail(p, "out of memory");
	}
	sc->pool = grown;
	sc->pool_cap = cap;
	return 0;
}

/* Decodes the escape at s[0] == '\\' into *out; returns the bytes it used, or -1. */
static int unescape(struct parser *p, const char *s, const char *end, char *out)
{
	static const char simple[] = "r\rn\nt\t\\\\";
	const char *hit;
	int hi, lo;

	if (s + 1 == end)
		return fail(p, "a backslash ends the line (write \\\\ for one)");
	if (s[1] == 'x') {
		hi = s + 2 < end ? proto_hex_value(s[2]) : -1;
		lo = s + 3 < end ? proto_hex_value(s[3]) : -1;
		if (hi < 0 || lo < 0)
			return fail(p, "\\x needs two hex digits");
		*out = (char)(hi << 4 | lo);
		return 4;
	}
	hit = s[1] != '\0' ? strchr(simple, s[1]) : NULL;
	if (hit == NULL || (hit - simple) % 2 != 0)
		return fail(p, "unknown escape \\%c (use \\r \\n \\t \\\\ \\xHH)",
		            s[1] > 0x20 && s[1] < 0x7f ? s[1] : '?');
	*out = hit[1];
	return 2;
}

/* Appends the text [s, end) to the pool with its escapes decoded. */
static int decode(struct parser *p, const char *s, const char *end)
{
	int used;
	char c;

	if (pool_reserve(p, (size_t)(end - s) + 2) != 0)
		return -1;
	while (s < end) {
		c = *s;
		if ((unsigned char)c < 0x20 && c != '\t') {
			return fail(p, "control byte 0x%02x in the text; write it as an escape",
			            (unsigned char)c);
		}
		if (c == 0x7f)
			return fail(p, "DEL in the text; write it as \\x7f");
		used = 1;
		if (c == '\\' && (used = unescape(p, s, end, &c)) < 0)
			return -1;
		p->sc->pool[p->sc->pool_len++] = c;
		s += used;
	}
	return 0;
}

static int add_action(struct parser *p, const struct lab_action *a)
{
	struct lab_scenario *sc = p->sc;
	struct lab_action *grown;
	size_t cap;

	if (sc->nact == sc->act_cap) {
		cap = sc->act_cap ? sc->act_cap * 2 : 32;
		grown = realloc(sc->act, cap * sizeof *grown);
		if (grown == NULL) {
			p->oom = true;
			return fail(p, "out of memory");
		}
		sc->act = grown;
		sc->act_cap = cap;
	}
	sc->act[sc->nact++] = *a;
	p->sec->n++;
	return 0;
}

/* "send TEXT" or "raw TEXT", count times; s is the text. */
static int add_bytes(struct parser *p, bool send, const char *s, const char *end,
                     unsigned long count)
{
	static const char *const endings[] = {"\r\n", "\n", ""};
	struct lab_action a = {LAB_A_BYTES, count, p->sc->pool_len, 0, 0};

	if (decode(p, s, end) != 0)
		return -1;
	if (send) {
		memcpy(p->sc->pool + p->sc->pool_len, endings[p->sec_ending],
		       strlen(endings[p->sec_ending]));
		p->sc->pool_len += strlen(endings[p->sec_ending]);
	}
	a.len = p->sc->pool_len - a.off;
	if (a.len == 0)
		return send ? 0 : fail(p, "raw needs bytes to send");
	if (p->sec->n == 0 && a.len >= 3 && memcmp(p->sc->pool + a.off, "334", 3) == 0)
		p->sec->sasl = true;
	return add_action(p, &a);
}

static int parse_ending(struct parser *p, const char *s, const char *end, enum ending *ending)
{
	const char *word;
	size_t len = next_word(&s, end, &word);

	if (word_is(word, len, "crlf"))
		*ending = END_CRLF;
	else if (word_is(word, len, "lf"))
		*ending = END_LF;
	else if (word_is(word, len, "none"))
		*ending = END_NONE;
	else
		return fail(p, "ending takes crlf, lf or none");
	return rest_empty(s, end) ? 0 : fail(p, "ending takes one word");
}

/* "repeat N send|raw TEXT". */
static int parse_repeat(struct parser *p, const char *s, const char *end)
{
	const char *word;
	unsigned long n;
	size_t len;

	len = next_word(&s, end, &word);
	if (word_number(p, word, len, LAB_REPEAT_MAX, "repeat", &n) != 0)
		return -1;
	if (n == 0)
		return fail(p, "repeat 0 sends nothing");
	len = next_word(&s, end, &word);
	if (word_is(word, len, "send"))
		return add_bytes(p, true, s, end, n);
	if (word_is(word, len, "raw"))
		return add_bytes(p, false, s, end, n);
	return fail(p, "repeat N is followed by send or raw");
}

/* delay MS and dribble MS. */
static int parse_wait(struct parser *p, enum lab_act_kind kind, const char *s, const char *end)
{
	struct lab_action a = {kind, 0, 0, 0, 0};
	unsigned long ms;

	if (parse_number(p, s, end, kind == LAB_A_DELAY ? LAB_DELAY_MAX : LAB_DRIBBLE_MAX,
	                 kind == LAB_A_DELAY ? "delay" : "dribble", &ms) != 0)
		return -1;
	a.ms = (unsigned)ms;
	return add_action(p, &a);
}

/* starttls, body and close: no argument. */
static int parse_step(struct parser *p, enum lab_act_kind kind, const char *what, const char *s,
                      const char *end)
{
	struct lab_action a = {kind, 0, 0, 0, 0};

	if (!rest_empty(s, end))
		return fail(p, "%s takes no argument", what);
	if (kind == LAB_A_STARTTLS && p->sec_state == LAB_S_TLS)
		return fail(p, "starttls in a section that only plays inside TLS");
	if (kind == LAB_A_BODY && p->sec_verb == LAB_V_GREETING)
		return fail(p, "body in the greeting");
	if (kind != LAB_A_STARTTLS)
		p->sec_ended = true;
	return add_action(p, &a);
}

/* Decodes one word of "auth" into the pool; its length in *len. */
static int auth_word(struct parser *p, const char *word, size_t wlen, const char *what, size_t *len)
{
	size_t before = p->sc->pool_len;

	if (wlen == 0)
		return fail(p, "auth takes a user name and a password");
	if (decode(p, word, word + wlen) != 0)
		return -1;
	*len = p->sc->pool_len - before;
	if (*len > LAB_AUTH_FIELD_MAX)
		return fail(p, "the %s of auth is over %d bytes", what, LAB_AUTH_FIELD_MAX);
	return 0;
}

/* "auth USER PASSWORD": plays the AUTH exchange and ends the section. */
static int parse_auth(struct parser *p, const char *s, const char *end)
{
	struct lab_action a = {LAB_A_AUTH, 0, p->sc->pool_len, 0, 0};
	const char *word;
	size_t wlen, plen = 0; /* gcc -O2 cannot see that fail() returns -1 */

	if (p->sec_verb != LAB_V_AUTH)
		return fail(p, "auth belongs in an 'on AUTH' section");
	wlen = next_word(&s, end, &word);
	if (auth_word(p, word, wlen, "user name", &a.len) != 0)
		return -1;
	wlen = next_word(&s, end, &word);
	if (auth_word(p, word, wlen, "password", &plen) != 0)
		return -1;
	if (!rest_empty(s, end))
		return fail(p, "auth takes a user name and a password, nothing more");
	a.count = plen;
	p->sec_ended = true;
	return add_action(p, &a);
}

static int parse_action(struct parser *p, const char *word, size_t len, const char *s,
                        const char *end)
{
	if (p->sec == NULL)
		return fail(p, "'%.*s' outside a section (start one with 'greeting' or 'on VERB')",
		            (int)len, word);
	if (p->sec_ended)
		return fail(p, "nothing may follow close, reset, body or auth in a section");
	if (word_is(word, len, "send"))
		return add_bytes(p, true, s, end, 1);
	if (word_is(word, len, "raw"))
		return add_bytes(p, false, s, end, 1);
	if (word_is(word, len, "repeat"))
		return parse_repeat(p, s, end);
	if (word_is(word, len, "delay"))
		return parse_wait(p, LAB_A_DELAY, s, end);
	if (word_is(word, len, "dribble"))
		return parse_wait(p, LAB_A_DRIBBLE, s, end);
	if (word_is(word, len, "starttls"))
		return parse_step(p, LAB_A_STARTTLS, "starttls", s, end);
	if (word_is(word, len, "body"))
		return parse_step(p, LAB_A_BODY, "body", s, end);
	if (word_is(word, len, "close"))
		return parse_step(p, LAB_A_CLOSE, "close", s, end);
	if (word_is(word, len, "auth"))
		return parse_auth(p, s, end);
	if (word_is(word, len, "reset"))
		return parse_step(p, LAB_A_RESET, "reset", s, end);
	return fail(p, "unknown keyword '%.*s'", (int)len, word);
}

static int open_section(struct parser *p, enum lab_verb verb, enum lab_state state)
{
	struct lab_section *sec = &p->sc->sec[p->table][verb][state];

	if (sec->set)
		return fail(p, "%s%s is defined twice (first at line %u)",
		            verb == LAB_V_GREETING ? "greeting" : verb_names[verb],
		            state_names[state], sec->line);
	sec->set = true;
	sec->line = p->line;
	sec->first = p->sc->nact;
	sec->n = 0;
	p->sec = sec;
	p->sec_verb = verb;
	p->sec_state = state;
	p->sec_ending = p->ending;
	p->sec_ended = false;
	return 0;
}

/* "on VERB [plain|tls]". */
static int parse_on(struct parser *p, const char *s, const char *end)
{
	enum lab_state state = LAB_S_ANY;
	const char *word;
	size_t len = next_word(&s, end, &word);
	int v;

	for (v = 0; v < LAB_V_GREETING; v++)
		if (strlen(verb_names[v]) == len && strncasecmp(word, verb_names[v], len) == 0)
			break;
	if (v == LAB_V_GREETING)
		return fail(p,
		            "on takes EHLO, HELO, STARTTLS, MAIL, RCPT, DATA, DOT, QUIT, "
		            "RSET, NOOP, AUTH or DEFAULT, not '%.*s'",
		            (int)len, word);
	len = next_word(&s, end, &word);
	if (word_is(word, len, "plain"))
		state = LAB_S_PLAIN;
	else if (word_is(word, len, "tls"))
		state = LAB_S_TLS;
	else if (len != 0)
		return fail(p, "on %s takes plain or tls, not '%.*s'", verb_names[v], (int)len,
		            word);
	if (!rest_empty(s, end))
		return fail(p, "too many words after on %s", verb_names[v]);
	return open_section(p, (enum lab_verb)v, state);
}

static int parse_summary(struct parser *p, const char *s, const char *end)
{
	size_t len = (size_t)(end - s), i;

	if (p->sc->summary[0] != '\0')
		return fail(p, "a second summary line");
	if (rest_empty(s, end))
		return fail(p, "the summary is empty");
	if (len >= LAB_SUMMARY_MAX)
		return fail(p, "the summary is over %d bytes", LAB_SUMMARY_MAX - 1);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(p, "control byte in the summary");
	memcpy(p->sc->summary, s, len);
	p->sc->summary[len] = '\0';
	return 0;
}

/* "cert-name TEXT": bytes for the names of the generated certificate. */
static int parse_cert_name(struct parser *p, const char *s, const char *end)
{
	struct lab_scenario *sc = p->sc;
	size_t off = sc->pool_len;

	if (sc->cert_name_set)
		return fail(p, "a second cert-name line");
	if (decode(p, s, end) != 0)
		return -1;
	if (sc->pool_len == off)
		return fail(p, "cert-name needs bytes");
	if (sc->pool_len - off > LAB_CERT_NAME_MAX)
		return fail(p, "cert-name is over %d bytes", LAB_CERT_NAME_MAX);
	sc->cert_name_set = true;
	sc->cert_name_off = off;
	sc->cert_name_len = sc->pool_len - off;
	return 0;
}

static int parse_line(struct parser *p, const char *s, const char *end)
{
	const char *word;
	size_t len;

	while (s < end && is_blank(*s))
		s++;
	if (s == end || *s == '#')
		return 0;
	len = next_word(&s, end, &word);
	if (word_is(word, len, "summary"))
		return parse_summary(p, s, end);
	if (word_is(word, len, "greeting"))
		return rest_empty(s, end) ? open_section(p, LAB_V_GREETING, LAB_S_ANY)
		                          : fail(p, "greeting takes no argument");
	if (word_is(word, len, "on"))
		return parse_on(p, s, end);
	if (word_is(word, len, "ending"))
		return parse_ending(p, s, end, p->sec != NULL ? &p->sec_ending : &p->ending);
	if (word_is(word, len, "cert-name"))
		return parse_cert_name(p, s, end);
	return parse_action(p, word, len, s, end);
}

static int parse_text(struct parser *p, const char *text, size_t len)
{
	const char *s = text, *end = text + len, *eol;

	for (p->line = 1; s < end; p->line++, s = eol + 1) {
		eol = memchr(s, '\n', (size_t)(end - s));
		if (eol == NULL)
			eol = end;
		if (parse_line(p, s, eol) != 0)
			return -1;
	}
	if (p->sc->summary[0] == '\0') {
		p->line = 1;
		return fail(p, "no summary line (summary TEXT)");
	}
	return 0;
}

/* The defaults, in the scenario's line ending; they cannot fail but for memory. */
static int parse_defaults(struct parser *p)
{
	char summary[LAB_SUMMARY_MAX];

	memcpy(summary, p->sc->summary, sizeof summary);
	p->sc->summary[0] = '\0';
	p->name = "defaults";
	p->table = LAB_T_DEFAULT;
	p->sec = NULL;
	if (parse_text(p, defaults_text, sizeof defaults_text - 1) != 0) {
		if (!p->oom)
			abort(); /* the defaults are valid */
		return -1;
	}
	memcpy(p->sc->summary, summary, sizeof summary);
	return 0;
}

struct lab_scenario *lab_scenario_parse(const char *name, const char *text, size_t len, char *err,
                                        size_t errlen)
{
	struct parser p = {.name = name, .table = LAB_T_OWN, .err = err, .errlen = errlen};
	struct lab_scenario *sc = calloc(1, sizeof *sc);

	if (sc == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(sc->name, sizeof sc->name, "%s", name);
	p.sc = sc;
	if (parse_text(&p, text, len) != 0 || parse_defaults(&p) != 0) {
		lab_scenario_free(sc);
		return NULL;
	}
	return sc;
}

void lab_scenario_free(struct lab_scenario *scenario)
{
	if (scenario == NULL)
		return;
	free(scenario->pool);
	free(scenario->act);
	free(scenario);
}

const char *lab_scenario_name(const struct lab_scenario *scenario)
{
	return scenario->name;
}

const char *lab_scenario_summary(const struct lab_scenario *scenario)
{
	return scenario->summary;
}

size_t lab_builtin_count(void)
{
	return lab_nbuiltins;
}

const char *lab_builtin_name(size_t i)
{
	if (i >= lab_nbuiltins)
		abort();
	return lab_builtins[i].name;
}

const char *lab_builtin_summary(size_t i)
{
	if (i >= lab_nbuiltins)
		abort();
	return lab_builtins[i].summary;
}

/* Reads a whole scenario file of at most LAB_FILE_MAX bytes. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	char *buf = malloc(LAB_FILE_MAX + 1);
	ssize_t n = 0;
	int fd;

	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	*len = 0;
	while (fd >= 0 && *len <= LAB_FILE_MAX) {
		n = read(fd, buf + *len, LAB_FILE_MAX + 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	if (fd < 0 || n < 0)
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
	else if (*len > LAB_FILE_MAX)
		snprintf(err, errlen, "%s: over %d bytes", path, LAB_FILE_MAX);
	if (fd >= 0)
		close(fd);
	if (fd < 0 || n < 0 || *len > LAB_FILE_MAX) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct lab_scenario *lab_scenario_open(const char *name_or_path, bool *syntax, char *err,
                                       size_t errlen)
{
	struct lab_scenario *sc;
	size_t i, len;
	char *text;

	*syntax = false;
	for (i = 0; i < lab_nbuiltins; i++)
		if (strcmp(name_or_path, lab_builtins[i].name) == 0)
			break;
	if (i < lab_nbuiltins) {
		sc = lab_scenario_parse(lab_builtins[i].name, lab_builtins[i].text,
		                        lab_builtins[i].len, err, errlen);
		*syntax = sc == NULL && strstr(err, "out of memory") == NULL;
		return sc;
	}
	if (strchr(name_or_path, '/') == NULL && access(name_or_path, F_OK) != 0) {
		snprintf(err, errlen, "no built-in scenario and no file named '%s' (see --list)",
		         name_or_path);
		return NULL;
	}
	text = read_file(name_or_path, &len, err, errlen);
	if (text == NULL)
		return NULL;
	sc = lab_scenario_parse(name_or_path, text, len, err, errlen);
	*syntax = sc == NULL && strstr(err, "out of memory") == NULL;
	free(text);
	return sc;
}

struct lab_scenario *lab_scenario_load(const char *name_or_path, char *err, size_t errlen)
{
	bool syntax;

	return lab_scenario_open(name_or_path, &syntax, err, errlen);
}

enum lab_verb lab_verb_of(const char *line, size_t len)
{
	size_t n = 0;
	int v;

	while (n < len && line[n] != ' ')
		n++;
	for (v = 0; v < LAB_V_DEFAULT; v++)
		if (v != LAB_V_DOT && strlen(verb_names[v]) == n &&
		    strncasecmp(line, verb_names[v], n) == 0)
			return (enum lab_verb)v;
	return LAB_V_DEFAULT;
}

const struct lab_section *lab_section_for(const struct lab_scenario *scenario, enum lab_verb verb,
                                          bool tls)
{
	enum lab_state state = tls ? LAB_S_TLS : LAB_S_PLAIN;
	const struct lab_section *sec;
	int t;

	for (t = 0; t < LAB_T_COUNT; t++) {
		sec = &scenario->sec[t][verb][state];
		if (sec->set)
			return sec;
		sec = &scenario->sec[t][verb][LAB_S_ANY];
		if (sec->set)
			return sec;
	}
	/* The defaults answer every verb in both states. */
	abort();
}

bool lab_scenario_uses_tls(const struct lab_scenario *scenario)
{
	const struct lab_section *sec;
	size_t i;
	int v;

	/* A starttls only plays before TLS, so the plain sections tell. */
	for (v = 0; v < LAB_V_COUNT; v++) {
		sec = lab_section_for(scenario, (enum lab_verb)v, false);
		for (i = 0; i < sec->n; i++)
			if (scenario->act[sec->first + i].kind == LAB_A_STARTTLS)
				return true;
	}
	return false;
}
