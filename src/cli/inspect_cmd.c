/*
 * inspect_cmd.c: the inspector, "smtpscope [options] HOST[:PORT]", and its
 * demo. One poll loop serves the terminal and the connection: keys go to
 * the UI, which asks for commands through its ops; the server's bytes go to
 * the session, whose lines fill the UI's model. Neither ever waits for the
 * other.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/session.h"
#include "inspect.h"
#include "ui/ui.h"

#define INSPECT_TICK_MS 500 /* the status line's clock */
#define INSPECT_DRAW_MS 30  /* at most one full draw in this time while lines pour in */

static volatile sig_atomic_t got_winch;

static void on_winch(int sig)
{
	(void)sig;
	got_winch = 1;
}

/* Now, in ms since the epoch: the time a line came, kept for the transcript. */
static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The status line's times: to the banner, and each EHLO to the last line of its reply. */
static void measure(struct inspect *in, const struct proto_lint_line *line, long long mono)
{
	if (line->dir == PROTO_DIR_CLIENT) {
		if (line->len >= 4 && strncasecmp(line->text, "EHLO", 4) == 0)
			in->ehlo_sent_ms = mono;
		return;
	}
	if (line->dir != PROTO_DIR_SERVER)
		return;
	if (in->model.banner_ms < 0 && in->live.opened_ms > 0)
		in->model.banner_ms = mono - in->live.opened_ms;
	if (in->ehlo_sent_ms > 0 && (line->len < 4 || line->text[3] != '-')) {
		in->model.ehlo_ms = mono - in->ehlo_sent_ms;
		in->ehlo_sent_ms = 0;
	}
}

/*
 * Each line keeps the time it came; 'w' writes that time, not its own. Lines
 * of a session after a reconnect go on from the numbers before it.
 */
static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct inspect *in = ctx;
	struct proto_lint_line numbered = *line;
	long long at = wall_ms(), mono = net_now_ms();

	numbered.n += in->base;
	in->last_ms = mono;
	if (in->idle_warned)
		in->model.message[0] = '\0';
	in->idle_warned = false;
	measure(in, line, mono);
	if (ui_model_add_line(&in->model, &numbered, NULL) != 0)
		snprintf(in->model.message, sizeof in->model.message, "out of memory");
	else
		ui_model_stamp(&in->model, at, mono);
	cli_transcript_line_at(&in->transcript, &numbered, at);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct inspect *in = ctx;

	ui_model_add_finding(&in->model, id, n + in->base);
	cli_transcript_finding(&in->transcript, id, n + in->base);
}

static void on_pending(void *ctx, const char *command)
{
	struct inspect *in = ctx;

	(void)command;
	in->model.pending = proto_session_pending(in->live.session);
}

static const struct live_sink inspect_sink = {on_line, on_finding, on_pending};

/*
 * While the next command waits for the user longer than servers allow
 * (Postfix drops the session after 300 s), says so before the server does.
 */
static void idle_warning(struct inspect *in)
{
	struct proto_session *s = in->live.session;
	long long idle = net_now_ms() - in->last_ms;

	if (in->idle_warned || in->last_ms == 0 || proto_session_over(s) || proto_session_busy(s) ||
	    idle < in->args.idle_warn_ms)
		return;
	in->idle_warned = true;
	snprintf(in->model.message, sizeof in->model.message,
	         "Idle for %lld s: many servers drop a session after 300 s without a command "
	         "(Postfix's smtpd_timeout). ':noop' keeps it alive.",
	         idle / 1000);
}

/* The certificate view's text, once the handshake is over: the one "check" prints. */
static void fill_tls_text(struct inspect *in)
{
	struct cli_out *out;

	if (in->model.tls_text != NULL || !in->live.tls_tried ||
	    proto_session_handshaking(in->live.session))
		return;
	out = malloc(sizeof *out);
	if (out == NULL)
		return;
	cli_out_init(out, -1, false);
	live_tls_text(out, &in->live);
	if (out->error)
		cli_out_str(out, "\n(cut: the text did not fit)\n");
	ui_model_set_tls(&in->model, out->buf, out->len);
	free(out);
}

