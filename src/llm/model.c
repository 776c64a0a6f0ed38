/* model.c: the provider-neutral vocabulary: requests built from their JSON
 * form, event and stop names, an event's JSON shape, and the collector sink
 * that folds a stream of events back into one assistant message. Nothing
 * here knows any provider's wire format.
 */
#include "llm/llm.h"

#include <string.h>

void llm_request_init(llm_request *r)
{
    memset(r, 0, sizeof(*r));
    r->max_tokens = -1;
    r->temperature = -1;
    r->thinking_budget = -1;
    r->stream = true;
}

const char *llm_stop_name(llm_stop_reason s)
{
    static const char *const names[] = {"none", "end_turn", "max_tokens", "tool_use",
                                        "stop_sequence", "refusal", "other"};
    return (unsigned)s < BX_ARRAY_LEN(names) ? names[s] : "other";
}

const char *llm_event_name(llm_event_type t)
{
    static const char *const names[] = {
        "message_start", "text_delta", "thinking_delta", "thinking_signature",
        "redacted_thinking", "tool_call_start", "tool_call_delta", "tool_call_end",
        "usage", "stop", "error", "retry"};
    return (unsigned)t < BX_ARRAY_LEN(names) ? names[t] : "unknown";
}

const char *llm_api_name(llm_api api)
{
    switch (api) {
    case LLM_API_OPENAI_CHAT: return "openai-chat";
    case LLM_API_OPENAI_RESPONSES: return "openai-responses";
    case LLM_API_ANTHROPIC: return "anthropic";
    case LLM_API_GEMINI: return "gemini";
    }
    return "unknown";
}

/* ------------------------------------------------------ request from JSON */

static bx_err parse_block(const json_t *b, llm_block *out, bx_error *detail)
{
    memset(out, 0, sizeof(*out));
    const char *type = jx_str(b, "type", NULL);
    if (!type)
        return bx_error_set(detail, BX_INVALID, -1, "content block without a type");
    if (strcmp(type, "text") == 0) {
        out->type = LLM_BLOCK_TEXT;
        out->text = jx_str(b, "text", "");
    } else if (strcmp(type, "image") == 0) {
        out->type = LLM_BLOCK_IMAGE;
        out->media_type = jx_str(b, "media_type", "image/png");
        out->data = jx_str(b, "data", NULL);
        if (!out->data)
            return bx_error_set(detail, BX_INVALID, -1, "image block without data");
    } else if (strcmp(type, "tool_use") == 0) {
        out->type = LLM_BLOCK_TOOL_USE;
        out->id = jx_str(b, "id", "");
        out->name = jx_str(b, "name", NULL);
        out->input = jx_obj(b, "input");
        if (!out->name)
            return bx_error_set(detail, BX_INVALID, -1, "tool_use block without a name");
    } else if (strcmp(type, "tool_result") == 0) {
        out->type = LLM_BLOCK_TOOL_RESULT;
        out->id = jx_str(b, "tool_use_id", "");
        out->text = jx_str(b, "content", "");
        out->is_error = jx_bool(b, "is_error", false);
    } else if (strcmp(type, "thinking") == 0) {
        out->type = LLM_BLOCK_THINKING;
        out->text = jx_str(b, "thinking", "");
        out->signature = jx_str(b, "signature", NULL);
    } else if (strcmp(type, "redacted_thinking") == 0) {
        out->type = LLM_BLOCK_REDACTED_THINKING;
        out->data = jx_str(b, "data", "");
    } else {
        return bx_error_set(detail, BX_INVALID, -1, "unknown content block type '%s'", type);
    }
    return BX_OK;
}

