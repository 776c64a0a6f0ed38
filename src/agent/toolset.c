/* toolset.c: the tools module's tools behind the agent_tool interface.
 *
 * The loop knows only agent_tool; this adapter wraps each tools_tool of a
 * registry, maps its level, and runs it with tools_execute, handing the
 * call's cancellation flag to the sandbox so agent_run_cancel reaches a
 * running guest.
 */
#include <string.h>

#include "agent/agent_int.h"

typedef struct toolset_entry {
    tools_tool *tool;
    const tools_ctx *base;
} toolset_entry;

typedef struct toolset_impl {
    tools_ctx base;
    toolset_entry *entries;
    size_t n;
} toolset_impl;

static agent_level map_level(tools_level l)
{
    switch (l) {
    case TOOLS_NONE: return AGENT_LEVEL_NONE;
    case TOOLS_READ_ONLY: return AGENT_LEVEL_READONLY;
    case TOOLS_WRITE: return AGENT_LEVEL_WRITE;
    case TOOLS_EXECUTE: return AGENT_LEVEL_EXECUTE;
    case TOOLS_NETWORK: return AGENT_LEVEL_NETWORK;
    }
    return AGENT_LEVEL_EXECUTE; /* an unknown level is treated as the riskiest that asks */
}

static bx_err run_tool(void *ctx, agent_call *call, const json_t *input, agent_tool_result *out)
{
    toolset_entry *e = ctx;
    tools_ctx c = *e->base;
    c.cancel = &call->cancelled;
    tools_result r;
    tools_result_init(&r);
    bx_err err = tools_execute(e->tool, input, &c, &r);
    out->content = r.content;
    r.content = NULL;
    out->is_error = r.is_error;
    out->metadata = json_incref(r.metadata);
    tools_result_release(&r);
    return err == BX_CANCELLED ? BX_CANCELLED : BX_OK;
}

bx_err agent_toolset_from_registry(tools_registry *reg, const tools_ctx *base,
                                   agent_toolset *out)
{
    memset(out, 0, sizeof(*out));
    tools_tool **list = NULL;
    size_t n = tools_registry_list(reg, &list);
    toolset_impl *im = bx_calloc(1, sizeof(*im));
    im->base = *base;
    im->entries = bx_calloc(n ? n : 1, sizeof(*im->entries));
    out->tools = bx_calloc(n ? n : 1, sizeof(*out->tools));
    for (size_t i = 0; i < n; i++) {
        tools_tool *t = list[i];
        if (strcmp(tools_tool_name(t), "tool_search") == 0)
            continue;
        toolset_entry *e = &im->entries[im->n++];
        e->tool = tools_tool_ref(t);
        e->base = &im->base;
        out->tools[out->n++] = (agent_tool){tools_tool_name(t), tools_tool_description(t),
                                            map_level(tools_tool_level(t)), tools_tool_schema(t),
                                            run_tool, e};
    }
    tools_list_free(list, n);
    out->impl = im;
    return BX_OK;
}

void agent_toolset_release(agent_toolset *ts)
{
    toolset_impl *im = ts->impl;
    if (im) {
        for (size_t i = 0; i < im->n; i++)
            tools_tool_unref(im->entries[i].tool);
        bx_free(im->entries);
        bx_free(im);
    }
    bx_free(ts->tools);
    memset(ts, 0, sizeof(*ts));
}
