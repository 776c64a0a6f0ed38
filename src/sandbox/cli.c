/* cli.c: `boxagnts wasm run` — the sandbox on its own, like `wasmtime run`.
 *
 * Parses options into a sandbox_opts (nothing granted that is not named on
 * the command line), streams the guest's stdout/stderr to ours (still
 * capped) and exits with the guest's exit code. A trap, a limit or a setup
 * failure exits 1..123 with one line on stderr; SIGPIPE is ignored so a
 * closed pipe never kills us. Exit codes: docs/sandbox.md. */
#include "sandbox/sandbox.h"
#include "wasm/wasm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exit codes for what is not the guest's own exit. */
enum {
    CLI_EXIT_SETUP = 1,    /* unreadable file, bad module, bad preopen */
    CLI_EXIT_USAGE = 2,    /* bad command line */
    CLI_EXIT_TRAP = 121,   /* the guest trapped */
    CLI_EXIT_LIMIT = 122,  /* fuel, memory or stack limit */
    CLI_EXIT_TIMEOUT = 123 /* wall-time limit */
};

#define CLI_MAX_LIST 256

static void usage(FILE *f)
{
    fputs("usage: boxagnts wasm run [options] FILE.wasm [--] [ARGS...]\n"
          "  --dir HOST::GUEST[:ro]  preopen HOST as GUEST (read-only with :ro); --dir DIR = DIR::DIR\n"
          "  --env K=V               set one environment variable (nothing is inherited)\n"
          "  --allow-host PATTERN    allow HTTP to scheme://host[:port] (* wildcards)\n"
          "  --block-network CIDR    replace the default blocked networks (repeatable)\n"
          "  --timeout S             wall-time limit in seconds (default 30)\n"
          "  --max-memory SIZE       linear memory cap, K/M/G suffixes (default 256M)\n"
          "  --fuel N                instruction budget (default 20e9 basic blocks)\n"
          "  --max-stack SIZE        value-stack cap (default 8M)\n"
          "  --stdout-cap SIZE       bytes of stdout kept (default 1M), same for --stderr-cap\n"
          "  --resolve HOST=ADDR     (testing) resolve HOST to ADDR; the block list still applies\n"
          "  --cacert FILE           (testing) trust these CAs too for guest HTTPS\n",
          f);
}

/* "64", "64K", "1.5M", "2G" -> bytes. */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return false;
    double mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1024.0, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1024.0 * 1024, end++;
    else if (*end == 'g' || *end == 'G')
        mul = 1024.0 * 1024 * 1024, end++;
    if (*end == 'i' || *end == 'B' || *end == 'b')
        end += (*end == 'i' && (end[1] == 'B' || end[1] == 'b')) ? 2 : 1;
    if (*end || v * mul > 1e18)
        return false;
    *out = (uint64_t)(v * mul);
    return true;
}

static bool parse_map(const char *s, sandbox_map_dir *out, char **owned)
{
    const char *sep = strstr(s, "::");
    *owned = bx_strdup(s);
    char *copy = *owned;
    out->read_only = false;
    if (!sep) {
        size_t n = strlen(copy);
        if (n > 3 && strcmp(copy + n - 3, ":ro") == 0) {
            copy[n - 3] = '\0';
            out->read_only = true;
        }
        out->host = copy;
        out->guest = copy;
        return *copy != '\0';
    }
    size_t hl = (size_t)(sep - s);
    copy[hl] = '\0';
    char *guest = copy + hl + 2;
    size_t gl = strlen(guest);
    if (gl > 3 && strcmp(guest + gl - 3, ":ro") == 0) {
        guest[gl - 3] = '\0';
        out->read_only = true;
    }
    out->host = copy;
    out->guest = guest;
    return *copy && *guest;
}