bx_err llm_request_from_json(const json_t *doc, bx_arena *arena, llm_request *out,
                             bx_error *detail)
{
    llm_request_init(out);
    if (!json_is_object(doc))
        return bx_error_set(detail, BX_INVALID, -1, "request must be an object");
    out->model = jx_str(doc, "model", NULL);
    out->system = jx_str(doc, "system", NULL);
    out->max_tokens = jx_int(doc, "max_tokens", -1);
    out->temperature = jx_num(doc, "temperature", -1);
    out->reasoning_effort = jx_str(doc, "reasoning_effort", NULL);
    out->thinking_budget = jx_int(doc, "thinking_budget", -1);
    out->stream = jx_bool(doc, "stream", true);
    out->cache = jx_bool(doc, "cache", false);
    json_t *stop = jx_arr(doc, "stop");
    if (stop && json_array_size(stop)) {
        const char **s = bx_arena_alloc(arena, json_array_size(stop) * sizeof(*s));
        size_t n = 0, i;
        json_t *v;
        json_array_foreach(stop, i, v) {
            if (json_is_string(v))
                s[n++] = json_string_value(v);
        }
        out->stop = s;
        out->n_stop = n;
    }
    json_t *msgs = jx_arr(doc, "messages");
    size_t nm = msgs ? json_array_size(msgs) : 0;
    llm_message *m = nm ? bx_arena_alloc(arena, nm * sizeof(*m)) : NULL;
    for (size_t i = 0; i < nm; i++) {
        json_t *jm = json_array_get(msgs, i);
        const char *role = jx_str(jm, "role", "");
        if (strcmp(role, "user") == 0)
            m[i].role = LLM_ROLE_USER;
        else if (strcmp(role, "assistant") == 0)
            m[i].role = LLM_ROLE_ASSISTANT;
        else
            return bx_error_set(detail, BX_INVALID, -1, "message %zu: role must be user or assistant", i);
        json_t *content = json_object_get(jm, "content");
        if (json_is_string(content)) {
            llm_block *b = bx_arena_alloc(arena, sizeof(*b));
            b->type = LLM_BLOCK_TEXT;
            b->text = json_string_value(content);
            m[i].blocks = b;
            m[i].n_blocks = 1;
        } else if (json_is_array(content)) {
            size_t nb = json_array_size(content);
            llm_block *b = nb ? bx_arena_alloc(arena, nb * sizeof(*b)) : NULL;
            for (size_t k = 0; k < nb; k++) {
                bx_err err = parse_block(json_array_get(content, k), &b[k], detail);
                if (err)
                    return err;
            }
            m[i].blocks = b;
            m[i].n_blocks = nb;
        } else {
            return bx_error_set(detail, BX_INVALID, -1, "message %zu: content must be a string or an array", i);
        }
    }
    out->messages = m;
    out->n_messages = nm;
    json_t *tools = jx_arr(doc, "tools");
    size_t nt = tools ? json_array_size(tools) : 0;
    llm_tool *t = nt ? bx_arena_alloc(arena, nt * sizeof(*t)) : NULL;
    for (size_t i = 0; i < nt; i++) {
        json_t *jt = json_array_get(tools, i);
        t[i].name = jx_str(jt, "name", NULL);
        t[i].description = jx_str(jt, "description", "");
        t[i].schema = jx_obj(jt, "input_schema");
        if (!t[i].name)
            return bx_error_set(detail, BX_INVALID, -1, "tool %zu has no name", i);
    }
    out->tools = t;
    out->n_tools = nt;
    return BX_OK;
}

/* ------------------------------------------------------------ event JSON */

static json_t *slice_str(bx_slice s)
{
    json_t *v = json_stringn_nocheck(s.ptr ? s.ptr : "", s.len);
    return v ? v : json_string("");
}

json_t *llm_event_json(const llm_event *ev)
{
    json_t *o = json_object();
    jx_set_str(o, "type", llm_event_name(ev->type));
    switch (ev->type) {
    case LLM_EV_MESSAGE_START:
        jx_set_str(o, "id", ev->id ? ev->id : "");
        json_object_set_new(o, "model", slice_str(ev->text));
        break;
    case LLM_EV_TEXT_DELTA:
    case LLM_EV_THINKING_DELTA:
        json_object_set_new(o, "text", slice_str(ev->text));
        break;
    case LLM_EV_THINKING_SIGNATURE:
        json_object_set_new(o, "signature", slice_str(ev->text));
        break;
    case LLM_EV_REDACTED_THINKING:
        json_object_set_new(o, "data", slice_str(ev->text));
        break;
    case LLM_EV_TOOL_CALL_START:
        jx_set_int(o, "index", ev->index);
        jx_set_str(o, "id", ev->id ? ev->id : "");
        jx_set_str(o, "name", ev->name ? ev->name : "");
        break;
    case LLM_EV_TOOL_CALL_DELTA:
        jx_set_int(o, "index", ev->index);
        json_object_set_new(o, "args", slice_str(ev->text));
        break;
    case LLM_EV_TOOL_CALL_END:
        jx_set_int(o, "index", ev->index);
        break;
    case LLM_EV_USAGE:
        jx_set_int(o, "input", ev->usage.input_tokens);
        jx_set_int(o, "output", ev->usage.output_tokens);
        jx_set_int(o, "cache_read", ev->usage.cache_read_tokens);
        jx_set_int(o, "cache_write", ev->usage.cache_write_tokens);
        jx_set_int(o, "reasoning", ev->usage.reasoning_tokens);
        break;
    case LLM_EV_STOP:
        jx_set_str(o, "stop", llm_stop_name(ev->stop));
        break;
    case LLM_EV_ERROR:
        jx_set_str(o, "code", bx_err_name(ev->err));
        jx_set_int(o, "status", ev->status);
        json_object_set_new(o, "message", slice_str(ev->text));
        break;
    case LLM_EV_RETRY:
        jx_set_int(o, "attempt", ev->attempt);
        jx_set_int(o, "delay_ms", ev->delay_ms);
        jx_set_str(o, "code", bx_err_name(ev->err));
        jx_set_int(o, "status", ev->status);
        json_object_set_new(o, "message", slice_str(ev->text));
        break;
    }
    return o;
}

/* ------------------------------------------------------------- collector */

#define RESPONSE_MAX (64u << 20)

void llm_response_init(llm_response *r)
{
    memset(r, 0, sizeof(*r));
    bx_buf_init(&r->text, RESPONSE_MAX);
    bx_buf_init(&r->thinking, RESPONSE_MAX);
    bx_vec_init(&r->redacted, sizeof(char *));
    bx_vec_init(&r->calls, sizeof(llm_tool_call));
}

