/*
 * ehlo.c: the EHLO reply analyser. It reads each line of an EHLO reply by
 * the grammar of RFC 5321 §4.1.1.1 (and names the same parts in RFC 1869
 * §4.3's older words):
 *
 *   ehlo-ok-rsp  = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
 *                / ( "250-" Domain [ SP ehlo-greet ] CRLF
 *                    *( "250-" ehlo-line CRLF )
 *                    "250" SP ehlo-line CRLF )
 *   ehlo-line    = ehlo-keyword *( SP ehlo-param )
 *   ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
 *   ehlo-param   = 1*(%d33-126)
 */
#include <string.h>
#include <strings.h>

#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/reply.h"
#include "proto_int.h"

/* Registered and common extension keywords, for line 1 checks. */
static const char *const known_keywords[] = {
    "8BITMIME",     "ATRN",        "AUTH",          "BINARYMIME",
    "BURL",         "CHECKPOINT",  "CHUNKING",      "CONNEG",
    "CONPERM",      "DELIVERBY",   "DSN",           "ENHANCEDSTATUSCODES",
    "ETRN",         "EXPN",        "FUTURERELEASE", "HELP",
    "LIMITS",       "MT-PRIORITY", "MTRK",          "NO-SOLICITING",
    "ONEX",         "PIPELINING",  "REQUIRETLS",    "RRVS",
    "SAML",         "SEND",        "SIZE",          "SMTPUTF8",
    "SOML",         "STARTTLS",    "SUBMITTER",     "TURN",
    "UTF8SMTP",     "VERB",        "VRFY",          "X-EXPS",
    "X-LINK2STATE", "XCLIENT",     "XEXCH50",       "XFORWARD",
    "XUSR",
};

static bool is_digit(int c)
{
	return (unsigned)(c - '0') < 10;
}

/* Keyword bytes: 1 for ALPHA / DIGIT, 2 for "-". */
#define KW_LET_DIG  1
#define KW_HYPHEN   2
#define ROW_LETTERS 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char kw_class[256] = {
    [0x2d] = KW_HYPHEN,   [0x30] = 1,           1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x40] = ROW_LETTERS, [0x60] = ROW_LETTERS,
};

static bool is_let_dig(int c)
{
	return kw_class[(unsigned char)c] == KW_LET_DIG;
}

/* The high bit of each byte of w that is not a letter, a digit or "-" (exact, byte by byte). */
static inline uint64_t word_not_keyword(uint64_t w)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones << 7;
	/* Each sum stays below 0x100 in its byte: no carry crosses into the next. */
	uint64_t x = w & ~highs, y = x | ones * 0x20, hy = x ^ ones * '-';
	uint64_t alpha = (y + ones * (0x80 - 'a')) & ~(y + ones * (0x7f - 'z'));
	uint64_t digit = (x + ones * (0x80 - '0')) & ~(x + ones * (0x7f - '9'));
	uint64_t hyphen = ~(hy + ones * 0x7f);

	return (~(alpha | digit | hyphen) & highs) | (w & highs);
}

/*
 * Length of the leading run of letters, digits and "-" in the len bytes at
 * p. On a little-endian machine it reads eight bytes at a time while eight
 * remain, and counts the bytes below the first that stops the run with a
 * multiply; the rest, one byte at a time. Nothing past p + len is read.
 */
static size_t keyword_run(const char *p, size_t len)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint16_t probe = 1;
	unsigned char little;
	uint64_t w, stop;
	size_t i = 0;

	memcpy(&little, &probe, 1);
	for (; little && i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		stop = word_not_keyword(w);
		if (stop != 0)
			return i + (size_t)(((((stop - 1) & ones) * ones) >> 56) - 1);
	}
	while (i < len && kw_class[(unsigned char)p[i]] != 0)
		i++;
	return i;
}

static int upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* True when text equals word, ignoring case; word is in upper case. */
static bool span_is(const char *text, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (word[i] == '\0' || upper((unsigned char)text[i]) != word[i])
			return false;
	return word[len] == '\0';
}

static bool is_known_keyword(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof known_keywords / sizeof known_keywords[0]; i++)
		if (span_is(text, len, known_keywords[i]))
			return true;
	return false;
}

