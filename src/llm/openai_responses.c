/* openai_responses.c: the OpenAI Responses protocol. The request is a list
 * of input items (messages, function_call, function_call_output, reasoning);
 * the stream is typed events: response.created, output items added/done by
 * output_index, response.output_text.delta, function_call_arguments.delta,
 * reasoning summary deltas, and response.completed / incomplete / failed
 * carrying usage and status. We send store:false, so reasoning travels back
 * as an item with its id and encrypted_content, which our thinking
 * signature carries as "<id> <encrypted_content>".
 */
#include "llm/llm_int.h"

#include <stdlib.h>
#include <string.h>

static bx_err encode(const llm_provider *p, const llm_request *req, llm_http_request *out,
                     bx_error *detail)
{
    json_t *body = json_object();
    llm__set_str(body, "model", req->model);
    if (req->system && *req->system)
        llm__set_str(body, "instructions", req->system);
    json_t *input = json_array();
    for (size_t i = 0; i < req->n_messages; i++) {
        const llm_message *m = &req->messages[i];
        bool user = m->role == LLM_ROLE_USER;
        /* item order: reasoning, the message, function calls (assistant);
         * function call outputs, then the message (user) */
        json_t *content = json_array(), *before = json_array(), *after = json_array();
        for (size_t k = 0; k < m->n_blocks; k++) {
            const llm_block *b = &m->blocks[k];
            switch (b->type) {
            case LLM_BLOCK_TEXT:
                json_array_append_new(content, json_pack("{s:s,s:o}", "type",
                                                         user ? "input_text" : "output_text",
                                                         "text", llm__str(b->text)));
                break;
            case LLM_BLOCK_IMAGE: {
                char *url = bx_sprintf("data:%s;base64,%s", b->media_type ? b->media_type : "image/png",
                                       b->data ? b->data : "");
                json_array_append_new(content,
                                      json_pack("{s:s,s:s}", "type", "input_image", "image_url", url));
                bx_free(url);
                break;
            }
            case LLM_BLOCK_TOOL_USE: {
                char *args = llm__args_string(b->input);
                json_array_append_new(after, json_pack("{s:s,s:s,s:s,s:s}", "type", "function_call",
                                                       "call_id", b->id ? b->id : "", "name",
                                                       b->name ? b->name : "", "arguments", args));
                free(args);
                break;
            }
            case LLM_BLOCK_TOOL_RESULT:
                json_array_append_new(before, json_pack("{s:s,s:s,s:o}", "type", "function_call_output",
                                                        "call_id", b->id ? b->id : "", "output",
                                                        llm__str(b->text)));
                break;
            case LLM_BLOCK_THINKING:
                if (b->signature) {
                    json_t *summary = json_array();
                    if (b->text && *b->text)
                        json_array_append_new(summary, json_pack("{s:s,s:s}", "type", "summary_text",
                                                                 "text", b->text));
                    json_t *item = json_pack("{s:s}", "type", "reasoning");
                    const char *sp = strchr(b->signature, ' ');
                    if (sp) {
                        json_object_set_new(item, "id", json_stringn(b->signature, (size_t)(sp - b->signature)));
                        llm__set_str(item, "encrypted_content", sp + 1);
                    } else {
                        llm__set_str(item, "encrypted_content", b->signature);
                    }
                    json_object_set_new(item, "summary", summary);
                    json_array_append_new(before, item);
                }
                break;
            case LLM_BLOCK_REDACTED_THINKING:
                break;
            }
        }
        json_array_extend(input, before);
        if (json_array_size(content))
            json_array_append_new(input, json_pack("{s:s,s:o}", "role", user ? "user" : "assistant",
                                                   "content", content));
        else
            json_decref(content);
        json_array_extend(input, after);
        json_decref(before);
        json_decref(after);
    }
    json_object_set_new(body, "input", input);
    if (req->n_tools) {
        json_t *tools = json_array();
        for (size_t i = 0; i < req->n_tools; i++) {
            json_t *t = json_object();
            llm__set_str(t, "type", "function");
            llm__set_str(t, "name", req->tools[i].name);
            if (req->tools[i].description && *req->tools[i].description)
                llm__set_str(t, "description", req->tools[i].description);
            json_object_set_new(t, "parameters", req->tools[i].schema
                                                     ? json_deep_copy(req->tools[i].schema)
                                                     : json_pack("{s:s,s:{}}", "type", "object",
                                                                 "properties"));
            jx_set_bool(t, "strict", false);
            json_array_append_new(tools, t);
        }
        json_object_set_new(body, "tools", tools);
    }
    jx_set_int(body, "max_output_tokens", llm__max_tokens(p, req));
    if (req->temperature >= 0)
        json_object_set_new(body, "temperature", json_real(req->temperature));
    if (req->reasoning_effort) {
        json_object_set_new(body, "reasoning", json_pack("{s:s,s:s}", "effort", req->reasoning_effort,
                                                         "summary", "auto"));
        json_object_set_new(body, "include", json_pack("[s]", "reasoning.encrypted_content"));
    }
    jx_set_bool(body, "store", false);
    if (req->stream)
        jx_set_bool(body, "stream", true);

    bx_buf_reset(&out->url);
    bx_buf_printf(&out->url, "%s/responses", p->base_url);
    llm__common_headers(p, req, out);
    if (p->api_key && *p->api_key)
        llm__header(out, "Authorization: Bearer %s", p->api_key);
    return llm__set_body(out, body, detail);
}

