/* The quire command line: parses flags, calls the library, maps the result
 * to an exit status (0 ok, 1 input errors, 2 usage, 3 system errors). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef QUIRE_MIMALLOC
#include <mimalloc.h>
#endif

#include "quire.h"
#include "build.h"

static const char usage_text[] =
    "usage: quire build [DIR] [-o OUTDIR] [-f epub|html|all] [options]\n"
    "       quire check [DIR] [--strict] [--drafts] [--diagnostics=FMT]\n"
    "       quire verify [DIR] [--allowed-signers FILE] [-q]\n"
    "       quire watch [DIR] [-o OUTDIR] [-f epub|html|all] [options]\n"
    "       quire init [DIR]\n"
    "       quire new TITLE [DIR]\n"
    "       quire completion bash|zsh|fish\n"
    "       quire --help | --version\n"
    "\n"
    "Binds the Markdown essays in DIR (default: content) into an EPUB 3\n"
    "book and a single-file offline HTML archive in OUTDIR (default: dist).\n"
    "\n"
    "  -o, --output DIR     write into DIR (default: dist)\n"
    "  -f, --format FMT     epub, html or all (default: all)\n"
    "      --release VER    publish release VER: books, ledger, downloads\n"
    "                       page, OPDS catalog and SHA256SUMS, together\n"
    "      --sign KEY       with --release: sign SHA256SUMS with the SSH\n"
    "                       private key KEY (SHA256SUMS.sig)\n"
    "      --drafts         include essays marked draft: true\n"
    "      --strict         treat warnings as errors\n"
    "  -j, --jobs N         render N essays at a time (default: one per\n"
    "                       core; the output is the same for any N)\n"
    "      --math MODE      formulas as mathml (the default) or as svg\n"
    "                       drawn at build time (overrides collection.yaml)\n"
    "  -q, --quiet          print only diagnostics\n"
    "      --progress       show the build's progress (essays read and\n"
    "                       rendered, megabytes written) from the start,\n"
    "                       even when stderr is not a terminal (by\n"
    "                       default: on a terminal, after a second)\n"
    "      --allowed-signers FILE\n"
    "                       verify: check SHA256SUMS.sig against the keys\n"
    "                       in FILE (ssh-keygen's allowed signers format)\n"
    "      --diagnostics=FMT\n"
    "                       print diagnostics as text (the default), json\n"
    "                       (one object a line) or sarif (SARIF 2.1.0),\n"
    "                       on stdout for json and sarif\n"
    "  -h, --help           show this help\n"
    "  -V, --version        show the version\n"
    "\n"
    "verify checks every file of DIR (default: dist) against SHA256SUMS\n"
    "and the release ledger, and names each one that does not match.\n"
    "watch builds, then rebuilds on every change in DIR until Ctrl-C.\n"
    "init makes a starter book in DIR (default: content); new adds an\n"
    "essay titled TITLE to the book in DIR (default: content).\n"
    "completion prints a completion script for the shell named.\n"
    "\n"
    "SOURCE_DATE_EPOCH, when set, is the time recorded in the outputs.\n"
    "Exit status: 0 success, 1 errors in the content, 2 usage, 3 system.\n";

/* The progress line: shown on a terminal once a build has taken a second
 * (at once with --progress), redrawn at most ten times a second. */
#define PROGRESS_DELAY_MS 1000
#define PROGRESS_EVERY_MS 100

struct ui {
	int quiet;
	int progress;       /* 1: the line may be shown; 2: at once */
	int tty;            /* stderr is a terminal: \r redraws in place */
	int shown;          /* a line is on screen, to be cleared */
	long long start, last;  /* ms */
	enum quire_phase phase; /* of the last update shown */
};

static long long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void
progress_clear(struct ui *ui)
{
	if (ui->shown && ui->tty)
		fputs("\r\033[K", stderr);
	ui->shown = 0;
}

static void
print_output(const char *path, void *arg)
{
	struct ui *ui = arg;

	progress_clear(ui);
	if (!ui->quiet)
		printf("%s\n", path);
}

static void
print_verified(size_t n, void *arg)
{
	(void)arg;
	printf("quire: %zu files match SHA256SUMS and the release ledger\n",
	    n);
}

/* Done of total in a phase.  On a terminal the line is redrawn in
 * place and cleared at the end; elsewhere (--progress into a log) each
 * update is a line of its own.  The first and the last update of each
 * phase are always shown. */
