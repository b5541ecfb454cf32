/*
 * peak_rss.c: runs a command and prints its exit status, wall time and
 * peak resident set size, for tests/integration/hostile.sh. A small C
 * parent matters: a child's peak RSS counts the parent's pages copied at
 * fork, so a Python or shell parent would hide a small command's figure.
 *
 * usage: peak_rss LIMIT_SECONDS STDIN STDOUT STDERR COMMAND...
 *
 * Prints one line, "STATUS MILLISECONDS PEAK_RSS_KIB": STATUS is the exit
 * status, -N when the command died of signal N, or "timeout" when it ran
 * past the limit (it is then killed).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: the three files on 0, 1 and 2, then the command. */
static void child(char **argv)
{
	int in = open(argv[2], O_RDONLY), out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644),
	    err = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(err, 2) < 0) {
		perror("peak_rss: cannot open the files");
		_exit(127);
	}
	execvp(argv[5], argv + 5);
	perror("peak_rss: cannot run the command");
	_exit(127);
}

int main(int argc, char **argv)
{
	long long start = now_ms(), limit;
	struct rusage ru;
	bool timed_out = false;
	int status;
	pid_t pid, done;

	if (argc < 6) {
		fprintf(stderr, "usage: peak_rss LIMIT_SECONDS STDIN STDOUT STDERR COMMAND...\n");
		return 64;
	}
	limit = atoll(argv[1]) * 1000;
	pid = fork();
	if (pid < 0)
		return 71;
	if (pid == 0)
		child(argv);
	while ((done = wait4(pid, &status, WNOHANG, &ru)) == 0 || (done < 0 && errno == EINTR)) {
		if (!timed_out && now_ms() - start > limit) {
			kill(pid, SIGKILL);
			timed_out = true;
		}
		usleep(5000);
	}
	if (done < 0)
		return 71;
	if (timed_out)
		printf("timeout");
	else if (WIFSIGNALED(status))
		printf("-%d", WTERMSIG(status));
	else
		printf("%d", WEXITSTATUS(status));
	printf(" %lld %ld\n", now_ms() - start, ru.ru_maxrss);
	return 0;
}
