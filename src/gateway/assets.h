/* assets.h: the dashboard files embedded at build time (web/ plus the
 * libraries named in scripts/embed-assets.py). Internal to the gateway;
 * a plain header so the generated file can include it. */
#ifndef BX_GATEWAY_ASSETS_H
#define BX_GATEWAY_ASSETS_H

#include <stddef.h>

typedef struct gateway_asset {
    const char *path; /* URL path, e.g. "/index.html" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
    const char *etag; /* quoted strong ETag */
} gateway_asset;

extern const gateway_asset gateway_assets[];
extern const size_t gateway_asset_count;

#endif
