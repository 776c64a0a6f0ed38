/* decoder.c: the protocol-independent half of encoding and decoding. It
 * parses each SSE event's JSON once and hands it to the adapter, keeps the
 * neutral event order, and classifies HTTP error responses (with each
 * provider's context-length wording) into bx_err codes carrying the
 * provider's own message.
 */
#include "llm/llm_int.h"

#include <stdio.h>
#include <string.h>

const llm__adapter *llm__adapter_for(llm_api api)
{
    switch (api) {
    case LLM_API_OPENAI_CHAT: return &llm__openai_chat;
    case LLM_API_OPENAI_RESPONSES: return &llm__openai_responses;
    case LLM_API_ANTHROPIC: return &llm__anthropic;
    case LLM_API_GEMINI: return &llm__gemini;
    }
    return &llm__openai_chat;
}

/* ---------------------------------------------------------------- emitting */

bx_err llm__emit(llm_decoder *d, llm_event *ev)
{
    if (d->cancelled)
        return BX_CANCELLED;
    if (d->done)
        return BX_OK; /* nothing after the terminal event */
    d->emitted = true;
    if (ev->type == LLM_EV_STOP || ev->type == LLM_EV_ERROR)
        d->done = true;
    if (d->sink(d->ctx, ev) != 0) {
        d->cancelled = true;
        return BX_CANCELLED;
    }
    return BX_OK;
}

bx_err llm__start(llm_decoder *d, const char *id, const char *model)
{
    if (d->started)
        return BX_OK;
    d->started = true;
    llm_event ev = {.type = LLM_EV_MESSAGE_START, .id = id ? id : "",
                    .text = bx_slice_from(model ? model : "")};
    return llm__emit(d, &ev);
}

bx_err llm__text(llm_decoder *d, llm_event_type type, const char *s, size_t n)
{
    if (n == 0 && type != LLM_EV_THINKING_SIGNATURE && type != LLM_EV_REDACTED_THINKING)
        return BX_OK;
    bx_err err = llm__start(d, "", "");
    if (err)
        return err;
    llm_event ev = {.type = type, .text = {s, n}};
    return llm__emit(d, &ev);
}

bx_err llm__call_start(llm_decoder *d, int slot, const char *id, const char *name)
{
    if (slot < 0 || slot >= LLM__SLOTS)
        return llm__fail(d, BX_PROTOCOL, 0, "tool call index %d out of range", slot);
    bx_err err = llm__start(d, "", "");
    if (err)
        return err;
    d->kind[slot] = LLM__SLOT_TOOL;
    d->call[slot] = d->n_calls++;
    d->open[slot] = true;
    d->saw_tool = true;
    llm_event ev = {.type = LLM_EV_TOOL_CALL_START, .index = d->call[slot], .id = id ? id : "",
                    .name = name ? name : ""};
    return llm__emit(d, &ev);
}

bx_err llm__call_delta(llm_decoder *d, int slot, const char *s, size_t n)
{
    if (slot < 0 || slot >= LLM__SLOTS || !d->open[slot])
        return llm__fail(d, BX_PROTOCOL, 0, "arguments for a tool call that was not started");
    if (n == 0)
        return BX_OK;
    llm_event ev = {.type = LLM_EV_TOOL_CALL_DELTA, .index = d->call[slot], .text = {s, n}};
    return llm__emit(d, &ev);
}

bx_err llm__call_end(llm_decoder *d, int slot)
{
    if (slot < 0 || slot >= LLM__SLOTS || !d->open[slot])
        return BX_OK;
    d->open[slot] = false;
    llm_event ev = {.type = LLM_EV_TOOL_CALL_END, .index = d->call[slot]};
    return llm__emit(d, &ev);
}

bx_err llm__close_calls(llm_decoder *d)
{
    /* in ordinal order, which is the order they were started */
    for (int ord = 0; ord < d->n_calls; ord++)
        for (int s = 0; s < LLM__SLOTS; s++)
            if (d->open[s] && d->call[s] == ord) {
                bx_err err = llm__call_end(d, s);
                if (err)
                    return err;
            }
    return BX_OK;
}

bx_err llm__finish_ok(llm_decoder *d, llm_stop_reason stop)
{
    if (d->done)
        return BX_OK;
    bx_err err = llm__start(d, "", "");
    if (!err)
        err = llm__close_calls(d);
    if (!err && d->have_usage) {
        llm_event ev = {.type = LLM_EV_USAGE, .usage = d->usage};
        err = llm__emit(d, &ev);
    }
    if (err)
        return err;
    if (stop == LLM_STOP_END_TURN && d->saw_tool)
        stop = LLM_STOP_TOOL_USE;
    d->finished = true;
    llm_event ev = {.type = LLM_EV_STOP, .stop = stop};
    return llm__emit(d, &ev);
}

