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