static void
progress(enum quire_phase ph, size_t done, size_t total, void *arg)
{
	struct ui *ui = arg;
	long long t;

	if (!ui->progress)
		return;
	t = now_ms();
	if (ui->progress == 1 && t - ui->start < PROGRESS_DELAY_MS)
		return;
	if (done != total && ph == ui->phase && ui->shown &&
	    t - ui->last < PROGRESS_EVERY_MS)
		return;
	ui->last = t;
	ui->phase = ph;
	fputs(ui->tty ? "\rquire: " : "quire: ", stderr);
	if (ph == QUIRE_WRITING)
		fprintf(stderr, "wrote %.1f of %.1f MB", done / 1e6,
		    total / 1e6);
	else
		fprintf(stderr, "%s %zu of %zu essays", ph == QUIRE_READING ?
		    "read" : "rendered", done, total);
	fputs(ui->tty ? "\033[K" : "\n", stderr);
	ui->shown = 1;
}

static int
usage_error(const char *msg)
{
	fprintf(stderr, "quire: %s\n%s", msg, usage_text);
	return 2;
}

extern const unsigned char asset_completion_bash[], asset_completion_zsh[],
    asset_completion_fish[];
extern const size_t asset_completion_bash_len, asset_completion_zsh_len,
    asset_completion_fish_len;

