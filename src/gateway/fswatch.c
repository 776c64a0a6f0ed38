/* fswatch.c: file-change events for the dashboard's Files page.
 *
 * One thread follows the root tree with inotify, recursively within limits
 * (at most FSW_MAX_WATCHES directories, FSW_MAX_DEPTH deep; symlinks are
 * never followed), and publishes {"type": "file_change", "path", "kind"}
 * on the volatile "~files" hub channel (GET /api/files/events). Paths are
 * guest paths ("/src/a.c"). A new directory is watched as it appears.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "gateway/gateway_int.h"

#define FSW_MAX_WATCHES 8192
#define FSW_MAX_DEPTH 32
#define FSW_MASK                                                                                   \
    (IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DONT_FOLLOW |       \
     IN_EXCL_UNLINK)

struct gateway__fswatch {
    gateway *gw;
    int ifd;
    int stop_pipe[2];
    pthread_t thread;
    bx_map paths; /* "wd" -> bx_malloc'd guest path of the directory */
    size_t watches;
    bool warned;
};

static void add_tree(gateway__fswatch *w, const char *host, const char *guest, int depth)
{
    if (w->watches >= FSW_MAX_WATCHES || depth > FSW_MAX_DEPTH) {
        if (!w->warned)
            bx_log(BX_LOG_WARN, "gateway", "file events: watching at most %d directories, %d deep",
                   FSW_MAX_WATCHES, FSW_MAX_DEPTH);
        w->warned = true;
        return;
    }
    int wd = inotify_add_watch(w->ifd, host, FSW_MASK | IN_ONLYDIR);
    if (wd < 0)
        return;
    char key[16];
    snprintf(key, sizeof key, "%d", wd);
    void *old = NULL;
    bx_map_puts(&w->paths, key, bx_strdup(guest), &old);
    if (old)
        bx_free(old);
    else
        w->watches++;
    DIR *d = opendir(host);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *h = bx_sprintf("%s/%s", host, de->d_name);
        char *g = bx_sprintf("%s%s%s", guest, strcmp(guest, "/") ? "/" : "", de->d_name);
        add_tree(w, h, g, depth + 1);
        bx_free(h);
        bx_free(g);
    }
    closedir(d);
}

static const char *kind_of(uint32_t mask)
{
    if (mask & IN_CREATE)
        return "created";
    if (mask & IN_DELETE)
        return "deleted";
    if (mask & IN_MOVED_FROM)
        return "moved_from";
    if (mask & IN_MOVED_TO)
        return "moved_to";
    return "modified";
}

static void handle(gateway__fswatch *w, const struct inotify_event *ev)
{
    char key[16];
    snprintf(key, sizeof key, "%d", ev->wd);
    if (ev->mask & IN_IGNORED) {
        char *p = bx_map_del(&w->paths, key, strlen(key));
        if (p) {
            bx_free(p);
            w->watches--;
        }
        return;
    }
    const char *dir = bx_map_gets(&w->paths, key);
    if (!dir || !ev->len)
        return;
    char *guest = bx_sprintf("%s%s%s", dir, strcmp(dir, "/") ? "/" : "", ev->name);
    if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
        char *host = bx_sprintf("%s%s", workspace_root(w->gw->ws), guest);
        add_tree(w, host, guest, 1);
        bx_free(host);
    }
    json_t *e = json_pack("{s:s,s:s,s:s,s:b}", "type", "file_change", "path", guest, "kind",
                          kind_of(ev->mask), "dir", (ev->mask & IN_ISDIR) != 0);
    gateway__hub_publish_volatile(w->gw, GATEWAY_FILES_CHANNEL, e);
    json_decref(e);
    bx_free(guest);
}

static void *fswatch_thread(void *arg)
{
    gateway__fswatch *w = arg;
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        struct pollfd p[2] = {{.fd = w->ifd, .events = POLLIN},
                              {.fd = w->stop_pipe[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0)
            continue;
        if (p[1].revents)
            break;
        ssize_t n = read(w->ifd, buf, sizeof buf);
        if (n <= 0)
            continue;
        for (char *q = buf; q < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)q;
            handle(w, ev);
            q += sizeof *ev + ev->len;
        }
    }
    return NULL;
}

bx_err gateway__fswatch_start(gateway *gw)
{
    gateway__fswatch *w = bx_calloc(1, sizeof *w);
    w->gw = gw;
    bx_map_init(&w->paths);
    w->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (w->ifd < 0 || pipe2(w->stop_pipe, O_CLOEXEC) != 0) {
        if (w->ifd >= 0)
            close(w->ifd);
        bx_map_release(&w->paths);
        bx_free(w);
        return BX_IO;
    }
    add_tree(w, workspace_root(gw->ws), "/", 0);
    if (pthread_create(&w->thread, NULL, fswatch_thread, w) != 0) {
        close(w->ifd);
        close(w->stop_pipe[0]);
        close(w->stop_pipe[1]);
        bx_map_entry *me;
        for (size_t it = 0; bx_map_next(&w->paths, &it, &me);)
            bx_free(me->value);
        bx_map_release(&w->paths);
        bx_free(w);
        return BX_INTERNAL;
    }
    gw->fswatch = w;
    return BX_OK;
}

void gateway__fswatch_stop(gateway *gw)
{
    gateway__fswatch *w = gw->fswatch;
    if (!w)
        return;
    if (write(w->stop_pipe[1], "x", 1) != 1)
        bx_log(BX_LOG_WARN, "gateway", "file events: cannot wake the watcher");
    pthread_join(w->thread, NULL);
    close(w->ifd);
    close(w->stop_pipe[0]);
    close(w->stop_pipe[1]);
    bx_map_entry *me;
    for (size_t it = 0; bx_map_next(&w->paths, &it, &me);)
        bx_free(me->value);
    bx_map_release(&w->paths);
    bx_free(w);
    gw->fswatch = NULL;
}
