/* quire watch: builds, then rebuilds on every change in the content
 * folder (inotify on it and every subfolder, a burst of changes
 * coalesced), in one process that keeps the compiled highlighting
 * queries and the math co-process between builds.  A build that fails
 * leaves the last good outputs; SIGINT, SIGTERM and SIGHUP are taken
 * between builds, so a build is never cut short and leaves nothing. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"

/* Quiet this long after a change before building: an editor's save is
 * several events; a burst of writes is one rebuild. */
#define SETTLE_MS 50
/* But never wait longer than this once something changed. */
#define SETTLE_MAX_MS 1000

#define WATCH_MASK (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
    IN_MOVED_TO | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | \
    IN_DONT_FOLLOW | IN_ONLYDIR)

struct watch {
	int in;             /* inotify */
	char *out;          /* the output folder's real path, not watched */
	int nwatches;
};

static long long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Watches dir and every folder below it but hidden ones and the output
 * folder.  A folder that cannot be watched is said once, not fatal. */
static void
add_tree(struct watch *w, const char *dir)
{
	char real[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (w->out && realpath(dir, real) && strcmp(real, w->out) == 0)
		return;
	if (inotify_add_watch(w->in, dir, WATCH_MASK) < 0) {
		if (errno != ENOTDIR && errno != ENOENT)
			fprintf(stderr, "%s: warning: not watched: %s\n", dir,
			    strerror(errno));
		return;
	}
	w->nwatches++;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path))
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)))
			continue;
		add_tree(w, path);
	}
	closedir(d);
}

/* Reads what inotify has; a new folder is watched at once (its files
 * may already be there: the rebuild reads them).  Returns the number
 * of events that matter, -1 to watch everything anew (the queue
 * overflowed, or the content folder itself went). */
static int
drain(struct watch *w, const char *src)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	int n = 0, anew = 0;

	(void)src;
	for (;;) {
		ssize_t len = read(w->in, buf, sizeof(buf));

		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				anew = 1;
				continue;
			}
			if (ev->mask & IN_IGNORED)
				continue;
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
				anew = 1;
			/* Editors' swap, backup and autosave files (.x.swp,
			 * x~, #x#), hidden files. */
			if (ev->len && editor_file(ev->name))
				continue;
			if ((ev->mask & IN_ISDIR) &&
			    (ev->mask & (IN_CREATE | IN_MOVED_TO)))
				anew = 1;
			n++;
		}
	}
	return anew ? -1 : n;
}

static void
rewatch(struct watch *w, const char *src)
{
	close(w->in);
	w->in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	w->nwatches = 0;
	if (w->in >= 0)
		add_tree(w, src);
}

/* One build; prints its diagnostics and a closing line. */
static int
build_once(struct quire_options *opt, int color, int first)
{
	struct quire_diag *d = quire_diag_new(color);
	long long t0 = now_ms();
	int status = quire_build(opt, d);
	long long ms = now_ms() - t0;
	size_t errors = quire_diag_errors(d);

	quire_diag_flush(d, stderr);
	quire_diag_free(d);
	if (status == QUIRE_OK && first)
		fprintf(stderr, "quire: built in %lld ms\n", ms);
	else if (status == QUIRE_OK) {
		size_t hits, misses;

		memo_counts(&hits, &misses);
		fprintf(stderr, "quire: rebuilt in %lld ms (%zu of %zu essays "
		    "rendered again)\n", ms, misses, hits + misses);
	} else
		fprintf(stderr, "quire: build failed (%zu error%s) in %lld ms: "
		    "the last good outputs stay\n", errors,
		    errors == 1 ? "" : "s", ms);
	fflush(stderr);
	return status;
}

int
cli_watch(struct quire_options *opt, int quiet, int color)
{
	struct watch w = { -1, NULL, 0 };
	struct pollfd p[2];
	struct stat st;
	sigset_t sigs;
	int sfd, stop = 0;
	char real[PATH_MAX];

	(void)quiet;
	if (stat(opt->src, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: error: not a folder\n", opt->src);
		return QUIRE_EINPUT;
	}
	/* The signals wait for the end of a build: blocked here, before
	 * any thread or child, so none takes them (node inherits the mask:
	 * a Ctrl-C on the terminal does not kill it mid-build either). */
	/* A shell without job control starts a background command with
	 * SIGINT ignored, and an ignored signal never reaches a signalfd:
	 * the default action is restored first (blocked, it never acts). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	w.in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (sfd < 0 || w.in < 0) {
		fprintf(stderr, "quire: error: cannot watch: %s\n",
		    strerror(errno));
		return QUIRE_ESYSTEM;
	}
	if (opt->out && realpath(opt->out, real))
		w.out = strdup(real);
	add_tree(&w, opt->src);
	opt->keep_warm = 1;
	build_once(opt, color, 1);
	/* The output folder may be new, inside the content folder: then it
	 * is watched anew without it.  Not otherwise, since a new inotify
	 * loses what the old one had queued (an edit made as the first
	 * build ended). */
	if (w.out == NULL && opt->out && realpath(opt->out, real)) {
		char src[PATH_MAX];
		size_t n;

		w.out = strdup(real);
		if (realpath(opt->src, src) && (n = strlen(src)) > 0 &&
		    strncmp(real, src, n) == 0 && real[n] == '/')
			rewatch(&w, opt->src);
	}
	fprintf(stderr, "quire: watching %s (%d folder%s); Ctrl-C stops\n",
	    opt->src, w.nwatches, w.nwatches == 1 ? "" : "s");
	while (!stop) {
		long long first = 0, last = 0;
		int changed = 0, anew = 0;

		/* Wait for a change, then for SETTLE_MS of quiet. */
		for (;;) {
			int timeout = -1, n;

			if (changed) {
				long long t = now_ms();
				long long q = last + SETTLE_MS - t;
				long long m = first + SETTLE_MAX_MS - t;

				timeout = (int)(q < m ? q : m);
				if (timeout <= 0)
					break;
			}
			p[0].fd = sfd;
			p[0].events = POLLIN;
			p[1].fd = w.in;
			p[1].events = POLLIN;
			n = poll(p, 2, timeout);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || (p[0].revents & POLLIN)) {
				stop = 1;
				break;
			}
			if (n == 0)
				break;
			if (p[1].revents & POLLIN) {
				int k = drain(&w, opt->src);

				if (k < 0)
					anew = 1;
				if (k != 0) {
					last = now_ms();
					if (!changed)
						first = last;
					changed = 1;
				}
			}
		}
		if (stop)
			break;
		if (anew)
			rewatch(&w, opt->src);
		build_once(opt, color, 0);
	}
	close(sfd);
	close(w.in);
	free(w.out);
	fprintf(stderr, "quire: stopped watching %s\n", opt->src);
	return QUIRE_OK;
}