static void read_usage(llm_decoder *d, const json_t *u)
{
    if (!json_is_object(u))
        return;
    int64_t in = jx_int(u, "input_tokens", 0);
    int64_t cached = jx_int(jx_obj(u, "input_tokens_details"), "cached_tokens", 0);
    d->usage.cache_read_tokens = cached;
    d->usage.input_tokens = in - cached > 0 ? in - cached : 0;
    d->usage.output_tokens = jx_int(u, "output_tokens", 0);
    d->usage.reasoning_tokens = jx_int(jx_obj(u, "output_tokens_details"), "reasoning_tokens", 0);
    d->have_usage = true;
}

static bx_err fail_with(llm_decoder *d, const json_t *errobj)
{
    json_t *wrap = json_pack("{s:O}", "error", errobj ? (json_t *)errobj : json_null());
    char *text = json_dumps(wrap, JSON_COMPACT);
    json_decref(wrap);
    bx_buf msg;
    bx_buf_init(&msg, 4096);
    bx_err code = llm_classify_error(LLM_API_OPENAI_RESPONSES, 0, text, text ? strlen(text) : 0, &msg);
    free(text);
    bx_err err = llm__fail(d, code, 0, "%s", msg.data);
    bx_buf_release(&msg);
    return err;
}

/* The terminal response object: usage, status, incomplete reason. */
static bx_err finish_response(llm_decoder *d, const json_t *resp)
{
    read_usage(d, jx_obj(resp, "usage"));
    const char *status = jx_str(resp, "status", "completed");
    if (strcmp(status, "failed") == 0)
        return fail_with(d, jx_obj(resp, "error"));
    if (strcmp(status, "incomplete") == 0) {
        const char *why = jx_str(jx_obj(resp, "incomplete_details"), "reason", "");
        return llm__finish_ok(d, strcmp(why, "content_filter") == 0 ? LLM_STOP_REFUSAL
                                                                     : LLM_STOP_MAX_TOKENS);
    }
    return llm__finish_ok(d, LLM_STOP_END_TURN); /* tool calls turn it into tool_use */
}

static bx_err item_added(llm_decoder *d, int idx, const json_t *item)
{
    const char *type = jx_str(item, "type", "");
    if (strcmp(type, "function_call") == 0) {
        const char *call_id = jx_str(item, "call_id", NULL);
        return llm__call_start(d, idx, call_id ? call_id : jx_str(item, "id", ""),
                               jx_str(item, "name", ""));
    }
    return BX_OK;
}

static bx_err item_done(llm_decoder *d, int idx, const json_t *item)
{
    const char *type = jx_str(item, "type", "");
    if (strcmp(type, "function_call") == 0) {
        if (idx >= 0 && idx < LLM__SLOTS && d->kind[idx] != LLM__SLOT_TOOL) {
            /* a call that was never announced (non-streamed output) */
            bx_err err = item_added(d, idx, item);
            json_t *a = json_object_get(item, "arguments");
            if (!err && json_is_string(a))
                err = llm__call_delta(d, idx, json_string_value(a), json_string_length(a));
            if (err)
                return err;
        }
        return llm__call_end(d, idx);
    }
    if (strcmp(type, "reasoning") == 0) {
        /* the signature is "<item id> <encrypted_content>": a reasoning
         * input item needs both to be sent back */
        const char *enc = jx_str(item, "encrypted_content", NULL);
        if (enc) {
            char *sig = bx_sprintf("%s %s", jx_str(item, "id", ""), enc);
            bx_err err = llm__text(d, LLM_EV_THINKING_SIGNATURE, sig, strlen(sig));
            bx_free(sig);
            return err;
        }
    }
    return BX_OK;
}

