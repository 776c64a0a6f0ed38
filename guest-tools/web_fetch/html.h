/* html: HTML to readable Markdown (or plain text) for web_fetch.
 *
 * One pass over the bytes with a tiny tag tokenizer, no DOM: block tags end
 * paragraphs, headings/lists/links/code/tables/quotes get their Markdown
 * form, script/style/head/svg/template/noscript content is dropped,
 * entities are decoded, whitespace is collapsed outside <pre>. Hostile
 * input costs linear time and output is bounded by the input size.
 */
#ifndef BX_WEB_FETCH_HTML_H
#define BX_WEB_FETCH_HTML_H

#include "json.h"

#include <stdbool.h>
#include <stddef.h>

/* Converts html[0..n) into out. markdown false gives plain text. base_url
 * (may be NULL) resolves relative links. *out_title gets the <title>
 * (malloc'd, may be NULL). */
void html_convert(const char *html, size_t n, bool markdown, const char *base_url, sb *out,
                  char **out_title);

/* Resolves href against base (http(s) URL) into out. */
void html_resolve_url(const char *base, const char *href, size_t href_len, sb *out);

#endif
