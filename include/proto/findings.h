/*
 * findings.h: the one catalogue of findings, with stable ids.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_FINDINGS_H
#define SMTPSCOPE_PROTO_FINDINGS_H

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

#endif
