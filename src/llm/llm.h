/* llm: talking to models (level 4). One provider-neutral model of requests
 * and streamed events, adapters for each wire protocol (OpenAI Chat
 * Completions and its many compatible services, OpenAI Responses, Anthropic
 * Messages, Gemini), an incremental SSE parser, streaming over libcurl with
 * timeouts, retries and cancellation, provider configuration and the model
 * catalog with cost. The central idea: every protocol is decoded into the
 * same small event stream (llm_event) delivered to a callback sink, so the
 * agent and the gateway never see a provider's wire format.
 * Design notes: docs/llm.md.
 * Thread-safety: a call runs on the caller's thread; llm_cancel_request() may
 * be called from any thread. Catalog and config functions are reentrant.
 */
#ifndef BX_LLM_H
#define BX_LLM_H

#include <pthread.h>
#include <stdatomic.h>

#include "json/json.h"
#include "util/util.h"
#include "workspace/workspace.h"

/* ------------------------------------------------------------ the model */

typedef enum llm_block_type {
    LLM_BLOCK_TEXT,
    LLM_BLOCK_IMAGE,
    LLM_BLOCK_TOOL_USE,
    LLM_BLOCK_TOOL_RESULT,
    LLM_BLOCK_THINKING,
    LLM_BLOCK_REDACTED_THINKING,
} llm_block_type;

/* One content block. Every pointer is borrowed: the caller keeps the
 * strings and JSON alive for the duration of the call. */
typedef struct llm_block {
    llm_block_type type;
    const char *text;       /* TEXT, THINKING (the reasoning), TOOL_RESULT (its output) */
    const char *signature;  /* THINKING: provider signature to send back; may be NULL */
    const char *data;       /* IMAGE: base64 bytes; REDACTED_THINKING: opaque data */
    const char *media_type; /* IMAGE: "image/png", ... */
    const char *id;         /* TOOL_USE: call id; TOOL_RESULT: the id it answers */
    const char *name;       /* TOOL_USE: tool name */
    const json_t *input;    /* TOOL_USE: arguments (an object) */
    bool is_error;          /* TOOL_RESULT: the tool failed */
} llm_block;

typedef enum llm_role { LLM_ROLE_USER, LLM_ROLE_ASSISTANT } llm_role;

typedef struct llm_message {
    llm_role role;
    const llm_block *blocks; /* n_blocks blocks, borrowed */
    size_t n_blocks;
} llm_message;

typedef struct llm_tool {
    const char *name;
    const char *description;
    const json_t *schema; /* JSON Schema of the input object; NULL = {} */
} llm_tool;

/* Unset numeric options are negative. */
typedef struct llm_request {
    const char *model;       /* the provider's model id (no "provider/" prefix) */
    const char *system;      /* may be NULL */
    const llm_message *messages;
    size_t n_messages;
    const llm_tool *tools;
    size_t n_tools;
    int64_t max_tokens;      /* < 0: the catalog's max output, else 4096 */
    double temperature;      /* < 0: provider default */
    const char *reasoning_effort; /* "low" | "medium" | "high" | NULL */
    int64_t thinking_budget; /* tokens for Anthropic/Gemini thinking; <= 0 off */
    const char *const *stop; /* stop sequences */
    size_t n_stop;
    bool stream;             /* false: one JSON response, decoded to the same events */
    bool cache;              /* Anthropic: cache_control on system, tools, latest turn */
} llm_request;

/* Sets the unset markers (max_tokens, temperature, thinking_budget = -1). */
void llm_request_init(llm_request *r);

/* Builds a request from the neutral JSON form documented in docs/llm.md:
 * {"model","system","messages":[{"role","content":[{"type":"text",...}]}],
 *  "tools":[{"name","description","input_schema"}],"max_tokens",...}.
 * Strings and JSON are borrowed from doc; arrays come from arena. */
bx_err llm_request_from_json(const json_t *doc, bx_arena *arena, llm_request *out,
                             bx_error *detail);

/* --------------------------------------------------------------- events */