int sandbox_cli_main(int argc, char **argv, const char *workspace_dir)
{
    BX_UNUSED(workspace_dir);
    if (argc < 2 || strcmp(argv[1], "run") != 0) {
        usage(argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout
                                                                                   : stderr);
        return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0
                                                                                    : CLI_EXIT_USAGE;
    }
    signal(SIGPIPE, SIG_IGN);
    int rc = CLI_EXIT_USAGE;
    sandbox_opts o;
    sandbox_opts_init(&o);
    sandbox_map_dir maps[CLI_MAX_LIST];
    char *owned[CLI_MAX_LIST];
    const char *env[CLI_MAX_LIST], *allow[CLI_MAX_LIST], *blocked[CLI_MAX_LIST],
        *resolve[CLI_MAX_LIST];
    size_t nmaps = 0, nowned = 0, nenv = 0, nallow = 0, nblocked = 0, nresolve = 0;
    const char *file = NULL;
    int i = 2;
    while (i < argc) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            file = a;
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        if (!v) {
            fprintf(stderr, "boxagnts wasm run: %s needs a value\n", a);
            goto out;
        }
        bool full = nmaps >= CLI_MAX_LIST || nenv >= CLI_MAX_LIST || nallow >= CLI_MAX_LIST ||
                    nblocked >= CLI_MAX_LIST || nresolve >= CLI_MAX_LIST;
        if (full) {
            fprintf(stderr, "boxagnts wasm run: too many options\n");
            goto out;
        }
        uint64_t n;
        if (!strcmp(a, "--dir")) {
            if (!parse_map(v, &maps[nmaps], &owned[nowned++])) {
                fprintf(stderr, "boxagnts wasm run: --dir %s: expected HOST::GUEST[:ro]\n", v);
                goto out;
            }
            nmaps++;
        } else if (!strcmp(a, "--env")) {
            if (!strchr(v, '=') || v[0] == '=') {
                fprintf(stderr, "boxagnts wasm run: --env %s: expected K=V\n", v);
                goto out;
            }
            env[nenv++] = v;
        } else if (!strcmp(a, "--allow-host")) {
            allow[nallow++] = v;
        } else if (!strcmp(a, "--block-network")) {
            blocked[nblocked++] = v;
        } else if (!strcmp(a, "--resolve")) {
            resolve[nresolve++] = v;
        } else if (!strcmp(a, "--cacert")) {
            o.extra_ca_file = v;
        } else if (!strcmp(a, "--timeout")) {
            char *end;
            double s = strtod(v, &end);
            if (*end || !(s > 0) || s > 86400.0 * 7) {
                fprintf(stderr, "boxagnts wasm run: --timeout %s: expected seconds\n", v);
                goto out;
            }
            o.timeout_ms = (uint32_t)(s * 1000.0) ? (uint32_t)(s * 1000.0) : 1;
        } else if (!strcmp(a, "--max-memory") || !strcmp(a, "--max-stack") ||
                   !strcmp(a, "--stdout-cap") || !strcmp(a, "--stderr-cap")) {
            if (!parse_size(v, &n) || n == 0) {
                fprintf(stderr, "boxagnts wasm run: %s %s: expected a size like 64M\n", a, v);
                goto out;
            }
            if (!strcmp(a, "--max-memory"))
                o.max_memory = n;
            else if (!strcmp(a, "--max-stack"))
                o.max_stack = n;
            else if (!strcmp(a, "--stdout-cap"))
                o.stdout_cap = (size_t)n;
            else
                o.stderr_cap = (size_t)n;
        } else if (!strcmp(a, "--fuel")) {
            char *end;
            errno = 0;
            double f = strtod(v, &end);
            if (*end || errno || !(f >= 1) || f > 1.8e19) {
                fprintf(stderr, "boxagnts wasm run: --fuel %s: expected a positive number\n", v);
                goto out;
            }
            o.fuel = (uint64_t)f;
        } else {
            fprintf(stderr, "boxagnts wasm run: unknown option %s\n", a);
            usage(stderr);
            goto out;
        }
        i += 2; /* the option and its value */
    }
    if (!file && i < argc)
        file = argv[i++];
    if (!file) {
        usage(stderr);
        goto out;
    }
    /* `FILE.wasm -- ARGS`: the separator is ours, not the guest's. */
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    o.map_dirs = maps;
    o.n_map_dirs = nmaps;
    o.env = env;
    o.n_env = nenv;
    o.allowed_outbound_hosts = allow;
    o.n_allowed_outbound_hosts = nallow;
    if (nblocked) {
        o.blocked_networks = blocked;
        o.n_blocked_networks = nblocked;
    }
    o.test_resolve = resolve;
    o.n_test_resolve = nresolve;
    o.program_name = file;
    o.args = (const char *const *)(argv + i);
    o.n_args = (size_t)(argc - i);
    o.stdin_fd = 0;
    o.stdout_fd = 1;
    o.stderr_fd = 2;

    rc = CLI_EXIT_SETUP;
    bx_buf bytes;
    bx_buf_init(&bytes, WASM_MAX_MODULE_BYTES);
    bx_err err = bx_read_file(file, WASM_MAX_MODULE_BYTES, &bytes);
    if (err) {
        fprintf(stderr, "boxagnts wasm run: cannot read %s: %s\n", file,
                err == BX_TOOBIG ? "file too large" : strerror(errno));
        bx_buf_release(&bytes);
        goto out;
    }
    sandbox_module *m = NULL;
    bx_error detail;
    bx_error_clear(&detail);
    err = sandbox_module_load(bytes.data, bytes.len, &detail, &m);
    bx_buf_release(&bytes);
    if (err) {
        fprintf(stderr, "boxagnts wasm run: %s: %s\n", file, detail.message);
        goto out;
    }
    sandbox_result r;
    sandbox_result_init(&r);
    err = sandbox_run(m, &o, &r);
    sandbox_module_unref(m);
    if (!err) {
        rc = r.exit_code >= 0 && r.exit_code <= 255 ? r.exit_code : 1;
    } else {
        fflush(stdout);
        fprintf(stderr, "boxagnts wasm run: %s\n", r.message);
        rc = err == BX_TRAP ? CLI_EXIT_TRAP : err == BX_LIMIT ? CLI_EXIT_LIMIT
           : err == BX_TIMEOUT ? CLI_EXIT_TIMEOUT : CLI_EXIT_SETUP;
    }
    sandbox_result_release(&r);
out:
    for (size_t k = 0; k < nowned; k++)
        bx_free(owned[k]);
    return rc;
}
