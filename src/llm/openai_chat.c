/* openai_chat.c: the Chat Completions protocol, spoken by OpenAI and by most
 * compatible services (the presets differ only in flags: max_completion_tokens,
 * DeepSeek's reasoning_content, Mistral's 9-character tool ids, Azure's
 * deployment URL and api-key header). Streamed chunks carry deltas per
 * choice; tool calls arrive by index with their arguments in fragments, the
 * finish_reason before a final usage-only chunk, and `data: [DONE]` last.
 */
#include "llm/llm_int.h"

#include <stdlib.h>
#include <string.h>

/* Mistral accepts only [A-Za-z0-9]{9} tool ids: map any other id to a stable
 * one derived from its hash, so a tool_use and its tool_result agree. */
static const char *tool_id(const llm_provider *p, const char *id, char out[10])
{
    if (!(p->flags & LLM_PF_TOOL_ID_9) || !id)
        return id ? id : "";
    size_t n = strlen(id);
    bool ok = n == 9;
    for (size_t i = 0; ok && i < n; i++)
        ok = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z') ||
             (id[i] >= 'A' && id[i] <= 'Z');
    if (ok)
        return id;
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint8_t h[32];
    bx_sha256(id, n, h);
    for (int i = 0; i < 9; i++)
        out[i] = alphabet[h[i] % 62];
    out[9] = '\0';
    return out;
}

static json_t *user_content(const llm_message *m, bool *out_any)
{
    json_t *parts = json_array();
    size_t n_text = 0, n_image = 0;
    for (size_t i = 0; i < m->n_blocks; i++) {
        const llm_block *b = &m->blocks[i];
        if (b->type == LLM_BLOCK_TEXT) {
            json_t *p = json_object();
            llm__set_str(p, "type", "text");
            llm__set_str(p, "text", b->text ? b->text : "");
            json_array_append_new(parts, p);
            n_text++;
        } else if (b->type == LLM_BLOCK_IMAGE) {
            json_t *p = json_object(), *u = json_object();
            llm__set_str(p, "type", "image_url");
            char *url = bx_sprintf("data:%s;base64,%s", b->media_type ? b->media_type : "image/png",
                                   b->data ? b->data : "");
            llm__set_str(u, "url", url);
            bx_free(url);
            json_object_set_new(p, "image_url", u);
            json_array_append_new(parts, p);
            n_image++;
        }
    }
    *out_any = n_text + n_image > 0;
    if (n_image == 0 && n_text == 1) {
        /* the plain string form every compatible server understands */
        json_t *s = json_incref(json_object_get(json_array_get(parts, 0), "text"));
        json_decref(parts);
        return s;
    }
    return parts;
}

