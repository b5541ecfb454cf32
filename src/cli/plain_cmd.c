/*
 * plain_cmd.c: the line mode of the inspector (--plain), for screen readers
 * and dumb terminals: the same annotations as "check", printed as lines
 * come, and a libedit prompt before each planned command.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "proto/clients.h"
#include "proto/escape.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/session.h"
#include "inspect.h"

struct plain {
	struct inspect *in;
	struct cli_report report;
	struct ui_prompt *prompt;
};

static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct plain *p = ctx;

	cli_report_line(&p->report, line);
	cli_transcript_line(&p->in->transcript, line);
	cli_out_flush(&p->report.out);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct plain *p = ctx;

	cli_report_finding(&p->report, id, n);
	cli_transcript_finding(&p->in->transcript, id, n);
}

static const struct live_sink plain_sink = {on_line, on_finding, NULL};

/* The answers at the prompt: the inspector's keymap, as --plain takes them. */
static void print_help(void)
{
	char help[2048];

	ui_plain_help(help, sizeof help);
	fputs(help, stdout);
	fputs("  :explain ID     the full text of a finding (its docs/findings.md entry)\n"
	      "  :set helo NAME  the name of EHLO and HELO for the rest of the session\n",
	      stdout);
}

/* Before STARTTLS: which clients would send it after this EHLO reply. */
static void starttls_advice(const struct proto_lint *lint)
{
	const struct proto_reply *reply = proto_lint_first_ehlo(lint, NULL);
	char yes[512] = "", no[512] = "";
	size_t i;

	if (reply == NULL)
		return;
	for (i = 0; i < proto_client_count(); i++) {
		const struct proto_client *c = proto_client_at(i);
		struct proto_client_verdict v;
		bool send;
		char *list;
		size_t used;

		proto_client_judge(c, reply, NULL, &v);
		send = v.outcome == PROTO_OUTCOME_STARTTLS;
		list = send ? yes : no;
		used = strlen(list);
		if (send)
			snprintf(list + used, 512 - used, "%s%s", used ? ", " : "",
			         proto_client_id(c));
		else
			snprintf(list + used, 512 - used, "%s%s (%s)", used ? ", " : "",
			         proto_client_id(c), proto_outcome_name(v.outcome));
	}
	if (no[0] == '\0')
		printf("Every client profiled sends STARTTLS after this EHLO reply.\n");
	else
		printf("Clients that will not send STARTTLS after this EHLO reply: %s.\n"
		       "Clients that will: %s.\n",
		       no, yes[0] ? yes : "none");
}

/* Reads one answer at the prompt; NULL at end of input. */
static const char *ask(struct plain *p, const char *pending, bool edit)
{
	if (strncasecmp(pending, "STARTTLS", 8) == 0 && !edit)
		starttls_advice(proto_session_lint(p->in->live.session));
	printf("next: %s   (Enter sends; e edits; s skips; r runs; :CMD; w; q; ? help)\n", pending);
	fflush(stdout);
	return ui_prompt_read(p->prompt, edit ? pending : NULL);
}

static void write_transcript(struct inspect *in)
{
	bool was_open = in->transcript.fd >= 0;

	if (inspect_write_transcript(in) != 0)
		printf("%s\n", in->model.message);
	else
		printf("%s %s\n",
		       was_open ? "already writing the transcript, line by line, to"
		                : "transcript written to (and goes on, line by line)",
		       in->transcript_path);
}

/* Prints a finding's section of docs/findings.md, or the ids to choose from. */
static void explain(const char *arg)
{
	char name[64], shown[PROTO_ESCAPE_MAX(64)];
	enum proto_finding_id f;
	size_t len, i;

	arg += strspn(arg, " ");
	len = strcspn(arg, " ");
	snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), arg);
	f = proto_finding_by_name(name);
	if (f != PROTO_F_COUNT && proto_finding_doc(f) != NULL) {
		printf("%s\n", proto_finding_doc(f));
		return;
	}
	proto_escape_term(shown, sizeof shown, name, strlen(name));
	if (name[0] == '\0')
		printf("usage: :explain ID; the ids:");
	else
		printf("no finding \"%s\"; the ids:", shown);
	for (i = 0; i < PROTO_F_COUNT; i++)
		printf(" %s", proto_finding((enum proto_finding_id)i)->id);
	printf("\n");
}

/*
 * AUTH over an unverified connection is sent only after the user types
 * "yes" (which then sends it); true when the answer would have sent it
 * without that.
 */
