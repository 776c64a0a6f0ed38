/* lazy_curl.c: libcurl, loaded on first use instead of at process start.
 *
 * libcurl drags about thirty shared libraries (TLS, HTTP/2, IDN, LDAP,
 * Kerberos, SSH, ...) into every process; mapping and relocating them cost
 * ~5 ms, more than a whole `boxagnts wasm run` of a small tool should take.
 * So the binary does not link libcurl: this file defines the curl functions
 * boxagnts uses as trampolines that dlopen("libcurl.so.4") once and call
 * the real ones. Call sites stay plain libcurl. If the library cannot be
 * loaded, every call fails the way libcurl reports failure (NULL handles,
 * CURLE_FAILED_INIT), with one log line saying why.
 *
 * The variadic setters forward their one argument as a 64-bit integer:
 * every libcurl option value (long, pointer, function pointer, curl_off_t)
 * travels in one integer register on the ABIs we build for (x86-64, arm64). */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>

#include "util/util.h"

_Static_assert(sizeof(long) == 8 && sizeof(void *) == 8 && sizeof(curl_off_t) == 8,
               "lazy_curl forwards option values as one 64-bit integer");

#define CURL_FUNCS(X)                                                                   \
    X(CURLcode, curl_global_init, (long flags))                                         \
    X(CURL *, curl_easy_init, (void))                                                   \
    X(CURLcode, curl_easy_setopt, (CURL * h, CURLoption o, ...))                        \
    X(CURLcode, curl_easy_perform, (CURL * h))                                          \
    X(void, curl_easy_cleanup, (CURL * h))                                              \
    X(CURLcode, curl_easy_getinfo, (CURL * h, CURLINFO i, ...))                         \
    X(const char *, curl_easy_strerror, (CURLcode c))                                   \
    X(struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s))   \
    X(void, curl_slist_free_all, (struct curl_slist * l))                               \
    X(CURLU *, curl_url, (void))                                                        \
    X(void, curl_url_cleanup, (CURLU * u))                                              \
    X(CURLUcode, curl_url_set, (CURLU * u, CURLUPart p, const char *c, unsigned int f)) \
    X(CURLUcode, curl_url_get, (CURLU * u, CURLUPart p, char **c, unsigned int f)) \
    X(void, curl_free, (void *p))                                                       \
    X(time_t, curl_getdate, (const char *s, const time_t *unused))                      \
    X(CURLM *, curl_multi_init, (void))                                                 \
    X(CURLMcode, curl_multi_add_handle, (CURLM * m, CURL * h))                          \
    X(CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL * h))                       \
    X(CURLMcode, curl_multi_perform, (CURLM * m, int *running))                         \
    X(CURLMcode, curl_multi_poll, (CURLM * m, struct curl_waitfd * e, unsigned int n,   \
                                   int ms, int *ret))                                   \
    X(CURLMcode, curl_multi_wakeup, (CURLM * m))                                        \
    X(CURLMsg *, curl_multi_info_read, (CURLM * m, int *left))                          \
    X(CURLMcode, curl_multi_cleanup, (CURLM * m))                                       \
    X(CURLMcode, curl_multi_setopt, (CURLM * m, CURLMoption o, ...))

static struct {
#define X(ret, name, args) ret(*name) args;
    CURL_FUNCS(X)
#undef X
} real;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;

static void load(void)
{
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        bx_log(BX_LOG_ERROR, "curl", "cannot load libcurl: %s", dlerror());
        return;
    }
#define X(ret, name, args)                                                        \
    *(void **)&real.name = dlsym(lib, #name);                                     \
    if (!real.name) {                                                             \
        bx_log(BX_LOG_ERROR, "curl", "libcurl lacks %s", #name);                  \
        return;                                                                   \
    }
    CURL_FUNCS(X)
#undef X
    loaded = true; /* the handle stays open for the life of the process */
}

static bool ready(void)
{
    pthread_once(&load_once, load);
    return loaded;
}

CURLcode curl_global_init(long flags)
{
    return ready() ? real.curl_global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
    return ready() ? real.curl_easy_init() : NULL;
}

CURLcode curl_easy_setopt(CURL *h, CURLoption o, ...)
{
    va_list ap;
    va_start(ap, o);
    uint64_t v = va_arg(ap, uint64_t);
    va_end(ap);
    return ready() ? real.curl_easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}

CURLcode curl_easy_perform(CURL *h)
{
    return ready() ? real.curl_easy_perform(h) : CURLE_FAILED_INIT;
}

void curl_easy_cleanup(CURL *h)
{
    if (ready())
        real.curl_easy_cleanup(h);
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO i, ...)
{
    va_list ap;
    va_start(ap, i);
    void *p = va_arg(ap, void *);
    va_end(ap);
    return ready() ? real.curl_easy_getinfo(h, i, p) : CURLE_FAILED_INIT;
}

const char *curl_easy_strerror(CURLcode c)
{
    return ready() ? real.curl_easy_strerror(c) : "libcurl could not be loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
    return ready() ? real.curl_slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
    if (ready())
        real.curl_slist_free_all(l);
}

CURLU *curl_url(void)
{
    return ready() ? real.curl_url() : NULL;
}

void curl_url_cleanup(CURLU *u)
{
    if (ready())
        real.curl_url_cleanup(u);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart p, const char *c, unsigned int f)
{
    return ready() ? real.curl_url_set(u, p, c, f) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode curl_url_get(CURLU *u, CURLUPart p, char **c, unsigned int f)
{
    return ready() ? real.curl_url_get(u, p, c, f) : CURLUE_OUT_OF_MEMORY;
}

void curl_free(void *p)
{
    if (ready())
        real.curl_free(p);
}

time_t curl_getdate(const char *s, const time_t *unused)
{
    return ready() ? real.curl_getdate(s, unused) : -1;
}

CURLM *curl_multi_init(void)
{
    return ready() ? real.curl_multi_init() : NULL;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
    return ready() ? real.curl_multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
    return ready() ? real.curl_multi_remove_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
    return ready() ? real.curl_multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd *e, unsigned int n, int ms, int *ret)
{
    return ready() ? real.curl_multi_poll(m, e, n, ms, ret) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_wakeup(CURLM *m)
{
    return ready() ? real.curl_multi_wakeup(m) : CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
    return ready() ? real.curl_multi_info_read(m, left) : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
    return ready() ? real.curl_multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption o, ...)
{
    va_list ap;
    va_start(ap, o);
    uint64_t v = va_arg(ap, uint64_t);
    va_end(ap);
    return ready() ? real.curl_multi_setopt(m, o, v) : CURLM_INTERNAL_ERROR;
}
