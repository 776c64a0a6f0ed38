/* gemini.c: the Gemini generateContent protocol. Contents are role
 * "user"/"model" with parts (text, inlineData, functionCall,
 * functionResponse); tools are functionDeclarations whose parameters use the
 * OpenAPI subset Gemini accepts, so schemas are filtered to that subset. The
 * stream (streamGenerateContent?alt=sse) is a series of whole
 * GenerateContentResponse objects with no end marker: a finishReason in the
 * last chunk, then EOF. The key travels in x-goog-api-key, never in the URL.
 */
#include "llm/llm_int.h"

#include <stdlib.h>
#include <string.h>

/* The schema keys Gemini's Schema object knows; everything else is dropped. */
static bool schema_key_ok(const char *k)
{
    static const char *const keys[] = {
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
        "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
        "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum",
        "maximum"};
    for (size_t i = 0; i < BX_ARRAY_LEN(keys); i++)
        if (strcmp(k, keys[i]) == 0)
            return true;
    return false;
}

static json_t *clean_schema(const json_t *s, int depth)
{
    if (!json_is_object(s) || depth > 32)
        return json_object();
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)s, k, v) {
        if (!schema_key_ok(k))
            continue;
        if (strcmp(k, "type") == 0 && json_is_array(v)) {
            /* ["string","null"] -> "string" + nullable */
            size_t i;
            json_t *t;
            const char *first = NULL;
            json_array_foreach(v, i, t) {
                const char *ts = json_string_value(t);
                if (!ts)
                    continue;
                if (strcmp(ts, "null") == 0)
                    jx_set_bool(out, "nullable", true);
                else if (!first)
                    first = ts;
            }
            if (first)
                llm__set_str(out, "type", first);
        } else if (strcmp(k, "properties") == 0 && json_is_object(v)) {
            json_t *props = json_object();
            const char *pk;
            json_t *pv;
            json_object_foreach(v, pk, pv) json_object_set_new(props, pk, clean_schema(pv, depth + 1));
            json_object_set_new(out, k, props);
        } else if (strcmp(k, "items") == 0) {
            json_object_set_new(out, k, clean_schema(v, depth + 1));
        } else if (strcmp(k, "anyOf") == 0 && json_is_array(v)) {
            json_t *arr = json_array();
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) json_array_append_new(arr, clean_schema(e, depth + 1));
            json_object_set_new(out, k, arr);
        } else if (strcmp(k, "enum") == 0 && json_is_array(v)) {
            /* Gemini enums are strings */
            json_t *arr = json_array();
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                if (json_is_string(e))
                    json_array_append(arr, e);
            }
            json_object_set_new(out, k, arr);
        } else {
            json_object_set(out, k, v);
        }
    }
    return out;
}