/* What the raw and certificate views show, from the session and TLS. */
static void fill_views(struct inspect *in)
{
	size_t kept, total;
	const char *bytes = proto_session_discarded(in->live.session, &kept, &total);

	if (total != in->model.discarded_total)
		ui_model_set_discarded(&in->model, bytes, kept, total);
	fill_tls_text(in);
}

/* The server's line still coming, copied (bounded) for the provisional row. */
static void refresh_partial(struct inspect *in)
{
	struct ui_model *m = &in->model;
	size_t len, bytes;
	const char *p = proto_session_partial(in->live.session, &len, &bytes);

	if (bytes == 0) {
		m->partial_bytes = 0;
		return;
	}
	if (m->partial_bytes == 0)
		in->partial_since_ms = net_now_ms();
	m->partial_len = len < sizeof m->partial ? len : sizeof m->partial;
	memcpy(m->partial, p, m->partial_len);
	m->partial_bytes = bytes;
	m->partial_age_ms = net_now_ms() - in->partial_since_ms;
	m->partial_tls = proto_session_tls(in->live.session);
}

/* The status fields of the model, from the session and TLS. */
static void refresh_status(struct inspect *in)
{
	const struct tls_facts *f = &in->live.facts;
	struct proto_session *s = in->live.session;

	idle_warning(in);
	in->model.pending = proto_session_pending(s);
	in->model.confirm = proto_session_confirm_needed(s);
	in->model.busy = proto_session_busy(s);
	in->model.session_open = !proto_session_over(s);
	snprintf(in->model.address, sizeof in->model.address, "%s", in->live.address);
	if (proto_session_over(s) && in->model.ended_ms == 0)
		in->model.ended_ms = net_now_ms();
	in->model.tls_ms = in->live.tls_ms;
	refresh_partial(in);
	if (proto_session_over(s))
		snprintf(in->model.state, sizeof in->model.state, "closed: %s",
		         proto_session_cause(s));
	else if (proto_session_tls(s) && f->established)
		snprintf(in->model.state, sizeof in->model.state, "%s %s", f->version, f->cipher);
	else
		snprintf(in->model.state, sizeof in->model.state, "plaintext");
	if (in->live.tls_tried && f->established)
		snprintf(in->model.verify, sizeof in->model.verify, "%s%.160s",
		         f->verified ? "verified for " : "not verified: ",
		         f->verified ? in->live.host : f->verify_error);
	fill_views(in);
}

/* Says why nothing could be sent (rc -2: a secret kept by --tls-verify). */
static void not_sent(struct inspect *in, int rc)
{
	struct proto_session *s = in->live.session;

	if (rc == -2)
		snprintf(in->model.message, sizeof in->model.message,
		         "Nothing sent: --tls-verify keeps credentials from a server whose "
		         "certificate was not verified.");
	else if (proto_session_over(s))
		snprintf(in->model.message, sizeof in->model.message,
		         "Nothing sent: the session is closed (%s). R reconnects, q quits.",
		         proto_session_cause(s));
	else
		snprintf(in->model.message, sizeof in->model.message,
		         "wait: a command is still waiting for its reply");
}

static void inspect_send(void *ctx, const char *command)
{
	struct inspect *in = ctx;

	int rc = proto_session_send_pending(in->live.session, command);

	if (rc != 0)
		not_sent(in, rc);
}

/* The user said yes: the credentials go over the unverified connection. */
static void ui_confirm(void *ctx)
{
	struct inspect *in = ctx;

	proto_session_confirm(in->live.session);
	inspect_send(ctx, NULL);
}

/* The word after "set " names a setting when it starts with it: "set helo x". */
static const char *setting(const char *text, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(text, "set ", 4) != 0)
		return NULL;
	text += 4 + strspn(text + 4, " ");
	if (strncasecmp(text, name, n) != 0 || (text[n] != ' ' && text[n] != '\0'))
		return NULL;
	return text + n + strspn(text + n, " ");
}