static bool confirm_refused(struct proto_session *s, char *text)
{
	const char *why = proto_session_confirm_needed(s);

	if (why == NULL)
		return false;
	if (strcmp(text, "yes") == 0) {
		proto_session_confirm(s);
		text[0] = '\0';
		return false;
	}
	if (text[0] != '\0' && (strlen(text) == 1 || text[0] == ':'))
		return false;
	printf("%s: type yes to send them anyway, s to skip AUTH.\n", why);
	return true;
}

/* Acts on one answer; returns false when the user leaves. */
static bool answer(struct plain *p, const char *pending, const char *line)
{
	struct proto_session *s = p->in->live.session;
	char text[1024], said[256];
	size_t len = strcspn(line, "\r\n");

	snprintf(text, sizeof text, "%.*s", (int)(len < sizeof text ? len : sizeof text - 1), line);
	if (strcmp(text, "q") == 0)
		return false;
	if (confirm_refused(s, text))
		return true;
	if (text[0] == '\0')
		proto_session_send_pending(s, NULL);
	else if (strcmp(text, "e") == 0 && (line = ask(p, pending, true)) != NULL)
		answer(p, pending, line[strspn(line, " ")] == '\n' ? "s" : line);
	else if (strcmp(text, "s") == 0 && proto_session_skip(s) != 0)
		puts("QUIT cannot be skipped; q leaves.");
	else if (strcmp(text, "r") == 0)
		proto_session_run(s);
	else if (strcmp(text, "w") == 0)
		write_transcript(p->in);
	else if (strcmp(text, "?") == 0)
		print_help();
	else if (strncmp(text, ":explain", 8) == 0 && (text[8] == ' ' || text[8] == '\0'))
		explain(text + 8);
	else if (text[0] == ':' && inspect_local_command(p->in, text + 1, said, sizeof said))
		printf("%s\n", said);
	else if (text[0] == ':')
		proto_session_command(s, text + 1);
	else if (strlen(text) > 1)
		proto_session_send_pending(s, text);
	return true;
}

/* Serves the connection until the session waits for the user or ends. */
static void serve(struct plain *p)
{
	struct pollfd fd = {live_fd(&p->in->live), POLLIN, 0};
	int wait = live_wait_ms(&p->in->live);

	if (wait != 0 && fd.fd >= 0 && poll(&fd, 1, wait < 0 ? 1000 : wait) < 0)
		return;
	live_service(&p->in->live, fd.revents != 0);
}

static void run(struct plain *p)
{
	struct proto_session *s = p->in->live.session;
	const char *pending, *line;

	while (!proto_session_over(s) && !live_interrupted(&p->in->live)) {
		pending = proto_session_pending(s);
		if (pending == NULL || proto_session_busy(s) || p->in->live.want_tls) {
			serve(p);
			continue;
		}
		cli_out_flush(&p->report.out);
		line = ask(p, pending, false);
		if (cli_interrupted() != 0) {
			/* The prompt's line is left open: the note goes below it. */
			fputs("\n", stdout);
			fflush(stdout);
			live_interrupted(&p->in->live);
			break;
		}
		if (line == NULL || !answer(p, pending, line))
			break;
	}
}

int inspect_plain(struct inspect *in)
{
	struct plain *p = calloc(1, sizeof *p);
	int rc;

	if (p == NULL)
		return CLI_EXIT_OSERR;
	p->in = in;
	cli_out_init(&p->report.out, STDOUT_FILENO, false);
	p->report.name = in->model.target;
	p->report.lint = proto_session_lint(in->live.session);
	in->live.sink = &plain_sink;
	in->live.ctx = p;
	cli_interrupt_install();
	p->prompt = ui_prompt_new("smtpscope> ");
	rc = p->prompt != NULL ? 0 : CLI_EXIT_OSERR;
	if (rc == 0 && live_open(&in->live))
		run(p);
	if (rc == 0) {
		cli_report_end(&p->report);
		cli_out_flush(&p->report.out);
		rc = proto_session_state(in->live.session) == PROTO_S_FAILED ? CLI_EXIT_INCOMPLETE
		     : cli_report_errors(&p->report) > 0                     ? CLI_EXIT_FINDINGS
		                                                             : CLI_EXIT_OK;
		if (in->live.signal != 0)
			rc = inspect_interrupted(in);
	}
	ui_prompt_free(p->prompt);
	cli_report_free(&p->report);
	free(p);
	return rc;
}
