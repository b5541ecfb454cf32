/*
 * lab_int.h: what the lab's files share: the parsed scenario, its sections
 * and actions, and the table of built-in scenarios made by CMake from
 * src/lab/scenarios/NAME.scn.
 */
#ifndef SMTPSCOPE_LAB_INTERNAL_H
#define SMTPSCOPE_LAB_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lab/lab.h"
#include "proto/auth.h"

#define LAB_FILE_MAX      (1024 * 1024) /* bytes of a scenario file */
#define LAB_SUMMARY_MAX   256           /* bytes of a summary, with its NUL */
#define LAB_NAME_MAX      256           /* bytes of a scenario name, with its NUL */
#define LAB_REPEAT_MAX    1000000000ul  /* repetitions of one repeat */
#define LAB_DELAY_MAX     600000u       /* ms of one delay */
#define LAB_DRIBBLE_MAX   60000u        /* ms between two dribbled bytes */
#define LAB_CERT_NAME_MAX 256           /* bytes of a cert-name */

#define LAB_AUTH_FIELD_MAX     256 /* bytes of the user name or password of "auth" */
#define LAB_AUTH_CHALLENGE_MAX 128 /* bytes of a challenge before its base64 */

/* What a section answers: a command verb, the greeting, or anything else. */
enum lab_verb {
	LAB_V_EHLO,
	LAB_V_HELO,
	LAB_V_STARTTLS,
	LAB_V_MAIL,
	LAB_V_RCPT,
	LAB_V_DATA,
	LAB_V_DOT, /* the end of the message body */
	LAB_V_QUIT,
	LAB_V_RSET,
	LAB_V_NOOP,
	LAB_V_AUTH,
	LAB_V_DEFAULT, /* any other command */
	LAB_V_GREETING,
	LAB_V_COUNT
};

/* When a section applies: in both states, before TLS, or inside TLS. */
enum lab_state { LAB_S_ANY, LAB_S_PLAIN, LAB_S_TLS, LAB_S_COUNT };

enum lab_act_kind {
	LAB_A_BYTES,    /* pool bytes, count times */
	LAB_A_DELAY,    /* wait ms */
	LAB_A_DRIBBLE,  /* from here on, one byte every ms (0: at once) */
	LAB_A_STARTTLS, /* the server side of the TLS handshake */
	LAB_A_BODY,     /* read a message body, then play "on DOT" */
	LAB_A_CLOSE,    /* close the connection */
	LAB_A_AUTH,     /* the server side of the AUTH exchange (auth_server.c) */
	LAB_A_RESET,    /* close the connection with a TCP RST */
};

struct lab_action {
	enum lab_act_kind kind;
	unsigned long count; /* LAB_A_BYTES: repetitions */
	size_t off, len;     /* LAB_A_BYTES: bytes in the pool; LAB_A_AUTH: the user name,
	                        its password of count bytes right after it */
	unsigned ms;         /* LAB_A_DELAY, LAB_A_DRIBBLE */
};

struct lab_section {
	bool set;
	bool sasl;     /* the reply starts with 334: the next line is a SASL response */
	unsigned line; /* of its header, for messages */
	size_t first;  /* index of its first action */
	size_t n;      /* actions */
};

/* Section tables: the scenario's own, then the defaults it falls back on. */
enum { LAB_T_OWN, LAB_T_DEFAULT, LAB_T_COUNT };

struct lab_scenario {
	char name[LAB_NAME_MAX];
	char summary[LAB_SUMMARY_MAX];
	char *pool; /* decoded bytes of every action */
	size_t pool_len, pool_cap;
	struct lab_action *act;
	size_t nact, act_cap;
	struct lab_section sec[LAB_T_COUNT][LAB_V_COUNT][LAB_S_COUNT];
	bool cert_name_set; /* cert-name: bytes for the generated certificate's names */
	size_t cert_name_off, cert_name_len; /* in the pool */
};

/* The verb of a client command line (first word, any case); LAB_V_DEFAULT if none. */
enum lab_verb lab_verb_of(const char *line, size_t len);
/* The section that answers verb in the given TLS state; never NULL. */
const struct lab_section *lab_section_for(const struct lab_scenario *scenario, enum lab_verb verb,
                                          bool tls);
/* True when some section of the scenario starts TLS. */
bool lab_scenario_uses_tls(const struct lab_scenario *scenario);

/* A connection served to its end, in a thread of its own (pool.c). */
struct lab_session {
	const struct lab_scenario *scenario;
	struct tls_server_ctx *tls_ctx;
	int log_fd; /* the command log, opened O_APPEND, or -1; one write(2) per line */
	const volatile sig_atomic_t *stop;
	const atomic_bool *halt; /* the server's own stop: set when lab_server_run ends */
	int fd;                  /* accepted, non-blocking; closed by lab_session_serve */
	long long idle_ms;       /* a client silent this long is dropped */
	long long deadline;      /* net_now_ms() at which the connection is cut */
	long long session_ms;    /* the session timeout, for the message at the deadline */
};

void lab_session_serve(const struct lab_session *session);

/* The connections played at once: a slot and a thread for each (pool.c). */
struct lab_pool;

/* A pool of n slots; NULL when out of memory. */
struct lab_pool *lab_pool_new(size_t n);
/*
 * Plays session in a thread of its own. False when every slot is taken or
 * no thread can be made: the caller keeps session->fd.
 */
bool lab_pool_start(struct lab_pool *pool, const struct lab_session *session);
/* Joins the threads whose connection has ended, freeing their slots. */
void lab_pool_reap(struct lab_pool *pool);
/* Waits for every thread; their sessions must have been told to stop. */
void lab_pool_join(struct lab_pool *pool);
void lab_pool_free(struct lab_pool *pool);

/* One AUTH exchange of the lab (RFC 4954), against the scenario's credentials. */
struct lab_auth {
	enum proto_auth_mech mech;
	unsigned step; /* responses taken */
	bool user_ok;  /* LOGIN: the user name matched */
	const char *user, *password;
	size_t user_len, password_len;
	char challenge[LAB_AUTH_CHALLENGE_MAX]; /* CRAM-MD5's, as sent before base64 */
	size_t challenge_len;
};

/*
 * Starts the exchange for the client's AUTH line: writes the reply, CR LF
 * included, into out. Returns true while it goes on (a 334 was written and
 * the client's next line is a response for lab_auth_response).
 */
bool lab_auth_start(struct lab_auth *auth, const char *user, size_t user_len, const char *password,
                    size_t password_len, const char *line, size_t len, char *out, size_t cap);
bool lab_auth_response(struct lab_auth *auth, const char *line, size_t len, char *out, size_t cap);

/* One built-in scenario, from src/lab/scenarios/NAME.scn (generated source). */
struct lab_builtin {
	const char *name;
	const char *text;
	size_t len;
	const char *summary; /* the text after "summary " */
};

extern const struct lab_builtin lab_builtins[];
extern const size_t lab_nbuiltins;

#endif
