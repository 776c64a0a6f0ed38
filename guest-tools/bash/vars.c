/* vars.c: shell variables, functions, `local` scopes and subshell snapshots.
 *
 * Variables live in one chained hash table. `local` saves the previous value
 * on the innermost function's list, restored when the function returns
 * (bash's dynamic scoping). A subshell is emulated by snapshotting every
 * piece of mutable shell state and restoring it when the subshell ends.
 */
#include "sh.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t hash(const char *s)
{
    size_t h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

static void tab_grow(vartab *t)
{
    size_t nb = t->nb ? t->nb * 2 : 64;
    var **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < t->nb; i++) {
        var *v = t->b[i];
        while (v) {
            var *n = v->next;
            size_t h = hash(v->name) & (nb - 1);
            v->next = b[h];
            b[h] = v;
            v = n;
        }
    }
    free(t->b);
    t->b = b;
    t->nb = nb;
}

var *var_lookup(shell *sh, const char *name)
{
    vartab *t = &sh->vars;
    if (!t->nb)
        return NULL;
    for (var *v = t->b[hash(name) & (t->nb - 1)]; v; v = v->next)
        if (strcmp(v->name, name) == 0)
            return v;
    return NULL;
}

const char *var_get(shell *sh, const char *name)
{
    var *v = var_lookup(sh, name);
    return v ? v->value : NULL;
}

int var_set(shell *sh, const char *name, const char *value, int flags)
{
    var *v = var_lookup(sh, name);
    if (v && (v->flags & V_READONLY)) {
        sh_errf(sh, "%s: readonly variable", name);
        return 1;
    }
    if (value && strlen(value) > SH_MAX_STRING) {
        sh_fatal(sh, 1, "%s: value exceeds %u bytes", name, SH_MAX_STRING);
        return 1;
    }
    if (!v) {
        vartab *t = &sh->vars;
        if (t->n + 1 > t->nb)
            tab_grow(t);
        v = xcalloc(1, sizeof *v);
        v->name = xstrdup(name);
        size_t h = hash(name) & (t->nb - 1);
        v->next = t->b[h];
        t->b[h] = v;
        t->n++;
    }
    if (value) {
        char *nv = xstrdup(value);
        free(v->value);
        v->value = nv;
    }
    v->flags |= flags;
    if (sh->opt_a)
        v->flags |= V_EXPORT;
    return 0;
}

int var_unset(shell *sh, const char *name)
{
    vartab *t = &sh->vars;
    if (!t->nb)
        return 0;
    var **pp = &t->b[hash(name) & (t->nb - 1)];
    while (*pp) {
        var *v = *pp;
        if (strcmp(v->name, name) == 0) {
            if (v->flags & V_READONLY) {
                sh_errf(sh, "%s: cannot unset: readonly variable", name);
                return 1;
            }
            *pp = v->next;
            free(v->name);
            free(v->value);
            free(v);
            t->n--;
            return 0;
        }
        pp = &v->next;
    }
    return 0;
}

