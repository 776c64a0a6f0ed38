#!/usr/bin/env python3
"""fake_llm.py: a scripted fake LLM server for boxagnts tests (stdlib only).

One process serves four wire protocols on one port: OpenAI Chat Completions
(.../chat/completions), OpenAI Responses (.../responses), Anthropic Messages
(.../v1/messages) and Gemini (.../models/M:generateContent and
:streamGenerateContent?alt=sse), streaming and not. A JSON script says what
to reply, turn by turn or by matching the request, including faults (HTTP
errors, disconnects, holds, slow drips, malformed JSON, oversized events).
The streams are written from each provider's public documentation of its
format, not from our client. Format: tests/fakes/README.md.

    python3 fake_llm.py --port 0 --script script.json
    (the first line on stdout is the chosen port)
"""
import argparse
import json
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 << 20


class Script:
    """The reply plan: rules (matched first), turns (in order), a default."""

    def __init__(self, doc=None):
        self.lock = threading.Lock()
        self.load(doc or {})

    def load(self, doc):
        with self.lock:
            if isinstance(doc, list):
                doc = {"turns": doc}
            self.rules = [dict(r) for r in doc.get("rules", [])]
            self.turns = list(doc.get("turns", []))
            self.default = doc.get("default")
            self.next_turn = 0
            self.requests = []

    def reset(self):
        with self.lock:
            self.next_turn = 0
            self.requests = []

    def record(self, rec):
        with self.lock:
            rec["n"] = len(self.requests)
            self.requests.append(rec)

    def pick(self, protocol, body, raw):
        """Returns (step, label) for a request."""
        with self.lock:
            for i, rule in enumerate(self.rules):
                if rule.get("times", 1) <= 0 and "times" in rule:
                    continue
                if matches(rule.get("match", {}), protocol, body, raw):
                    if "times" in rule:
                        rule["times"] -= 1
                    return rule, "rule %d" % i
            while self.next_turn < len(self.turns):
                t = self.turns[self.next_turn]
                if "match" in t and not matches(t["match"], protocol, body, raw):
                    break
                repeat = t.get("repeat", 1)
                if repeat > 1:
                    t["repeat"] = repeat - 1
                else:
                    self.next_turn += 1
                return t, "turn %d" % self.turns.index(t)
            if self.default is not None:
                return self.default, "default"
            return None, "exhausted"


def last_user_text(protocol, body):
    """Text of the last user message, whatever the protocol."""
    try:
        if protocol == "gemini":
            for c in reversed(body.get("contents", [])):
                if c.get("role", "user") == "user":
                    return " ".join(p.get("text", "") for p in c.get("parts", []))
        elif protocol == "openai-responses":
            inp = body.get("input")
            if isinstance(inp, str):
                return inp
            for it in reversed(inp or []):
                if it.get("role") == "user":
                    c = it.get("content")
                    if isinstance(c, str):
                        return c
                    return " ".join(p.get("text", "") for p in c)
                if it.get("type") == "function_call_output":
                    return it.get("output", "")
        else:
            for m in reversed(body.get("messages", [])):
                if m.get("role") in ("user", "tool"):
                    c = m.get("content")
                    if isinstance(c, str):
                        return c
                    out = []
                    for p in c or []:
                        if p.get("type") == "text":
                            out.append(p.get("text", ""))
                        elif p.get("type") == "tool_result":
                            tc = p.get("content")
                            out.append(tc if isinstance(tc, str) else json.dumps(tc))
                    return " ".join(out)
    except (AttributeError, TypeError):
        pass
    return ""


def has_tool_result(protocol, raw):
    keys = {"openai-chat": '"role":"tool"', "openai-responses": "function_call_output",
            "anthropic": "tool_result", "gemini": "functionResponse"}
    return keys[protocol] in raw.replace(" ", "")