typedef enum llm_stop_reason {
    LLM_STOP_NONE = 0,
    LLM_STOP_END_TURN,
    LLM_STOP_MAX_TOKENS,
    LLM_STOP_TOOL_USE,
    LLM_STOP_STOP_SEQUENCE,
    LLM_STOP_REFUSAL, /* content filter, safety */
    LLM_STOP_OTHER,
} llm_stop_reason;

const char *llm_stop_name(llm_stop_reason s); /* "end_turn", ... */

/* Token counts, normalised across providers: input_tokens excludes the
 * cache reads and writes (OpenAI/Gemini report them inside the prompt
 * count; we subtract), output_tokens includes reasoning_tokens. */
typedef struct llm_usage {
    int64_t input_tokens;
    int64_t output_tokens;
    int64_t cache_read_tokens;
    int64_t cache_write_tokens;
    int64_t reasoning_tokens;
} llm_usage;

typedef enum llm_event_type {
    LLM_EV_MESSAGE_START,    /* id, text = model */
    LLM_EV_TEXT_DELTA,       /* text */
    LLM_EV_THINKING_DELTA,   /* text */
    LLM_EV_THINKING_SIGNATURE, /* text = signature of the current thinking block */
    LLM_EV_REDACTED_THINKING,  /* text = opaque data */
    LLM_EV_TOOL_CALL_START,  /* index, id, name */
    LLM_EV_TOOL_CALL_DELTA,  /* index, text = a fragment of the JSON arguments */
    LLM_EV_TOOL_CALL_END,    /* index */
    LLM_EV_USAGE,            /* usage (cumulative for this response) */
    LLM_EV_STOP,             /* stop; the last event of a successful response */
    LLM_EV_ERROR,            /* err, text = message, status; the last event */
    LLM_EV_RETRY,            /* attempt, delay_ms, err, status, text = why: the previous
                              * attempt failed before any output and llm_call will try
                              * again after delay_ms. Sent before the backoff sleep and
                              * only before a response's first event; not a response
                              * event (collectors just count it) */
} llm_event_type;

const char *llm_event_name(llm_event_type t); /* "text_delta", ... */

/* One streamed event. All pointers are valid only during the callback. */
typedef struct llm_event {
    llm_event_type type;
    int index;             /* tool call ordinal within the response (0, 1, ...) */
    bx_slice text;         /* see the type; empty when unused */
    const char *id;        /* MESSAGE_START, TOOL_CALL_START; may be "" */
    const char *name;      /* TOOL_CALL_START */
    llm_usage usage;       /* USAGE */
    llm_stop_reason stop;  /* STOP */
    bx_err err;            /* ERROR: AUTH, RATELIMIT, CONTEXT, INVALID, SERVER, NETWORK, ... */
    int status;            /* ERROR, RETRY: HTTP status, 0 when none */
    int attempt;           /* RETRY: the attempt about to start (2, 3, ...) */
    int64_t delay_ms;      /* RETRY: the backoff before it (Retry-After when given) */
} llm_event;

/* The sink. Return 0 to continue; non-zero cancels the request (the call
 * then returns BX_CANCELLED without an ERROR event). */
typedef int (*llm_sink_fn)(void *ctx, const llm_event *ev);

/* Collects events into a finished assistant message: a ready-made sink for
 * callers that do not stream (and for tests). */
typedef struct llm_tool_call {
    char *id;
    char *name;
    bx_buf args; /* the JSON arguments as streamed */
} llm_tool_call;

typedef struct llm_response {
    char *id, *model;
    bx_buf text;
    bx_buf thinking;
    char *signature;          /* of the last thinking block */
    bx_vec redacted;          /* char * */
    bx_vec calls;             /* llm_tool_call */
    llm_usage usage;
    llm_stop_reason stop;
    bx_err err;               /* BX_OK unless an ERROR event came */
    int status;
    char *error;              /* the provider's message */
    size_t events;            /* how many events arrived (RETRY included) */
    int retries;              /* how many RETRY events arrived */
} llm_response;

void llm_response_init(llm_response *r);
void llm_response_release(llm_response *r);
int llm_response_sink(void *ctx, const llm_event *ev); /* ctx = llm_response * */
/* The collected message as neutral JSON {"role":"assistant","content":[...]}
 * (tool arguments parsed; invalid JSON arguments become {}). */