/* quire completion SHELL: the script of assets/completion/ for it. */
static int
completion(int argc, char *argv[])
{
	const unsigned char *s;
	size_t n;

	if (argc != 3)
		return usage_error("completion takes a shell: bash, zsh or "
		    "fish");
	if (!strcmp(argv[2], "bash"))
		s = asset_completion_bash, n = asset_completion_bash_len;
	else if (!strcmp(argv[2], "zsh"))
		s = asset_completion_zsh, n = asset_completion_zsh_len;
	else if (!strcmp(argv[2], "fish"))
		s = asset_completion_fish, n = asset_completion_fish_len;
	else
		return usage_error("completion takes bash, zsh or fish");
	if (fwrite(s, 1, n, stdout) != n || fflush(stdout) != 0)
		return 3;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "release", required_argument, NULL, 'R' },
		{ "drafts", no_argument, NULL, 'D' },
		{ "strict", no_argument, NULL, 'S' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "math", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "progress", no_argument, NULL, 'P' },
		{ "sign", required_argument, NULL, 'K' },
		{ "allowed-signers", required_argument, NULL, 'A' },
		{ "diagnostics", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct quire_options opt = { 0 };
	struct quire_diag *d;
	const char *cmd, *sde;
	struct ui ui = { 0 };
	const char *allowed = NULL, *dirarg = NULL, *arg2 = NULL;
	int c, quiet = 0, force_progress = 0, check, verify, status;
	int watch, init, new, color, dformat = -1;

#ifdef QUIRE_MIMALLOC
	/* Memory freed goes back to the system at once, not 25 ms later:
	 * a big book frees as much as it makes, and the pages waiting to
	 * go counted in its peak (a tenth of it at 100,000 essays), for
	 * about 2 % more system time.  MIMALLOC_DECOMMIT_DELAY still says
	 * otherwise. */
	if (getenv("MIMALLOC_DECOMMIT_DELAY") == NULL)
		mi_option_set(mi_option_decommit_delay, 0);
#endif
	opt.src = "content";
	opt.out = "dist";
	opt.formats = QUIRE_ALL;
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc > 1 && (!strcmp(argv[1], "-V") ||
	    !strcmp(argv[1], "--version"))) {
		printf("quire %s\n", QUIRE_VERSION);
		return 0;
	}
	if (argc < 2)
		return usage_error("no command given");
	cmd = argv[1];
	if (!strcmp(cmd, "completion"))
		return completion(argc, argv);
	if (strcmp(cmd, "build") != 0 && strcmp(cmd, "check") != 0 &&
	    strcmp(cmd, "verify") != 0 && strcmp(cmd, "watch") != 0 &&
	    strcmp(cmd, "init") != 0 && strcmp(cmd, "new") != 0)
		return usage_error("unknown command (build, check, verify, "
		    "watch, init, new or completion)");
	check = strcmp(cmd, "check") == 0;
	verify = strcmp(cmd, "verify") == 0;
	watch = strcmp(cmd, "watch") == 0;
	init = strcmp(cmd, "init") == 0;
	new = strcmp(cmd, "new") == 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, "o:f:j:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt.out = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "epub"))
				opt.formats = QUIRE_EPUB;
			else if (!strcmp(optarg, "html"))
				opt.formats = QUIRE_HTML;
			else if (!strcmp(optarg, "all"))
				opt.formats = QUIRE_ALL;
			else
				return usage_error("-f takes epub, html or all");
			break;
		case 'R':
			if (*optarg == '\0')
				return usage_error("--release takes a version");
			opt.release = optarg;
			break;
		case 'K':
			opt.sign = optarg;
			break;
		case 'A':
			allowed = optarg;
			break;
		case 'G':
			if (!strcmp(optarg, "text"))
				dformat = QUIRE_DIAG_TEXT;
			else if (!strcmp(optarg, "json"))
				dformat = QUIRE_DIAG_JSON;
			else if (!strcmp(optarg, "sarif"))
				dformat = QUIRE_DIAG_SARIF;
			else
				return usage_error("--diagnostics takes text, "
				    "json or sarif");
			break;
		case 'D':
			opt.drafts = 1;
			break;
		case 'S':
			opt.strict = 1;
			break;
		case 'j': {
			char *end;
			long j = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || j < 1 || j > 64)
				return usage_error("-j takes a number from 1 to 64");
			opt.jobs = (int)j;
			break;
		}
		case 'M':
			if (!strcmp(optarg, "mathml"))
				opt.math = QUIRE_MATH_MATHML;
			else if (!strcmp(optarg, "svg"))
				opt.math = QUIRE_MATH_SVG;
			else
				return usage_error("--math takes mathml or svg");
			break;
		case 'q':
			quiet = 1;
			break;
		case 'P':
			force_progress = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("quire %s\n", QUIRE_VERSION);
			return 0;
		default:
			return usage_error("bad option");
		}
	}
	if (optind < argc)
		dirarg = argv[optind++];
	if (new && optind < argc)
		arg2 = argv[optind++];
	if (optind < argc)
		return usage_error("too many arguments");
	if ((init || new) && argc != 2 + (dirarg != NULL) + (arg2 != NULL))
		return usage_error("init and new take no options");
	if ((sde = getenv("SOURCE_DATE_EPOCH")) != NULL && *sde) {
		char *end;
		errno = 0;
		opt.epoch = strtoll(sde, &end, 10);
		if (errno || *end || opt.epoch < 0 || opt.epoch > 253402300799LL)
			return usage_error("SOURCE_DATE_EPOCH is not a number "
			    "of seconds");
		opt.has_epoch = 1;
	}
	if (init)
		return cli_init(dirarg ? dirarg : "content");
	if (new) {
		if (dirarg == NULL)
			return usage_error("new takes a title");
		return cli_new(dirarg, arg2 ? arg2 : "content",
		    opt.has_epoch ? opt.epoch : -1);
	}
	if (dirarg)
		opt.src = dirarg;
	if (dformat >= 0 && (verify || watch))
		return usage_error("--diagnostics is an option of build and "
		    "check");
	if (dformat < 0)
		dformat = QUIRE_DIAG_TEXT;
	if (watch && (opt.release || opt.sign || force_progress))
		return usage_error("watch makes working copies: no --release, "
		    "--sign or --progress");
	if (allowed && !verify)
		return usage_error("--allowed-signers is an option of verify");
	if (opt.sign && (!opt.release || check))
		return usage_error("--sign signs a release: give --release");
	if (verify) {
		d = quire_diag_new(isatty(2) && getenv("NO_COLOR") == NULL);
		status = quire_verify(dirarg ? dirarg : "dist", allowed, quiet ? NULL : print_verified,
		    NULL, d);
		quire_diag_flush(d, stderr);
		quire_diag_free(d);
		quire_cleanup();
		return status;
	}
	if (check)
		opt.out = NULL;
	color = isatty(2) && getenv("NO_COLOR") == NULL;
	if (watch) {
		status = cli_watch(&opt, quiet, color);
		quire_cleanup();
		return status;
	}
	/* As data, the diagnostics are stdout's only lines. */
	ui.quiet = quiet || dformat != QUIRE_DIAG_TEXT;
	ui.tty = isatty(2);
	/* As git: --progress wins over -q and a pipe. */
	ui.progress = force_progress ? 2 : ui.tty && !quiet;
	ui.start = now_ms();
	opt.on_output = print_output;
	opt.on_progress = progress;
	opt.arg = &ui;
	d = quire_diag_new(color && dformat == QUIRE_DIAG_TEXT);
	status = quire_build(&opt, d);
	progress_clear(&ui);
	quire_diag_flush_as(d, dformat == QUIRE_DIAG_TEXT ? stderr : stdout,
	    dformat);
	quire_diag_free(d);
	quire_cleanup();
	return status;
}