/* sub-domain = Let-dig [Ldh-str], labels joined by dots. */
static bool is_dotted_name(const char *p, size_t len)
{
	size_t i, label = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '.') {
			if (label == 0 || p[i - 1] == '-')
				return false;
			label = 0;
		} else if (is_let_dig(p[i]) || (p[i] == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return label > 0 && p[len - 1] != '-';
}

static bool is_ipv4(const char *p, size_t len)
{
	unsigned parts = 0, value = 0, digits = 0;
	size_t i;

	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == '.') {
			if (digits == 0 || value > 255)
				return false;
			parts++;
			value = digits = 0;
		} else if (is_digit(p[i]) && digits < 3) {
			value = value * 10 + (unsigned)(p[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	return parts == 4;
}

/* Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig, the Standardized-tag of §4.1.3. */
static bool is_ldh_str(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_let_dig(p[i]) && p[i] != '-')
			return false;
	return len > 0 && is_let_dig(p[len - 1]);
}

/* "[" IPv4 / "IPv6:" address / tag ":" dcontent "]", checked loosely for IPv6. */
static bool is_address_literal(const char *p, size_t len)
{
	size_t i, colon = 0;

	if (len < 3 || p[0] != '[' || p[len - 1] != ']')
		return false;
	p++;
	len -= 2;
	if (is_ipv4(p, len))
		return true;
	for (i = 0; i < len && colon == 0; i++)
		if (p[i] == ':')
			colon = i;
	if (colon == 0 || colon + 1 == len || !is_ldh_str(p, colon))
		return false;
	for (i = colon + 1; i < len; i++)
		if (p[i] < 33 || p[i] > 126 || p[i] == '[' || p[i] == '\\' || p[i] == ']')
			return false;
	return true;
}

bool proto_is_domain(const char *text, size_t len)
{
	return len > 0 && (is_dotted_name(text, len) || is_address_literal(text, len));
}

bool proto_is_ehlo_keyword(const char *text, size_t len)
{
	size_t i;

	if (len == 0 || !is_let_dig(text[0]))
		return false;
	for (i = 1; i < len; i++)
		if (!is_let_dig(text[i]) && text[i] != '-')
			return false;
	return true;
}

void proto_ehlo_begin(struct proto_ehlo *ehlo, bool tls)
{
	ehlo->tls = tls;
	ehlo->starttls = false;
	ehlo->nlines = 0;
	ehlo->nkeywords = 0;
}

static struct proto_span mkspan(size_t off, size_t len)
{
	struct proto_span span = {(uint32_t)off, (uint32_t)len};

	return span;
}

/* Length of the leading run of bytes not in stop (one to three bytes). */
static size_t run_until(const char *p, size_t len, const char *stop)
{
	const char *hit;

	/* A memchr for each stop byte, each within the run the one before left: wide compares. */
	for (; *stop != '\0' && len > 0; stop++) {
		hit = memchr(p, *stop, len);
		if (hit != NULL)
			len = (size_t)(hit - p);
	}
	return len;
}

/*
 * Notes STARTTLS in any line and any form: the leading run of keyword
 * characters. Eight letters spelling it make a run of exactly eight when
 * the byte after them is not a keyword character.
 */
static void note_starttls(struct proto_ehlo *ehlo, const char *body, size_t len)
{
	if (ehlo->starttls || len < 8 || !proto_letters_eq(body, "STARTTLS", 8))
		return;
	if (len == 8 || kw_class[(unsigned char)body[8]] == 0)
		ehlo->starttls = true;
}

/* Line 1: Domain [SP ehlo-greet], or the keyword that took its place. */
static void greeting_line(const struct proto_ehlo *ehlo, const char *text, size_t off, size_t len,
                          struct proto_ehlo_line *out, proto_emit_fn emit, void *ctx,
                          unsigned index)
{
	const char *body = text + off;
	size_t head = run_until(body, len, " ");
	size_t word = run_until(body, head, "\t=");

	out->head = mkspan(off, head);
	if (head < len)
		out->rest = mkspan(off + head + 1, len - head - 1);
	out->production_1869 = "domain [ SP greeting ]";
	if (span_is(body, word, "STARTTLS")) {
		out->role = PROTO_ROLE_MISORDERED_STARTTLS;
		out->production = "Domain [ SP ehlo-greet ] -- holding the keyword STARTTLS";
		emit(ctx, PROTO_F_STARTTLS_BEFORE_GREETING, index);
		if (ehlo->tls)
			emit(ctx, PROTO_F_STARTTLS_AFTER_TLS, index);
	} else if (memchr(body, '.', word) == NULL && is_known_keyword(body, word)) {
		out->role = PROTO_ROLE_MISORDERED_KEYWORD;
		out->production = "Domain [ SP ehlo-greet ] -- holding an ehlo-keyword";
		emit(ctx, PROTO_F_KEYWORD_BEFORE_GREETING, index);
	} else if (proto_is_domain(body, head)) {
		out->role = PROTO_ROLE_GREETING;
		out->production = body[0] == '[' ? "address-literal [ SP ehlo-greet ]"
		                                 : "Domain [ SP ehlo-greet ]";
		/* ehlo-greet is one or more characters: "Domain SP" alone is invalid. */
		if (head + 1 == len)
			emit(ctx, PROTO_F_TRAILING_WHITESPACE, index);
	} else {
		out->role = PROTO_ROLE_MALFORMED;
		out->production = "none: not a Domain [ SP ehlo-greet ]";
		emit(ctx, PROTO_F_GREETING_NOT_DOMAIN, index);
	}
}

/* Remembers a keyword by its hash; true when it was already there. */
static bool seen_before(struct proto_ehlo *ehlo, uint64_t hash)
{
	unsigned i;

	for (i = 0; i < ehlo->nkeywords; i++)
		if (ehlo->keyword[i] == hash)
			return true;
	if (ehlo->nkeywords < PROTO_EHLO_KEYWORDS)
		ehlo->keyword[ehlo->nkeywords++] = hash;
	return false;
}

/* Splits *(SP ehlo-param); returns the finding it earns, or PROTO_F_COUNT. */
static enum proto_finding_id parse_params(const char *text, size_t off, size_t len,
                                          struct proto_ehlo_line *out)
{
	enum proto_finding_id bad = PROTO_F_COUNT;
	size_t i = off, start;

	if (len > off && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		bad = PROTO_F_TRAILING_WHITESPACE;
	while (len > off && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	while (i < len) {
		if (text[i] != ' ')
			bad = PROTO_F_INVALID_EHLO_PARAM;
		start = ++i;
		for (; i < len && text[i] != ' '; i++)
			if ((unsigned char)text[i] < 33 || (unsigned char)text[i] > 126)
				bad = PROTO_F_INVALID_EHLO_PARAM;
		if (i == start)
			bad = PROTO_F_INVALID_EHLO_PARAM;
		if (out->nparams < PROTO_EHLO_PARAMS)
			out->param[out->nparams] = mkspan(start, i - start);
		out->nparams++;
	}
	if (len > off)
		out->rest = mkspan(off + 1, len - off - 1);
	return bad;
}

static void starttls_checks(const struct proto_ehlo *ehlo, const char *kw,
                            const struct proto_ehlo_line *out, proto_emit_fn emit, void *ctx,
                            unsigned index)
{
	if (ehlo->tls)
		emit(ctx, PROTO_F_STARTTLS_AFTER_TLS, index);
	if (out->nparams > 0)
		emit(ctx, PROTO_F_STARTTLS_WITH_PARAMETERS, index);
	if (memcmp(kw, "STARTTLS", 8) != 0)
		emit(ctx, PROTO_F_STARTTLS_NOT_UPPERCASE, index);
}

/*
 * The hash of a keyword for the duplicate check: FNV-1a over its eight-byte
 * words, the last one padded with zeros, the length mixed in first; avail:
 * the bytes of the line from kw on, which a word may be read from.
 * Clearing bit 0x20 of every byte folds case and keeps digits and "-" apart
 * from letters (and from the zero padding). A keyword of up to eight bytes
 * cannot collide with another: each step is a bijection of its word.
 */
static uint64_t keyword_hash(const char *kw, size_t len, size_t avail)
{
	const uint64_t fold = ~UINT64_C(0x2020202020202020);
	uint64_t hash = 0xcbf29ce484222325u ^ len, w = 0;
	size_t i, j;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, kw + i, 8);
		hash = (hash ^ (w & fold)) * 0x100000001b3u;
	}
	if (i == len)
		return hash;
	/* The tail: a whole word when the line goes on that far, its bytes past len cleared. */
	if (avail - i >= 8) {
		memcpy(&w, kw + i, 8);
		w &= ~UINT64_C(0) >> (8 * (8 - (len - i)));
	} else {
		for (j = 0, w = 0; j < len - i; j++)
			w |= (uint64_t)(unsigned char)kw[i + j] << (8 * j);
	}
	return (hash ^ (w & fold)) * 0x100000001b3u;
}

/* Lines 2 and later: ehlo-keyword *(SP ehlo-param). */
static void keyword_line(struct proto_ehlo *ehlo, const char *text, size_t off, size_t len,
                         struct proto_ehlo_line *out, proto_emit_fn emit, void *ctx, unsigned index)
{
	const char *kw = text + off;
	size_t kwlen = 0, end = off + len;
	enum proto_finding_id bad;
	bool starttls;

	/* The keyword: a letter or digit, then letters, digits and "-". */
	if (len > 0 && kw_class[(unsigned char)kw[0]] == KW_LET_DIG)
		kwlen = keyword_run(kw, len);
	starttls = kwlen == 8 && proto_letters_eq(kw, "STARTTLS", 8);
	if (starttls)
		ehlo->starttls = true;
	out->head = mkspan(off, kwlen);
	out->production_1869 = "ehlo-line";
	if (kwlen > 0 && kwlen < len && kw[kwlen] == '=' && span_is(kw, kwlen, "AUTH")) {
		out->role = PROTO_ROLE_EHLO_LINE;
		out->production = "none: pre-standard AUTH=mechanisms, not an ehlo-line";
		out->rest = mkspan(off + kwlen + 1, len - kwlen - 1);
		emit(ctx, PROTO_F_LEGACY_AUTH_EQUALS, index);
		return;
	}
	if (kwlen == 0 || (kwlen < len && kw[kwlen] != ' ' && kw[kwlen] != '\t')) {
		size_t word = run_until(kw, len, " ");

		out->role = PROTO_ROLE_MALFORMED;
		out->head = mkspan(off, word);
		if (kwlen < len && out->stop.len == 0)
			out->stop = mkspan(off + kwlen, 1);
		out->production = proto_is_domain(kw, word) && memchr(kw, '.', word)
		                      ? "none: a Domain, which belongs on line 1"
		                      : "none: not a valid ehlo-keyword";
		emit(ctx, PROTO_F_INVALID_EHLO_KEYWORD, index);
		return;
	}
	out->role = PROTO_ROLE_EHLO_LINE;
	out->production = "ehlo-line = ehlo-keyword *( SP ehlo-param )";
	bad = parse_params(text, off + kwlen, end, out);
	if (bad != PROTO_F_COUNT)
		emit(ctx, bad, index);
	if (starttls)
		starttls_checks(ehlo, kw, out, emit, ctx, index);
	if (seen_before(ehlo, keyword_hash(kw, kwlen, len)))
		emit(ctx, PROTO_F_DUPLICATE_KEYWORD, index);
}

void proto_ehlo_line(struct proto_ehlo *ehlo, const char *text, size_t len, unsigned flags,
                     struct proto_ehlo_line *out, proto_emit_fn emit, void *ctx)
{
	unsigned index = ehlo->nlines++;
	size_t off;

	/* Field by field: params past nparams are never read. */
	out->head = out->rest = out->stop = mkspan(0, 0);
	out->nparams = 0;
	out->code = mkspan(0, len < 3 ? len : 3);
	if (flags & PROTO_L_BAD_CODE) {
		out->role = PROTO_ROLE_MALFORMED;
		out->production = "none: not a reply line";
		out->production_1869 = "none";
		return;
	}
	/* Every line of ehlo-ok-rsp starts with the literal "250". */
	if (len < 3 || memcmp(text, "250", 3) != 0)
		out->stop = out->code;
	off = len > 3 && (text[3] == ' ' || text[3] == '-') ? 4 : 3;
	if (off > len)
		off = len;
	if (index == 0) {
		note_starttls(ehlo, text + off, len - off);
		greeting_line(ehlo, text, off, len - off, out, emit, ctx, index);
	} else {
		keyword_line(ehlo, text, off, len - off, out, emit, ctx, index);
	}
}

void proto_banner_line(const char *text, size_t len, bool first, struct proto_banner *out)
{
	size_t off = len > 3 && (text[3] == ' ' || text[3] == '-') ? 4 : len < 3 ? len : 3;
	size_t word = first ? run_until(text + off, len - off, " ") : 0;
	size_t rest = off + word + (first && off + word < len ? 1 : 0);

	out->code = mkspan(0, len < 3 ? len : 3);
	out->domain = mkspan(off, word);
	out->text = mkspan(rest, len - rest);
	out->domain_ok = first && proto_is_domain(text + off, word);
}

void proto_ehlo_end(struct proto_ehlo *ehlo, unsigned first, proto_emit_fn emit, void *ctx)
{
	if (!ehlo->starttls && !ehlo->tls && ehlo->nlines > 0)
		emit(ctx, PROTO_F_NO_STARTTLS, first);
}
