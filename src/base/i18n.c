/* The words quire writes into a book, in the book's language: looked up
 * in the message catalogues of po/ (compiled by msgfmt into one key file
 * and read with GLib's GKeyFile, which takes the language as an argument
 * rather than from the machine's locale), dates formatted by ICU from
 * CLDR data, and the writing direction of a language. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <glib.h>
#include <unicode/udat.h>
#include <unicode/udatpg.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

#include "base/base.h"

/* The keys of po/quire.desktop.in, in the order of enum word. */
static const char *const keys[W_NWORDS] = {
	"Contents", "Notes", "BackToText", "BackToReference", "TitlePage",
	"Cover", "CoverOf", "Landmarks", "StartOfContent", "Start",
	"Pair", "ListItem", "Version", "Section", "BoundBy", "Series",
	"Editor", "Translator", "Illustrator", "Foreword", "Contributor",
	"Note", "Tip", "Important", "Warning", "Caution", "Index", "Figure",
	"Table", "Listing", "Equation",
	"References",
};

struct words {
	char *lang;
	char *w[W_NWORDS];
	UDateFormat *fmt[2];  /* year and month; full date */
	int tried[2];
	struct words *next;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static GKeyFile *catalogue;
static struct words *cache;

static void
load(void)
{
	catalogue = g_key_file_new();
	if (!g_key_file_load_from_data(catalogue, (const char *)asset_words,
	    asset_words_len, G_KEY_FILE_KEEP_TRANSLATIONS, NULL)) {
		g_key_file_free(catalogue);
		catalogue = NULL;
	}
}

/* GLib's locale names: pt_BR for pt-BR; it falls back to pt itself. */
static char *
glib_locale(const char *lang)
{
	char *s = xstrdup(lang);

	for (char *p = s; *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

/* The words of lang, looked up once; the lock is held. */
static struct words *
words_of(const char *lang)
{
	struct words *w;
	char *loc;

	pthread_once(&once, load);
	for (w = cache; w; w = w->next)
		if (strcasecmp(w->lang, lang) == 0)
			return w;
	w = xcalloc(1, sizeof(*w));
	w->lang = xstrdup(lang);
	loc = glib_locale(lang);
	for (int i = 0; i < W_NWORDS; i++) {
		gchar *v = catalogue ? g_key_file_get_locale_string(catalogue,
		    "quire", keys[i], loc, NULL) : NULL;
		w->w[i] = xstrdup(v ? v : keys[i]);
		g_free(v);
	}
	free(loc);
	w->next = cache;
	cache = w;
	return w;
}

const char *
i18n_word(const char *lang, enum word k)
{
	const char *s;

	pthread_mutex_lock(&lock);
	s = words_of(lang ? lang : "en")->w[k];
	pthread_mutex_unlock(&lock);
	return s;
}

/* The word k with each "%s" replaced by the next argument (the
 * catalogue's text is never a printf format). */
char *
i18n_fmt(const char *lang, enum word k, const char *a, const char *b)
{
	const char *s = i18n_word(lang, k), *p;
	const char *args[2] = { a, b };
	struct buf out = { 0 };
	int n = 0;

	while ((p = strstr(s, "%s")) != NULL) {
		buf_put(&out, s, (size_t)(p - s));
		if (n < 2 && args[n])
			buf_puts(&out, args[n]);
		n++;
		s = p + 2;
	}
	buf_puts(&out, s);
	if (out.data == NULL)
		buf_puts(&out, "");
	return buf_take(&out);
}

/* A list of names: "A, B and C", as the language writes it. */
char *
i18n_list(const char *lang, const struct strv *names)
{
	char *s, *t;

	if (names->n == 0)
		return xstrdup("");
	s = xstrdup(names->v[0]);
	for (size_t i = 1; i < names->n; i++) {
		t = i18n_fmt(lang, i + 1 == names->n ? W_PAIR : W_LIST_ITEM, s,
		    names->v[i]);
		free(s);
		s = t;
	}
	return s;
}

/* ICU's formatter for a date of the given precision in lang, from the
 * CLDR pattern that fits the skeleton; the lock is held. */
static UDateFormat *
date_format(struct words *w, int full)
{
	UErrorCode st = U_ZERO_ERROR;
	char loc[ULOC_FULLNAME_CAPACITY];
	UChar skel[8], pat[128], tz[4];
	UDateTimePatternGenerator *g;
	int32_t n;

	if (w->tried[full])
		return w->fmt[full];
	w->tried[full] = 1;
	uloc_forLanguageTag(w->lang, loc, (int32_t)sizeof(loc), NULL, &st);
	if (U_FAILURE(st))
		return NULL;
	if ((g = udatpg_open(loc, &st)) == NULL || U_FAILURE(st)) {
		if (g)
			udatpg_close(g);
		return NULL;
	}
	u_uastrcpy(skel, full ? "yMMMMd" : "yMMMM");
	n = udatpg_getBestPattern(g, skel, -1, pat, 128, &st);
	udatpg_close(g);
	if (U_FAILURE(st) || n <= 0 || n >= 128)
		return NULL;
	u_uastrcpy(tz, "UTC");
	w->fmt[full] = udat_open(UDAT_PATTERN, UDAT_PATTERN, loc, tz, -1, pat,
	    n, &st);
	if (U_FAILURE(st)) {
		if (w->fmt[full])
			udat_close(w->fmt[full]);
		w->fmt[full] = NULL;
	}
	return w->fmt[full];
}

/* A date of the front matter (YYYY, YYYY-MM or YYYY-MM-DD) for readers
 * of lang: "4 March 2025", "4. März 2025", "2025年3月4日". */
char *
i18n_date(const char *lang, const char *date)
{
	size_t n = strlen(date);
	UErrorCode st = U_ZERO_ERROR;
	UChar out[128];
	char u8[512];
	struct tm tm = { 0 };
	UDateFormat *f;
	int32_t len = 0, u8len = 0;

	if (!date_valid(date) || n == 4)
		return xstrdup(date);
	tm.tm_year = atoi(date) - 1900;
	tm.tm_mon = atoi(date + 5) - 1;
	tm.tm_mday = n >= 10 ? atoi(date + 8) : 1;
	pthread_mutex_lock(&lock);
	if ((f = date_format(words_of(lang ? lang : "en"), n >= 10)) != NULL)
		len = udat_format(f, (UDate)timegm(&tm) * 1000.0, out, 128,
		    NULL, &st);
	pthread_mutex_unlock(&lock);
	if (f == NULL || U_FAILURE(st) || len <= 0 || len >= 128)
		return date_human(date);
	u_strToUTF8(u8, (int32_t)sizeof(u8), &u8len, out, len, &st);
	if (U_FAILURE(st) || u8len <= 0 || u8len >= (int32_t)sizeof(u8))
		return date_human(date);
	return xstrndup(u8, (size_t)u8len);
}

/* Whether lang (BCP 47) is written right to left: by its script subtag
 * when it has one (ku-Arab, pa-Arab; az-Latn is not), else by the
 * language. */
int
lang_rtl(const char *lang)
{
	static const char *const rtl_lang[] = { "ar", "arc", "ckb", "dv",
	    "fa", "he", "iw", "ji", "ks", "nqo", "ps", "prs", "sd",
	    "syr", "ug", "ur", "yi", NULL };
	static const char *const rtl_script[] = { "Adlm", "Arab", "Hebr",
	    "Mand", "Nkoo", "Rohg", "Samr", "Syrc", "Thaa", NULL };
	const char *p;
	size_t n;

	if (lang == NULL)
		return 0;
	n = strcspn(lang, "-_");
	for (p = lang + n; *p; ) {
		size_t m;

		p++;
		m = strcspn(p, "-_");
		if (m == 4) {
			for (size_t i = 0; rtl_script[i]; i++)
				if (strncasecmp(p, rtl_script[i], 4) == 0)
					return 1;
			return 0;
		}
		p += m;
	}
	for (size_t i = 0; rtl_lang[i]; i++)
		if (strlen(rtl_lang[i]) == n &&
		    strncasecmp(lang, rtl_lang[i], n) == 0)
			return 1;
	return 0;
}

void
i18n_cleanup(void)
{
	pthread_mutex_lock(&lock);
	while (cache) {
		struct words *w = cache;
		cache = w->next;
		for (int i = 0; i < W_NWORDS; i++)
			free(w->w[i]);
		for (int i = 0; i < 2; i++)
			if (w->fmt[i])
				udat_close(w->fmt[i]);
		free(w->lang);
		free(w);
	}
	if (catalogue) {
		g_key_file_free(catalogue);
		catalogue = NULL;
	}
	pthread_mutex_unlock(&lock);
}
