"""X6: only YouTube and Vimeo URLs become embeds, and only through an id we parsed."""

import pytest

from core.video import Video, parse_video_url

YT = "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={YT}",
        f"https://youtube.com/watch?v={YT}",
        f"http://www.youtube.com/watch?v={YT}",
        f"https://m.youtube.com/watch?v={YT}",
        f"https://www.youtube.com/watch?v={YT}&t=42s&list=PL123",
        f"https://www.youtube.com/watch?feature=share&v={YT}",
        f"https://WWW.YouTube.com/watch?v={YT}",
        f"  https://www.youtube.com/watch?v={YT}  ",
        f"https://youtu.be/{YT}",
        f"https://youtu.be/{YT}?si=abc&t=10",
        f"https://www.youtube.com/embed/{YT}",
        f"https://www.youtube-nocookie.com/embed/{YT}?start=5",
        f"https://www.youtube.com/shorts/{YT}",
        f"https://youtube.com/shorts/{YT}?feature=share",
        f"https://www.youtube.com/live/{YT}",
        f"https://www.youtube.com:443/watch?v={YT}",
    ],
)
def test_X6_youtube_urls_parse_to_the_id(url: str) -> None:
    assert parse_video_url(url) == Video("youtube", YT)


@pytest.mark.parametrize(
    ("url", "video_id"),
    [
        ("https://vimeo.com/76979871", "76979871"),
        ("https://www.vimeo.com/76979871", "76979871"),
        ("http://vimeo.com/76979871?share=copy", "76979871"),
        ("https://player.vimeo.com/video/76979871", "76979871"),
        ("https://player.vimeo.com/video/76979871?h=abc123&dnt=1", "76979871"),
    ],
)
def test_X6_vimeo_urls_parse_to_the_id(url: str, video_id: str) -> None:
    assert parse_video_url(url) == Video("vimeo", video_id)


@pytest.mark.parametrize(
    "url",
    [
        # lookalike and unknown hosts
        f"https://youtube.com.evil.test/watch?v={YT}",
        f"https://evil.test/youtube.com/watch?v={YT}",
        f"https://evil.test/watch?v={YT}&host=youtube.com",
        f"https://notyoutube.com/watch?v={YT}",
        f"https://youtube.co/watch?v={YT}",
        f"https://youtu.be.evil.test/{YT}",
        f"https://evil-youtube.com/embed/{YT}",
        "https://vimeo.com.evil.test/76979871",
        "https://evil.test/vimeo.com/76979871",
        f"https://www.youtube.com.@evil.test/watch?v={YT}",
        # userinfo tricks
        f"http://www.youtube.com@evil.test/watch?v={YT}",
        f"https://user@www.youtube.com/watch?v={YT}",
        f"https://user:pass@youtu.be/{YT}",
        f"https://evil.test\\@www.youtube.com/watch?v={YT}",
        "https://vimeo.com@evil.test/76979871",
        # other schemes
        f"javascript:alert(1)//https://www.youtube.com/watch?v={YT}",
        f"JAVASCRIPT://www.youtube.com/watch?v={YT}%0Aalert(1)",
        f"data:text/html,<script>alert(1)</script>?v={YT}",
        f"vbscript://www.youtube.com/watch?v={YT}",
        f"ftp://www.youtube.com/watch?v={YT}",
        f"//www.youtube.com/watch?v={YT}",
        f"www.youtube.com/watch?v={YT}",
        # bad ids
        "https://www.youtube.com/watch?v=short",
        f"https://www.youtube.com/watch?v={YT}x",
        "https://www.youtube.com/watch?v=dQw4w9WgXc%22",
        'https://www.youtube.com/watch?v=dQw4w9WgX">',
        "https://www.youtube.com/watch?v=dQw4w9<sc>",
        "https://www.youtube.com/watch?v=",
        "https://www.youtube.com/watch",
        "https://www.youtube.com/embed/",
        "https://www.youtube.com/embed/../../evil",
        f"https://www.youtube.com/channel/{YT}",
        f"https://www.youtube.com/{YT}",
        "https://youtu.be/",
        "https://youtu.be/javascript:alert(1)",
        "https://vimeo.com/",
        "https://vimeo.com/channels/staffpicks",
        "https://vimeo.com/12345abc",
        "https://vimeo.com/1234567890123",
        "https://player.vimeo.com/video/evil",
        "https://player.vimeo.com/video/76979871/../../evil",
        # not URLs at all
        "",
        "   ",
        "http://[::1",
        "https://",
        "not a url",
    ],
)
def test_X6_anything_else_is_not_a_video(url: str) -> None:
    assert parse_video_url(url) is None


def test_X6_embed_url_is_built_from_the_id_only() -> None:
    youtube = parse_video_url(f"https://www.youtube.com/watch?v={YT}&autoplay=1&origin=https://evil.test")
    vimeo = parse_video_url("https://vimeo.com/76979871?autoplay=1#t=10")

    assert youtube is not None
    assert vimeo is not None
    assert youtube.embed_url == f"https://www.youtube-nocookie.com/embed/{YT}"
    assert vimeo.embed_url == "https://player.vimeo.com/video/76979871?dnt=1"


def test_X6_embeds_stay_inside_the_frame_src_allowlist(settings) -> None:
    allowed = settings.SECURE_CSP["frame-src"]
    for url in (f"https://youtu.be/{YT}", "https://vimeo.com/76979871"):
        video = parse_video_url(url)
        assert video is not None
        assert any(video.embed_url.startswith(origin + "/") for origin in allowed)