static bx_err encode(const llm_provider *p, const llm_request *req, llm_http_request *out,
                     bx_error *detail)
{
    json_t *body = json_object();
    llm__set_str(body, "model", req->model);
    json_t *msgs = json_array();
    if (req->system && *req->system) {
        json_t *m = json_object();
        llm__set_str(m, "role", "system");
        llm__set_str(m, "content", req->system);
        json_array_append_new(msgs, m);
    }
    char idbuf[10];
    for (size_t i = 0; i < req->n_messages; i++) {
        const llm_message *m = &req->messages[i];
        if (m->role == LLM_ROLE_USER) {
            /* tool results become role:"tool" messages, ahead of the text */
            for (size_t k = 0; k < m->n_blocks; k++) {
                const llm_block *b = &m->blocks[k];
                if (b->type != LLM_BLOCK_TOOL_RESULT)
                    continue;
                json_t *t = json_object();
                llm__set_str(t, "role", "tool");
                llm__set_str(t, "tool_call_id", tool_id(p, b->id, idbuf));
                if (b->is_error) {
                    char *s = bx_sprintf("Error: %s", b->text ? b->text : "");
                    llm__set_str(t, "content", s);
                    bx_free(s);
                } else {
                    llm__set_str(t, "content", b->text ? b->text : "");
                }
                json_array_append_new(msgs, t);
            }
            bool any;
            json_t *content = user_content(m, &any);
            if (any) {
                json_t *u = json_object();
                llm__set_str(u, "role", "user");
                json_object_set_new(u, "content", content);
                json_array_append_new(msgs, u);
            } else {
                json_decref(content);
            }
            continue;
        }
        json_t *a = json_object();
        llm__set_str(a, "role", "assistant");
        bx_buf text, reasoning;
        bx_buf_init(&text, BX_BUF_UNLIMITED);
        bx_buf_init(&reasoning, BX_BUF_UNLIMITED);
        json_t *calls = json_array();
        for (size_t k = 0; k < m->n_blocks; k++) {
            const llm_block *b = &m->blocks[k];
            if (b->type == LLM_BLOCK_TEXT) {
                bx_buf_puts(&text, b->text ? b->text : "");
            } else if (b->type == LLM_BLOCK_THINKING) {
                bx_buf_puts(&reasoning, b->text ? b->text : "");
            } else if (b->type == LLM_BLOCK_TOOL_USE) {
                json_t *c = json_object(), *f = json_object();
                llm__set_str(c, "id", tool_id(p, b->id, idbuf));
                llm__set_str(c, "type", "function");
                llm__set_str(f, "name", b->name ? b->name : "");
                char *args = llm__args_string(b->input);
                llm__set_str(f, "arguments", args);
                free(args);
                json_object_set_new(c, "function", f);
                json_array_append_new(calls, c);
            }
        }
        if (text.len)
            json_object_set_new(a, "content", json_stringn_nocheck(text.data, text.len));
        else
            json_object_set_new(a, "content", json_null());
        /* DeepSeek wants its reasoning back within a tool-calling turn */
        if ((p->flags & LLM_PF_REASONING_CONTENT) && reasoning.len && json_array_size(calls))
            json_object_set_new(a, "reasoning_content", json_stringn_nocheck(reasoning.data, reasoning.len));
        if (json_array_size(calls))
            json_object_set_new(a, "tool_calls", calls);
        else
            json_decref(calls);
        bx_buf_release(&text);
        bx_buf_release(&reasoning);
        json_array_append_new(msgs, a);
    }
    json_object_set_new(body, "messages", msgs);
    if (req->n_tools) {
        json_t *tools = json_array();
        for (size_t i = 0; i < req->n_tools; i++) {
            json_t *t = json_object(), *f = json_object();
            llm__set_str(t, "type", "function");
            llm__set_str(f, "name", req->tools[i].name);
            if (req->tools[i].description && *req->tools[i].description)
                llm__set_str(f, "description", req->tools[i].description);
            json_object_set_new(f, "parameters", req->tools[i].schema
                                                     ? json_deep_copy(req->tools[i].schema)
                                                     : json_pack("{s:s,s:{}}", "type", "object",
                                                                 "properties"));
            json_object_set_new(t, "function", f);
            json_array_append_new(tools, t);
        }
        json_object_set_new(body, "tools", tools);
    }
    int64_t max = llm__max_tokens(p, req);
    jx_set_int(body, (p->flags & LLM_PF_MAX_COMPLETION_TOKENS) ? "max_completion_tokens" : "max_tokens",
               max);
    if (req->temperature >= 0)
        json_object_set_new(body, "temperature", json_real(req->temperature));
    if (req->n_stop) {
        json_t *s = json_array();
        for (size_t i = 0; i < req->n_stop; i++)
            json_array_append_new(s, json_string(req->stop[i]));
        json_object_set_new(body, "stop", s);
    }
    if (req->reasoning_effort)
        llm__set_str(body, "reasoning_effort", req->reasoning_effort);
    if (req->stream) {
        jx_set_bool(body, "stream", true);
        if (p->flags & LLM_PF_STREAM_USAGE)
            json_object_set_new(body, "stream_options", json_pack("{s:b}", "include_usage", 1));
    }

    bx_buf_reset(&out->url);
    if (p->flags & LLM_PF_AZURE) {
        /* base: https://R.openai.azure.com/openai/deployments/{model} */
        const char *base = p->base_url;
        const char *mark = strstr(base, "{model}");
        if (mark) {
            bx_buf_append(&out->url, base, (size_t)(mark - base));
            bx_buf_puts(&out->url, req->model);
            bx_buf_puts(&out->url, mark + 7);
        } else {
            bx_buf_puts(&out->url, base);
        }
        bx_buf_printf(&out->url, "/chat/completions?api-version=%s",
                      p->api_version ? p->api_version : "2024-10-21");
    } else {
        bx_buf_printf(&out->url, "%s/chat/completions", p->base_url);
    }
    llm__common_headers(p, req, out);
    if (p->api_key && *p->api_key) {
        if (p->flags & LLM_PF_AZURE)
            llm__header(out, "api-key: %s", p->api_key);
        else
            llm__header(out, "Authorization: Bearer %s", p->api_key);
    }
    return llm__set_body(out, body, detail);
}

