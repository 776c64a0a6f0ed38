/* approvals.c: pausing a run for the user — approvals, questions, cancel.
 *
 * The loop thread registers a pending entry, emits the request and waits on
 * run->cond; the answer arrives from another thread (the gateway's API or
 * the terminal) through agent_run_approve/agent_run_answer, which fill the
 * entry and broadcast. A timeout, the run's deadline or cancellation ends
 * the wait as a deny. The model has no path into any of this.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "agent/agent_int.h"

static const char *const answer_names[] = {"allow_once", "allow_always", "deny",
                                           "deny_with_message"};

bool agent_answer_parse(const char *s, agent_answer *out_answer)
{
    if (!s)
        return false;
    for (size_t i = 0; i < BX_ARRAY_LEN(answer_names); i++) {
        if (strcmp(s, answer_names[i]) == 0) {
            *out_answer = (agent_answer)i;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------- waiting */

static struct timespec abs_after_ms(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return ts;
}

/* Waits (run->lock held) until p is answered, the run is cancelled, or
 * ms pass; also stops at the run's deadline. True when answered. */
static bool wait_pending(agent_run *run, agent__pending *p, int64_t ms, bool *out_timeout)
{
    uint64_t end = bx_mono_ns() + (uint64_t)ms * 1000000u;
    if (run->deadline_ns && run->deadline_ns < end)
        end = run->deadline_ns;
    *out_timeout = false;
    while (!p->answered && !atomic_load(&run->cancelled)) {
        uint64_t now = bx_mono_ns();
        if (now >= end) {
            *out_timeout = true;
            if (run->deadline_ns && now >= run->deadline_ns)
                atomic_store(&run->time_up, true);
            break;
        }
        struct timespec ts = abs_after_ms((int64_t)((end - now) / 1000000u) + 1);
        pthread_cond_timedwait(&run->cond, &run->lock, &ts);
    }
    return p->answered;
}

static agent__pending *pending_add(agent_run *run, agent__pending_kind kind)
{
    agent__pending *p = bx_calloc(1, sizeof(*p));
    bx_uuid_v7(p->id);
    p->kind = kind;
    pthread_mutex_lock(&run->lock);
    bx_vec_push(&run->pending, &p);
    pthread_mutex_unlock(&run->lock);
    return p;
}

/* Removes p from the table (run->lock held) and frees it. */
static void pending_drop(agent_run *run, agent__pending *p)
{
    for (size_t i = 0; i < run->pending.len; i++) {
        if (BX_VEC_AT(&run->pending, agent__pending *, i) == p) {
            bx_vec_remove(&run->pending, i);
            break;
        }
    }
    bx_free(p->text);
    json_decref(p->event);
    bx_free(p);
}

static int64_t approval_timeout(const agent_run *run)
{
    return run->cfg.approval_timeout_ms > 0 ? run->cfg.approval_timeout_ms : 10 * 60 * 1000;
}

agent_answer agent__ask_approval(agent_run *run, const char *call_id, const char *tool,
                                 const json_t *input, const char *reason, char **out_msg)
{
    *out_msg = NULL;
    agent__pending *p = pending_add(run, AGENT__PENDING_APPROVAL);
    char aid[37];
    memcpy(aid, p->id, sizeof(aid));
    int64_t timeout = approval_timeout(run);
    char expires[32];
    bx_format_time(bx_wall_ms() + timeout, expires);

    if (run->cfg.can_ask) {
        json_t *ev = json_object();
        jx_set_str(ev, "approval_id", p->id);
        jx_set_str(ev, "tool_call_id", call_id ? call_id : "");
        jx_set_str(ev, "tool", tool);
        json_object_set_new(ev, "input", input ? json_deep_copy(input) : json_object());
        jx_set_str(ev, "reason", reason ? reason : "");
        json_t *opts = json_array();
        for (size_t i = 0; i < BX_ARRAY_LEN(answer_names); i++)
            json_array_append_new(opts, json_string(answer_names[i]));
        json_object_set_new(ev, "options", opts);
        jx_set_str(ev, "expires_at", expires);
        pthread_mutex_lock(&run->lock);
        p->event = json_pack("{s:s}", "type", "approval_request");
        json_object_update(p->event, ev);
        pthread_mutex_unlock(&run->lock);
        agent__emit(run, "approval_request", ev);
    }

    pthread_mutex_lock(&run->lock);
    bool timed_out = false;
    bool answered = run->cfg.can_ask && wait_pending(run, p, timeout, &timed_out);
    agent_answer ans = answered ? p->answer : AGENT_ANSWER_DENY;
    const char *by = answered ? "user" : run->cfg.can_ask ? "timeout" : "mode";
    if (answered && p->text && ans == AGENT_ANSWER_DENY_WITH_MESSAGE)
        *out_msg = bx_strdup(p->text);
    pending_drop(run, p);
    pthread_mutex_unlock(&run->lock);

    json_t *ev = json_object();
    jx_set_str(ev, "approval_id", aid);
    jx_set_str(ev, "tool_call_id", call_id ? call_id : "");
    jx_set_str(ev, "tool", tool);
    jx_set_str(ev, "decision", ans == AGENT_ANSWER_ALLOW_ALWAYS ? "allow_always"
                               : ans == AGENT_ANSWER_ALLOW_ONCE ? "allow_once"
                                                                : "deny");
    if (*out_msg)
        jx_set_str(ev, "message", *out_msg);
    if (!answered && atomic_load(&run->cancelled))
        by = "cancel";
    jx_set_str(ev, "by", by);
    agent__emit(run, "approval_result", ev);
    return ans == AGENT_ANSWER_DENY_WITH_MESSAGE && !*out_msg ? AGENT_ANSWER_DENY : ans;
}