def matches(m, protocol, body, raw):
    if "protocol" in m and m["protocol"] != protocol:
        return False
    if "model" in m and body.get("model") != m["model"] and m["model"] not in raw:
        return False
    if "contains" in m and m["contains"] not in raw:
        return False
    if "not_contains" in m and m["not_contains"] in raw:
        return False
    if "last_user_contains" in m and m["last_user_contains"] not in last_user_text(protocol, body):
        return False
    if "has_tool_result" in m and bool(m["has_tool_result"]) != has_tool_result(protocol, raw):
        return False
    if "has_tools" in m:
        has = bool(body.get("tools"))
        if bool(m["has_tools"]) != has:
            return False
    return True


def pieces(s, n):
    n = max(1, int(n))
    return [s[i:i + n] for i in range(0, len(s), n)] or []


def usage_of(step):
    u = step.get("usage", {})
    return {k: int(u.get(k, 0)) for k in ("input", "output", "cache_read", "cache_write", "reasoning")}


def stop_of(step):
    if "stop" in step:
        return step["stop"]
    return "tool_use" if step.get("tool_calls") else "end_turn"


def tool_calls(step):
    out = []
    for i, tc in enumerate(step.get("tool_calls", [])):
        args = tc.get("arguments", {})
        out.append({"id": tc.get("id", "call_%d" % (i + 1)), "name": tc["name"],
                    "args": args if isinstance(args, str) else json.dumps(args, separators=(",", ":")),
                    "obj": args if not isinstance(args, str) else json.loads(args or "{}")})
    return out


# --------------------------------------------------------------- errors