json_t *llm_response_message_json(const llm_response *r);

/* One event as JSON, e.g. {"type":"text_delta","text":"Hi"}: the shape of
 * the transcript tests' expectations and of `llm chat --json`. */
json_t *llm_event_json(const llm_event *ev);

/* ----------------------------------------------------------- SSE parser */

/* A byte-level incremental parser for text/event-stream (WHATWG). Feed any
 * split of the stream; it answers one event at a time. CR, LF and CRLF end
 * lines (a CRLF split across feeds counts once), `:` lines are comments,
 * multiple data lines join with "\n", a leading BOM is skipped. Bytes are
 * passed through untouched, so UTF-8 split across feeds arrives whole. An
 * event (its lines plus data) larger than max_event is an error. */
typedef enum llm_sse_status {
    LLM_SSE_NEED_MORE, /* everything consumed; feed more */
    LLM_SSE_EVENT,     /* an event is in *out; call again with the rest */
    LLM_SSE_ERROR,     /* detail says why; the parser is unusable */
} llm_sse_status;

typedef struct llm_sse_event {
    bx_slice event; /* the event type, "" when none was given */
    bx_slice data;  /* data lines joined with "\n" */
    bx_slice id;    /* last event id */
    int64_t retry;  /* retry field in ms, -1 when absent */
} llm_sse_event;

typedef struct llm_sse {
    bx_buf line;      /* a partial line carried across feeds */
    bx_buf data;      /* data of the event being built */
    bx_buf event;     /* its type */
    bx_buf id;        /* last event id (persists across events) */
    int64_t retry;
    size_t max_event; /* cap on one event's bytes */
    size_t event_bytes; /* bytes of the current event so far */
    bool skip_lf;     /* the last byte seen was a CR */
    bool started;     /* BOM check done */
    bool dispatched;  /* the previous call returned an event: reset first */
    bool failed;
} llm_sse;

void llm_sse_init(llm_sse *p, size_t max_event);
void llm_sse_release(llm_sse *p);
/* Parses from buf; *out_consumed says how many bytes were used (all of
 * them on NEED_MORE). The slices in *out stay valid until the next call. */
llm_sse_status llm_sse_feed(llm_sse *p, const char *buf, size_t len, size_t *out_consumed,
                            llm_sse_event *out, bx_error *detail);

/* ------------------------------------------------------- configuration */

typedef enum llm_api {
    LLM_API_OPENAI_CHAT,
    LLM_API_OPENAI_RESPONSES,
    LLM_API_ANTHROPIC,
    LLM_API_GEMINI,
} llm_api;

const char *llm_api_name(llm_api api); /* "openai-chat", ... */

enum llm_provider_flags {
    LLM_PF_MAX_COMPLETION_TOKENS = 1 << 0, /* send max_completion_tokens (OpenAI) */
    LLM_PF_REASONING_CONTENT = 1 << 1,     /* reasoning_content in and out (DeepSeek) */
    LLM_PF_TOOL_ID_9 = 1 << 2,             /* tool ids are 9 alphanumerics (Mistral) */
    LLM_PF_AZURE = 1 << 3,                 /* deployment URL, api-key header, api-version */
    LLM_PF_NO_KEY = 1 << 4,                /* local server: a key is optional */
    LLM_PF_STREAM_USAGE = 1 << 5,          /* stream_options.include_usage */
};

/* Everything one call needs to reach a provider. Filled by
 * llm_provider_resolve (or by hand in tests). Owned strings. */
typedef struct llm_provider {
    char *id;          /* preset or settings id: "openai", "anthropic", ... */
    llm_api api;
    unsigned flags;    /* llm_provider_flags */
    char *base_url;    /* no trailing slash */
    char *api_key;     /* may be NULL (local servers) */
    char *api_version; /* Azure */
    json_t *headers;   /* extra headers {name: value}; may be NULL */
    int64_t connect_timeout_ms;  /* default 10 s */
    int64_t first_byte_timeout_ms; /* default 120 s (thinking can be slow) */
    int64_t stall_timeout_ms;    /* default 60 s with no bytes mid-stream */
    int max_retries;             /* default 4 */
    int64_t retry_base_ms;       /* default 500 */
    int64_t retry_max_ms;        /* default 30 s; also caps Retry-After */
    size_t max_event_bytes;      /* one SSE event, default 8 MiB */
    size_t max_body_bytes;       /* a non-streamed or error body, default 32 MiB */
    size_t max_stream_bytes;     /* a whole streamed response, default 256 MiB */
    char *ca_file;               /* extra CA bundle (PEM) for https; NULL = system */
} llm_provider;