static bx_err encode(const llm_provider *p, const llm_request *req, llm_http_request *out,
                     bx_error *detail)
{
    json_t *body = json_object();
    if (req->system && *req->system)
        json_object_set_new(body, "systemInstruction",
                            json_pack("{s:[{s:s}]}", "parts", "text", req->system));
    json_t *contents = json_array();
    for (size_t i = 0; i < req->n_messages; i++) {
        const llm_message *m = &req->messages[i];
        json_t *parts = json_array();
        const char *signature = NULL;
        for (size_t k = 0; k < m->n_blocks; k++)
            if (m->blocks[k].type == LLM_BLOCK_THINKING && m->blocks[k].signature)
                signature = m->blocks[k].signature;
        for (size_t k = 0; k < m->n_blocks; k++) {
            const llm_block *b = &m->blocks[k];
            json_t *part = NULL;
            switch (b->type) {
            case LLM_BLOCK_TEXT:
                part = json_pack("{s:o}", "text", llm__str(b->text));
                break;
            case LLM_BLOCK_IMAGE:
                part = json_pack("{s:{s:s,s:s}}", "inlineData", "mimeType",
                                 b->media_type ? b->media_type : "image/png", "data",
                                 b->data ? b->data : "");
                break;
            case LLM_BLOCK_TOOL_USE:
                part = json_pack("{s:{s:s,s:o}}", "functionCall", "name", b->name ? b->name : "",
                                 "args", b->input ? json_deep_copy(b->input) : json_object());
                break;
            case LLM_BLOCK_TOOL_RESULT: {
                json_t *resp = json_pack("{s:o}", b->is_error ? "error" : "content",
                                         llm__str(b->text));
                part = json_pack("{s:{s:s,s:o}}", "functionResponse", "name",
                                 llm__tool_name_for(req, b->id), "response", resp);
                break;
            }
            case LLM_BLOCK_THINKING:
            case LLM_BLOCK_REDACTED_THINKING:
                break; /* thoughts are not sent back; their signature is */
            }
            if (!part)
                continue;
            /* the signature goes back on the first part after the thought,
             * a functionCall when there is one */
            if (signature && (b->type == LLM_BLOCK_TOOL_USE || b->type == LLM_BLOCK_TEXT)) {
                bool has_call = false;
                for (size_t j = 0; j < m->n_blocks; j++)
                    has_call |= m->blocks[j].type == LLM_BLOCK_TOOL_USE;
                if (!has_call || b->type == LLM_BLOCK_TOOL_USE) {
                    llm__set_str(part, "thoughtSignature", signature);
                    signature = NULL;
                }
            }
            json_array_append_new(parts, part);
        }
        if (json_array_size(parts) == 0) {
            json_decref(parts);
            continue;
        }
        json_array_append_new(contents, json_pack("{s:s,s:o}", "role",
                                                  m->role == LLM_ROLE_USER ? "user" : "model",
                                                  "parts", parts));
    }
    json_object_set_new(body, "contents", contents);
    if (req->n_tools) {
        json_t *decls = json_array();
        for (size_t i = 0; i < req->n_tools; i++) {
            json_t *f = json_object();
            llm__set_str(f, "name", req->tools[i].name);
            if (req->tools[i].description && *req->tools[i].description)
                llm__set_str(f, "description", req->tools[i].description);
            json_t *schema = clean_schema(req->tools[i].schema, 0);
            /* an empty parameters object is rejected: leave it out */
            if (json_object_size(jx_obj(schema, "properties")))
                json_object_set_new(f, "parameters", schema);
            else
                json_decref(schema);
            json_array_append_new(decls, f);
        }
        json_object_set_new(body, "tools", json_pack("[{s:o}]", "functionDeclarations", decls));
    }
    json_t *gc = json_object();
    jx_set_int(gc, "maxOutputTokens", llm__max_tokens(p, req));
    if (req->temperature >= 0)
        json_object_set_new(gc, "temperature", json_real(req->temperature));
    if (req->n_stop) {
        json_t *s = json_array();
        for (size_t i = 0; i < req->n_stop; i++)
            json_array_append_new(s, json_string(req->stop[i]));
        json_object_set_new(gc, "stopSequences", s);
    }
    int64_t budget = req->thinking_budget;
    if (budget <= 0 && req->reasoning_effort)
        budget = strcmp(req->reasoning_effort, "low") == 0    ? 1024
                 : strcmp(req->reasoning_effort, "high") == 0 ? 24576
                                                              : 8192;
    if (budget > 0)
        json_object_set_new(gc, "thinkingConfig", json_pack("{s:I,s:b}", "thinkingBudget",
                                                            (json_int_t)budget, "includeThoughts", 1));
    json_object_set_new(body, "generationConfig", gc);

    bx_buf_reset(&out->url);
    bx_buf_printf(&out->url, "%s/v1beta/models/%s:%s", p->base_url, req->model,
                  req->stream ? "streamGenerateContent?alt=sse" : "generateContent");
    llm__common_headers(p, req, out);
    if (p->api_key && *p->api_key)
        llm__header(out, "x-goog-api-key: %s", p->api_key);
    return llm__set_body(out, body, detail);
}

static llm_stop_reason map_finish(const char *r)
{
    if (!r)
        return LLM_STOP_NONE;
    if (strcmp(r, "STOP") == 0)
        return LLM_STOP_END_TURN;
    if (strcmp(r, "MAX_TOKENS") == 0)
        return LLM_STOP_MAX_TOKENS;
    if (strcmp(r, "SAFETY") == 0 || strcmp(r, "RECITATION") == 0 || strcmp(r, "BLOCKLIST") == 0 ||
        strcmp(r, "PROHIBITED_CONTENT") == 0 || strcmp(r, "SPII") == 0)
        return LLM_STOP_REFUSAL;
    return LLM_STOP_OTHER;
}