bx_err llm__fail(llm_decoder *d, bx_err err, int status, const char *fmt, ...)
{
    if (d->done || d->cancelled)
        return d->cancelled ? BX_CANCELLED : err;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    llm_event ev = {.type = LLM_EV_ERROR, .err = err, .status = status,
                    .text = bx_slice_from(msg)};
    bx_err e2 = llm__emit(d, &ev);
    return e2 == BX_CANCELLED ? e2 : err;
}

/* ---------------------------------------------------------------- decoder */

llm_decoder *llm_decoder_new(const llm_provider *p, llm_sink_fn sink, void *ctx)
{
    llm_decoder *d = bx_calloc(1, sizeof(*d));
    d->p = p;
    d->sink = sink;
    d->ctx = ctx;
    bx_buf_init(&d->scratch, p->max_event_bytes ? p->max_event_bytes : (8u << 20));
    return d;
}

void llm_decoder_free(llm_decoder *d)
{
    if (!d)
        return;
    bx_buf_release(&d->scratch);
    bx_free(d);
}

bool llm_decoder_emitted(const llm_decoder *d) { return d->emitted; }
bool llm_decoder_done(const llm_decoder *d) { return d->done; }

bx_err llm_decoder_sse(llm_decoder *d, const llm_sse_event *ev)
{
    if (d->cancelled)
        return BX_CANCELLED;
    if (d->done)
        return BX_OK;
    const llm__adapter *a = llm__adapter_for(d->p->api);
    bx_slice data = bx_slice_trim(ev->data);
    if (data.len == 0)
        return BX_OK;
    if ((data.ptr[0] != '{' && data.ptr[0] != '[') || bx_slice_eq_cstr(data, "[DONE]"))
        return a->event(d, ev->event, NULL, data); /* [DONE] and the like */
    json_error_t je;
    json_t *doc = json_loadb(data.ptr, data.len, 0, &je);
    if (!doc)
        return llm__fail(d, BX_PROTOCOL, 0, "malformed JSON in the stream (column %d): %s",
                         je.column, je.text);
    bx_err err = a->event(d, ev->event, doc, data);
    json_decref(doc);
    return err;
}

bx_err llm_decoder_body(llm_decoder *d, const char *body, size_t len)
{
    json_error_t je;
    json_t *doc = json_loadb(body, len, 0, &je);
    if (!doc)
        return llm__fail(d, BX_PROTOCOL, 0, "malformed JSON response: %s", je.text);
    bx_err err = llm__adapter_for(d->p->api)->body(d, doc);
    json_decref(doc);
    if (!err && !d->done)
        err = llm__fail(d, BX_PROTOCOL, 0, "response had no result");
    return err;
}

bx_err llm_decoder_finish(llm_decoder *d)
{
    if (d->cancelled)
        return BX_CANCELLED;
    if (d->done)
        return BX_OK;
    const llm__adapter *a = llm__adapter_for(d->p->api);
    if (a->finish) {
        bx_err err = a->finish(d);
        if (err || d->done)
            return err;
    }
    return llm__fail(d, BX_NETWORK, 0, "the stream ended before the response was complete");
}

/* ---------------------------------------------------------------- errors */

