/*
 * bounded_text.c: bounded texts for the fixed buffers of facts and errors.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_int.h"

void tls_text_init(struct tls_text *t, char *buf, size_t cap)
{
	if (buf == NULL || cap == 0)
		abort();
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	t->clipped = false;
	buf[0] = '\0';
}

void tls_text_addn(struct tls_text *t, const char *p, size_t n)
{
	size_t room = t->cap - 1 - t->len;

	if (n > room) {
		n = room;
		t->clipped = true;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

void tls_text_add(struct tls_text *t, const char *s)
{
	tls_text_addn(t, s, strlen(s));
}

void tls_text_addf(struct tls_text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tls_text_vaddf(t, fmt, ap);
	va_end(ap);
}

void tls_text_vaddf(struct tls_text *t, const char *fmt, va_list ap)
{
	size_t room = t->cap - t->len;
	int n;

	n = vsnprintf(t->buf + t->len, room, fmt, ap);
	if (n < 0) {
		t->buf[t->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		t->len = t->cap - 1;
		t->clipped = true;
	} else {
		t->len += (size_t)n;
	}
}

void tls_text_bytes(struct tls_text *t, const unsigned char *p, size_t n)
{
	const unsigned char *nul;

	while (n > 0) {
		nul = memchr(p, '\0', n);
		if (nul == NULL) {
			tls_text_addn(t, (const char *)p, n);
			return;
		}
		tls_text_addn(t, (const char *)p, (size_t)(nul - p));
		tls_text_add(t, "\\x00");
		n -= (size_t)(nul - p) + 1;
		p = nul + 1;
	}
}

void tls_text_sep(struct tls_text *t, size_t start)
{
	if (t->len > start)
		tls_text_add(t, "; ");
}

void tls_text_finish(struct tls_text *t)
{
	size_t dots = t->cap > 4 ? 3 : t->cap - 1;

	if (!t->clipped)
		return;
	memset(t->buf + t->cap - 1 - dots, '.', dots);
	t->buf[t->cap - 1] = '\0';
}

void tls_put_error(char *err, size_t errlen, const char *fmt, ...)
{
	struct tls_text t;
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	tls_text_init(&t, err, errlen);
	va_start(ap, fmt);
	tls_text_vaddf(&t, fmt, ap);
	va_end(ap);
	tls_text_finish(&t);
}

bool tls_is_ip(const char *s)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}
