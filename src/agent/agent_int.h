/* agent_int.h: internals shared by the agent files (prefix agent__).
 *
 * The run object, the pending approval/question table the loop waits on,
 * event emission (one lock, one seq counter), the built-in tools and
 * compaction. One mutex (run->lock) guards the mutable run state that other
 * threads touch — mode, rules, the pending table, running calls, stats; a
 * second one (emit_lock) only orders events.
 */
#ifndef BX_AGENT_INT_H
#define BX_AGENT_INT_H

#include <pthread.h>
#include <stdio.h>

#include "agent/agent.h"

#define AGENT__MAX_ARGS (4u << 20)      /* one tool call's JSON arguments */
#define AGENT__EVENT_CONTENT (64u << 10) /* tool_end content in events */
#define AGENT__DEFAULT_CAP (32u << 10)  /* tool result kept in context */
#define AGENT__MAX_CONTINUE 3           /* max_tokens continuations */
#define AGENT__MAX_CALLS 128            /* tool calls run from one reply */
#define AGENT__MAX_COMPACT_FAIL 3
#define AGENT__SEQ_BLOCK 4096           /* event seqs reserved in the store at a time */

typedef enum { AGENT__PENDING_APPROVAL, AGENT__PENDING_QUESTION } agent__pending_kind;

typedef struct agent__pending {
    char id[37];
    agent__pending_kind kind;
    bool answered;
    agent_answer answer; /* approvals */
    char *text;          /* the deny message, or the question's answer */
    json_t *event;       /* the request as emitted (for agent_run_pending) */
} agent__pending;

struct agent_call {
    agent_run *run;
    const char *id;
    atomic_bool cancelled;
    void (*hook)(void *arg); /* run on cancel, under run->lock */
    void *hook_arg;
};

struct agent_run {
    agent_config cfg;
    char session_id[37];
    char run_id[37];
    const char *root;         /* the tools' "/" on the host, or NULL */

    pthread_mutex_t lock;     /* everything below that other threads touch */
    pthread_cond_t cond;      /* answers, cancellation */
    agent_mode mode;
    agent_mode mode_before_plan;
    agent_rules rules;
    bx_vec pending;           /* agent__pending * */
    bx_vec calls;             /* agent_call * running now */
    agent_stats stats;
    atomic_bool cancelled;
    llm_cancel llm;

    pthread_mutex_t emit_lock;
    int64_t seq, seq_reserved;

    const workspace_config *settings; /* snapshot taken at agent_run_new */
    json_t *messages;         /* the context: neutral messages */
    uint64_t messages_gen;    /* bumped whenever messages is replaced */
    struct {                  /* messages as llm_message, converted incrementally */
        bx_arena arena;       /* blocks (strings stay borrowed from messages) */
        llm_message *msgs;
        size_t n, cap;
        uint64_t gen;         /* messages_gen it was built from */
    } lcache;
    json_t *todos;            /* the todo_write list */
    json_t *skill_tools;      /* a loaded skill's allow-list, or NULL */
    agent_tool *builtins;
    size_t n_builtins;
    json_t *builtin_schemas;  /* array owning the built-ins' schemas */
    int compact_failures;
    char *system;             /* the system prompt of the current exec */
    size_t msg_bytes;         /* JSON bytes of the messages in the context */
    int64_t context_tokens;   /* last known size of the context (provider usage) */
    size_t context_bytes_at;  /* msg_bytes when context_tokens was measured */
    size_t fixed_bytes;       /* system prompt + tool definitions, last request */
    uint64_t deadline_ns;     /* 0 = none */
    atomic_bool time_up;      /* the wall-time budget ran out (then cancelled is set too) */
    bool exec_done;           /* under lock: the watchdog may stop */
};

/* ------------------------------------------------------------- events.c */

/* Adds the common fields (type, session_id, run_id, seq, ts) to ev and
 * hands it to the sink; steals ev. */
void agent__emit(agent_run *run, const char *type, json_t *ev);
/* Makes a JSON string from possibly invalid UTF-8 (invalid bytes -> U+FFFD). */
json_t *agent__jstr(const char *s, size_t n);
/* Reserves event seqs in the session's metadata so a crash never reuses one. */
void agent__seq_reserve(agent_run *run, bool at_end);

/* Prints events for a person (the terminal); ctx is a FILE *. */
void agent__print_event(FILE *out, const json_t *ev, bool color);

/* ---------------------------------------------------------- approvals.c */

/* Asks the user (approval_request), waits for agent_run_approve, a timeout,
 * the run deadline or cancellation; emits approval_result. *out_msg gets a
 * bx_malloc'd deny message or NULL. Returns the answer. */
agent_answer agent__ask_approval(agent_run *run, const char *call_id, const char *tool,
                                 const json_t *input, const char *reason, char **out_msg);
/* Asks a question (ask_user); *out_answer gets a bx_malloc'd answer.
 * BX_TIMEOUT, BX_CANCELLED, or BX_UNSUPPORTED when nobody can answer. */
bx_err agent__ask_question(agent_run *run, const char *question, const json_t *options,
                           char **out_answer);
/* Adds an allow rule for this call (tool or tool(subject)) to the run and
 * to settings. */
void agent__allow_always(agent_run *run, const char *tool, const json_t *input);

/* ----------------------------------------------------------- builtins.c */

/* Creates the built-in tools into run->builtins. */
void agent__builtins_init(agent_run *run);
void agent__builtins_release(agent_run *run);
bool agent__is_builtin(const char *name);

/* -------------------------------------------------------------- compact.c */

/* Summarises older messages through the model when the context is above
 * the threshold (or always when force). Returns BX_OK when it compacted,
 * BX_NOTFOUND when there was nothing to do, another code when it failed. */
bx_err agent__compact(agent_run *run, bool force);
/* A cheap token estimate of a JSON value (bytes / 4). */
int64_t agent__estimate_tokens(const json_t *v);
/* The context size now: provider usage plus an estimate of what came after. */
int64_t agent__context_estimate(const agent_run *run);
/* Where a cut before message i keeps every tool_use with its tool_result. */
bool agent__is_boundary(const json_t *messages, size_t i);

/* ----------------------------------------------------------------- loop.c */

/* Appends a message to the context and the store; steals msg. */
void agent__append_message(agent_run *run, json_t *msg, const llm_usage *usage);
/* The tools offered now (built-ins first); fills a vec of const agent_tool *. */
void agent__offered_tools(agent_run *run, bx_vec *out);
/* The effective context window (catalog, else 128k). */
int64_t agent__context_window(const agent_run *run);

#endif
