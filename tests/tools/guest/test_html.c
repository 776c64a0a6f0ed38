/* test_html: web_fetch's HTML -> Markdown/text converter, natively. */
#include "html.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static char *conv(const char *html, bool md, char **title)
{
    sb out;
    sb_init(&out);
    html_convert(html, strlen(html), md, "https://ex.com/docs/page.html?x=1", &out, title);
    if (!out.data) sb_putn(&out, "", 0);
    return out.data;
}

TEST(markdown_structure)
{
    char *title = NULL;
    char *s = conv("<html><head><title> The  Page </title><style>p{x}</style>"
                   "<script>alert('<p>no</p>')</script></head><body>"
                   "<h1>Head &amp; more</h1><p>Hello   <b>bold</b> and <em>it</em>,"
                   " <a href=\"/a\">link</a> <a href=\"b.html\">rel</a> <a href='javascript:x'>js</a>.</p>"
                   "<ul><li>one<li>two<ol><li>in</li></ol></ul>"
                   "<pre><code>x = 1;\n  y &lt; 2;</code></pre>"
                   "<p>inline <code>f()</code></p>"
                   "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>"
                   "<blockquote>quoted</blockquote><img src=\"i.png\" alt=\"pic\"><hr>"
                   "<!-- comment <p>hidden</p> --><p>caf&eacute;&#233;&#x263A;&nbsp;end</p></body></html>",
                   true, &title);
    CHECK_EQ_STR(title, "The  Page");
    const char *want =
        "# Head & more\n\n"
        "Hello **bold** and *it*, [link](https://ex.com/a) [rel](https://ex.com/docs/b.html) js.\n\n"
        "- one\n- two\n  1. in\n\n"
        "```\nx = 1;\n  y < 2;\n```\n\n"
        "inline `f()`\n\n"
        "| A | B |\n| --- | --- |\n| 1 | 2 |\n\n"
        "> quoted\n\n"
        "![pic](https://ex.com/docs/i.png)\n\n---\n\n"
        "caf&eacute;\xc3\xa9\xe2\x98\xba end";
    CHECK_EQ_STR(s, want);
    free(s);
    free(title);
}

TEST(text_mode)
{
    char *s = conv("<h2>T</h2><p>a <a href=\"/x\">b</a></p><ul><li>c</li></ul>", false, NULL);
    CHECK_EQ_STR(s, "T\n\na b\n\n* c");
    free(s);
}

TEST(hostile)
{
    /* unclosed everything, lone '<', unterminated comment and script */
    char *s = conv("a < b <p>x<a href=\"/y\">z", true, NULL);
    CHECK(strstr(s, "a < b") != NULL);
    free(s);
    s = conv("<script>never closed <p>hidden", true, NULL);
    CHECK_EQ_STR(s, "");
    free(s);
    s = conv("text<!-- never closed", true, NULL);
    CHECK_EQ_STR(s, "text");
    free(s);
    /* deep nesting costs nothing special */
    size_t n = 200000;
    char *deep = malloc(n * 4 + 1);
    REQUIRE(deep != NULL);
    for (size_t k = 0; k < n; k++) memcpy(deep + 4 * k, "<ul>", 4);
    deep[4 * n] = 0;
    sb out;
    sb_init(&out);
    html_convert(deep, 4 * n, true, NULL, &out, NULL);
    CHECK(out.len < 100);
    sb_free(&out);
    free(deep);
}

TEST(resolve)
{
    static const char *cases[][2] = {
        {"https://o.org/x", "https://o.org/x"}, {"//cdn.net/a", "https://cdn.net/a"},
        {"/root", "https://ex.com/root"}, {"#f", "https://ex.com/docs/page.html?x=1#f"},
        {"?q=2", "https://ex.com/docs/page.html?q=2"}, {"sub/p", "https://ex.com/docs/sub/p"},
        {"mailto:a@b", "mailto:a@b"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sb o;
        sb_init(&o);
        html_resolve_url("https://ex.com/docs/page.html?x=1", cases[k][0], strlen(cases[k][0]), &o);
        CHECK_EQ_STR(sb_str(&o), cases[k][1]);
        sb_free(&o);
    }
}

TEST_MAIN()