static llm_stop_reason map_finish(const char *r)
{
    if (!r)
        return LLM_STOP_NONE;
    if (strcmp(r, "stop") == 0)
        return LLM_STOP_END_TURN;
    if (strcmp(r, "length") == 0)
        return LLM_STOP_MAX_TOKENS;
    if (strcmp(r, "tool_calls") == 0 || strcmp(r, "function_call") == 0)
        return LLM_STOP_TOOL_USE;
    if (strcmp(r, "content_filter") == 0)
        return LLM_STOP_REFUSAL;
    return LLM_STOP_OTHER;
}

static void read_usage(llm_decoder *d, const json_t *u)
{
    if (!json_is_object(u))
        return;
    int64_t prompt = jx_int(u, "prompt_tokens", 0);
    int64_t cached = jx_int(jx_obj(u, "prompt_tokens_details"), "cached_tokens", 0);
    if (cached == 0)
        cached = jx_int(u, "prompt_cache_hit_tokens", 0); /* DeepSeek */
    d->usage.cache_read_tokens = cached;
    d->usage.input_tokens = prompt - cached > 0 ? prompt - cached : 0;
    d->usage.output_tokens = jx_int(u, "completion_tokens", 0);
    d->usage.reasoning_tokens =
        jx_int(jx_obj(u, "completion_tokens_details"), "reasoning_tokens", 0);
    d->have_usage = true;
}

/* One chunk's choice (streamed delta or, for a whole body, the message). */
static bx_err choice(llm_decoder *d, const json_t *delta)
{
    bx_err err = BX_OK;
    const char *s;
    json_t *v;
    if ((v = json_object_get(delta, "reasoning_content")) && json_is_string(v))
        err = llm__text(d, LLM_EV_THINKING_DELTA, json_string_value(v), json_string_length(v));
    else if ((v = json_object_get(delta, "reasoning")) && json_is_string(v))
        err = llm__text(d, LLM_EV_THINKING_DELTA, json_string_value(v), json_string_length(v));
    if (err)
        return err;
    if ((v = json_object_get(delta, "content")) && json_is_string(v))
        err = llm__text(d, LLM_EV_TEXT_DELTA, json_string_value(v), json_string_length(v));
    if (err)
        return err;
    if ((s = jx_str(delta, "refusal", NULL)) && *s)
        err = llm__text(d, LLM_EV_TEXT_DELTA, s, strlen(s));
    json_t *calls = jx_arr(delta, "tool_calls");
    size_t i;
    json_array_foreach(calls, i, v) {
        int slot = (int)jx_int(v, "index", (int64_t)i);
        json_t *f = jx_obj(v, "function");
        if (slot < 0 || slot >= LLM__SLOTS)
            return llm__fail(d, BX_PROTOCOL, 0, "tool call index %d out of range", slot);
        if (!d->open[slot] && d->kind[slot] != LLM__SLOT_TOOL) {
            err = llm__call_start(d, slot, jx_str(v, "id", ""), jx_str(f, "name", ""));
            if (err)
                return err;
        }
        json_t *args = json_object_get(f, "arguments");
        if (json_is_string(args))
            err = llm__call_delta(d, slot, json_string_value(args), json_string_length(args));
        else if (json_is_object(args)) { /* some servers send the object itself */
            char *a = llm__args_string(args);
            err = llm__call_delta(d, slot, a, strlen(a));
            free(a);
        }
        if (err)
            return err;
    }
    return BX_OK;
}

