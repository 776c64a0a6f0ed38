/* anthropic.c: the Anthropic Messages protocol. Requests carry content
 * blocks much like our own (thinking blocks go back with their signatures;
 * prompt caching marks the system prompt, the tools and the latest turn with
 * cache_control). The stream is named events: message_start,
 * content_block_start/delta/stop by block index, message_delta with the stop
 * reason and output usage, message_stop; `error` events carry overloads.
 */
#include "llm/llm_int.h"

#include <stdlib.h>
#include <string.h>

static json_t *ephemeral(void) { return json_pack("{s:s}", "type", "ephemeral"); }

static json_t *block_json(const llm_block *b)
{
    json_t *o = json_object();
    switch (b->type) {
    case LLM_BLOCK_TEXT:
        llm__set_str(o, "type", "text");
        llm__set_str(o, "text", b->text ? b->text : "");
        break;
    case LLM_BLOCK_IMAGE:
        llm__set_str(o, "type", "image");
        json_object_set_new(o, "source",
                            json_pack("{s:s,s:s,s:s}", "type", "base64", "media_type",
                                      b->media_type ? b->media_type : "image/png", "data",
                                      b->data ? b->data : ""));
        break;
    case LLM_BLOCK_TOOL_USE:
        llm__set_str(o, "type", "tool_use");
        llm__set_str(o, "id", b->id ? b->id : "");
        llm__set_str(o, "name", b->name ? b->name : "");
        json_object_set_new(o, "input", b->input ? json_deep_copy(b->input) : json_object());
        break;
    case LLM_BLOCK_TOOL_RESULT:
        llm__set_str(o, "type", "tool_result");
        llm__set_str(o, "tool_use_id", b->id ? b->id : "");
        llm__set_str(o, "content", b->text ? b->text : "");
        if (b->is_error)
            jx_set_bool(o, "is_error", true);
        break;
    case LLM_BLOCK_THINKING:
        if (!b->signature) { /* unsigned thinking cannot be sent back */
            json_decref(o);
            return NULL;
        }
        llm__set_str(o, "type", "thinking");
        llm__set_str(o, "thinking", b->text ? b->text : "");
        llm__set_str(o, "signature", b->signature);
        break;
    case LLM_BLOCK_REDACTED_THINKING:
        llm__set_str(o, "type", "redacted_thinking");
        llm__set_str(o, "data", b->data ? b->data : "");
        break;
    }
    return o;
}

static int64_t effort_budget(const char *effort)
{
    if (!effort)
        return 0;
    if (strcmp(effort, "low") == 0)
        return 2048;
    if (strcmp(effort, "high") == 0)
        return 24576;
    return 8192;
}

static bx_err encode(const llm_provider *p, const llm_request *req, llm_http_request *out,
                     bx_error *detail)
{
    json_t *body = json_object();
    llm__set_str(body, "model", req->model);
    int64_t max = llm__max_tokens(p, req);
    int64_t budget = req->thinking_budget > 0 ? req->thinking_budget : effort_budget(req->reasoning_effort);
    if (budget > 0 && budget < 1024)
        budget = 1024; /* the documented minimum */
    if (budget > 0 && max <= budget)
        max = budget + 4096;
    jx_set_int(body, "max_tokens", max);
    if (req->system && *req->system) {
        json_t *s = json_pack("{s:s,s:s}", "type", "text", "text", req->system);
        if (req->cache)
            json_object_set_new(s, "cache_control", ephemeral());
        json_object_set_new(body, "system", json_pack("[o]", s));
    }
    json_t *msgs = json_array();
    for (size_t i = 0; i < req->n_messages; i++) {
        const llm_message *m = &req->messages[i];
        json_t *content = json_array();
        /* tool results first: the API wants them at the start of a user turn */
        for (int pass = 0; pass < 2; pass++)
            for (size_t k = 0; k < m->n_blocks; k++) {
                const llm_block *b = &m->blocks[k];
                if ((b->type == LLM_BLOCK_TOOL_RESULT) != (pass == 0))
                    continue;
                json_t *bj = block_json(b);
                if (bj)
                    json_array_append_new(content, bj);
            }
        if (json_array_size(content) == 0) {
            json_decref(content);
            continue;
        }
        if (req->cache && i + 1 == req->n_messages)
            json_object_set_new(json_array_get(content, json_array_size(content) - 1),
                                "cache_control", ephemeral());
        json_array_append_new(msgs, json_pack("{s:s,s:o}", "role",
                                              m->role == LLM_ROLE_USER ? "user" : "assistant",
                                              "content", content));
    }
    json_object_set_new(body, "messages", msgs);
    if (req->n_tools) {
        json_t *tools = json_array();
        for (size_t i = 0; i < req->n_tools; i++) {
            json_t *t = json_object();
            llm__set_str(t, "name", req->tools[i].name);
            if (req->tools[i].description && *req->tools[i].description)
                llm__set_str(t, "description", req->tools[i].description);
            json_object_set_new(t, "input_schema",
                                req->tools[i].schema ? json_deep_copy(req->tools[i].schema)
                                                     : json_pack("{s:s}", "type", "object"));
            if (req->cache && i + 1 == req->n_tools)
                json_object_set_new(t, "cache_control", ephemeral());
            json_array_append_new(tools, t);
        }
        json_object_set_new(body, "tools", tools);
    }
    if (budget > 0)
        json_object_set_new(body, "thinking",
                            json_pack("{s:s,s:I}", "type", "enabled", "budget_tokens", (json_int_t)budget));
    else if (req->temperature >= 0) /* thinking does not allow a temperature */
        json_object_set_new(body, "temperature", json_real(req->temperature));
    if (req->n_stop) {
        json_t *s = json_array();
        for (size_t i = 0; i < req->n_stop; i++)
            json_array_append_new(s, json_string(req->stop[i]));
        json_object_set_new(body, "stop_sequences", s);
    }
    if (req->stream)
        jx_set_bool(body, "stream", true);

    bx_buf_reset(&out->url);
    bx_buf_printf(&out->url, "%s/v1/messages", p->base_url);
    llm__common_headers(p, req, out);
    llm__header(out, "anthropic-version: 2023-06-01");
    if (p->api_key && *p->api_key)
        llm__header(out, "x-api-key: %s", p->api_key);
    return llm__set_body(out, body, detail);
}