void llm_provider_init(llm_provider *p); /* defaults, OpenAI chat */
void llm_provider_release(llm_provider *p);

/* A secret by name (e.g. "ANTHROPIC_API_KEY"); returns a bx_malloc'd copy
 * or NULL. The workspace's workspace_secret() fits after a cast of ctx. */
typedef char *(*llm_secret_fn)(void *ctx, const char *name);
/* Environment lookup, getenv by default (tests pass their own). */
typedef const char *(*llm_env_fn)(void *ctx, const char *name);

/* Splits "provider/model" and fills the provider from, in order: the
 * built-in preset, settings.providers[<id>] (workspace_provider_conf; settings
 * may be NULL), then the environment
 * (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, GOOGLE_GEMINI_BASE_URL,
 * OLLAMA_HOST). Keys come from secrets (then the environment). An id that is
 * neither a preset nor in settings is BX_NOTFOUND; a preset that needs a key
 * and has none is BX_AUTH. *out_model gets a bx_malloc'd model id. */
bx_err llm_provider_resolve(const char *spec, const workspace_config *settings, llm_secret_fn secret,
                            void *secret_ctx, llm_env_fn env, void *env_ctx,
                            llm_provider *out, char **out_model, bx_error *detail);

/* Which providers can be used as things stand, for first-run guidance and
 * `boxagnts doctor`: {"ready": any, "providers": [{id, api, local, key_name?,
 * key_set, base_url?, base_url_set, openai_compatible, ready, problem?}]},
 * presets first, then providers only settings define. A cloud provider is
 * ready with a key; a local one (Ollama, llama.cpp, vLLM, ...) when its base
 * URL was set, or, with probe_ms > 0, when a server accepts a connection at
 * its default address within probe_ms. Never holds a key. New reference. */
json_t *llm_provider_status(const workspace_config *settings, llm_secret_fn secret,
                            void *secret_ctx, llm_env_fn env, void *env_ctx, int probe_ms);

/* One GET of the provider's model list with its auth headers, within
 * timeout_ms: BX_OK with the HTTP status (401/403: the key was refused)
 * and the time taken, or BX_NETWORK / BX_TIMEOUT with curl's reason. */
bx_err llm_provider_probe(const llm_provider *p, int64_t timeout_ms, int *out_status,
                          double *out_ms, bx_error *detail);

/* The secret name that holds provider id's key: settings' api_key_env, else
 * the preset's (openai-responses shares OPENAI_API_KEY). NULL for a provider
 * that is neither. Borrowed from settings or static. */
const char *llm_provider_key_env(const workspace_config *settings, const char *id);

/* The preset ids, NULL-terminated (for help and tests). */
const char *const *llm_preset_ids(void);

/* --------------------------------------------------------------- catalog */

enum llm_model_caps {
    LLM_CAP_TOOLS = 1 << 0,
    LLM_CAP_VISION = 1 << 1,
    LLM_CAP_REASONING = 1 << 2,
};

typedef struct llm_model_info {
    char name[128];          /* "provider/model" as found */
    int64_t context_window;  /* tokens */
    int64_t max_output;      /* tokens */
    double price_input;      /* USD per million tokens */
    double price_output;
    double price_cache_read;
    double price_cache_write;
    unsigned caps;           /* llm_model_caps */
} llm_model_info;

/* Looks up "provider/model" in models (the settings' overrides, catalog
 * format: workspace_config.models; may be NULL), then the built-in catalog
 * (data/models.json); a provider with no entry falls back to the same
 * model id under any provider. BX_NOTFOUND when unknown. */