static bx_err error_object(llm_decoder *d, const json_t *doc, int status)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    bx_buf msg;
    bx_buf_init(&msg, 4096);
    bx_err code = llm_classify_error(LLM_API_OPENAI_CHAT, status, text, text ? strlen(text) : 0, &msg);
    free(text);
    bx_err err = llm__fail(d, code, status, "%s", msg.data);
    bx_buf_release(&msg);
    return err;
}

static bx_err chunk(llm_decoder *d, json_t *doc)
{
    if (json_object_get(doc, "error"))
        return error_object(d, doc, 0);
    bx_err err = llm__start(d, jx_str(doc, "id", ""), jx_str(doc, "model", ""));
    if (err)
        return err;
    read_usage(d, json_object_get(doc, "usage"));
    json_t *choices = jx_arr(doc, "choices");
    json_t *c = json_array_get(choices, 0);
    if (!c)
        return BX_OK;
    json_t *delta = jx_obj(c, "delta");
    if (delta && (err = choice(d, delta)))
        return err;
    const char *fr = jx_str(c, "finish_reason", NULL);
    if (fr) {
        d->stop = map_finish(fr);
        err = llm__close_calls(d);
    }
    return err;
}

static bx_err event(llm_decoder *d, bx_slice name, json_t *data, bx_slice raw)
{
    BX_UNUSED(name);
    if (!data) {
        if (bx_slice_eq_cstr(raw, "[DONE]")) {
            if (d->stop == LLM_STOP_NONE)
                return llm__fail(d, BX_PROTOCOL, 0, "stream finished without a finish_reason");
            return llm__finish_ok(d, d->stop);
        }
        return llm__fail(d, BX_PROTOCOL, 0, "unexpected data in the stream: %.*s",
                         (int)BX_MIN(raw.len, (size_t)80), raw.ptr);
    }
    return chunk(d, data);
}

static bx_err body(llm_decoder *d, json_t *doc)
{
    if (json_object_get(doc, "error"))
        return error_object(d, doc, 0);
    bx_err err = llm__start(d, jx_str(doc, "id", ""), jx_str(doc, "model", ""));
    if (err)
        return err;
    read_usage(d, json_object_get(doc, "usage"));
    json_t *c = json_array_get(jx_arr(doc, "choices"), 0);
    json_t *msg = jx_obj(c, "message");
    if (!msg)
        return llm__fail(d, BX_PROTOCOL, 0, "response has no choices[0].message");
    /* reuse the delta path: a message has the same fields as a delta, but its
     * tool calls carry no index */
    json_t *copy = json_deep_copy(msg);
    json_t *calls = jx_arr(copy, "tool_calls");
    size_t i;
    json_t *v;
    json_array_foreach(calls, i, v) jx_set_int(v, "index", (int64_t)i);
    err = choice(d, copy);
    json_decref(copy);
    if (err)
        return err;
    return llm__finish_ok(d, map_finish(jx_str(c, "finish_reason", "stop")));
}

/* Some compatible servers end the stream without [DONE]. */
static bx_err finish(llm_decoder *d)
{
    if (d->stop != LLM_STOP_NONE)
        return llm__finish_ok(d, d->stop);
    return BX_OK;
}

const llm__adapter llm__openai_chat = {encode, event, body, finish};