void llm_response_release(llm_response *r)
{
    bx_free(r->id);
    bx_free(r->model);
    bx_buf_release(&r->text);
    bx_buf_release(&r->thinking);
    bx_free(r->signature);
    for (size_t i = 0; i < r->redacted.len; i++)
        bx_free(BX_VEC_AT(&r->redacted, char *, i));
    bx_vec_release(&r->redacted);
    for (size_t i = 0; i < r->calls.len; i++) {
        llm_tool_call *c = bx_vec_at(&r->calls, i);
        bx_free(c->id);
        bx_free(c->name);
        bx_buf_release(&c->args);
    }
    bx_vec_release(&r->calls);
    bx_free(r->error);
    memset(r, 0, sizeof(*r));
}

static llm_tool_call *call_at(llm_response *r, int index)
{
    if (index < 0)
        return NULL;
    for (size_t i = 0; i < r->calls.len; i++)
        if ((int)i == index)
            return bx_vec_at(&r->calls, i);
    return NULL;
}

int llm_response_sink(void *ctx, const llm_event *ev)
{
    llm_response *r = ctx;
    r->events++;
    switch (ev->type) {
    case LLM_EV_MESSAGE_START:
        bx_free(r->id);
        bx_free(r->model);
        r->id = bx_strdup(ev->id ? ev->id : "");
        r->model = bx_strndup(ev->text.ptr ? ev->text.ptr : "", ev->text.len);
        break;
    case LLM_EV_TEXT_DELTA:
        if (bx_buf_append(&r->text, ev->text.ptr, ev->text.len) != BX_OK)
            return 1;
        break;
    case LLM_EV_THINKING_DELTA:
        if (bx_buf_append(&r->thinking, ev->text.ptr, ev->text.len) != BX_OK)
            return 1;
        break;
    case LLM_EV_THINKING_SIGNATURE:
        bx_free(r->signature);
        r->signature = bx_strndup(ev->text.ptr ? ev->text.ptr : "", ev->text.len);
        break;
    case LLM_EV_REDACTED_THINKING: {
        char *d = bx_strndup(ev->text.ptr ? ev->text.ptr : "", ev->text.len);
        bx_vec_push(&r->redacted, &d);
        break;
    }
    case LLM_EV_TOOL_CALL_START: {
        llm_tool_call c = {bx_strdup(ev->id ? ev->id : ""), bx_strdup(ev->name ? ev->name : ""),
                           {0}};
        bx_buf_init(&c.args, RESPONSE_MAX);
        bx_vec_push(&r->calls, &c);
        break;
    }
    case LLM_EV_TOOL_CALL_DELTA: {
        llm_tool_call *c = call_at(r, ev->index);
        if (c && bx_buf_append(&c->args, ev->text.ptr, ev->text.len) != BX_OK)
            return 1;
        break;
    }
    case LLM_EV_TOOL_CALL_END:
        break;
    case LLM_EV_USAGE:
        r->usage = ev->usage;
        break;
    case LLM_EV_STOP:
        r->stop = ev->stop;
        break;
    case LLM_EV_ERROR:
        r->err = ev->err;
        r->status = ev->status;
        bx_free(r->error);
        r->error = bx_strndup(ev->text.ptr ? ev->text.ptr : "", ev->text.len);
        break;
    case LLM_EV_RETRY:
        r->retries++;
        break;
    }
    return 0;
}

json_t *llm_response_message_json(const llm_response *r)
{
    json_t *msg = json_object();
    jx_set_str(msg, "role", "assistant");
    json_t *content = json_array();
    if (r->thinking.len || r->signature) {
        json_t *b = json_object();
        jx_set_str(b, "type", "thinking");
        json_object_set_new(b, "thinking", json_stringn(r->thinking.data, r->thinking.len));
        if (r->signature)
            jx_set_str(b, "signature", r->signature);
        json_array_append_new(content, b);
    }
    for (size_t i = 0; i < r->redacted.len; i++) {
        json_t *b = json_object();
        jx_set_str(b, "type", "redacted_thinking");
        jx_set_str(b, "data", BX_VEC_AT(&r->redacted, char *, i));
        json_array_append_new(content, b);
    }
    if (r->text.len) {
        json_t *b = json_object();
        jx_set_str(b, "type", "text");
        json_object_set_new(b, "text", json_stringn(r->text.data, r->text.len));
        json_array_append_new(content, b);
    }
    for (size_t i = 0; i < r->calls.len; i++) {
        const llm_tool_call *c = bx_vec_at(&r->calls, i);
        json_t *b = json_object();
        jx_set_str(b, "type", "tool_use");
        jx_set_str(b, "id", c->id);
        jx_set_str(b, "name", c->name);
        json_t *input = c->args.len ? json_loadb(c->args.data, c->args.len, 0, NULL) : NULL;
        if (!json_is_object(input)) {
            json_decref(input);
            input = json_object();
        }
        json_object_set_new(b, "input", input);
        json_array_append_new(content, b);
    }
    json_object_set_new(msg, "content", content);
    return msg;
}