bx_err llm_model_lookup(const char *spec, const json_t *models, llm_model_info *out);
/* The built-in catalog as parsed JSON (borrowed, lives until exit). */
const json_t *llm_catalog(void);
/* Cost in USD of usage at the model's prices. */
double llm_cost(const llm_model_info *m, const llm_usage *u);

/* --------------------------------------------------------------- calling */

/* A cancellation handle shared between the calling thread and any other. */
typedef struct llm_cancel {
    atomic_bool cancelled; /* also polled every <= 50 ms by the transfer loop */
    pthread_mutex_t lock;  /* guards multi */
    void *multi;           /* the running CURLM *, woken on cancel; NULL when idle */
} llm_cancel;

/* Needs no release. One handle may serve several calls in sequence. */
void llm_cancel_init(llm_cancel *c);
/* Safe from any thread: wakes the transfer, which returns BX_CANCELLED
 * at once (at most ~50 ms even if the wakeup were lost). */
void llm_cancel_request(llm_cancel *c);

/* Statistics of one call (optional out-parameter). */
typedef struct llm_call_stats {
    int attempts;          /* 1 + retries */
    int status;            /* final HTTP status (0 if none) */
    uint64_t total_ns;
    uint64_t first_byte_ns;
    size_t bytes_in;
} llm_call_stats;

/* Sends req to the provider and streams the neutral events to sink. Returns
 * BX_OK when the response ended with STOP; otherwise the error code, which
 * was also delivered as an ERROR event (except BX_CANCELLED). Retries 408,
 * 409, 429, 5xx, overloaded and connection failures while nothing has been
 * delivered to the sink; before each retry's backoff the sink gets a RETRY
 * event (err = the failure's class, e.g. RATELIMIT, SERVER, NETWORK, TIMEOUT;
 * status; text = the provider's or curl's message), and a non-zero answer
 * to it cancels the call (BX_CANCELLED). The backoff sleep polls cancel
 * every 10 ms. cancel may be NULL. */
bx_err llm_call(const llm_provider *p, const llm_request *req, llm_sink_fn sink, void *ctx,
                llm_cancel *cancel, llm_call_stats *out_stats);

/* ---------------------------------------- encoding/decoding (for tests) */

/* An encoded HTTP request: URL, header lines ("Name: value") and body. */
typedef struct llm_http_request {
    bx_buf url;
    bx_vec headers; /* char * */
    bx_buf body;
} llm_http_request;

void llm_http_request_init(llm_http_request *h);
void llm_http_request_release(llm_http_request *h);
/* Encodes req for p's protocol without sending anything. */
bx_err llm_encode(const llm_provider *p, const llm_request *req, llm_http_request *out,
                  bx_error *detail);

/* A decoder turns one response (SSE events or one JSON body) into events. */
typedef struct llm_decoder llm_decoder;
llm_decoder *llm_decoder_new(const llm_provider *p, llm_sink_fn sink, void *ctx);
void llm_decoder_free(llm_decoder *d);
/* One SSE event. BX_CANCELLED when the sink asked to stop; other errors were
 * delivered as an ERROR event. */
bx_err llm_decoder_sse(llm_decoder *d, const llm_sse_event *ev);
/* A whole non-streamed JSON body. */
bx_err llm_decoder_body(llm_decoder *d, const char *body, size_t len);
/* The stream ended: an ERROR event when no terminal event was seen. */
bx_err llm_decoder_finish(llm_decoder *d);
/* True once any event reached the sink (no more retries). */
bool llm_decoder_emitted(const llm_decoder *d);
/* True once STOP or ERROR was delivered. */
bool llm_decoder_done(const llm_decoder *d);

/* Classifies an HTTP error response: code (AUTH, RATELIMIT, CONTEXT,
 * INVALID, SERVER, ...) and the provider's own message into msg. */
bx_err llm_classify_error(llm_api api, int status, const char *body, size_t len, bx_buf *msg);

/* ------------------------------------------------------------------ CLI */

/* `boxagnts llm ping|chat ...`; argv[0] is "llm". Returns the exit code. */
int llm_cli_main(int argc, char **argv, const char *workspace_dir);

#endif
