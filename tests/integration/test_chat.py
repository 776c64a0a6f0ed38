"""Chat over the gateway against the real binary and the fake LLM: streamed
replies on SSE with ids and Last-Event-ID resume (ring and store), several
tabs, approvals (allow, deny), cancel, conflicts and error paths, concurrent
sessions, tools enable/disable, file-change events and the OpenAI-compatible
endpoint."""
import json
import os
import sys
import threading
import time

from bxtest import run_all, test
from fakellm import SSE, Fake, chat_server, wait_idle

fake = Fake()
srv = chat_server(fake)


def new_session(**kw):
    st, b = srv.api("POST", "/api/sessions", body=kw)
    assert st == 201, b
    return b["id"]


def send(sid, text, **kw):
    st, b = srv.api("POST", f"/api/sessions/{sid}/messages", body=dict(content=text, **kw))
    assert st == 202, (st, b)
    return b


@test
def streamed_reply_arrives_in_order_with_ids():
    fake.script({"turns": [{"text": "Hello **world**, this is the fake.", "chunk": 4,
                            "usage": {"input": 12, "output": 9}}]})
    sid = new_session(title="stream")
    sse = SSE(srv, f"/api/sessions/{sid}/events")
    assert sse.status == 200 and sse.headers["Content-Type"] == "text/event-stream"
    send(sid, "say hello")
    evs = sse.until("run_end")
    sse.close()
    types = [t for _, t, _ in evs]
    assert types[0] == "run_start" and types[-1] == "run_end", types
    assert "message_start" in types and "usage" in types and "message_end" in types
    text = "".join(d["text"] for _, t, d in evs if t == "text_delta")
    assert text == "Hello **world**, this is the fake.", text
    assert sum(1 for _, t, _ in evs if t == "text_delta") >= 5  # really streamed
    ids = [i for i, _, _ in evs]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and all(i == d["seq"] for i, _, d in evs)
    assert all(d["run_id"] == evs[0][2]["run_id"] and d["session_id"] == sid for _, _, d in evs)
    assert evs[-1][2]["outcome"] == "completed"
    assert wait_idle(srv, sid)
    st, b = srv.api("GET", f"/api/sessions/{sid}")
    roles = [m["role"] for m in b["messages"]]
    assert roles[:2] == ["user", "assistant"], roles