static llm_stop_reason map_stop(const char *r)
{
    if (!r)
        return LLM_STOP_NONE;
    if (strcmp(r, "end_turn") == 0 || strcmp(r, "pause_turn") == 0)
        return LLM_STOP_END_TURN;
    if (strcmp(r, "max_tokens") == 0 || strcmp(r, "model_context_window_exceeded") == 0)
        return LLM_STOP_MAX_TOKENS;
    if (strcmp(r, "tool_use") == 0)
        return LLM_STOP_TOOL_USE;
    if (strcmp(r, "stop_sequence") == 0)
        return LLM_STOP_STOP_SEQUENCE;
    if (strcmp(r, "refusal") == 0)
        return LLM_STOP_REFUSAL;
    return LLM_STOP_OTHER;
}

/* Usage fields arrive in message_start and (cumulatively) in message_delta. */
static void read_usage(llm_decoder *d, const json_t *u)
{
    if (!json_is_object(u))
        return;
    json_t *v;
    if ((v = json_object_get(u, "input_tokens")) && json_is_integer(v))
        d->usage.input_tokens = json_integer_value(v);
    if ((v = json_object_get(u, "output_tokens")) && json_is_integer(v))
        d->usage.output_tokens = json_integer_value(v);
    if ((v = json_object_get(u, "cache_read_input_tokens")) && json_is_integer(v))
        d->usage.cache_read_tokens = json_integer_value(v);
    if ((v = json_object_get(u, "cache_creation_input_tokens")) && json_is_integer(v))
        d->usage.cache_write_tokens = json_integer_value(v);
    d->have_usage = true;
}

static bx_err error_event(llm_decoder *d, const json_t *doc, int status)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    bx_buf msg;
    bx_buf_init(&msg, 4096);
    bx_err code = llm_classify_error(LLM_API_ANTHROPIC, status, text, text ? strlen(text) : 0, &msg);
    free(text);
    bx_err err = llm__fail(d, code, status, "%s", msg.data);
    bx_buf_release(&msg);
    return err;
}

/* whole: the block comes from a non-streamed body, complete with its input */
static bx_err block_start(llm_decoder *d, int idx, const json_t *cb, bool whole)
{
    if (idx < 0 || idx >= LLM__SLOTS)
        return llm__fail(d, BX_PROTOCOL, 0, "content block index %d out of range", idx);
    const char *type = jx_str(cb, "type", "");
    if (strcmp(type, "text") == 0) {
        d->kind[idx] = LLM__SLOT_TEXT;
        const char *t = jx_str(cb, "text", "");
        return llm__text(d, LLM_EV_TEXT_DELTA, t, strlen(t));
    }
    if (strcmp(type, "thinking") == 0) {
        d->kind[idx] = LLM__SLOT_THINKING;
        const char *t = jx_str(cb, "thinking", "");
        return llm__text(d, LLM_EV_THINKING_DELTA, t, strlen(t));
    }
    if (strcmp(type, "redacted_thinking") == 0) {
        d->kind[idx] = LLM__SLOT_OTHER;
        const char *t = jx_str(cb, "data", "");
        return llm__text(d, LLM_EV_REDACTED_THINKING, t, strlen(t));
    }
    if (strcmp(type, "tool_use") == 0) {
        bx_err err = llm__call_start(d, idx, jx_str(cb, "id", ""), jx_str(cb, "name", ""));
        /* a non-streamed input (or a non-empty one in the start event) */
        json_t *input = jx_obj(cb, "input");
        if (!err && input && (whole || json_object_size(input))) {
            char *a = llm__args_string(input);
            err = llm__call_delta(d, idx, a, strlen(a));
            free(a);
        }
        return err;
    }
    d->kind[idx] = LLM__SLOT_OTHER; /* server tools and future kinds: ignored */
    return BX_OK;
}