ERRORS = {
    "context_length": {
        "openai-chat": (400, {"error": {"message": "This model's maximum context length is 128000 tokens. However, your messages resulted in 200000 tokens. Please reduce the length of the messages.", "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}),
        "openai-responses": (400, {"error": {"message": "Your input exceeds the context window of this model. Please adjust your input and try again.", "type": "invalid_request_error", "param": "input", "code": "context_length_exceeded"}}),
        "anthropic": (400, {"type": "error", "error": {"type": "invalid_request_error", "message": "prompt is too long: 208310 tokens > 200000 maximum"}}),
        "gemini": (400, {"error": {"code": 400, "message": "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", "status": "INVALID_ARGUMENT"}}),
    },
    "rate_limit": {
        "openai-chat": (429, {"error": {"message": "Rate limit reached for requests. Please try again in 1s.", "type": "requests", "param": None, "code": "rate_limit_exceeded"}}),
        "openai-responses": (429, {"error": {"message": "Rate limit reached for requests. Please try again in 1s.", "type": "requests", "param": None, "code": "rate_limit_exceeded"}}),
        "anthropic": (429, {"type": "error", "error": {"type": "rate_limit_error", "message": "Number of request tokens has exceeded your per-minute rate limit"}}),
        "gemini": (429, {"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}),
    },
    "server_error": {
        "openai-chat": (500, {"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": None, "code": None}}),
        "openai-responses": (500, {"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": None, "code": None}}),
        "anthropic": (500, {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}}),
        "gemini": (500, {"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}}),
    },
    "overloaded": {
        "openai-chat": (503, {"error": {"message": "The engine is currently overloaded, please try again later.", "type": "server_error", "param": None, "code": None}}),
        "openai-responses": (503, {"error": {"message": "The engine is currently overloaded, please try again later.", "type": "server_error", "param": None, "code": None}}),
        "anthropic": (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        "gemini": (503, {"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}),
    },
    "auth": {
        "openai-chat": (401, {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}),
        "openai-responses": (401, {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}),
        "anthropic": (401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
        "gemini": (400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT"}}),
    },
    "invalid": {
        "openai-chat": (400, {"error": {"message": "Invalid value for 'messages'.", "type": "invalid_request_error", "param": "messages", "code": None}}),
        "openai-responses": (400, {"error": {"message": "Invalid value for 'input'.", "type": "invalid_request_error", "param": "input", "code": None}}),
        "anthropic": (400, {"type": "error", "error": {"type": "invalid_request_error", "message": "messages: field required"}}),
        "gemini": (400, {"error": {"code": 400, "message": "Invalid JSON payload received.", "status": "INVALID_ARGUMENT"}}),
    },
}

STREAM_ERRORS = {
    "openai-chat": (None, {"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": None, "code": None}}),
    "openai-responses": ("error", {"type": "error", "code": "server_error", "message": "The server had an error while processing your request.", "param": None}),
    "anthropic": ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    "gemini": (None, {"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}),
}


# -------------------------------------------------------------- streams
# Each builder returns (sse_events, whole_body): events are (name|None, obj|str).

def openai_chat(step, model, body):
    rid, created = "chatcmpl-fake%d" % int(time.time() * 1000 % 1e6), int(time.time())
    n = step.get("chunk", 16)
    u = usage_of(step)
    calls = tool_calls(step)
    stop = {"end_turn": "stop", "max_tokens": "length", "tool_use": "tool_calls",
            "stop_sequence": "stop", "refusal": "content_filter"}.get(stop_of(step), "stop")
    usage = {"prompt_tokens": u["input"] + u["cache_read"] + u["cache_write"],
             "completion_tokens": u["output"],
             "total_tokens": u["input"] + u["cache_read"] + u["cache_write"] + u["output"],
             "prompt_tokens_details": {"cached_tokens": u["cache_read"]},
             "completion_tokens_details": {"reasoning_tokens": u["reasoning"]}}

    def chunk(delta, finish=None):
        return (None, {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    ev = [chunk({"role": "assistant", "content": ""})]
    for p in pieces(step.get("thinking", ""), n):
        ev.append(chunk({"reasoning_content": p}))
    for p in pieces(step.get("text", ""), n):
        ev.append(chunk({"content": p}))
    for i, c in enumerate(calls):
        ev.append(chunk({"tool_calls": [{"index": i, "id": c["id"], "type": "function",
                                         "function": {"name": c["name"], "arguments": ""}}]}))
        for p in pieces(c["args"], n):
            ev.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": p}}]}))
    ev.append(chunk({}, stop))
    if (body.get("stream_options") or {}).get("include_usage"):
        ev.append((None, {"id": rid, "object": "chat.completion.chunk", "created": created,
                          "model": model, "choices": [], "usage": usage}))
    ev.append((None, "[DONE]"))
    msg = {"role": "assistant", "content": step.get("text") or None}
    if step.get("thinking"):
        msg["reasoning_content"] = step["thinking"]
    if calls:
        msg["tool_calls"] = [{"id": c["id"], "type": "function",
                              "function": {"name": c["name"], "arguments": c["args"]}} for c in calls]
    whole = {"id": rid, "object": "chat.completion", "created": created, "model": model,
             "choices": [{"index": 0, "message": msg, "finish_reason": stop}], "usage": usage}
    return ev, whole


def anthropic(step, model, body):
    mid = "msg_fake%d" % int(time.time() * 1000 % 1e6)
    n = step.get("chunk", 16)
    u = usage_of(step)
    stop = stop_of(step)
    calls = tool_calls(step)
    usage = {"input_tokens": u["input"], "output_tokens": u["output"],
             "cache_creation_input_tokens": u["cache_write"], "cache_read_input_tokens": u["cache_read"]}
    ev = [("message_start", {"type": "message_start", "message": {
        "id": mid, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": dict(usage, output_tokens=1)}}), ("ping", {"type": "ping"})]
    blocks = []
    idx = 0
    if step.get("thinking") is not None and "thinking" in step:
        ev.append(("content_block_start", {"type": "content_block_start", "index": idx,
                                           "content_block": {"type": "thinking", "thinking": "", "signature": ""}}))
        for p in pieces(step["thinking"], n):
            ev.append(("content_block_delta", {"type": "content_block_delta", "index": idx,
                                               "delta": {"type": "thinking_delta", "thinking": p}}))
        sig = step.get("signature", "sig-%d" % idx)
        ev.append(("content_block_delta", {"type": "content_block_delta", "index": idx,
                                           "delta": {"type": "signature_delta", "signature": sig}}))
        ev.append(("content_block_stop", {"type": "content_block_stop", "index": idx}))
        blocks.append({"type": "thinking", "thinking": step["thinking"], "signature": sig})
        idx += 1
    if step.get("redacted_thinking"):
        blk = {"type": "redacted_thinking", "data": step["redacted_thinking"]}
        ev.append(("content_block_start", {"type": "content_block_start", "index": idx, "content_block": blk}))
        ev.append(("content_block_stop", {"type": "content_block_stop", "index": idx}))
        blocks.append(blk)
        idx += 1
    if step.get("text"):
        ev.append(("content_block_start", {"type": "content_block_start", "index": idx,
                                           "content_block": {"type": "text", "text": ""}}))
        for p in pieces(step["text"], n):
            ev.append(("content_block_delta", {"type": "content_block_delta", "index": idx,
                                               "delta": {"type": "text_delta", "text": p}}))
        ev.append(("content_block_stop", {"type": "content_block_stop", "index": idx}))
        blocks.append({"type": "text", "text": step["text"]})
        idx += 1
    for c in calls:
        ev.append(("content_block_start", {"type": "content_block_start", "index": idx,
                                           "content_block": {"type": "tool_use", "id": c["id"], "name": c["name"], "input": {}}}))
        for p in pieces(c["args"], n):
            ev.append(("content_block_delta", {"type": "content_block_delta", "index": idx,
                                               "delta": {"type": "input_json_delta", "partial_json": p}}))
        ev.append(("content_block_stop", {"type": "content_block_stop", "index": idx}))
        blocks.append({"type": "tool_use", "id": c["id"], "name": c["name"], "input": c["obj"]})
        idx += 1
    ev.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                 "usage": {"output_tokens": u["output"]}}))
    ev.append(("message_stop", {"type": "message_stop"}))
    whole = {"id": mid, "type": "message", "role": "assistant", "model": model, "content": blocks,
             "stop_reason": stop, "stop_sequence": None, "usage": usage}
    return ev, whole


def openai_responses(step, model, body):
    rid = "resp_fake%d" % int(time.time() * 1000 % 1e6)
    n = step.get("chunk", 16)
    u = usage_of(step)
    calls = tool_calls(step)
    stop = stop_of(step)
    base = {"id": rid, "object": "response", "created_at": int(time.time()), "model": model,
            "status": "in_progress", "output": []}
    ev = [("response.created", {"type": "response.created", "response": dict(base)}),
          ("response.in_progress", {"type": "response.in_progress", "response": dict(base)})]
    output = []
    oi = 0
    if "thinking" in step:
        iid = "rs_%d" % oi
        ev.append(("response.output_item.added", {"type": "response.output_item.added", "output_index": oi,
                                                  "item": {"id": iid, "type": "reasoning", "summary": []}}))
        ev.append(("response.reasoning_summary_part.added", {"type": "response.reasoning_summary_part.added",
                                                             "item_id": iid, "output_index": oi, "summary_index": 0,
                                                             "part": {"type": "summary_text", "text": ""}}))
        for p in pieces(step["thinking"], n):
            ev.append(("response.reasoning_summary_text.delta", {"type": "response.reasoning_summary_text.delta",
                                                                 "item_id": iid, "output_index": oi,
                                                                 "summary_index": 0, "delta": p}))
        ev.append(("response.reasoning_summary_text.done", {"type": "response.reasoning_summary_text.done",
                                                            "item_id": iid, "output_index": oi,
                                                            "summary_index": 0, "text": step["thinking"]}))
        item = {"id": iid, "type": "reasoning", "summary": [{"type": "summary_text", "text": step["thinking"]}]}
        if "signature" in step:
            item["encrypted_content"] = step["signature"]
        ev.append(("response.output_item.done", {"type": "response.output_item.done", "output_index": oi, "item": item}))
        output.append(item)
        oi += 1
    if step.get("text"):
        iid = "msg_%d" % oi
        ev.append(("response.output_item.added", {"type": "response.output_item.added", "output_index": oi,
                                                  "item": {"id": iid, "type": "message", "status": "in_progress",
                                                           "role": "assistant", "content": []}}))
        ev.append(("response.content_part.added", {"type": "response.content_part.added", "item_id": iid,
                                                   "output_index": oi, "content_index": 0,
                                                   "part": {"type": "output_text", "text": "", "annotations": []}}))
        for p in pieces(step["text"], n):
            ev.append(("response.output_text.delta", {"type": "response.output_text.delta", "item_id": iid,
                                                      "output_index": oi, "content_index": 0, "delta": p}))
        ev.append(("response.output_text.done", {"type": "response.output_text.done", "item_id": iid,
                                                 "output_index": oi, "content_index": 0, "text": step["text"]}))
        part = {"type": "output_text", "text": step["text"], "annotations": []}
        ev.append(("response.content_part.done", {"type": "response.content_part.done", "item_id": iid,
                                                  "output_index": oi, "content_index": 0, "part": part}))
        item = {"id": iid, "type": "message", "status": "completed", "role": "assistant", "content": [part]}
        ev.append(("response.output_item.done", {"type": "response.output_item.done", "output_index": oi, "item": item}))
        output.append(item)
        oi += 1
    for c in calls:
        iid = "fc_%d" % oi
        ev.append(("response.output_item.added", {"type": "response.output_item.added", "output_index": oi,
                                                  "item": {"id": iid, "type": "function_call", "status": "in_progress",
                                                           "call_id": c["id"], "name": c["name"], "arguments": ""}}))
        for p in pieces(c["args"], n):
            ev.append(("response.function_call_arguments.delta", {"type": "response.function_call_arguments.delta",
                                                                  "item_id": iid, "output_index": oi, "delta": p}))
        ev.append(("response.function_call_arguments.done", {"type": "response.function_call_arguments.done",
                                                             "item_id": iid, "output_index": oi, "arguments": c["args"]}))
        item = {"id": iid, "type": "function_call", "status": "completed", "call_id": c["id"],
                "name": c["name"], "arguments": c["args"]}
        ev.append(("response.output_item.done", {"type": "response.output_item.done", "output_index": oi, "item": item}))
        output.append(item)
        oi += 1
    final = dict(base, output=output, usage={
        "input_tokens": u["input"] + u["cache_read"] + u["cache_write"],
        "input_tokens_details": {"cached_tokens": u["cache_read"]},
        "output_tokens": u["output"], "output_tokens_details": {"reasoning_tokens": u["reasoning"]},
        "total_tokens": u["input"] + u["cache_read"] + u["cache_write"] + u["output"]})
    if stop == "max_tokens":
        final.update(status="incomplete", incomplete_details={"reason": "max_output_tokens"})
        ev.append(("response.incomplete", {"type": "response.incomplete", "response": final}))
    else:
        final["status"] = "completed"
        ev.append(("response.completed", {"type": "response.completed", "response": final}))
    return ev, final


def gemini(step, model, body):
    n = step.get("chunk", 16)
    u = usage_of(step)
    calls = tool_calls(step)
    stop = {"max_tokens": "MAX_TOKENS", "refusal": "SAFETY"}.get(stop_of(step), "STOP")
    rid = "fake-%d" % int(time.time() * 1000 % 1e6)
    usage = {"promptTokenCount": u["input"] + u["cache_read"],
             "candidatesTokenCount": u["output"] - u["reasoning"],
             "totalTokenCount": u["input"] + u["cache_read"] + u["output"]}
    if u["cache_read"]:
        usage["cachedContentTokenCount"] = u["cache_read"]
    if u["reasoning"]:
        usage["thoughtsTokenCount"] = u["reasoning"]
    parts = []
    for p in pieces(step.get("thinking", ""), n):
        parts.append({"text": p, "thought": True})
    for p in pieces(step.get("text", ""), n):
        parts.append({"text": p})
    for c in calls:
        parts.append({"functionCall": {"name": c["name"], "args": c["obj"]}})
    if "signature" in step:
        target = next((p for p in parts if "functionCall" in p), None)
        if target is None:
            target = next((p for p in reversed(parts) if not p.get("thought")), None)
        if target is None:
            target = {"text": ""}
            parts.append(target)
        target["thoughtSignature"] = step["signature"]

    def resp(ps, final):
        cand = {"content": {"parts": ps, "role": "model"}, "index": 0}
        if final:
            cand["finishReason"] = stop
        r = {"candidates": [cand], "modelVersion": model, "responseId": rid}
        if final:
            r["usageMetadata"] = usage
        else:
            r["usageMetadata"] = {"promptTokenCount": usage["promptTokenCount"],
                                  "totalTokenCount": usage["promptTokenCount"]}
        return r
    ev = [(None, resp([p], False)) for p in parts[:-1]] if parts else []
    ev.append((None, resp(parts[-1:], True)))
    return ev, resp(parts, True)


BUILDERS = {"openai-chat": openai_chat, "anthropic": anthropic,
            "openai-responses": openai_responses, "gemini": gemini}


def detect(path):
    p = path.split("?", 1)[0]
    if p.endswith("/chat/completions"):
        return "openai-chat"
    if p.endswith("/responses"):
        return "openai-responses"
    if p.endswith("/messages"):
        return "anthropic"
    if ":streamGenerateContent" in p or ":generateContent" in p:
        return "gemini"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-llm/1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fake_llm: " + fmt % args + "\n")

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path.startswith("/_fake/requests"):
            with self.server.script.lock:
                reqs = list(self.server.script.requests)
            return self.send_json(200, reqs)
        if self.path.startswith("/_fake/health"):
            return self.send_json(200, {"ok": True})
        self.send_json(404, {"error": {"message": "no such path", "code": 404}})

    def do_POST(self):
        try:
            raw = self.read_body()
        except ValueError as e:
            return self.send_json(413, {"error": {"message": str(e)}})
        script = self.server.script
        if self.path.startswith("/_fake/script"):
            try:
                script.load(json.loads(raw or b"{}"))
            except ValueError as e:
                return self.send_json(400, {"error": {"message": "bad script: %s" % e}})
            return self.send_json(200, {"ok": True})
        if self.path.startswith("/_fake/reset"):
            script.reset()
            return self.send_json(200, {"ok": True})
        protocol = detect(self.path)
        if not protocol:
            return self.send_json(404, {"error": {"message": "no such endpoint: " + self.path}})
        text = raw.decode("utf-8", "replace")
        try:
            body = json.loads(text) if text else {}
        except ValueError:
            body = None
        stream = (":streamGenerateContent" in self.path) if protocol == "gemini" else \
            bool(isinstance(body, dict) and body.get("stream"))
        rec = {"method": "POST", "path": self.path, "protocol": protocol, "stream": stream,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body if body is not None else text, "time": time.time()}
        if body is None or not isinstance(body, dict):
            rec["step"] = "invalid"
            script.record(rec)
            st, err = ERRORS["invalid"][protocol]
            return self.send_json(st, err)
        step, label = script.pick(protocol, body, text)
        rec["step"] = label
        script.record(rec)
        if step is None:
            return self.send_json(500, {"error": {"message": "fake_llm: script exhausted", "type": "server_error"}})
        model = body.get("model") or ""
        if protocol == "gemini":
            model = self.path.split("/models/", 1)[-1].split(":", 1)[0]
        self.reply(protocol, step, model, body, stream)

    def reply(self, protocol, step, model, body, stream):
        fault = step.get("fault") or {}
        ftype = fault.get("type")
        headers = {}
        if "retry_after" in fault:
            headers["Retry-After"] = fault["retry_after"]
        if "retry_after_ms" in fault:
            headers["retry-after-ms"] = fault["retry_after_ms"]
        if ftype in ERRORS:
            st, err = ERRORS[ftype][protocol]
            return self.send_json(fault.get("status", st), err, headers)
        if ftype == "http_error":
            st = fault.get("status", 500)
            err = fault.get("body")
            if err is None:
                kind = {429: "rate_limit", 401: "auth", 400: "invalid", 529: "overloaded", 503: "overloaded"}.get(st, "server_error")
                err = ERRORS[kind][protocol][1]
            return self.send_json(st, err, headers)
        events, whole = BUILDERS[protocol](step, model, body)
        delay = step.get("delay_ms", fault.get("delay_ms", 0) if ftype == "drip" else 0) / 1000.0
        if not stream:
            if delay:
                time.sleep(delay)
            if ftype == "malformed":
                data = b'{"id": "broken", "choices": [ {'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if ftype == "hold":
                return self.hold(fault)
            if ftype == "disconnect":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            return self.send_json(200, whole)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        after = fault.get("after_events", 0)
        crlf = bool(step.get("crlf"))
        try:
            for i, (name, obj) in enumerate(events):
                if ftype and i == after:
                    if self.inject(protocol, fault, crlf):
                        return
                self.write_event(name, obj, crlf)
                if delay:
                    time.sleep(delay)
            if ftype and after >= len(events):
                self.inject(protocol, fault, crlf)
        except (BrokenPipeError, ConnectionResetError):
            return

    def write_event(self, name, obj, crlf=False):
        nl = "\r\n" if crlf else "\n"
        data = obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"))
        s = ("event: %s%s" % (name, nl) if name else "") + "data: " + data + nl + nl
        self.wfile.write(s.encode())
        self.wfile.flush()

    def inject(self, protocol, fault, crlf):
        """Applies a mid-stream fault; True when the stream must end here."""
        ftype = fault["type"]
        if ftype == "disconnect":
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if ftype == "hold":
            self.hold(fault)
            return True
        if ftype == "malformed":
            self.wfile.write(b'data: {"choices": [{"delta": {"content": "unterminated\n\n')
            self.wfile.flush()
            return fault.get("stop", True)
        if ftype == "oversized":
            size = int(fault.get("bytes", 9 << 20))
            line = b"data: " + b"x" * size + b"\n\n"
            self.wfile.write(line)
            self.wfile.flush()
            return True
        if ftype == "stream_error":
            name, obj = STREAM_ERRORS[protocol]
            self.write_event(name, obj, crlf)
            return True
        return False

    def hold(self, fault):
        """Keeps the connection open until the client goes away."""
        self.wfile.flush()
        deadline = time.time() + float(fault.get("max_s", 120))
        self.server.holding += 1
        try:
            while time.time() < deadline:
                r, _, _ = select.select([self.connection], [], [], 0.05)
                if r:
                    try:
                        if not self.connection.recv(1, socket.MSG_PEEK):
                            break
                    except OSError:
                        break
                    time.sleep(0.05)
        finally:
            self.server.holding -= 1
            self.server.released += 1


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def watch_parent():
    """Exits when the process that started us goes away, so a crashed test
    never leaves a server behind."""
    import os
    parent = os.getppid()

    def loop():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)
    threading.Thread(target=loop, daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--script", help="JSON script file")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    doc = {}
    if a.script:
        with open(a.script) as f:
            doc = json.load(f)
    srv = Server((a.host, a.port), Handler)
    srv.script = Script(doc)
    srv.verbose = a.verbose
    srv.holding = 0
    srv.released = 0
    print(srv.server_address[1], flush=True)
    watch_parent()
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