bool inspect_local_command(struct inspect *in, const char *text, char *msg, size_t len)
{
	const char *helo = setting(text, "helo");

	if (helo != NULL) {
		if (proto_session_set_helo(in->live.session, helo) == 0)
			snprintf(msg, len, "EHLO and HELO now give the name %s", helo);
		else
			snprintf(msg, len,
			         "set helo takes one name, without spaces or control "
			         "characters, of at most 255 bytes");
		return true;
	}
	if (strncmp(text, "set ", 4) == 0 || strcmp(text, "set") == 0) {
		snprintf(msg, len, "The settings: set helo NAME (the name of EHLO and HELO)");
		return true;
	}
	return false;
}

static void ui_command(void *ctx, const char *command)
{
	struct inspect *in = ctx;
	int rc;

	if (inspect_local_command(in, command, in->model.message, sizeof in->model.message))
		return;
	rc = proto_session_command(in->live.session, command);
	if (rc != 0)
		not_sent(in, rc);
}

static void ui_skip(void *ctx)
{
	struct inspect *in = ctx;

	if (proto_session_skip(in->live.session) != 0)
		snprintf(in->model.message, sizeof in->model.message,
		         "nothing to skip (QUIT cannot be skipped; 'q' leaves)");
}

static void ui_run(void *ctx)
{
	struct inspect *in = ctx;

	proto_session_run(in->live.session);
}

static void ui_write(void *ctx)
{
	struct inspect *in = ctx;
	bool was_open = in->transcript.fd >= 0;

	if (inspect_write_transcript(in) == 0)
		snprintf(in->model.message, sizeof in->model.message, "%s %.200s",
		         was_open ? "already writing the transcript, line by line, to"
		                  : "transcript written to (and goes on, line by line)",
		         in->transcript_path);
}

/* R: the loop ends this session, and inspect_run opens the next. */
static void ui_reconnect(void *ctx)
{
	struct inspect *in = ctx;

	in->reconnect = true;
}

static const struct ui_ops inspect_ops = {
    .send = inspect_send,
    .command = ui_command,
    .skip = ui_skip,
    .run = ui_run,
    .write_transcript = ui_write,
    .confirm = ui_confirm,
    .reconnect = ui_reconnect,
};

