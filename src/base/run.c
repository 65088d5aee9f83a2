/* Runs a helper program (ssh-keygen) with posix_spawn, never through a
 * shell, collecting what it prints. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

extern char **environ;

static int
pipe_cloexec(int p[2])
{
	if (pipe(p) == -1)
		return -1;
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

int
run_program(const char *const argv[], const char *in, struct buf *out,
    struct buf *err)
{
	posix_spawn_file_actions_t fa;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	pid_t pid;
	int status, rc;

	if (pipe_cloexec(po) == -1 || pipe_cloexec(pe) == -1) {
		for (int i = 0; i < 2; i++) {
			if (po[i] != -1)
				close(po[i]);
			if (pe[i] != -1)
				close(pe[i]);
		}
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null",
	    O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc != 0) {
		close(po[0]);
		close(pe[0]);
		errno = rc;
		return -1;
	}
	{
		struct pollfd pf[2] = { { po[0], POLLIN, 0 },
		    { pe[0], POLLIN, 0 } };
		struct buf *to[2] = { out, err };
		int open_ = 2;

		while (open_ > 0) {
			if (poll(pf, 2, -1) == -1) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (int i = 0; i < 2; i++) {
				char chunk[4096];
				ssize_t n;

				if (pf[i].fd == -1 || pf[i].revents == 0)
					continue;
				n = read(pf[i].fd, chunk, sizeof(chunk));
				if (n > 0) {
					if (to[i])
						buf_put(to[i], chunk, (size_t)n);
				} else if (n == 0 || errno != EINTR) {
					close(pf[i].fd);
					pf[i].fd = -1;
					open_--;
				}
			}
		}
		for (int i = 0; i < 2; i++)
			if (pf[i].fd != -1)
				close(pf[i].fd);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	/* Ends in a NUL, not counted. */
	for (int i = 0; i < 2; i++) {
		struct buf *b = i ? err : out;
		if (b) {
			buf_putc(b, '\0');
			b->len--;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
