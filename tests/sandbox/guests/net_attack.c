/* net_attack.c: one HTTP request through boxagnts_http.
 *
 *   net_attack URL [METHOD [BODY [HEADERS]]]
 *
 * Prints "STATUS <code> <body>" and exits 0 on a response; prints
 * "ERROR <code> <message>" and exits 3 when the host denied the request,
 * 4 for any other failure. Used by the network escape suite and tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boxagnts_http.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: net_attack URL [METHOD [BODY [HEADERS]]]\n");
        return 2;
    }
    const char *url = argv[1];
    const char *method = argc > 2 ? argv[2] : "GET";
    const char *body = argc > 3 ? argv[3] : "";
    const char *headers = argc > 4 ? argv[4] : "";
    uint32_t h = 0;
    int32_t rc = boxagnts_http_request(method, strlen(method), url, strlen(url), headers,
                                       strlen(headers), body, strlen(body), &h);
    if (rc != BOXAGNTS_HTTP_OK) {
        char msg[600];
        uint32_t n = 0;
        if (boxagnts_http_last_error(msg, sizeof msg - 1, &n) != BOXAGNTS_HTTP_OK)
            n = 0;
        msg[n] = '\0';
        printf("ERROR %d %s\n", (int)rc, msg);
        return rc == BOXAGNTS_HTTP_DENIED ? 3 : 4;
    }
    uint32_t status = 0;
    boxagnts_http_status(h, &status);
    char hdrs[4096];
    uint32_t hl = 0;
    if (boxagnts_http_headers(h, hdrs, sizeof hdrs - 1, &hl) != BOXAGNTS_HTTP_OK)
        hl = 0;
    hdrs[hl] = '\0';
    printf("STATUS %u ", status);
    char buf[4096];
    uint32_t n = 0;
    size_t total = 0;
    while (boxagnts_http_read(h, buf, sizeof buf, &n) == BOXAGNTS_HTTP_OK && n > 0) {
        if (total < 4096)
            fwrite(buf, 1, n, stdout);
        total += n;
    }
    printf("\nBYTES %zu\nHEADERS\n%s", total, hdrs);
    if (boxagnts_http_close(h) != BOXAGNTS_HTTP_OK || boxagnts_http_close(h) != BOXAGNTS_HTTP_BADHANDLE)
        printf("FAIL close\n");
    return 0;
}