/* Creates smtpscope-DATE-TIME.txt, or -2 to -9 after it, never an existing file. */
static int create_named(struct inspect *in)
{
	char base[64];
	time_t now = time(NULL);
	struct tm tm;
	int i;

	localtime_r(&now, &tm);
	strftime(base, sizeof base, "smtpscope-%Y%m%d-%H%M%S", &tm);
	for (i = 1; i <= 9; i++) {
		if (i == 1)
			snprintf(in->transcript_path, sizeof in->transcript_path, "%s.txt", base);
		else
			snprintf(in->transcript_path, sizeof in->transcript_path, "%s-%d.txt", base,
			         i);
		if (cli_transcript_open(&in->transcript, in->transcript_path, false, false,
		                        in->model.target) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	return -1;
}

int inspect_write_transcript(struct inspect *in)
{
	struct proto_lint_line line;
	size_t i;

	if (in->transcript.fd >= 0)
		return 0;
	if (create_named(in) != 0 && errno == EEXIST) {
		snprintf(in->model.message, sizeof in->model.message,
		         "%.120s and the names before it exist and are kept; press w again in a "
		         "second, or start with --transcript FILE",
		         in->transcript_path);
		return -1;
	}
	if (in->transcript.fd < 0) {
		cli_transcript_why(in->model.message, sizeof in->model.message, &in->transcript,
		                   in->transcript_path, errno);
		return -1;
	}
	for (i = 0; i < in->model.nlines; i++) {
		ui_line_view(&in->model.lines[i], &line);
		cli_transcript_line_at(&in->transcript, &line, in->model.lines[i].at_ms);
	}
	snprintf(in->model.transcript, sizeof in->model.transcript, "%.200s", in->transcript_path);
	return 0;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	cli_interrupt_install();
	cli_interrupt_last_resort(ui_fatal_signal);
	sa.sa_handler = ui_fatal_signal;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Waits for a key, the server or the clock; returns the socket's readiness. */
static bool wait_events(struct inspect *in, bool *keyed)
{
	struct pollfd fds[2];
	int wait = live_wait_ms(&in->live), n = 0, sock = -1;

	fds[n].fd = ui_fd(in->ui);
	fds[n++].events = POLLIN;
	if (!proto_session_over(in->live.session) && live_fd(&in->live) >= 0) {
		sock = n;
		fds[n].fd = live_fd(&in->live);
		fds[n++].events = POLLIN;
	}
	if (wait < 0 || wait > INSPECT_TICK_MS)
		wait = INSPECT_TICK_MS;
	if (poll(fds, (nfds_t)n, wait) < 0)
		return false;
	*keyed = fds[0].revents != 0;
	if (*keyed)
		ui_input(in->ui);
	return sock >= 0 && fds[sock].revents != 0;
}

/*
 * Draws after a key at once, when the socket is quiet, and otherwise at
 * most every INSPECT_DRAW_MS: a server flooding lines is read at full speed
 * instead of a full screen drawn for every read.
 */
static void loop(struct inspect *in)
{
	bool readable = false, keyed = true;
	long long drawn = 0, now;

	while (!ui_done(in->ui) && !live_interrupted(&in->live) && !in->reconnect) {
		now = net_now_ms();
		if (keyed || !readable || now - drawn >= INSPECT_DRAW_MS) {
			refresh_status(in);
			ui_draw(in->ui);
			drawn = now;
		}
		readable = wait_events(in, &keyed);
		if (got_winch) {
			got_winch = 0;
			ui_resize(in->ui);
			keyed = true;
		}
		live_service(&in->live, readable);
	}
}

/*
 * A new session to the same target after R: its lines go on below the old
 * ones, numbered after them, with the EHLO name the user last chose.
 */
static int reconnect(struct inspect *in)
{
	char note[320];

	in->reconnect = false;
	in->base += in->live.last_n;
	snprintf(in->args.helo_buf, sizeof in->args.helo_buf, "%s",
	         proto_session_helo(in->live.session));
	in->args.session.helo = in->args.helo_buf;
	live_free(&in->live);
	if (live_init(&in->live, &in->args, &inspect_sink, in) != 0)
		return -1;
	in->model.started_ms = net_now_ms();
	in->model.ended_ms = 0;
	in->model.banner_ms = in->model.ehlo_ms = in->model.tls_ms = -1;
	in->ehlo_sent_ms = 0;
	ui_model_set_tls(&in->model, NULL, 0);
	ui_model_set_discarded(&in->model, NULL, 0, 0);
	in->model.verify[0] = in->model.message[0] = '\0';
	snprintf(note, sizeof note,
	         "=== reconnecting to %.256s: a new session ===", in->model.target);
	proto_session_info(in->live.session, note);
	return 0;
}

/* Sessions, one after the other while the user reconnects. */
static void run_sessions(struct inspect *in)
{
	for (;;) {
		in->model.lint = proto_session_lint(in->live.session);
		in->model.lint_base = in->base;
		refresh_status(in);
		ui_draw(in->ui);
		/* A connect that failed leaves a closed session: the loop shows it. */
		live_open(&in->live);
		loop(in);
		if (!in->reconnect || ui_done(in->ui) || in->live.signal != 0 || reconnect(in) != 0)
			return;
	}
}

int inspect_run(struct inspect *in)
{
	char err[256];
	unsigned flags = cli_no_color() ? UI_NO_COLOR : 0;
	bool over;

	if (in->args.no_mouse)
		flags |= UI_NO_MOUSE;

	ui_tty_save();
	in->ui = ui_new(&in->model, &inspect_ops, in, flags, err, sizeof err);
	if (in->ui == NULL) {
		fprintf(stderr,
		        "smtpscope: cannot start the inspector: %s\nUse --plain for the "
		        "line mode, or 'smtpscope check' for a report.\n",
		        err);
		return CLI_EXIT_USAGE;
	}
	install_signals();
	run_sessions(in);
	if (in->live.session == NULL) { /* live_init of a reconnect ran out of memory */
		ui_free(in->ui);
		in->ui = NULL;
		fprintf(stderr, "smtpscope: out of memory: no new session could be opened\n");
		return CLI_EXIT_OSERR;
	}
	over = proto_session_over(in->live.session);
	ui_free(in->ui);
	in->ui = NULL;
	if (in->live.signal != 0)
		return inspect_interrupted(in);
	if (over && proto_session_state(in->live.session) == PROTO_S_FAILED)
		fprintf(stderr, "smtpscope: %s\n", proto_session_error(in->live.session));
	if (proto_session_state(in->live.session) == PROTO_S_FAILED)
		return CLI_EXIT_INCOMPLETE;
	return ui_model_errors(&in->model) > 0 ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
}

int inspect_interrupted(struct inspect *in)
{
	fprintf(stderr, "smtpscope: interrupted by %s; the session was closed%s%s\n",
	        cli_signal_name(in->live.signal),
	        in->transcript.fd >= 0 ? ", the transcript is " : "",
	        in->transcript.fd >= 0 ? in->transcript_path : "");
	return CLI_EXIT_SIGNAL + in->live.signal;
}

static void inspect_free(struct inspect *in)
{
	live_free(&in->live);
	cli_transcript_close(&in->transcript);
	ui_model_free(&in->model);
	free(in);
}

int inspect_target(const struct check_args *args, bool plain)
{
	struct inspect *in = calloc(1, sizeof *in);
	const char *target;
	int rc;

	if (in == NULL)
		return CLI_EXIT_OSERR;
	in->args = *args;
	in->args.session.step = true;
	/* The default name lives in args' own buffer: point at the copy's. */
	if (args->session.helo == args->helo_buf)
		in->args.session.helo = in->args.helo_buf;
	if (args->session.auth_secret == args->secret_buf)
		in->args.session.auth_secret = in->args.secret_buf;
	in->transcript.fd = -1;
	ui_model_init(&in->model);
	target = args->mx != NULL ? args->mx : args->target;
	snprintf(in->model.target, sizeof in->model.target, "%s", target);
	in->model.started_ms = net_now_ms();
	if (live_init(&in->live, &in->args, &inspect_sink, in) != 0) {
		inspect_free(in);
		return CLI_EXIT_OSERR;
	}
	if (args->transcript != NULL) {
		if (cli_transcript_open(&in->transcript, args->transcript, false, args->force,
		                        target) != 0) {
			char why[512];

			cli_transcript_why(why, sizeof why, &in->transcript, args->transcript,
			                   errno);
			fprintf(stderr, "smtpscope: %s\n", why);
			inspect_free(in);
			return CLI_EXIT_CANTCREAT;
		}
		snprintf(in->transcript_path, sizeof in->transcript_path, "%s", args->transcript);
		snprintf(in->model.transcript, sizeof in->model.transcript, "%.200s",
		         args->transcript);
	}
	rc = plain ? inspect_plain(in) : inspect_run(in);
	inspect_free(in);
	return rc;
}

int cli_inspect(int argc, char **argv)
{
	struct check_args args;
	char *rest[256];
	bool plain = false;
	int i, n = 0, rc;

	for (i = 0; i < argc && n < 255; i++) {
		if (strcmp(argv[i], "--plain") == 0)
			plain = true;
		else
			rest[n++] = argv[i];
	}
	rest[n] = NULL;
	check_default_args(&args);
	args.prog = "smtpscope";
	rc = check_parse_args(n, rest, &args);
	if (rc != 0)
		return rc < 0 ? cli_stdout_flush("smtpscope") : rc;
	return inspect_target(&args, plain);
}
