/*
 * background.c: the lab server in a thread of the calling process, for a
 * process that plays the server and the client at once ("smtpscope demo").
 */
#include <pthread.h>
#include <stdlib.h>

#include "lab/lab.h"

struct lab_background {
	pthread_t thread;
	struct lab_server *server;
	volatile sig_atomic_t stop;
	int status; /* what lab_server_run returned */
};

static void *serve(void *arg)
{
	struct lab_background *bg = arg;

	bg->status = lab_server_run(bg->server, &bg->stop);
	return NULL;
}

struct lab_background *lab_background_start(struct lab_server *server)
{
	struct lab_background *bg = calloc(1, sizeof *bg);

	if (bg == NULL)
		return NULL;
	bg->server = server;
	if (pthread_create(&bg->thread, NULL, serve, bg) != 0) {
		free(bg);
		return NULL;
	}
	return bg;
}

int lab_background_stop(struct lab_background *bg)
{
	int status;

	bg->stop = 1;
	pthread_join(bg->thread, NULL);
	status = bg->status;
	free(bg);
	return status;
}