@test
def last_event_id_resumes_from_ring_and_from_store():
    fake.script({"turns": [{"text": "one two three four five six", "chunk": 3}]})
    sid = new_session()
    sse = SSE(srv, f"/api/sessions/{sid}/events")
    send(sid, "count")
    evs = sse.until("run_end")
    sse.close()
    mid = evs[len(evs) // 2][0]
    want = [e[0] for e in evs if e[0] > mid]
    again = SSE(srv, f"/api/sessions/{sid}/events", last_id=mid)
    got = [e[0] for e in again.until("run_end")]
    again.close()
    assert got == want, (got, want)
    # the same through ?last_event_id= (EventSource polyfills, curl)
    q = SSE(srv, f"/api/sessions/{sid}/events?last_event_id={mid}")
    assert [e[0] for e in q.until("run_end")] == want
    q.close()
    # after a restart the ring is empty: the store replays
    ws = srv.workspace
    time.sleep(0.5)  # let the hub flush
    from bxtest import Server
    s2 = Server(workspace=ws, env={"OPENAI_BASE_URL": fake.base + "/v1", "OPENAI_API_KEY": "x"})
    try:
        r = SSE(s2, f"/api/sessions/{sid}/events", last_id=0)
        got = r.until("run_end")
        r.close()
        assert [e[0] for e in got] == [e[0] for e in evs], "store replay differs from the live stream"
        assert [e[2] for e in got] == [e[2] for e in evs]
    finally:
        s2.stop()


@test
def an_idle_channel_is_freed_and_comes_back_from_the_store():
    s = chat_server(fake, env={"BOXAGNTS_HUB_IDLE_MS": "300"})
    try:
        fake.script({"default": {"text": "first reply", "chunk": 4}})
        st, b = s.api("POST", "/api/sessions", body={})
        sid = b["id"]
        first = SSE(s, f"/api/sessions/{sid}/events")
        s.api("POST", f"/api/sessions/{sid}/messages", body={"content": "one"})
        evs1 = first.until("run_end")
        first.close()
        assert wait_idle(s, sid)
        time.sleep(1.2)  # the channel is unused: flushed and freed
        again = SSE(s, f"/api/sessions/{sid}/events", last_id=0)
        assert [e[0] for e in again.until("run_end")] == [e[0] for e in evs1]
        s.api("POST", f"/api/sessions/{sid}/messages", body={"content": "two"})
        evs2 = again.until("run_end")
        again.close()
        assert evs2[0][1] == "run_start" and evs2[0][0] > evs1[-1][0], (evs2[0], evs1[-1])
    finally:
        assert s.stop() == 0


@test
def runs_at_once_are_capped():
    s = chat_server(fake, env={"BOXAGNTS_GW_MAX_RUNS": "2"})
    try:
        fake.script({"default": {"text": "held", "fault": {"type": "hold", "after_events": 1, "max_s": 30}}})
        sids = [s.api("POST", "/api/sessions", body={})[1]["id"] for _ in range(3)]
        codes = [s.api("POST", f"/api/sessions/{x}/messages", body={"content": "hold"})[0] for x in sids[:2]]
        assert codes == [202, 202], codes
        st, b = s.api("POST", f"/api/sessions/{sids[2]}/messages", body={"content": "one more"})
        assert st == 503 and b["error"]["code"] == "busy", (st, b)
        for x in sids[:2]:
            s.api("POST", f"/api/sessions/{x}/cancel")
        assert wait_idle(s, sids[0]) and wait_idle(s, sids[1])
        fake.script({"default": {"text": "now there is room"}})
        st, b = s.api("POST", f"/api/sessions/{sids[2]}/messages", body={"content": "again"})
        assert st == 202, (st, b)
        assert wait_idle(s, sids[2])
    finally:
        assert s.stop() == 0


@test
def several_tabs_see_the_same_events_and_heartbeats():
    fake.script({"turns": [{"text": "shared reply for every tab", "chunk": 5, "delay_ms": 20}]})
    sid = new_session()
    tabs = [SSE(srv, f"/api/sessions/{sid}/events") for _ in range(3)]
    send(sid, "hi")
    results = [t.until("run_end") for t in tabs]
    assert results[0] == results[1] == results[2]
    # an idle stream gets heartbeats (500 ms in this test) and stays open
    assert tabs[0].pings_for(1.6) >= 2
    for t in tabs:
        t.close()


@test
def a_late_tab_sees_the_run_in_progress():
    fake.script({"turns": [{"text": "abcdefghij" * 5, "chunk": 2, "delay_ms": 15}]})
    sid = new_session()
    send(sid, "go")
    time.sleep(0.3)
    late = SSE(srv, f"/api/sessions/{sid}/events")
    evs = late.until("run_end")
    late.close()
    assert evs[0][1] == "run_start", evs[0]
    assert "".join(d["text"] for _, t, d in evs if t == "text_delta") == "abcdefghij" * 5


@test
def approval_allows_a_write_and_the_file_appears():
    fake.script({"turns": [
        {"tool_calls": [{"id": "call_w1", "name": "write",
                         "arguments": {"file_path": "/notes/hello.txt", "content": "hi there\n"}}]},
        {"text": "Wrote it."}]})
    sid = new_session()
    sse = SSE(srv, f"/api/sessions/{sid}/events")
    send(sid, "write a file")
    evs = sse.until("approval_request")
    req = evs[-1][2]
    assert req.get("tool") == "write", evs and req["input"]["file_path"] == "/notes/hello.txt"
    assert "allow_once" in req["options"]
    st, b = srv.api("POST", f"/api/sessions/{sid}/approve", body={"approval_id": "nope"})
    assert st == 404, (st, b)
    st, b = srv.api("POST", f"/api/sessions/{sid}/approve", body={})
    assert st == 400
    st, b = srv.api("POST", f"/api/sessions/{sid}/approve", body={"approval_id": req["approval_id"]})
    assert st == 200, b
    rest = sse.until("run_end")
    sse.close()
    types = [t for _, t, _ in rest]
    assert types.index("approval_result") < types.index("tool_start") < types.index("tool_end")
    res = next(d for _, t, d in rest if t == "approval_result")
    assert res["decision"] == "allow_once" and res["by"] == "user"
    end = next(d for _, t, d in rest if t == "tool_end")
    assert not end["is_error"], end
    path = os.path.join(srv.workspace, "root", "notes", "hello.txt")
    assert open(path).read() == "hi there\n"
    assert wait_idle(srv, sid)
    st, b = srv.api("POST", f"/api/sessions/{sid}/approve", body={"approval_id": req["approval_id"]})
    assert st == 409 and b["error"]["code"] == "no_run"  # the run is over
    st, b = srv.api("GET", f"/api/sessions/{sid}/tool-calls")
    assert st == 200 and b["tool_calls"][0]["tool"] == "write"


@test
def deny_keeps_the_file_unwritten():
    fake.script({"turns": [
        {"tool_calls": [{"id": "call_d1", "name": "write",
                         "arguments": {"file_path": "/denied.txt", "content": "no"}}]},
        {"text": "OK, not writing."}]})
    sid = new_session()
    sse = SSE(srv, f"/api/sessions/{sid}/events")
    send(sid, "write")
    req = sse.until("approval_request")[-1][2]
    st, b = srv.api("POST", f"/api/sessions/{sid}/deny",
                    body={"approval_id": req["approval_id"], "message": "not now"})
    assert st == 200, b
    rest = sse.until("run_end")
    sse.close()
    res = next(d for _, t, d in rest if t == "approval_result")
    assert res["decision"] in ("deny", "deny_with_message"), res
    assert not any(t == "tool_start" for _, t, _ in rest)
    assert not os.path.exists(os.path.join(srv.workspace, "root", "denied.txt"))


@test
def questions_are_answered_and_todos_streamed():
    fake.script({"turns": [
        {"tool_calls": [{"id": "call_t1", "name": "todo_write", "arguments": {"todos": [
            {"content": "pick a colour", "status": "in_progress"},
            {"content": "paint", "status": "pending"}]}}]},
        {"tool_calls": [{"id": "call_q1", "name": "ask_user",
                         "arguments": {"question": "Which colour?", "options": ["red", "blue"]}}]},
        {"text": "Blue it is."}]})
    sid = new_session()
    sse = SSE(srv, f"/api/sessions/{sid}/events")
    send(sid, "plan and ask")
    evs = sse.until("question")
    todo = next(d for _, t, d in evs if t == "todo_update")
    assert [x["content"] for x in todo["todos"]] == ["pick a colour", "paint"]
    q = evs[-1][2]
    assert q["question"] == "Which colour?" and q["options"] == ["red", "blue"]
    st, b = srv.api("POST", f"/api/sessions/{sid}/answer", body={"question_id": q["question_id"], "answer": "blue"})
    assert st == 200, b
    rest = sse.until("run_end")
    sse.close()
    ans = next(d for _, t, d in rest if t == "answer")
    assert ans["answer"] == "blue"
    assert rest[-1][2]["outcome"] == "completed"
    assert "blue" in json.dumps(fake.requests()[-1]["body"])  # the model got the answer


@test
def cancel_stops_a_run_and_conflicts_are_reported():
    fake.script({"turns": [{"text": "partial", "fault": {"type": "hold", "after_events": 2, "max_s": 30}}]})
    sid = new_session()
    sse = SSE(srv, f"/api/sessions/{sid}/events")
    send(sid, "wait forever")
    sse.until("run_start")
    st, b = srv.api("POST", f"/api/sessions/{sid}/messages", body={"content": "again"})
    assert st == 409 and b["error"]["code"] == "conflict", (st, b)
    st, b = srv.api("GET", f"/api/sessions/{sid}/run")
    assert b["active"] is True
    st, b = srv.api("DELETE", f"/api/sessions/{sid}")
    assert st == 409, (st, b)
    t0 = time.time()
    st, b = srv.api("POST", f"/api/sessions/{sid}/cancel")
    assert st == 200, b
    end = sse.until("run_end")[-1][2]
    sse.close()
    assert end["outcome"] == "cancelled", end
    assert time.time() - t0 < 5
    assert wait_idle(srv, sid)
    st, b = srv.api("POST", f"/api/sessions/{sid}/cancel")
    assert st == 409 and b["error"]["code"] == "no_run"


@test
def a_cancel_right_after_the_post_is_not_lost():
    fake.script({"default": {"text": "held", "fault": {"type": "hold", "after_events": 1, "max_s": 30}}})
    for _ in range(5):
        sid = new_session()
        sse = SSE(srv, f"/api/sessions/{sid}/events")
        send(sid, "hold")
        st, b = srv.api("POST", f"/api/sessions/{sid}/cancel")
        assert st == 200, b
        end = sse.until("run_end")[-1][2]
        sse.close()
        assert end["outcome"] == "cancelled", end
        assert wait_idle(srv, sid, timeout=10)


@test
def chat_error_paths():
    sid = new_session()
    for body in ({}, {"content": ""}, {"content": 5}, {"content": "x", "model": 3}):
        st, b = srv.api("POST", f"/api/sessions/{sid}/messages", body=body)
        assert st == 400 and b["error"]["code"] == "invalid_request", (body, st, b)
    st, b = srv.api("POST", f"/api/sessions/{sid}/messages", body={"content": "x", "agent": "nope"})
    assert st == 400 and "nope" in b["error"]["message"]
    st, b = srv.api("POST", f"/api/sessions/{sid}/messages", body={"content": "x", "model": "nosuch/m"})
    assert st == 400 and "nosuch" in b["error"]["message"], (st, b)
    st, b = srv.api("POST", f"/api/sessions/{sid}/messages", body={"content": "x", "permission_mode": "god"})
    assert st == 400
    missing = "01890000-0000-7000-8000-000000000000"
    for method, path in (("POST", "messages"), ("GET", "events"), ("POST", "cancel"),
                         ("POST", "approve"), ("GET", "run")):
        st, b = srv.api(method, f"/api/sessions/{missing}/{path}",
                        body={"content": "x", "approval_id": "a"} if method == "POST" else None)
        assert st == 404 and b["error"]["code"] == "not_found", (path, st, b)
    st, b = srv.api("POST", f"/api/sessions/{sid}/answer", body=b"{bad")
    assert st == 400 and b["error"]["code"] == "invalid_json"
    st, b = srv.api("POST", f"/api/sessions/{sid}/answer", body={"question_id": "q", "answer": "a"})
    assert st == 409
    st, b = srv.api("POST", f"/api/sessions/{sid}/mode", body={"mode": "plan"})
    assert st == 409


@test
def concurrent_sessions_run_in_parallel():
    fake.script({"default": {"text": "parallel reply", "chunk": 3, "delay_ms": 10}})
    sids = [new_session(title=f"p{i}") for i in range(4)]
    streams = [SSE(srv, f"/api/sessions/{s}/events") for s in sids]
    for s in sids:
        send(s, "go")
    out = [None] * len(sids)

    def read(i):
        out[i] = streams[i].until("run_end")
    threads = [threading.Thread(target=read, args=(i,)) for i in range(len(sids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for i, evs in enumerate(out):
        assert evs and evs[-1][2]["outcome"] == "completed", evs
        assert all(d["session_id"] == sids[i] for _, _, d in evs)
        assert "".join(d["text"] for _, t, d in evs if t == "text_delta") == "parallel reply"
    for s in streams:
        s.close()


@test
def tools_list_enable_disable():
    st, b = srv.api("GET", "/api/tools")
    assert st == 200
    names = {t["name"]: t for t in b["tools"]}
    assert {"read", "write", "bash", "grep"} <= set(names), names.keys()
    assert names["read"]["level"] == "read_only" and names["read"]["enabled"]
    assert names["write"]["input_schema"]["required"] == ["file_path", "content"]
    st, b = srv.api("PUT", "/api/tools/bash", body={"enabled": False})
    assert st == 200 and b["enabled"] is False
    st, b = srv.api("GET", "/api/settings")
    assert b["settings"]["tools"]["disabled"] == ["bash"]
    st, b = srv.api("GET", "/api/tools/bash")
    assert st == 200 and b["enabled"] is False
    fake.script({"turns": [{"text": "ok"}]})
    sid = new_session()
    send(sid, "which tools?")
    assert wait_idle(srv, sid)
    last = fake.requests()[-1]["body"]
    offered = [t["function"]["name"] for t in last.get("tools", [])]
    assert "bash" not in offered and "read" in offered, offered
    st, b = srv.api("PUT", "/api/tools/bash", body={"enabled": True})
    assert st == 200 and b["enabled"] is True
    st, b = srv.api("PUT", "/api/tools/bash", body={"enabled": "yes"})
    assert st == 400
    st, b = srv.api("PUT", "/api/tools/nope", body={"enabled": True})
    assert st == 404
    st, b = srv.api("GET", "/api/tools/nope")
    assert st == 404


@test
def file_changes_are_streamed():
    sse = SSE(srv, "/api/files/events")
    st, _ = srv.api("PUT", "/api/files/content", body={"path": "/watched/a.txt", "content": "1"})
    assert st == 200
    seen = []
    for _, t, d in sse.events():
        seen.append((d["path"], d["kind"]))
        if ("/watched/a.txt", "modified") in seen or ("/watched/a.txt", "moved_to") in seen:
            break
    sse.close()
    assert ("/watched", "created") in seen, seen


@test
def openai_compatible_chat_completions():
    fake.script({"default": {"text": "compat answer", "chunk": 4, "usage": {"input": 5, "output": 3}}})
    st, b = srv.api("POST", "/v1/chat/completions",
                    body={"model": "build", "messages": [{"role": "user", "content": "hi"}]})
    assert st == 200, b
    assert b["object"] == "chat.completion" and b["model"] == "build"
    assert b["choices"][0]["message"] == {"role": "assistant", "content": "compat answer"}
    assert b["choices"][0]["finish_reason"] == "stop"
    assert b["usage"]["completion_tokens"] == 3
    st, hdrs, raw = srv.request("POST", "/v1/chat/completions", body={
        "model": "plan", "stream": True, "stream_options": {"include_usage": True},
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "a"},
                     {"role": "assistant", "content": "b"},
                     {"role": "user", "content": [{"type": "text", "text": "c"}]}]},
        headers={"Authorization": "Bearer " + srv.token})
    assert st == 200 and hdrs["Content-Type"] == "text/event-stream"
    lines = [l[6:] for l in raw.decode().split("\n") if l.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(l) for l in lines[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "compat answer", text
    assert chunks[-1]["usage"]["prompt_tokens"] == 5 and chunks[-1]["choices"] == []
    prompt = json.dumps(fake.requests()[-1]["body"])
    assert "be brief" in prompt and "c" in prompt
    st, b = srv.api("POST", "/v1/chat/completions", body={"model": "nope", "messages": [{"role": "user", "content": "x"}]})
    assert st == 404 and b["error"]["code"] == "model_not_found"
    st, b = srv.api("POST", "/v1/chat/completions", body={"model": "build", "messages": []})
    assert st == 400
    st, b = srv.api("POST", "/v1/chat/completions", body={"model": "build", "messages": [{"role": "assistant", "content": "x"}]})
    assert st == 400
    st, b = srv.json("POST", "/v1/chat/completions", body={"model": "build", "messages": []})
    assert st == 401
    st, b = srv.api("GET", "/v1/models")
    assert st == 200 and {"build", "plan", "explore"} <= {m["id"] for m in b["data"]}


@test
def an_openai_client_that_leaves_cancels_its_run():
    import socket
    fake.script({"default": {"text": "held", "fault": {"type": "hold", "after_events": 1, "max_s": 30}}})
    for stream in (True, False):
        body = json.dumps({"model": "build", "stream": stream,
                           "messages": [{"role": "user", "content": "hold on"}]}).encode()
        so = socket.create_connection(("127.0.0.1", srv.port))
        so.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                   srv.token.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: " +
                   str(len(body)).encode() + b"\r\n\r\n" + body)
        so.settimeout(10)
        got = so.recv(4096)
        assert b"200 OK" in got, got
        time.sleep(0.3)
        st, b = srv.api("GET", "/api/sessions?limit=1")
        sid = b["sessions"][0]["id"]
        st, run = srv.api("GET", f"/api/sessions/{sid}/run")
        assert run["active"], run
        so.close()  # the client gives up
        assert wait_idle(srv, sid, timeout=10), "the abandoned run kept going"
        sse = SSE(srv, f"/api/sessions/{sid}/events", last_id=0)
        end = sse.until("run_end")[-1][2]
        sse.close()
        assert end["outcome"] == "cancelled", end


@test
def shutdown_with_open_streams_and_a_held_run_is_clean():
    s = chat_server(fake)
    try:
        st, b = s.api("POST", "/api/sessions", body={})
        sid = b["id"]
        streams = [SSE(s, f"/api/sessions/{sid}/events") for _ in range(5)]
        files = SSE(s, "/api/files/events")
        fake.script({"turns": [{"text": "held", "fault": {"type": "hold", "after_events": 1, "max_s": 60}}]})
        st, b = s.api("POST", f"/api/sessions/{sid}/messages", body={"content": "hold"})
        assert st == 202
        streams[0].until("run_start")
    finally:
        t0 = time.time()
        rc = s.stop()
    assert rc == 0, (rc, "".join(s.log)[-2000:])
    assert time.time() - t0 < 10
    # every stream ended (not cut mid-frame) and saw the run end as cancelled
    evs = streams[1].until("run_end")
    assert evs and evs[-1][2]["outcome"] == "cancelled", evs[-3:]
    files.close()


def stop_checked():
    """The server must exit 0 (under ASan/LSan: no error, no leak)."""
    rc = srv.stop()
    fake.stop()
    log = "".join(srv.log)
    if rc != 0 or "Sanitizer" in log or "runtime error" in log:
        print(f"FAIL the server exited {rc}:\n{log[-6000:]}")
        sys.exit(1)


try:
    run_all()
finally:
    stop_checked()