static bx_err block_delta(llm_decoder *d, int idx, const json_t *delta)
{
    if (idx < 0 || idx >= LLM__SLOTS)
        return llm__fail(d, BX_PROTOCOL, 0, "content block index %d out of range", idx);
    const char *type = jx_str(delta, "type", "");
    json_t *v;
    if (strcmp(type, "text_delta") == 0 && (v = json_object_get(delta, "text")))
        return llm__text(d, LLM_EV_TEXT_DELTA, json_string_value(v), json_string_length(v));
    if (strcmp(type, "thinking_delta") == 0 && (v = json_object_get(delta, "thinking")))
        return llm__text(d, LLM_EV_THINKING_DELTA, json_string_value(v), json_string_length(v));
    if (strcmp(type, "signature_delta") == 0 && (v = json_object_get(delta, "signature")))
        return llm__text(d, LLM_EV_THINKING_SIGNATURE, json_string_value(v), json_string_length(v));
    if (strcmp(type, "input_json_delta") == 0 && (v = json_object_get(delta, "partial_json")))
        return llm__call_delta(d, idx, json_string_value(v), json_string_length(v));
    return BX_OK;
}

static bx_err event(llm_decoder *d, bx_slice name, json_t *data, bx_slice raw)
{
    BX_UNUSED(name);
    if (!data)
        return llm__fail(d, BX_PROTOCOL, 0, "unexpected data in the stream: %.*s",
                         (int)BX_MIN(raw.len, (size_t)80), raw.ptr);
    const char *type = jx_str(data, "type", "");
    if (strcmp(type, "message_start") == 0) {
        json_t *m = jx_obj(data, "message");
        read_usage(d, jx_obj(m, "usage"));
        return llm__start(d, jx_str(m, "id", ""), jx_str(m, "model", ""));
    }
    if (strcmp(type, "content_block_start") == 0)
        return block_start(d, (int)jx_int(data, "index", -1), jx_obj(data, "content_block"), false);
    if (strcmp(type, "content_block_delta") == 0)
        return block_delta(d, (int)jx_int(data, "index", -1), jx_obj(data, "delta"));
    if (strcmp(type, "content_block_stop") == 0) {
        int idx = (int)jx_int(data, "index", -1);
        return llm__call_end(d, idx);
    }
    if (strcmp(type, "message_delta") == 0) {
        read_usage(d, jx_obj(data, "usage"));
        llm_stop_reason s = map_stop(jx_str(jx_obj(data, "delta"), "stop_reason", NULL));
        if (s != LLM_STOP_NONE)
            d->stop = s;
        return BX_OK;
    }
    if (strcmp(type, "message_stop") == 0)
        return llm__finish_ok(d, d->stop != LLM_STOP_NONE ? d->stop : LLM_STOP_END_TURN);
    if (strcmp(type, "error") == 0)
        return error_event(d, data, 0);
    return BX_OK; /* ping and future events */
}

static bx_err body(llm_decoder *d, json_t *doc)
{
    if (strcmp(jx_str(doc, "type", ""), "error") == 0)
        return error_event(d, doc, 0);
    read_usage(d, jx_obj(doc, "usage"));
    bx_err err = llm__start(d, jx_str(doc, "id", ""), jx_str(doc, "model", ""));
    json_t *content = jx_arr(doc, "content");
    size_t i;
    json_t *cb;
    json_array_foreach(content, i, cb) {
        if (err)
            return err;
        if (i >= LLM__SLOTS)
            break;
        const char *type = jx_str(cb, "type", "");
        err = block_start(d, (int)i, cb, true);
        if (!err && strcmp(type, "thinking") == 0 && jx_str(cb, "signature", NULL)) {
            const char *s = jx_str(cb, "signature", "");
            err = llm__text(d, LLM_EV_THINKING_SIGNATURE, s, strlen(s));
        }
        if (!err)
            err = llm__call_end(d, (int)i);
    }
    if (err)
        return err;
    return llm__finish_ok(d, map_stop(jx_str(doc, "stop_reason", "end_turn")));
}

const llm__adapter llm__anthropic = {encode, event, body, NULL};