bx_err agent__ask_question(agent_run *run, const char *question, const json_t *options,
                           char **out_answer)
{
    *out_answer = NULL;
    if (!run->cfg.can_ask)
        return BX_UNSUPPORTED;
    agent__pending *p = pending_add(run, AGENT__PENDING_QUESTION);
    json_t *ev = json_object();
    jx_set_str(ev, "question_id", p->id);
    jx_set_str(ev, "question", question);
    json_object_set_new(ev, "options", json_is_array(options) ? json_deep_copy(options) : json_array());
    char qid[37];
    memcpy(qid, p->id, sizeof(qid));
    pthread_mutex_lock(&run->lock);
    p->event = json_pack("{s:s}", "type", "question");
    json_object_update(p->event, ev);
    pthread_mutex_unlock(&run->lock);
    agent__emit(run, "question", ev);

    pthread_mutex_lock(&run->lock);
    bool timed_out = false;
    bool answered = wait_pending(run, p, approval_timeout(run), &timed_out);
    if (answered)
        *out_answer = bx_strdup(p->text ? p->text : "");
    pending_drop(run, p);
    pthread_mutex_unlock(&run->lock);
    if (!answered)
        return atomic_load(&run->cancelled) ? BX_CANCELLED : BX_TIMEOUT;
    ev = json_object();
    jx_set_str(ev, "question_id", qid);
    json_object_set_new(ev, "answer", agent__jstr(*out_answer, strlen(*out_answer)));
    agent__emit(run, "answer", ev);
    return BX_OK;
}

static bx_err answer_pending(agent_run *run, const char *id, agent__pending_kind kind,
                             agent_answer answer, const char *text)
{
    if (!id)
        return BX_INVALID;
    bx_err err = BX_NOTFOUND;
    pthread_mutex_lock(&run->lock);
    for (size_t i = 0; i < run->pending.len; i++) {
        agent__pending *p = BX_VEC_AT(&run->pending, agent__pending *, i);
        if (p->kind == kind && !p->answered && strcmp(p->id, id) == 0) {
            p->answered = true;
            p->answer = answer;
            if (text)
                p->text = bx_strndup(text, BX_MIN(strlen(text), (size_t)(1u << 20)));
            err = BX_OK;
            pthread_cond_broadcast(&run->cond);
            break;
        }
    }
    pthread_mutex_unlock(&run->lock);
    return err;
}

bx_err agent_run_approve(agent_run *run, const char *approval_id, agent_answer answer,
                         const char *message)
{
    if ((unsigned)answer > AGENT_ANSWER_DENY_WITH_MESSAGE)
        return BX_INVALID;
    return answer_pending(run, approval_id, AGENT__PENDING_APPROVAL, answer, message);
}

bx_err agent_run_answer(agent_run *run, const char *question_id, const char *answer)
{
    return answer_pending(run, question_id, AGENT__PENDING_QUESTION, AGENT_ANSWER_ALLOW_ONCE,
                          answer ? answer : "");
}

/* ------------------------------------------------------------- allow always */