void var_iter(shell *sh, void (*fn)(var *v, void *ctx), void *ctx)
{
    vartab *t = &sh->vars;
    for (size_t i = 0; i < t->nb; i++)
        for (var *v = t->b[i]; v; v = v->next)
            fn(v, ctx);
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_export(var *v, void *ctx)
{
    if (!(v->flags & V_EXPORT) || !v->value)
        return;
    sx b;
    sx_init(&b);
    sx_adds(&b, v->name);
    sx_addc(&b, '=');
    sx_adds(&b, v->value);
    strv_push(ctx, sx_take(&b));
}

void var_export_list(shell *sh, strv *out)
{
    var_iter(sh, add_export, out);
    if (out->n)
        qsort(out->v, (size_t)out->n, sizeof *out->v, cmpstr);
}

void vartab_copy(vartab *dst, const vartab *src)
{
    memset(dst, 0, sizeof *dst);
    dst->nb = src->nb;
    dst->n = src->n;
    dst->b = xcalloc(src->nb ? src->nb : 1, sizeof *dst->b);
    for (size_t i = 0; i < src->nb; i++) {
        var **tail = &dst->b[i];
        for (var *v = src->b[i]; v; v = v->next) {
            var *c = xcalloc(1, sizeof *c);
            c->name = xstrdup(v->name);
            c->value = v->value ? xstrdup(v->value) : NULL;
            c->flags = v->flags;
            *tail = c;
            tail = &c->next;
        }
    }
}

void vartab_free(vartab *t)
{
    for (size_t i = 0; i < t->nb; i++) {
        var *v = t->b[i];
        while (v) {
            var *n = v->next;
            free(v->name);
            free(v->value);
            free(v);
            v = n;
        }
    }
    free(t->b);
    memset(t, 0, sizeof *t);
}

void local_declare(shell *sh, const char *name)
{
    for (local_save *l = sh->locals; l; l = l->next)
        if (strcmp(l->name, name) == 0)
            return; /* already local in this function */
    local_save *l = xcalloc(1, sizeof *l);
    l->name = xstrdup(name);
    var *v = var_lookup(sh, name);
    if (v) {
        l->value = v->value ? xstrdup(v->value) : NULL;
        l->flags = v->flags;
        if (!v->value)
            l->flags |= 0x100;
    } else {
        l->flags = -1; /* was unset */
    }
    l->next = sh->locals;
    sh->locals = l;
}

/* ---- functions ---- */

func *func_get(shell *sh, const char *name)
{
    for (func *f = sh->funcs; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

void func_set(shell *sh, const char *name, node *body, arena *ar)
{
    func *f = func_get(sh, name);
    if (!f) {
        f = xcalloc(1, sizeof *f);
        f->name = xstrdup(name);
        f->next = sh->funcs;
        sh->funcs = f;
    } else {
        arena_unref(f->ar);
    }
    f->body = body;
    f->ar = ar;
    ar->refs++;
}

void func_unset(shell *sh, const char *name)
{
    for (func **pp = &sh->funcs; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->name, name) == 0) {
            func *f = *pp;
            *pp = f->next;
            arena_unref(f->ar);
            free(f->name);
            free(f);
            return;
        }
    }
}

static func *funcs_copy(func *f)
{
    func *head = NULL, **tail = &head;
    for (; f; f = f->next) {
        func *c = xcalloc(1, sizeof *c);
        c->name = xstrdup(f->name);
        c->body = f->body;
        c->ar = f->ar;
        f->ar->refs++;
        *tail = c;
        tail = &c->next;
    }
    return head;
}

static void funcs_free(func *f)
{
    while (f) {
        func *n = f->next;
        arena_unref(f->ar);
        free(f->name);
        free(f);
        f = n;
    }
}

/* ---- snapshots ---- */

struct sh_snap {
    vartab vars;
    func *funcs;
    char *cwd;
    strv pos;
    char *arg0;
    bool opt_e, opt_u, opt_x, opt_pipefail, opt_f, opt_a;
    local_save *locals;
    int loop_depth;
};

sh_snap *sh_snap_take(shell *sh)
{
    sh_snap *s = xcalloc(1, sizeof *s);
    vartab_copy(&s->vars, &sh->vars);
    s->funcs = funcs_copy(sh->funcs);
    s->cwd = xstrdup(sh->cwd);
    for (int i = 0; i < sh->pos.n; i++)
        strv_push(&s->pos, xstrdup(sh->pos.v[i]));
    s->arg0 = sh->arg0 ? xstrdup(sh->arg0) : NULL;
    s->opt_e = sh->opt_e;
    s->opt_u = sh->opt_u;
    s->opt_x = sh->opt_x;
    s->opt_pipefail = sh->opt_pipefail;
    s->opt_f = sh->opt_f;
    s->opt_a = sh->opt_a;
    s->locals = sh->locals;
    s->loop_depth = sh->loop_depth;
    /* the subshell starts with no locals of its own to restore */
    sh->locals = NULL;
    sh->loop_depth = 0;
    return s;
}

static void locals_free(local_save *l)
{
    while (l) {
        local_save *n = l->next;
        free(l->name);
        free(l->value);
        free(l);
        l = n;
    }
}

void sh_snap_restore(shell *sh, sh_snap *s)
{
    vartab_free(&sh->vars);
    sh->vars = s->vars;
    funcs_free(sh->funcs);
    sh->funcs = s->funcs;
    free(sh->cwd);
    sh->cwd = s->cwd;
    strv_free(&sh->pos);
    sh->pos = s->pos;
    free(sh->arg0);
    sh->arg0 = s->arg0;
    sh->opt_e = s->opt_e;
    sh->opt_u = s->opt_u;
    sh->opt_x = s->opt_x;
    sh->opt_pipefail = s->opt_pipefail;
    sh->opt_f = s->opt_f;
    sh->opt_a = s->opt_a;
    locals_free(sh->locals);
    sh->locals = s->locals;
    sh->loop_depth = s->loop_depth;
    free(s);
}

/* ---- the shell object ---- */

void sh_init(shell *sh, int argc, char **argv)
{
    memset(sh, 0, sizeof *sh);
    (void)argc;
    (void)argv;
    char buf[4096];
    const char *cwd = getcwd(buf, sizeof buf);
    sh->cwd = xstrdup(cwd && cwd[0] == '/' ? cwd : "/");
    sh->rand_state = (unsigned)sh_now_ms();
}

void sh_release(shell *sh)
{
    for (int i = 0; i < 10; i++) {
        io_flush(sh->fd[i]);
        io_unref(sh->fd[i]);
        sh->fd[i] = NULL;
    }
    vartab_free(&sh->vars);
    while (sh->funcs)
        func_unset(sh, sh->funcs->name);
    strv_free(&sh->pos);
    free(sh->arg0);
    free(sh->cwd);
    for (int i = 0; i < 8; i++)
        sx_free(&sh->vfile[i]);
}

