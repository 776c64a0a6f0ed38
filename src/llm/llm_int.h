/* llm_int.h: internals shared by the llm files (prefix llm__). The adapter
 * vtable, the decoder state every adapter writes into, and the emit helpers
 * that keep the neutral event order (tool calls closed before USAGE, USAGE
 * before STOP, STOP or ERROR last and only once).
 */
#ifndef BX_LLM_INT_H
#define BX_LLM_INT_H

#include "llm/llm.h"

#define LLM__SLOTS 256 /* provider-side block/tool indexes we track */

enum { LLM__SLOT_NONE = 0, LLM__SLOT_TEXT, LLM__SLOT_THINKING, LLM__SLOT_TOOL, LLM__SLOT_OTHER };

struct llm_decoder {
    const llm_provider *p;
    llm_sink_fn sink;
    void *ctx;
    bool emitted;   /* an event reached the sink */
    bool done;      /* STOP or ERROR delivered */
    bool cancelled; /* the sink asked to stop */
    bool started;   /* MESSAGE_START delivered */
    bool finished;  /* the provider said the response is complete */
    bool saw_tool;
    int n_calls;                   /* neutral tool call ordinals handed out */
    unsigned char kind[LLM__SLOTS]; /* provider index -> LLM__SLOT_* */
    int call[LLM__SLOTS];          /* provider index -> neutral ordinal */
    bool open[LLM__SLOTS];         /* a tool call started and not ended */
    llm_usage usage;
    bool have_usage;
    llm_stop_reason stop;
    bx_buf scratch;
};

typedef struct llm__adapter {
    bx_err (*encode)(const llm_provider *p, const llm_request *req, llm_http_request *out,
                     bx_error *detail);
    /* one parsed SSE event; data is NULL for a non-JSON payload like [DONE] */
    bx_err (*event)(llm_decoder *d, bx_slice name, json_t *data, bx_slice raw);
    bx_err (*body)(llm_decoder *d, json_t *doc);
    bx_err (*finish)(llm_decoder *d); /* may be NULL */
} llm__adapter;

extern const llm__adapter llm__openai_chat;
extern const llm__adapter llm__openai_responses;
extern const llm__adapter llm__anthropic;
extern const llm__adapter llm__gemini;
const llm__adapter *llm__adapter_for(llm_api api);

/* Emit helpers: each returns BX_CANCELLED when the sink said stop. */
bx_err llm__emit(llm_decoder *d, llm_event *ev);
bx_err llm__start(llm_decoder *d, const char *id, const char *model);
bx_err llm__text(llm_decoder *d, llm_event_type type, const char *s, size_t n);
/* Starts a tool call for provider slot `slot`; returns its ordinal via ev. */
bx_err llm__call_start(llm_decoder *d, int slot, const char *id, const char *name);
bx_err llm__call_delta(llm_decoder *d, int slot, const char *s, size_t n);
bx_err llm__call_end(llm_decoder *d, int slot);
bx_err llm__close_calls(llm_decoder *d);
/* Closes open calls, sends USAGE (when known) then STOP; marks done. */
bx_err llm__finish_ok(llm_decoder *d, llm_stop_reason stop);
/* Sends ERROR (once) and marks done; returns err. */
bx_err llm__fail(llm_decoder *d, bx_err err, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Encoding helpers. */
void llm__header(llm_http_request *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void llm__common_headers(const llm_provider *p, const llm_request *req, llm_http_request *h);
bx_err llm__set_body(llm_http_request *h, json_t *body, bx_error *detail); /* steals body */
/* Compact JSON of v appended to out, object keys in insertion order;
 * BX_INVALID on invalid UTF-8 (out unchanged). */
bx_err llm__dump(const json_t *v, bx_buf *out);
/* A JSON string of s without jansson's UTF-8 check (llm__dump validates):
 * for large message text on the per-request path. NULL counts as "". */
json_t *llm__str(const char *s);
void llm__set_str(json_t *obj, const char *key, const char *s);
/* The tool name a tool_result answers, found among earlier tool_use blocks. */
const char *llm__tool_name_for(const llm_request *req, const char *id);
/* JSON text of a tool_use input ("{}" when NULL); free with free(). */
char *llm__args_string(const json_t *input);
/* Max tokens to send: req->max_tokens, else the catalog's, else 4096. */
int64_t llm__max_tokens(const llm_provider *p, const llm_request *req);

#endif
