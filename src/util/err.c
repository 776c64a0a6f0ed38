/* err.c: the error codes' names and messages, and the error detail. */
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const err_names[] = {
#define X(name, msg) #name,
    BX_ERR_LIST(X)
#undef X
};

static const char *const err_msgs[] = {
#define X(name, msg) msg,
    BX_ERR_LIST(X)
#undef X
};

const char *bx_err_name(bx_err err)
{
    if ((unsigned)err >= BX__ERR_COUNT)
        return "UNKNOWN";
    return err_names[err];
}

const char *bx_err_str(bx_err err)
{
    if ((unsigned)err >= BX__ERR_COUNT)
        return "unknown error";
    return err_msgs[err];
}

bx_err bx_err_from_errno(int errnum)
{
    switch (errnum) {
    case 0: return BX_OK;
    case ENOMEM: return BX_NOMEM;
    case ENOENT: case ENOTDIR: return BX_NOTFOUND;
    case EEXIST: case ENOTEMPTY: return BX_EXISTS;
    case EACCES: case EPERM: case EROFS: return BX_DENIED;
    case EXDEV: case ELOOP: return BX_NOTCAPABLE;
    case EINVAL: case ENAMETOOLONG: case EISDIR: return BX_INVALID;
    case EFBIG: case ENOSPC: case EDQUOT: return BX_TOOBIG;
    case ETIMEDOUT: return BX_TIMEOUT;
    case ECANCELED: case EINTR: return BX_CANCELLED;
    case EBUSY: case EAGAIN: return BX_BUSY;
    case ENOSYS: case EOPNOTSUPP: return BX_UNSUPPORTED;
    case ECONNREFUSED: case ECONNRESET: case EHOSTUNREACH: case ENETUNREACH: return BX_NETWORK;
    default: return BX_IO;
    }
}

bx_err bx_error_set(bx_error *out, bx_err code, int64_t position, const char *fmt, ...)
{
    if (!out)
        return code;
    out->code = code;
    out->position = position;
    out->line = out->column = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(out->message, sizeof out->message, fmt, ap);
        va_end(ap);
    } else {
        snprintf(out->message, sizeof out->message, "%s", bx_err_str(code));
    }
    return code;
}

void bx_error_clear(bx_error *out)
{
    if (!out)
        return;
    out->code = BX_OK;
    out->position = -1;
    out->line = out->column = 0;
    out->message[0] = '\0';
}