static void read_usage(llm_decoder *d, const json_t *u)
{
    if (!json_is_object(u))
        return;
    int64_t prompt = jx_int(u, "promptTokenCount", 0);
    int64_t cached = jx_int(u, "cachedContentTokenCount", 0);
    int64_t thoughts = jx_int(u, "thoughtsTokenCount", 0);
    d->usage.cache_read_tokens = cached;
    d->usage.input_tokens = prompt - cached > 0 ? prompt - cached : 0;
    d->usage.output_tokens = jx_int(u, "candidatesTokenCount", 0) + thoughts;
    d->usage.reasoning_tokens = thoughts;
    d->have_usage = true;
}

static bx_err error_object(llm_decoder *d, const json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    bx_buf msg;
    bx_buf_init(&msg, 4096);
    int status = (int)jx_int(jx_obj(doc, "error"), "code", 0);
    bx_err code = llm_classify_error(LLM_API_GEMINI, status, text, text ? strlen(text) : 0, &msg);
    free(text);
    bx_err err = llm__fail(d, code, status, "%s", msg.data);
    bx_buf_release(&msg);
    return err;
}

/* One GenerateContentResponse, streamed or whole. */
static bx_err response(llm_decoder *d, const json_t *doc)
{
    if (json_is_object(json_object_get(doc, "error")))
        return error_object(d, doc);
    bx_err err = llm__start(d, jx_str(doc, "responseId", ""), jx_str(doc, "modelVersion", ""));
    if (err)
        return err;
    read_usage(d, jx_obj(doc, "usageMetadata"));
    json_t *cand = json_array_get(jx_arr(doc, "candidates"), 0);
    json_t *parts = jx_arr(jx_obj(cand, "content"), "parts");
    size_t i;
    json_t *part;
    json_array_foreach(parts, i, part) {
        json_t *v;
        const char *sig = jx_str(part, "thoughtSignature", NULL);
        json_t *fc = jx_obj(part, "functionCall");
        if (fc) {
            int slot = d->n_calls; /* each functionCall part is a whole call */
            if (slot >= LLM__SLOTS)
                return llm__fail(d, BX_PROTOCOL, 0, "too many function calls");
            char idbuf[32];
            const char *id = jx_str(fc, "id", NULL);
            if (!id) {
                snprintf(idbuf, sizeof(idbuf), "call_%d", slot);
                id = idbuf;
            }
            if (sig && (err = llm__text(d, LLM_EV_THINKING_SIGNATURE, sig, strlen(sig))))
                return err;
            char *args = llm__args_string(jx_obj(fc, "args"));
            err = llm__call_start(d, slot, id, jx_str(fc, "name", ""));
            if (!err)
                err = llm__call_delta(d, slot, args, strlen(args));
            free(args);
            if (!err)
                err = llm__call_end(d, slot);
            if (err)
                return err;
            continue;
        }
        if ((v = json_object_get(part, "text")) && json_is_string(v)) {
            bool thought = jx_bool(part, "thought", false);
            err = llm__text(d, thought ? LLM_EV_THINKING_DELTA : LLM_EV_TEXT_DELTA,
                            json_string_value(v), json_string_length(v));
            if (err)
                return err;
        }
        if (sig && (err = llm__text(d, LLM_EV_THINKING_SIGNATURE, sig, strlen(sig))))
            return err;
    }
    const char *fr = jx_str(cand, "finishReason", NULL);
    if (fr)
        d->stop = map_finish(fr);
    const char *blocked = jx_str(jx_obj(doc, "promptFeedback"), "blockReason", NULL);
    if (blocked)
        d->stop = LLM_STOP_REFUSAL;
    return BX_OK;
}

static bx_err event(llm_decoder *d, bx_slice name, json_t *data, bx_slice raw)
{
    BX_UNUSED(name);
    if (!data)
        return llm__fail(d, BX_PROTOCOL, 0, "unexpected data in the stream: %.*s",
                         (int)BX_MIN(raw.len, (size_t)80), raw.ptr);
    if (json_is_array(data)) /* an error body may arrive as [ {...} ] */
        data = json_array_get(data, 0);
    return response(d, data);
}

static bx_err body(llm_decoder *d, json_t *doc)
{
    bx_err err = response(d, doc);
    if (err || d->done)
        return err;
    return llm__finish_ok(d, d->stop != LLM_STOP_NONE ? d->stop : LLM_STOP_END_TURN);
}

/* The stream has no end marker: EOF after a finishReason is success. */
static bx_err finish(llm_decoder *d)
{
    if (d->stop != LLM_STOP_NONE)
        return llm__finish_ok(d, d->stop);
    return BX_OK;
}

const llm__adapter llm__gemini = {encode, event, body, finish};
