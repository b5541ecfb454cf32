/*
 * lab.h: the scripted SMTP server. It plays a scenario -- greeting, replies
 * per command, raw bytes, delays, STARTTLS, injected bytes -- on a loopback
 * socket, for teaching, demos and smtpscope's own tests. The scenario file
 * format is described in docs/scenario-format.md.
 */
#ifndef SMTPSCOPE_LAB_H
#define SMTPSCOPE_LAB_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct lab_scenario;

/* Parses a scenario; NULL with err filled ("file:line: what") on failure. */
struct lab_scenario *lab_scenario_parse(const char *name, const char *text, size_t len, char *err,
                                        size_t errlen);
/* A built-in scenario by name, or else a scenario file by path. */
struct lab_scenario *lab_scenario_load(const char *name_or_path, char *err, size_t errlen);
/*
 * Like lab_scenario_load; on failure *syntax tells a syntax error (true)
 * from an unknown name or an unreadable file (false).
 */
struct lab_scenario *lab_scenario_open(const char *name_or_path, bool *syntax, char *err,
                                       size_t errlen);
void lab_scenario_free(struct lab_scenario *scenario);
const char *lab_scenario_name(const struct lab_scenario *scenario);
const char *lab_scenario_summary(const struct lab_scenario *scenario);

/* The scenarios compiled into the binary. */
size_t lab_builtin_count(void);
const char *lab_builtin_name(size_t i);
const char *lab_builtin_summary(size_t i);

struct lab_config {
	const char *listen;    /* address to bind; NULL: 127.0.0.1 */
	unsigned short port;   /* 0: any free port */
	bool once;             /* serve one connection, then return */
	const char *cert_file; /* PEM; NULL: a certificate made in memory */
	const char *key_file;
	const char *hostname; /* name in the generated certificate; NULL: localhost */
	const char *log_file; /* one line per command received; NULL: none */
	const char *tls_max;  /* "1.0" to "1.3": the highest TLS version offered; NULL: OpenSSL's */
	unsigned max_clients; /* connections served at once; 0: LAB_CLIENTS_DEFAULT */
	unsigned idle_timeout;    /* s a client may stay silent; 0: LAB_IDLE_DEFAULT */
	unsigned session_timeout; /* s a connection may last; 0: LAB_SESSION_DEFAULT */
};

#define LAB_CLIENTS_DEFAULT 256   /* connections served at once */
#define LAB_CLIENTS_MAX     4096  /* the most max_clients may ask */
#define LAB_IDLE_DEFAULT    120   /* s of silence before a client is dropped */
#define LAB_SESSION_DEFAULT 300   /* s a connection may last, whatever it does */
#define LAB_TIMEOUT_MAX     86400 /* the most either timeout may ask, in s */

struct lab_server;

/* Why the server could not start. */
enum lab_fail {
	LAB_FAIL_NONE,
	LAB_FAIL_ADDRESS, /* the listen address is not an IP address */
	LAB_FAIL_CERT,    /* the certificate or key given is unusable */
	LAB_FAIL_BIND,    /* the address cannot be bound */
	LAB_FAIL_SYSTEM,  /* out of memory, no socket, TLS cannot be set up */
	LAB_FAIL_LOG,     /* the command log cannot be opened */
};

#define LAB_ERROR_MAX 512 /* bytes of a lab_error's text, with its NUL */

struct lab_error {
	enum lab_fail fail;
	char text[LAB_ERROR_MAX]; /* "cannot bind 127.0.0.1 port 25: Permission denied" */
};

/* Binds and listens; NULL with error filled on failure. */
struct lab_server *lab_server_start(const struct lab_scenario *scenario,
                                    const struct lab_config *config, struct lab_error *error);
/* "127.0.0.1:2525" or "[::1]:2525", as bound. */
const char *lab_server_address(const struct lab_server *server);
unsigned lab_server_port(const struct lab_server *server);
/*
 * Serves connections until *stop becomes non-zero (checked at least every
 * 100 ms) or, with once, after the first connection. Up to max_clients
 * connections are played at once, each in a thread of its own; a client
 * beyond them gets a 421 and is closed. Every connection has ended when it
 * returns 0, or -1 on a fatal error.
 */
int lab_server_run(struct lab_server *server, const volatile sig_atomic_t *stop);
void lab_server_free(struct lab_server *server);

/*
 * lab_server_run in a thread of the calling process, for a process that
 * plays the server and the client at once (demo); NULL when no thread could
 * start. lab_background_stop stops the server as *stop would, waits for the
 * thread and returns what lab_server_run returned. The server is still the
 * caller's to free, after the stop.
 */
struct lab_background;
struct lab_background *lab_background_start(struct lab_server *server);
int lab_background_stop(struct lab_background *background);

#endif
