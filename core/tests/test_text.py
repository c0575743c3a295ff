import html5lib
import pytest

from core.text import extract_hashtags, render_markdown, sanitize_html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<iframe src='https://evil.test'></iframe>",
        "<object data='x'></object>",
        "<svg onload=alert(1)>",
        "<math><mtext><script>alert(1)</script></mtext></math>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        "<form action='https://evil.test'><input></form>",
        "<meta http-equiv=refresh content='0;url=https://evil.test'>",
        "<base href='https://evil.test/'>",
    ],
)
def test_X1_sanitizer_removes_script_capable_markup(attack: str) -> None:
    cleaned = sanitize_html(attack).lower()
    for bad in (
        "<script",
        "onerror",
        "onload",
        "<iframe",
        "<object",
        "<svg",
        "javascript:",
        "data:text",
        "<form",
        "<meta",
        "<base",
        "style=",
    ):
        assert bad not in cleaned


def test_X4_markdown_raw_html_is_text_and_bad_links_are_dropped() -> None:
    html = render_markdown('<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![x](x" onerror="alert(1))')
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert "<img" not in html or 'onerror="' not in html


def test_X5_links_get_noopener_and_ugc() -> None:
    html = render_markdown("[blog](https://example.org/post)")
    assert 'rel="noopener noreferrer ugc nofollow"' in html
    assert 'href="https://example.org/post"' in html


def test_markdown_keeps_code_headings_lists_quotes() -> None:
    html = render_markdown("# Title\n\n- one\n- two\n\n> quoted\n\n```\ncode\n```")
    for tag in ("<h1>", "<li>one</li>", "<blockquote>", "<pre><code>"):
        assert tag in html


def test_sanitizer_is_idempotent() -> None:
    once = sanitize_html('<p>Hi <a href="https://example.org">there</a><script>x</script></p>')
    assert sanitize_html(once) == once


def test_hashtags_are_extracted_lowercased_once() -> None:
    assert extract_hashtags("Loving #IMMOOC and #edchat", "more #immooc, see https://x.test/#anchor") == [
        "immooc",
        "edchat",
    ]


# Structural checks: parse the output as a browser would and look at every element and attribute.

DANGEROUS_SCHEMES = ("javascript", "data", "vbscript", "file", "blob")
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "background", "poster", "cite"}
FORBIDDEN_TAGS = {
    *("script", "iframe", "frame", "frameset", "object", "embed", "applet", "portal", "form", "input", "button"),
    *("meta", "base", "link", "style", "svg", "math", "template", "textarea", "title", "select"),
    # Parsed differently with scripting on (browsers) and off (html5lib): mutation-XSS carriers.
    *("noscript", "noembed", "noframes", "xmp", "plaintext"),
}


def parse(html: str) -> list:
    document = html5lib.parseFragment(html, namespaceHTMLElements=False)
    return [element for element in document.iter() if isinstance(element.tag, str)]


def scheme_of(url: str) -> str:
    # Browsers drop leading C0 controls and spaces and ignore tabs and newlines anywhere in a URL.
    url = "".join(ch for ch in url if ch not in "\t\n\r").lstrip("".join(map(chr, range(33))))
    scheme, colon, _ = url.partition(":")
    return scheme.lower() if colon and "/" not in scheme else ""


def assert_inert(html: str) -> None:
    """No script-capable element, event handler, style or dangerous URL survives in `html`."""
    for element in parse(html):
        tag = element.tag.rsplit("}", 1)[-1].lower()
        assert tag not in FORBIDDEN_TAGS, f"<{tag}> survived: {html!r}"
        for name, value in element.attrib.items():
            name = (name if isinstance(name, str) else name[1]).lower()
            assert not name.startswith("on"), f"event handler {name} survived: {html!r}"
            assert name != "style", f"style survived: {html!r}"
            if name in URL_ATTRIBUTES:
                assert scheme_of(value) not in DANGEROUS_SCHEMES, f"{name}={value!r} survived: {html!r}"