void agent__allow_always(agent_run *run, const char *tool, const json_t *input)
{
    const char *subject = agent_call_subject(tool, input);
    char *spec = subject ? bx_sprintf("%s(%s)", tool, subject) : bx_strdup(tool);
    json_t *js = json_string(spec);
    pthread_mutex_lock(&run->lock);
    if (js)
        agent_rules_add(&run->rules, true, js, NULL);
    pthread_mutex_unlock(&run->lock);
    if (js && run->cfg.ws) {
        json_t *settings = workspace_settings(run->cfg.ws);
        json_t *allow = json_deep_copy(jx_arr(jx_obj(settings, "permissions"), "allow"));
        if (!allow)
            allow = json_array();
        json_array_append(allow, js);
        json_t *patch = json_pack("{s:{s:o}}", "permissions", "allow", allow);
        bx_error e;
        bx_error_clear(&e);
        if (patch && workspace_settings_update(run->cfg.ws, patch, &e) != BX_OK)
            bx_log(BX_LOG_WARN, "agent", "could not save the rule %s: %s", spec, e.message);
        json_decref(patch);
        json_decref(settings);
    }
    json_decref(js);
    bx_free(spec);
}

/* ---------------------------------------------------------- calls, cancel */

agent_run *agent_call_run(agent_call *call) { return call->run; }
const char *agent_call_id(const agent_call *call) { return call->id; }

bool agent_call_cancelled(const agent_call *call)
{
    return atomic_load(&call->cancelled) || atomic_load(&call->run->cancelled);
}

bool agent_call_wait(agent_call *call, int64_t ms)
{
    agent_run *run = call->run;
    uint64_t end = bx_mono_ns() + (uint64_t)(ms > 0 ? ms : 0) * 1000000u;
    pthread_mutex_lock(&run->lock);
    while (!agent_call_cancelled(call)) {
        uint64_t now = bx_mono_ns();
        if (now >= end)
            break;
        struct timespec ts = abs_after_ms((int64_t)((end - now) / 1000000u) + 1);
        pthread_cond_timedwait(&run->cond, &run->lock, &ts);
    }
    pthread_mutex_unlock(&run->lock);
    return !agent_call_cancelled(call);
}

void agent_call_on_cancel(agent_call *call, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&call->run->lock);
    call->hook = fn;
    call->hook_arg = arg;
    bool fire = fn && agent_call_cancelled(call);
    pthread_mutex_unlock(&call->run->lock);
    if (fire)
        fn(arg);
}

void agent_run_cancel(agent_run *run)
{
    atomic_store(&run->cancelled, true);
    llm_cancel_request(&run->llm);
    pthread_mutex_lock(&run->lock);
    for (size_t i = 0; i < run->calls.len; i++) {
        agent_call *c = BX_VEC_AT(&run->calls, agent_call *, i);
        atomic_store(&c->cancelled, true);
        if (c->hook)
            c->hook(c->hook_arg);
    }
    pthread_cond_broadcast(&run->cond);
    pthread_mutex_unlock(&run->lock);
}

void agent_run_set_mode(agent_run *run, agent_mode mode)
{
    pthread_mutex_lock(&run->lock);
    bool changed = run->mode != mode;
    if (mode == AGENT_MODE_PLAN && run->mode != AGENT_MODE_PLAN)
        run->mode_before_plan = run->mode;
    run->mode = mode;
    pthread_mutex_unlock(&run->lock);
    if (changed) {
        json_t *ev = json_object();
        jx_set_str(ev, "mode", agent_mode_name(mode));
        jx_set_str(ev, "by", "user");
        agent__emit(run, "mode_change", ev);
    }
}

agent_mode agent_run_mode(agent_run *run)
{
    pthread_mutex_lock(&run->lock);
    agent_mode m = run->mode;
    pthread_mutex_unlock(&run->lock);
    return m;
}

void agent_run_stats(agent_run *run, agent_stats *out)
{
    pthread_mutex_lock(&run->lock);
    *out = run->stats;
    pthread_mutex_unlock(&run->lock);
}

json_t *agent_run_pending(agent_run *run)
{
    json_t *out = json_array();
    pthread_mutex_lock(&run->lock);
    for (size_t i = 0; i < run->pending.len; i++) {
        agent__pending *p = BX_VEC_AT(&run->pending, agent__pending *, i);
        if (p->event && !p->answered)
            json_array_append_new(out, json_deep_copy(p->event));
    }
    pthread_mutex_unlock(&run->lock);
    return out;
}

json_t *agent_run_todos(agent_run *run)
{
    pthread_mutex_lock(&run->lock);
    json_t *t = json_deep_copy(run->todos);
    pthread_mutex_unlock(&run->lock);
    return t ? t : json_array();
}