static bx_err event(llm_decoder *d, bx_slice name, json_t *data, bx_slice raw)
{
    BX_UNUSED(name);
    if (!data)
        return llm__fail(d, BX_PROTOCOL, 0, "unexpected data in the stream: %.*s",
                         (int)BX_MIN(raw.len, (size_t)80), raw.ptr);
    const char *type = jx_str(data, "type", "");
    json_t *v;
    int idx = (int)jx_int(data, "output_index", -1);
    if (strcmp(type, "response.created") == 0 || strcmp(type, "response.in_progress") == 0) {
        json_t *r = jx_obj(data, "response");
        return llm__start(d, jx_str(r, "id", ""), jx_str(r, "model", ""));
    }
    if (strcmp(type, "response.output_text.delta") == 0 && (v = json_object_get(data, "delta")))
        return llm__text(d, LLM_EV_TEXT_DELTA, json_string_value(v), json_string_length(v));
    if (strcmp(type, "response.refusal.delta") == 0 && (v = json_object_get(data, "delta")))
        return llm__text(d, LLM_EV_TEXT_DELTA, json_string_value(v), json_string_length(v));
    if ((strcmp(type, "response.reasoning_summary_text.delta") == 0 ||
         strcmp(type, "response.reasoning_text.delta") == 0) &&
        (v = json_object_get(data, "delta")))
        return llm__text(d, LLM_EV_THINKING_DELTA, json_string_value(v), json_string_length(v));
    if (strcmp(type, "response.output_item.added") == 0)
        return item_added(d, idx, jx_obj(data, "item"));
    if (strcmp(type, "response.function_call_arguments.delta") == 0 &&
        (v = json_object_get(data, "delta")))
        return llm__call_delta(d, idx, json_string_value(v), json_string_length(v));
    if (strcmp(type, "response.output_item.done") == 0)
        return item_done(d, idx, jx_obj(data, "item"));
    if (strcmp(type, "response.completed") == 0 || strcmp(type, "response.incomplete") == 0 ||
        strcmp(type, "response.failed") == 0)
        return finish_response(d, jx_obj(data, "response"));
    if (strcmp(type, "error") == 0) {
        json_t *e = json_pack("{s:s,s:s}", "code", jx_str(data, "code", ""), "message",
                              jx_str(data, "message", "error"));
        bx_err err = fail_with(d, e);
        json_decref(e);
        return err;
    }
    return BX_OK;
}

static bx_err body(llm_decoder *d, json_t *doc)
{
    if (json_is_object(json_object_get(doc, "error")))
        return fail_with(d, jx_obj(doc, "error"));
    bx_err err = llm__start(d, jx_str(doc, "id", ""), jx_str(doc, "model", ""));
    json_t *output = jx_arr(doc, "output");
    size_t i;
    json_t *item;
    json_array_foreach(output, i, item) {
        if (err)
            return err;
        const char *type = jx_str(item, "type", "");
        if (strcmp(type, "message") == 0) {
            size_t k;
            json_t *c;
            json_array_foreach(jx_arr(item, "content"), k, c) {
                const char *t = jx_str(c, "text", NULL);
                if (!t)
                    t = jx_str(c, "refusal", "");
                if (!err)
                    err = llm__text(d, LLM_EV_TEXT_DELTA, t, strlen(t));
            }
        } else if (strcmp(type, "reasoning") == 0) {
            size_t k;
            json_t *c;
            json_array_foreach(jx_arr(item, "summary"), k, c) {
                const char *t = jx_str(c, "text", "");
                if (!err)
                    err = llm__text(d, LLM_EV_THINKING_DELTA, t, strlen(t));
            }
            if (!err)
                err = item_done(d, (int)i, item);
        } else if (i < LLM__SLOTS) {
            err = item_done(d, (int)i, item);
        }
    }
    if (err)
        return err;
    return finish_response(d, doc);
}

const llm__adapter llm__openai_responses = {encode, event, body, NULL};