HTML_ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.test/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//>",
    '<img src="x" ONERROR="alert(1)">',
    "<img/src=x/onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
    "<math><a xlink:href=javascript:alert(1)>x</a></math>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<details open ontoggle=alert(1)>x</details>",
    "<body onload=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href='JaVaScRiPt:alert(1)'>x</a>",
    "<a href=' javascript:alert(1)'>x</a>",
    "<a href='\x01javascript:alert(1)'>x</a>",
    "<a href='java\nscript:alert(1)'>x</a>",
    "<a href='jav&#x09;ascript:alert(1)'>x</a>",
    "<a href='&#106;avascript:alert(1)'>x</a>",
    "<a href='&#x6A;avascript&#x3A;alert(1)'>x</a>",
    "<a href='javascript&colon;alert(1)'>x</a>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    "<a href='data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='>x</a>",
    "<img src='data:image/svg+xml,<svg onload=alert(1)>'>",
    "<img src='javascript:alert(1)'>",
    "<img srcset='javascript:alert(1) 1x'>",
    "<a href='https://ok.test/' onclick='alert(1)' style='color:red'>x</a>",
    "<p style='background:url(javascript:alert(1))'>x</p>",
    "<div style='behavior:url(x.htc)'>x</div>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data='javascript:alert(1)'></object><embed src='x.swf'>",
    "<form action='javascript:alert(1)'><button formaction='javascript:alert(1)'>x</button></form>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href='javascript:alert(1)//'>",
    "<link rel=stylesheet href='https://evil.test/x.css'>",
    "<style>@import 'https://evil.test/x.css';</style>",
    "<table background='javascript:alert(1)'><tr><td>x</td></tr></table>",
    "<blockquote cite='javascript:alert(1)'>x</blockquote>",
    "<video poster='javascript:alert(1)'><source src=x onerror=alert(1)></video>",
    "<code class='x' onmouseover='alert(1)'>x</code>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<a href="https://ok.test/"><img src=x onerror=alert(1)></a>',
]


@pytest.mark.parametrize("attack", HTML_ATTACKS)
def test_X1_sanitized_html_is_inert_when_parsed(attack: str) -> None:
    cleaned = sanitize_html(attack)

    assert_inert(cleaned)
    assert sanitize_html(cleaned) == cleaned, "idempotent"


@pytest.mark.parametrize("attack", HTML_ATTACKS)
def test_X1_attacks_inside_markdown_are_inert(attack: str) -> None:
    assert_inert(render_markdown(f"Intro\n\n{attack}\n\n*after* {attack}"))


MARKDOWN_ATTACKS = [
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#x3A;alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x]( javascript:alert(1))",
    "[x](java%0Ascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](x" onerror="alert(1))',
    "![x](x'onerror='alert(1))",
    '[x](https://ok.test/" onclick="alert(1))',
    "<javascript:alert(1)>",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    "[x][evil]\n\n[evil]: <data:text/html,<script>alert(1)</script>>",
    "<div onclick='alert(1)'>raw block</div>",
    "inline <img src=x onerror=alert(1)> html",
    "<script>alert(1)</script>",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
]


@pytest.mark.parametrize("attack", MARKDOWN_ATTACKS)
def test_X4_markdown_output_is_inert(attack: str) -> None:
    html = render_markdown(attack)

    assert_inert(html)
    assert "<script" not in html.lower()


def test_X4_raw_html_and_code_are_shown_as_text() -> None:
    html = render_markdown("<b onclick=x>bold?</b>\n\n`<script>x</script>`")

    assert "&lt;b onclick=x&gt;" in html
    assert "<code>&lt;script&gt;x&lt;/script&gt;</code>" in html


LINKS = [
    "[blog](https://example.org/post)",
    "<https://example.org/autolink>",
    "[ref][1]\n\n[1]: https://example.org/ref",
    "[mail](mailto:maria@example.org)",
]


@pytest.mark.parametrize("text", LINKS)
def test_X5_every_markdown_link_is_ugc_nofollow_noopener(text: str) -> None:
    anchors = [e for e in parse(render_markdown(text)) if e.tag == "a"]

    assert anchors
    for anchor in anchors:
        assert set(anchor.get("rel", "").split()) >= {"noopener", "noreferrer", "ugc", "nofollow"}
        assert "target" not in anchor.attrib


def test_X5_harvested_links_lose_their_own_rel_and_target() -> None:
    html = sanitize_html('<a href="https://example.org/" rel="opener" target="_blank">x</a>')
    (anchor,) = [e for e in parse(html) if e.tag == "a"]

    assert set(anchor.get("rel", "").split()) == {"noopener", "noreferrer", "ugc", "nofollow"}
    assert "target" not in anchor.attrib


def test_safe_content_survives_sanitising() -> None:
    html = sanitize_html(
        '<p>See <a href="https://example.org/a?b=1&amp;c=2">this</a> and '
        '<img src="https://example.org/i.png" alt="A chart"> <a href="/local">here</a></p>'
    )

    anchors = [e for e in parse(html) if e.tag == "a"]
    (image,) = [e for e in parse(html) if e.tag == "img"]
    assert [a.get("href") for a in anchors] == ["https://example.org/a?b=1&c=2", "/local"]
    assert image.get("src") == "https://example.org/i.png"
    assert image.get("alt") == "A chart"
