/*
 * check.h: the parts of "smtpscope check" (and "demo --batch", which runs
 * it against the lab server in the same process).
 */
#ifndef SMTPSCOPE_CHECK_H
#define SMTPSCOPE_CHECK_H

#include "cli.h"
#include "proto/auth.h"
#include "proto/session.h"

struct check_args {
	const char *prog;     /* the command, for messages: "smtpscope check", "smtpscope" */
	const char *target;   /* HOST[:PORT], or NULL with mx */
	const char *mx;       /* DOMAIN whose MX hosts are tried */
	const char *resolver; /* ADDR[:PORT] of a DNS server, or NULL */
	const char *port;     /* --port: instead of 25 (465 with TLS on connect) */
	const char *data_file;
	const char *sni;
	const char *ca_file;
	const char *color;
	const char *transcript;
	const char *transcript_json;
	int family;
	int timeout_ms;
	int idle_warn_ms; /* the inspector warns when the next command waited this long */
	bool tls_verify;
	bool tls_legacy; /* --tls-legacy: security level 0, TLS 1.0 and 1.1 allowed */
	bool json;
	bool force;
	bool no_mouse; /* --no-mouse: the inspector leaves the mouse to the terminal */
	struct proto_session_config session;
	char helo_buf[256];
	const char *auth_password_file; /* the AUTH secret's file: its first line */
	/* The AUTH secret, copied out of argv (which is blanked) or read from the file. */
	char secret_buf[PROTO_AUTH_FIELD_MAX + 1];
};

void check_default_args(struct check_args *args);
/* Returns 0, -1 after --help, or an exit code. */
int check_parse_args(int argc, char **argv, struct check_args *args);
/* Runs the whole check; returns the exit code. */
int check_run(struct check_args *args);

#endif