static bool has_ci(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

static bool context_message(const char *code, const char *type, const char *msg)
{
    if (code && (strcmp(code, "context_length_exceeded") == 0 ||
                 strcmp(code, "string_above_max_length") == 0))
        return true;
    BX_UNUSED(type);
    return has_ci(msg, "prompt is too long") ||           /* Anthropic */
           has_ci(msg, "maximum context length") ||       /* OpenAI chat */
           has_ci(msg, "context window") ||               /* Responses, others */
           has_ci(msg, "context_length_exceeded") ||
           has_ci(msg, "exceeds the maximum number of tokens") || /* Gemini */
           has_ci(msg, "input token count") ||
           has_ci(msg, "too many tokens") ||
           has_ci(msg, "context length");
}

bx_err llm_classify_error(llm_api api, int status, const char *body, size_t len, bx_buf *msg)
{
    BX_UNUSED(api);
    json_t *doc = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *err = json_is_array(doc) ? json_object_get(json_array_get(doc, 0), "error")
                                     : json_object_get(doc, "error");
    const char *message = NULL, *code = NULL, *type = NULL;
    if (json_is_object(err)) {
        message = jx_str(err, "message", NULL);
        code = jx_str(err, "code", NULL);
        type = jx_str(err, "type", NULL);
        if (!type)
            type = jx_str(err, "status", NULL); /* Gemini */
    } else if (json_is_string(err)) {
        message = json_string_value(err);
    } else if (doc) {
        message = jx_str(doc, "message", NULL);
    }
    bx_buf_reset(msg);
    if (message)
        bx_buf_puts(msg, message);
    else if (body && len)
        bx_buf_append(msg, body, BX_MIN(len, (size_t)512));
    else
        bx_buf_printf(msg, "HTTP %d", status);

    bx_err code_out;
    if (context_message(code, type, message))
        code_out = BX_CONTEXT;
    else if (status == 401 || status == 403 || has_ci(message, "API key not valid") || (type && strcmp(type, "authentication_error") == 0) ||
             (type && strcmp(type, "permission_error") == 0) ||
             (type && strcmp(type, "UNAUTHENTICATED") == 0))
        code_out = BX_AUTH;
    else if (status == 429 || (type && (strcmp(type, "rate_limit_error") == 0 ||
                                        strcmp(type, "RESOURCE_EXHAUSTED") == 0)))
        code_out = BX_RATELIMIT;
    else if (status >= 500 || status == 529 || (type && (strcmp(type, "overloaded_error") == 0 ||
                                                         strcmp(type, "api_error") == 0 ||
                                                         strcmp(type, "server_error") == 0)))
        code_out = BX_SERVER;
    else if (status == 408)
        code_out = BX_TIMEOUT;
    else if (status == 0)
        code_out = BX_SERVER; /* an error event inside a 200 stream */
    else
        code_out = BX_INVALID;
    json_decref(doc);
    return code_out;
}

/* --------------------------------------------------------------- encoding */

void llm_http_request_init(llm_http_request *h)
{
    bx_buf_init(&h->url, 64 * 1024);
    bx_vec_init(&h->headers, sizeof(char *));
    bx_buf_init(&h->body, BX_BUF_UNLIMITED);
}

void llm_http_request_release(llm_http_request *h)
{
    bx_buf_release(&h->url);
    for (size_t i = 0; i < h->headers.len; i++)
        bx_free(BX_VEC_AT(&h->headers, char *, i));
    bx_vec_release(&h->headers);
    bx_buf_release(&h->body);
}

void llm__header(llm_http_request *h, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* header injection guard: no CR/LF from settings or keys */
    for (char *c = line; *c; c++)
        if (*c == '\r' || *c == '\n')
            *c = ' ';
    char *copy = bx_strdup(line);
    bx_vec_push(&h->headers, &copy);
}

void llm__common_headers(const llm_provider *p, const llm_request *req, llm_http_request *h)
{
    llm__header(h, "Content-Type: application/json");
    llm__header(h, "Accept: %s", req->stream ? "text/event-stream" : "application/json");
    llm__header(h, "User-Agent: boxagnts/%s", BX_VERSION);
    if (p->headers) {
        const char *k;
        json_t *v;
        json_object_foreach(p->headers, k, v) {
            if (json_is_string(v))
                llm__header(h, "%s: %s", k, json_string_value(v));
        }
    }
}

bx_err llm__set_body(llm_http_request *h, json_t *body, bx_error *detail)
{
    bx_buf_reset(&h->body);
    bx_err err = llm__dump(body, &h->body);
    json_decref(body);
    if (err)
        return bx_error_set(detail, err, -1, "cannot encode the request body (invalid UTF-8?)");
    return BX_OK;
}

const char *llm__tool_name_for(const llm_request *req, const char *id)
{
    if (!id)
        return "";
    for (size_t i = 0; i < req->n_messages; i++)
        for (size_t k = 0; k < req->messages[i].n_blocks; k++) {
            const llm_block *b = &req->messages[i].blocks[k];
            if (b->type == LLM_BLOCK_TOOL_USE && b->id && strcmp(b->id, id) == 0)
                return b->name ? b->name : "";
        }
    return "";
}

char *llm__args_string(const json_t *input)
{
    if (!input)
        return strdup("{}");
    char *s = json_dumps(input, JSON_COMPACT | JSON_PRESERVE_ORDER);
    return s ? s : strdup("{}");
}

int64_t llm__max_tokens(const llm_provider *p, const llm_request *req)
{
    if (req->max_tokens > 0)
        return req->max_tokens;
    if (req->model) {
        char spec[256];
        snprintf(spec, sizeof(spec), "%s/%s", p->id ? p->id : "", req->model);
        llm_model_info mi;
        if (llm_model_lookup(spec, NULL, &mi) == BX_OK && mi.max_output > 0)
            return BX_MIN(mi.max_output, (int64_t)32000);
    }
    return 4096;
}

bx_err llm_encode(const llm_provider *p, const llm_request *req, llm_http_request *out,
                  bx_error *detail)
{
    if (!req->model || !*req->model)
        return bx_error_set(detail, BX_INVALID, -1, "the request names no model");
    if (!p->base_url || !*p->base_url)
        return bx_error_set(detail, BX_INVALID, -1, "provider '%s' has no base URL",
                            p->id ? p->id : "?");
    return llm__adapter_for(p->api)->encode(p, req, out, detail);
}
