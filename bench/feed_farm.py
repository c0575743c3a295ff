"""A loopback farm of blog feeds for the harvest benchmark, served from memory by aiohttp.web.

Every blog `i` has one feed at `http://127.0.0.1:PORT/blog/<i>/feed`; the feeds rotate among the shapes
real course blogs have (WordPress, Blogger, Medium, Substack, Ghost, YouTube, Edublogs), and about half of
the items carry the course tag (a category `IMMOOC`, or `#IMMOOC` in the title). Everything is rendered
and gzip-compressed once at start-up, deterministic for a seed (the farm's own address appears in the
links, so the bytes also depend on the port). Each response carries an ETag and Last-Modified and a
matching `If-None-Match`/`If-Modified-Since` gets a 304.

    .venv/bin/python bench/feed_farm.py --blogs 2000 --items 20 --port 0   # prints the base URL, serves
    .venv/bin/python bench/feed_farm.py --self-test                         # measures the farm itself

`start_farm()` runs the farm in its own process (so it never shares the measured process's interpreter)
and returns `(base_url, stop)`. Besides the feeds, `/_info` describes the farm and `/_stats` counts the
responses by status (`/_stats/reset` zeroes them), so a benchmark can check that a pass was all 304s.
Links and images point back at the farm (which answers 404 for them), except YouTube's own links.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import hashlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import escape, unescape
from pathlib import Path
from typing import Any

from _common import process_cpu_seconds  # bench/ is on sys.path: this file's directory

SHAPES = ("wordpress", "blogger", "medium", "substack", "ghost", "youtube", "edublogs")
COURSE_TAG = "IMMOOC"
BASE_DATE = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)

# ---------------------------------------------------------------------------------------------------------------
# Text: a fixed pool of sentences per seed, so 40,000 items of 1-3 KB render in about a second.

_SUBJECTS = [
    "My students",
    "The grade 7 team",
    "Our library",
    "A colleague down the hall",
    "The maths department",
    "Every learner in my class",
    "Our principal",
    "The book club",
    "Parents at our school",
    "The kindergarten team",
    "My co-teacher",
    "The science fair group",
]
_VERBS = [
    "tried",
    "questioned",
    "rebuilt",
    "reflected on",
    "argued about",
    "prototyped",
    "shared",
    "took apart",
    "rewrote",
    "revisited",
    "celebrated",
    "struggled with",
]
_OBJECTS = [
    "the innovator’s mindset",
    "a student-led conference",
    "our homework policy",
    "genius hour",
    "a week without worksheets",
    "the idea of “school as a place to explore”",
    "portfolio assessment",
    "a makerspace on a budget",
    "feedback that isn’t a grade",
    "the first chapter of the book",
    "personalised professional learning",
    "an inquiry unit on local rivers",
    "blogging with nine-year-olds",
    "relationships before curriculum",
]
_TAILS = [
    "and it changed how I plan on Mondays.",
    "and I am still not sure it worked.",
    "— which raised more questions than answers.",
    "because the old way stopped making sense.",
    "after a long conversation in the staff room.",
    "and the students noticed before I did.",
    "while keeping the timetable we already have.",
    "and I would love to hear how you handle it.",
    "with far less resistance than I expected.",
    "even though our test scores made everyone nervous.",
]
_OPENERS = [
    "Honestly,",
    "This week",
    "Looking back,",
    "For the record,",
    "If I am candid,",
    "Last Tuesday",
    "Slowly,",
    "To be fair,",
    "In short,",
    "As George asks in the book,",
]
_TITLE_A = [
    "What I learned from",
    "Week 3:",
    "Rethinking",
    "Notes on",
    "Why I stopped worrying about",
    "A small experiment with",
    "Questions about",
    "Three takeaways on",
    "Reflections:",
    "Trying out",
]
_TOPICS = [
    "student voice",
    "risk-taking in the classroom",
    "the 8 characteristics",
    "empathy-driven design",
    "assessment that matters",
    "failing forward",
    "blogging as a learner",
    "open classrooms",
    "teacher agency",
    "creativity in maths",
    "making space to wonder",
    "learning networks",
]
_CATEGORIES = [
    "Education",
    "Reflection",
    "Leadership",
    "Edtech",
    "Classroom",
    "Innovation",
    "Professional Learning",
    "Uncategorized",
    "Literacy",
    "STEM",
]
_FIRST = ["Ana", "Ben", "Chiara", "Dev", "Emeka", "Fatima", "Grace", "Hiro", "Ines", "Jonas", "Kaia", "Luis"]
_LAST = ["Okafor", "Rivera", "Nguyen", "Schmidt", "Haddad", "Moreau", "Kowalski", "Tanaka", "Silva", "Brennan"]


def _sentence_pool(rng: random.Random, size: int = 1500) -> list[str]:
    pool = []
    for _ in range(size):
        opener = rng.choice(_OPENERS) + " " if rng.random() < 0.35 else ""
        subject = rng.choice(_SUBJECTS)
        if opener:
            subject = subject[0].lower() + subject[1:] if not subject.startswith(("My", "Our", "A ")) else subject
        text = f"{opener}{subject} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"
        pool.append(escape(text[0].upper() + text[1:], quote=False))
    return pool


def _hex(data: str | bytes, length: int) -> str:
    """A short stable hex digest (ids, ETags; not security)."""
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:length]


def _ascii_slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() and c.isascii() else "-" for c in text)
    return "-".join(part for part in out.split("-") if part)[:60]


@dataclass
class Item:
    guid: str
    title: str
    link: str
    published: datetime
    updated: datetime
    categories: list[str]
    html: str  # the post body (HTML)
    summary: str  # a short plain-text opening
    tagged: bool
    image: str
    video_id: str = ""


@dataclass
class Blog:
    index: int
    shape: str
    title: str
    author: str
    site: str
    feed_url: str
    items: list[Item] = field(default_factory=list)


def _html_body(rng: random.Random, pool: list[str], site: str, image: str, target: int) -> str:
    """An HTML post body of about `target` bytes: paragraphs, a few links, an image, sometimes a list."""
    parts: list[str] = []
    size = 0
    paragraph = 0
    while size < target:
        sentences = " ".join(rng.choice(pool) for _ in range(rng.randint(2, 4)))
        if paragraph == 1:
            parts.append(f'<figure><img src="{image}" alt="Students working at a table" width="800" height="533">')
            parts.append("<figcaption>From our classroom this week.</figcaption></figure>")
        if paragraph % 2 == 1:
            href = f"{site}{rng.randint(2019, 2025)}/{rng.randint(1, 12):02d}/notes-{rng.randint(1, 999)}/"
            sentences += f' More in <a href="{href}">an earlier post</a>.'
        if paragraph == 2 and rng.random() < 0.4:
            bullets = "".join(f"<li>{rng.choice(pool)}</li>" for _ in range(3))
            parts.append(f"<ul>{bullets}</ul>")
        if paragraph == 3 and rng.random() < 0.3:
            parts.append(f"<blockquote><p>{rng.choice(pool)}</p></blockquote>")
        text = f"<p>{sentences}</p>"
        parts.append(text)
        size += len(text) + 40
        paragraph += 1
    parts.append(f'<p>What do you think? <a href="{site}#comments">Leave a comment</a>.</p>')
    return "\n".join(parts)


def build_blogs(n_blogs: int, n_items: int, seed: int, base_url: str) -> list[Blog]:
    """The farm's content: `n_blogs` blogs of `n_items` items each, deterministic for (seed, base_url)."""
    rng = random.Random(seed)
    pool = _sentence_pool(rng)
    blogs = []
    for i in range(n_blogs):
        shape = SHAPES[i % len(SHAPES)]
        author = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        site = f"{base_url}/blog/{i}/"
        blog = Blog(
            index=i,
            shape=shape,
            title=f"{author.split()[0]}’s {rng.choice(['Classroom', 'Learning Log', 'Notebook', 'Corner', 'Journey'])}",
            author=author,
            site=site,
            feed_url=f"{base_url}/blog/{i}/feed",
        )
        when = BASE_DATE - timedelta(hours=rng.randint(0, 72))
        for j in range(n_items):
            tagged = rng.random() < 0.5
            title = f"{rng.choice(_TITLE_A)} {rng.choice(_TOPICS)}"
            if j % 5 == 4:
                title += " (part 2)"
            categories = rng.sample(_CATEGORIES, rng.randint(1, 3))
            # The tag: a category where the platform has them, else (and now and then anyway) in the title.
            can_categorise = shape not in {"substack", "youtube"}
            if tagged:
                if can_categorise and rng.random() < 0.75:
                    categories.append(rng.choice([COURSE_TAG, COURSE_TAG.lower(), COURSE_TAG.title()]))
                else:
                    title += f" #{COURSE_TAG}"
            slug = _ascii_slug(title) + f"-{j}"
            link = f"{site}{when:%Y/%m/%d}/{slug}/"
            image = f"{base_url}/media/{i}/{j}.jpg"
            video_id = ""
            if shape == "youtube":
                video_id = "".join(
                    rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(11)
                )
                link = f"https://www.youtube.com/watch?v={video_id}"
            html = _html_body(rng, pool, site, image, rng.randint(800, 2300))
            summary = pool[rng.randrange(len(pool))]
            updated = when + timedelta(minutes=rng.randint(0, 90)) if rng.random() < 0.3 else when
            guid = {
                "wordpress": f"{site}?p={1000 + j}",
                "edublogs": f"{site}?p={5000 + j}",
                "blogger": f"tag:blogger.com,1999:blog-{7000000 + i}.post-{900000 + i * 100 + j}",
                "medium": f"https://medium.com/p/{_hex(f'{seed}-{i}-{j}', 12)}",
                "substack": f"{site}p/{slug}",
                "ghost": _hex(f"ghost-{seed}-{i}-{j}", 24),
                "youtube": f"yt:video:{video_id}",
            }[shape]
            blog.items.append(
                Item(guid, title, link, when, updated, categories, html, summary, tagged, image, video_id)
            )
            when -= timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        blogs.append(blog)
    return blogs


# ---------------------------------------------------------------------------------------------------------------
# Rendering: one function per platform, close to what each one really publishes.


def _rfc822(when: datetime) -> str:
    return format_datetime(when).replace("-0000", "+0000")


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _x(text: str) -> str:
    return escape(text, quote=True)


def _render_wordpress(blog: Blog, edublogs: bool = False) -> str:
    generator = "https://wordpress.org/?v=6.5.5" if edublogs else "https://wordpress.org/?v=6.6.2"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
        '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"\n\t>\n\n<channel>\n',
        f"\t<title>{_x(blog.title)}</title>\n",
        f'\t<atom:link href="{blog.feed_url}" rel="self" type="application/rss+xml" />\n',
        f"\t<link>{blog.site}</link>\n",
        "\t<description>Learning out loud, one post at a time</description>\n",
        f"\t<lastBuildDate>{_rfc822(blog.items[0].updated if blog.items else BASE_DATE)}</lastBuildDate>\n",
        "\t<language>en-US</language>\n\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n",
        "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n",
        f"\t<generator>{generator}</generator>\n",
    ]
    if edublogs:
        out.append(
            "<image>\n\t<url>https://edublogs.org/files/2020/06/cropped-edublogs-icon-32x32.png</url>\n"
            f"\t<title>{_x(blog.title)}</title>\n\t<link>{blog.site}</link>\n"
            "\t<width>32</width>\n\t<height>32</height>\n</image> \n"
        )
    for n, item in enumerate(blog.items):
        cats = "".join(f"\t\t<category>{_cdata(c)}</category>\n" for c in item.categories)
        excerpt = item.summary + " [&#8230;]"
        out.append(
            "\t<item>\n"
            f"\t\t<title>{_x(item.title)}</title>\n"
            f"\t\t<link>{item.link}</link>\n"
            f"\t\t<comments>{item.link}#respond</comments>\n"
            f"\t\t<dc:creator>{_cdata(blog.author)}</dc:creator>\n"
            f"\t\t<pubDate>{_rfc822(item.published)}</pubDate>\n"
            f"{cats}"
            f'\t\t<guid isPermaLink="false">{item.guid}</guid>\n\n'
            f"\t\t<description>{_cdata(excerpt)}</description>\n"
            f"\t\t\t\t\t\t\t\t\t\t<content:encoded>{_cdata(item.html)}</content:encoded>\n"
            f"\t\t\t\t\t<wfw:commentRss>{item.link}feed/</wfw:commentRss>\n"
            f"\t\t\t<slash:comments>{n % 4}</slash:comments>\n"
            + (f'\t\t<post-id xmlns="com-wordpress:feed-additions:1">{5000 + n}</post-id>' if edublogs else "")
            + "\t</item>\n"
        )
    out.append("\t</channel>\n</rss>\n")
    return "".join(out)


def _render_blogger(blog: Blog) -> str:
    blog_id = 7000000 + blog.index
    updated = blog.items[0].updated if blog.items else BASE_DATE
    out = [
        "<?xml version='1.0' encoding='UTF-8'?><?xml-stylesheet href=\"http://www.blogger.com/styles/atom.css\" "
        'type="text/css"?>'
        "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
        "xmlns:blogger='http://schemas.google.com/blogger/2008' xmlns:georss='http://www.georss.org/georss' "
        "xmlns:gd=\"http://schemas.google.com/g/2005\" xmlns:thr='http://purl.org/syndication/thread/1.0'>",
        f"<id>tag:blogger.com,1999:blog-{blog_id}</id><updated>{_iso(updated)}</updated>",
        "".join(f'<category term="{_x(c)}"/>' for c in sorted({c for it in blog.items for c in it.categories})),
        f"<title type='text'>{_x(blog.title)}</title><subtitle type='html'></subtitle>",
        f"<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' href='{blog.feed_url}'/>",
        f"<link rel='self' type='application/atom+xml' href='{blog.feed_url}'/>",
        f"<link rel='alternate' type='text/html' href='{blog.site}'/>",
        "<link rel='hub' href='http://pubsubhubbub.appspot.com/'/>",
        f"<author><name>{_x(blog.author)}</name><uri>https://www.blogger.com/profile/{blog_id}</uri>"
        "<email>noreply@blogger.com</email><gd:image rel='http://schemas.google.com/g/2005#thumbnail' "
        "width='16' height='16' src='https://img1.blogblog.com/img/b16-rounded.gif'/></author>",
        "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>",
        f"<openSearch:totalResults>{len(blog.items)}</openSearch:totalResults>"
        "<openSearch:startIndex>1</openSearch:startIndex>"
        f"<openSearch:itemsPerPage>{max(25, len(blog.items))}</openSearch:itemsPerPage>",
    ]
    for item in blog.items:
        cats = "".join(f"<category scheme='http://www.blogger.com/atom/ns#' term='{_x(c)}'/>" for c in item.categories)
        out.append(
            f"<entry><id>{item.guid}</id><published>{_iso(item.published)}</published>"
            f"<updated>{_iso(item.updated)}</updated>{cats}"
            f"<title type='text'>{_x(item.title)}</title>"
            f"<content type='html'>{_x(item.html)}</content>"
            f"<link rel='replies' type='application/atom+xml' href='{item.link}feeds/comments/default' "
            "title='Post Comments'/>"
            f"<link rel='replies' type='text/html' href='{item.link}#comment-form' title='0 Comments'/>"
            f"<link rel='edit' type='application/atom+xml' href='{blog.feed_url}/edit'/>"
            f"<link rel='self' type='application/atom+xml' href='{blog.feed_url}/self'/>"
            f"<link rel='alternate' type='text/html' href='{item.link}' title='{_x(item.title)}'/>"
            f"<author><name>{_x(blog.author)}</name><uri>https://www.blogger.com/profile/{blog_id}</uri>"
            "<email>noreply@blogger.com</email></author>"
            f"<media:thumbnail xmlns:media='http://search.yahoo.com/mrss/' url='{item.image}' height='72' "
            "width='72'/><thr:total>0</thr:total></entry>"
        )
    out.append("</feed>")
    return "".join(out)


def _render_medium(blog: Blog) -> str:
    handle = "@" + blog.author.lower().replace(" ", "")
    updated = blog.items[0].updated if blog.items else BASE_DATE
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'version="2.0" xmlns:cc="http://cyber.law.harvard.edu/rss/creativeCommonsRssModule.html"><channel>',
        f"<title>{_cdata(f'Stories by {blog.author} on Medium')}</title>",
        f"<description>{_cdata(f'Stories by {blog.author} on Medium')}</description>",
        f"<link>{blog.site}?source=rss-{handle[1:]}------2</link>",
        f"<image><url>{blog.site}avatar.png</url><title>Stories by {_x(blog.author)} on Medium</title>"
        f"<link>{blog.site}?source=rss------2</link></image>",
        f"<generator>Medium</generator><lastBuildDate>{_rfc822(updated)}</lastBuildDate>",
        f'<atom:link href="{blog.feed_url}" rel="self" type="application/rss+xml"/>',
        "<webMaster>" + _cdata("yourfriends@medium.com") + "</webMaster>",
        '<atom:link href="http://medium.superfeedr.com" rel="hub"/>',
    ]
    for item in blog.items:
        cats = "".join(f"<category>{_cdata(c.lower())}</category>" for c in item.categories)
        body = f'<figure><img alt="" src="{item.image}" /></figure>{item.html}'
        body += f'<img src="{blog.site}_/stat?event=post.clientViewed" width="1" height="1" alt="">'
        out.append(
            f"<item><title>{_cdata(item.title)}</title>"
            f"<link>{item.link}?source=rss-{handle[1:]}------2</link>"
            f'<guid isPermaLink="false">{item.guid}</guid>{cats}'
            f"<dc:creator>{_cdata(blog.author)}</dc:creator><pubDate>{_rfc822(item.published)}</pubDate>"
            f"<atom:updated>{item.updated.strftime('%Y-%m-%dT%H:%M:%S.000Z')}</atom:updated>"
            f"<content:encoded>{_cdata(body)}</content:encoded></item>"
        )
    out.append("</channel></rss>")
    return "".join(out)


def _render_substack(blog: Blog) -> str:
    updated = blog.items[0].updated if blog.items else BASE_DATE
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:googleplay="http://www.google.com/schemas/play-podcasts/1.0"><channel>',
        f"<title>{_cdata(blog.title)}</title><description>{_cdata('Notes from a teacher who writes')}</description>",
        f"<link>{blog.site}</link><image><url>{blog.site}logo.png</url><title>{_x(blog.title)}</title>"
        f"<link>{blog.site}</link></image><generator>Substack</generator>",
        f"<lastBuildDate>{_rfc822(updated)}</lastBuildDate>",
        f'<atom:link href="{blog.feed_url}" rel="self" type="application/rss+xml"/>',
        f"<copyright>{_cdata(blog.author)}</copyright><language>{_cdata('en')}</language>",
        f"<webMaster>{_cdata('writer@substack.com')}</webMaster>",
        f"<itunes:owner><itunes:email>{_cdata('writer@substack.com')}</itunes:email>"
        f"<itunes:name>{_cdata(blog.author)}</itunes:name></itunes:owner>",
        f"<itunes:author>{_cdata(blog.author)}</itunes:author>",
        "<googleplay:owner>" + _cdata("writer@substack.com") + "</googleplay:owner>",
        "<googleplay:email>" + _cdata("writer@substack.com") + "</googleplay:email>",
        "<googleplay:author>" + _cdata(blog.author) + "</googleplay:author>",
    ]
    for item in blog.items:
        body = (
            f'<div class="captioned-image-container"><figure><a class="image-link image2" target="_blank" '
            f'href="{item.image}"><picture><img src="{item.image}" width="1456" height="970" alt="" '
            f'loading="lazy"></picture></a></figure></div>{item.html}'
        )
        out.append(
            f"<item><title>{_cdata(item.title)}</title><description>{_cdata(item.summary)}</description>"
            f'<link>{item.link}</link><guid isPermaLink="false">{item.guid}</guid>'
            f"<dc:creator>{_cdata(blog.author)}</dc:creator><pubDate>{_rfc822(item.published)}</pubDate>"
            f'<enclosure url="{item.image}" length="0" type="image/jpeg"/>'
            f"<content:encoded>{_cdata(body)}</content:encoded></item>"
        )
    out.append("</channel></rss>")
    return "".join(out)


def _render_ghost(blog: Blog) -> str:
    updated = blog.items[0].updated if blog.items else BASE_DATE
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>',
        f"<title>{_cdata(blog.title)}</title><description>{_cdata('Thoughts on teaching and learning')}</description>",
        f"<link>{blog.site}</link><image><url>{blog.site}favicon.png</url><title>{_x(blog.title)}</title>"
        f"<link>{blog.site}</link></image><generator>Ghost 5.96</generator>",
        f'<lastBuildDate>{_rfc822(updated)}</lastBuildDate><atom:link href="{blog.feed_url}" rel="self" '
        'type="application/rss+xml"/><ttl>60</ttl>',
    ]
    for item in blog.items:
        cats = "".join(f"<category>{_cdata(c)}</category>" for c in item.categories)
        cover = f'<img src="{item.image}" alt="">'
        out.append(
            f"<item><title>{_cdata(item.title)}</title><description>{_cdata(item.summary)}</description>"
            f'<link>{item.link}</link><guid isPermaLink="false">{item.guid}</guid>{cats}'
            f"<dc:creator>{_cdata(blog.author)}</dc:creator><pubDate>{_rfc822(item.published)}</pubDate>"
            f'<media:content url="{item.image}" medium="image"/>'
            f"<content:encoded>{_cdata(cover + item.html)}</content:encoded></item>"
        )
    out.append("</channel></rss>")
    return "".join(out)


def _render_youtube(blog: Blog) -> str:
    channel = "UC" + _hex(f"channel-{blog.index}", 22)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">\n',
        f' <link rel="self" href="{blog.feed_url}"/>\n <id>yt:channel:{channel}</id>\n',
        f" <yt:channelId>{channel}</yt:channelId>\n <title>{_x(blog.title)}</title>\n",
        f' <link rel="alternate" href="https://www.youtube.com/channel/{channel}"/>\n',
        f" <author>\n  <name>{_x(blog.author)}</name>\n  <uri>https://www.youtube.com/channel/{channel}</uri>\n"
        " </author>\n",
        f" <published>{_iso(BASE_DATE - timedelta(days=900 + blog.index % 300))}</published>\n",
    ]
    for n, item in enumerate(blog.items):
        # YouTube descriptions are plain text: the paragraphs without their markup, links as bare URLs.
        description = re.sub(r'<a href="([^"]+)">([^<]*)</a>', r"\2 (\1)", item.html)
        description = unescape(re.sub(r"<[^>]+>", "", description.replace("</p>", "\n\n")))
        out.append(
            f" <entry>\n  <id>{item.guid}</id>\n  <yt:videoId>{item.video_id}</yt:videoId>\n"
            f"  <yt:channelId>{channel}</yt:channelId>\n  <title>{_x(item.title)}</title>\n"
            f'  <link rel="alternate" href="{item.link}"/>\n'
            f"  <author>\n   <name>{_x(blog.author)}</name>\n"
            f"   <uri>https://www.youtube.com/channel/{channel}</uri>\n  </author>\n"
            f"  <published>{_iso(item.published)}</published>\n  <updated>{_iso(item.updated)}</updated>\n"
            f"  <media:group>\n   <media:title>{_x(item.title)}</media:title>\n"
            f'   <media:content url="https://www.youtube.com/v/{item.video_id}?version=3" '
            'type="application/x-shockwave-flash" width="640" height="390"/>\n'
            f'   <media:thumbnail url="https://i{n % 4 + 1}.ytimg.com/vi/{item.video_id}/hqdefault.jpg" '
            'width="480" height="360"/>\n'
            f"   <media:description>{_x(description.strip())}</media:description>\n"
            f'   <media:community>\n    <media:starRating count="{n * 3 + 2}" average="5.00" min="1" max="5"/>\n'
            f'    <media:statistics views="{n * 37 + 120}"/>\n   </media:community>\n  </media:group>\n </entry>\n'
        )
    out.append("</feed>\n")
    return "".join(out)


def render(blog: Blog) -> tuple[bytes, str]:
    """The feed's bytes and its content type."""
    if blog.shape in {"blogger", "youtube"}:
        text = _render_blogger(blog) if blog.shape == "blogger" else _render_youtube(blog)
        return text.encode("utf-8"), "application/atom+xml; charset=UTF-8"
    renderer = {
        "wordpress": _render_wordpress,
        "edublogs": lambda b: _render_wordpress(b, edublogs=True),
        "medium": _render_medium,
        "substack": _render_substack,
        "ghost": _render_ghost,
    }[blog.shape]
    return renderer(blog).encode("utf-8"), "application/rss+xml; charset=UTF-8"


# ---------------------------------------------------------------------------------------------------------------
# Serving.


@dataclass
class Rendered:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str
    last_modified: str
    last_modified_ts: float


def prepare(n_blogs: int, n_items: int, seed: int, base_url: str, use_gzip: bool = True) -> tuple[list[Rendered], dict]:
    """Render (and compress) every feed; returns the responses and a description of the farm."""
    started = time.perf_counter()
    blogs = build_blogs(n_blogs, n_items, seed, base_url)
    feeds = []
    raw = packed = 0
    for blog in blogs:
        body, content_type = render(blog)
        newest = max((item.updated for item in blog.items), default=BASE_DATE)
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if use_gzip else None
        raw += len(body)
        packed += len(gzipped) if gzipped is not None else len(body)
        feeds.append(
            Rendered(
                body=body,
                gzipped=gzipped,
                content_type=content_type,
                etag='"' + _hex(body, 20) + '"',
                last_modified=format_datetime(newest, usegmt=True),
                last_modified_ts=newest.timestamp(),
            )
        )
    item_sizes = [len(item.html) for blog in blogs for item in blog.items]
    info = {
        "blogs": n_blogs,
        "items_per_blog": n_items,
        "items": n_blogs * n_items,
        "seed": seed,
        "shapes": dict(Counter(blog.shape for blog in blogs)),
        "tagged_items": sum(item.tagged for blog in blogs for item in blog.items),
        "item_html_bytes_mean": round(sum(item_sizes) / len(item_sizes)) if item_sizes else 0,
        "item_html_bytes_min": min(item_sizes, default=0),
        "item_html_bytes_max": max(item_sizes, default=0),
        "feed_bytes_total": raw,
        "feed_bytes_gzip_total": packed if use_gzip else None,
        "gzip": use_gzip,
        "render_s": round(time.perf_counter() - started, 3),
        "digest": _hex("".join(feed.etag for feed in feeds), 16),
    }
    return feeds, info


def _not_modified(feed: Rendered, if_none_match: str | None, if_modified_since: str | None) -> bool:
    if if_none_match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or feed.etag in tags
    if if_modified_since is not None:
        if if_modified_since == feed.last_modified:
            return True
        try:
            return parsedate_to_datetime(if_modified_since).timestamp() >= feed.last_modified_ts
        except (TypeError, ValueError, IndexError):
            return False
    return False


class _Responder:
    """Turns a request head into response bytes; shared by both servers, counts responses by status."""

    def __init__(self, feeds: list[Rendered], info: dict) -> None:
        self.feeds = feeds
        self.info_body = json.dumps(info).encode()
        self.stats: Counter[str] = Counter()

    def feed_index(self, path: str) -> int | None:
        parts = path.split("?", 1)[0].split("/")  # "", "blog", "<i>", "feed"
        if len(parts) == 4 and parts[1] == "blog" and parts[3] == "feed" and parts[2].isdigit():
            index = int(parts[2])
            if index < len(self.feeds):
                return index
        return None

    def other(self, path: str) -> tuple[int, bytes, str]:
        """Anything but a feed: the farm's info and stats, else 404."""
        if path == "/_info":
            return 200, self.info_body, "application/json"
        if path == "/_stats":
            return 200, json.dumps(dict(self.stats)).encode(), "application/json"
        if path == "/_stats/reset":
            self.stats.clear()
            return 200, b"{}", "application/json"
        self.stats["404"] += 1
        self.stats["404 /" + path.split("/", 2)[1]] += 1
        return 404, b"not found", "text/plain"


class _HttpProtocol(asyncio.Protocol):
    """A minimal HTTP/1.1 server for GET/HEAD with keep-alive and pipelining; responses are pre-built bytes."""

    date = b""

    def __init__(self, responder: _Responder, heads: list[tuple[bytes, bytes, bytes]]) -> None:
        self.responder = responder
        self.heads = heads  # per feed: head of a 200 (identity), of a 200 (gzip), of a 304
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer = self.buffer + data if self.buffer else data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > 65536:
                    self.transport.close()
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            if not self.respond(head):
                self.transport.close()
                self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def respond(self, head: bytes) -> bool:
        """Answer one request; False when the connection must close afterwards."""
        assert self.transport is not None
        lines = head.split(b"\r\n")
        try:
            method, target, version = lines[0].split(b" ")
        except ValueError:
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        keep_alive = headers.get(b"connection", b"").lower() != b"close" and version == b"HTTP/1.1"
        if b"content-length" in headers or b"transfer-encoding" in headers or method not in {b"GET", b"HEAD"}:
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        path = target.decode("latin-1")
        index = self.responder.feed_index(path)
        date = b"Date: " + _HttpProtocol.date + b"\r\n"
        if index is not None:
            feed = self.responder.feeds[index]
            inm = headers.get(b"if-none-match")
            ims = headers.get(b"if-modified-since")
            if _not_modified(
                feed, inm.decode("latin-1") if inm is not None else None, ims.decode("latin-1") if ims else None
            ):
                self.responder.stats["304"] += 1
                self.transport.writelines([self.heads[index][2], date, b"\r\n"])
                return keep_alive
            self.responder.stats["200"] += 1
            gzipped = feed.gzipped is not None and b"gzip" in headers.get(b"accept-encoding", b"")
            body = feed.gzipped if gzipped and feed.gzipped is not None else feed.body
            parts = [self.heads[index][1 if gzipped else 0], date, b"\r\n"]
            if method == b"GET":
                parts.append(body)
            self.transport.writelines(parts)
            return keep_alive
        status, body, content_type = self.responder.other(path.split("?", 1)[0])
        reason = b"OK" if status == 200 else b"Not Found"
        self.transport.writelines(
            [
                b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                % (status, reason, content_type.encode(), len(body)),
                date,
                b"\r\n",
                body if method == b"GET" else b"",
            ]
        )
        return keep_alive


def _response_heads(feed: Rendered) -> tuple[bytes, bytes, bytes]:
    validators = f"ETag: {feed.etag}\r\nLast-Modified: {feed.last_modified}\r\nVary: Accept-Encoding\r\n"
    ok = f"HTTP/1.1 200 OK\r\nServer: feed-farm\r\nContent-Type: {feed.content_type}\r\n{validators}"
    plain = f"{ok}Content-Length: {len(feed.body)}\r\n"
    packed = f"{ok}Content-Encoding: gzip\r\nContent-Length: {len(feed.gzipped)}\r\n" if feed.gzipped else plain
    not_modified = f"HTTP/1.1 304 Not Modified\r\nServer: feed-farm\r\n{validators}"
    return plain.encode(), packed.encode(), not_modified.encode()


async def _serve_raw(sock: socket.socket, responder: _Responder, base_url: str) -> None:
    loop = asyncio.get_running_loop()
    heads = [_response_heads(feed) for feed in responder.feeds]

    async def tick() -> None:
        while True:
            _HttpProtocol.date = format_datetime(datetime.now(UTC), usegmt=True).encode()
            await asyncio.sleep(1)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    server = await loop.create_server(lambda: _HttpProtocol(responder, heads), sock=sock, backlog=4096)
    sys.stdout.write(base_url + "\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()
    ticker.cancel()


async def _serve_aiohttp(sock: socket.socket, responder: _Responder, base_url: str) -> None:
    from aiohttp import web

    stats = responder.stats

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        index = responder.feed_index(request.path)
        if index is not None:
            feed = responder.feeds[index]
            headers = {"ETag": feed.etag, "Last-Modified": feed.last_modified, "Vary": "Accept-Encoding"}
            get = request.headers.get
            if _not_modified(feed, get("If-None-Match"), get("If-Modified-Since")):
                stats["304"] += 1
                return web.Response(status=304, headers=headers)
            stats["200"] += 1
            headers["Content-Type"] = feed.content_type
            if feed.gzipped is not None and "gzip" in get("Accept-Encoding", ""):
                headers["Content-Encoding"] = "gzip"
                return web.Response(body=feed.gzipped, headers=headers)
            return web.Response(body=feed.body, headers=headers)
        status, body, content_type = responder.other(request.path)
        return web.Response(status=status, body=body, content_type=content_type)

    server = web.Server(handle, access_log=None)
    runner = web.ServerRunner(server)
    await runner.setup()
    site = web.SockSite(runner, sock, backlog=4096)
    await site.start()
    sys.stdout.write(base_url + "\n")
    sys.stdout.flush()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


SERVERS = ("raw", "aiohttp")


def _exit_when_stdin_closes() -> None:
    """Stop the farm when whoever started it goes away (start_farm keeps our stdin open until then)."""

    def watch() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve(
    n_blogs: int,
    n_items: int,
    seed: int,
    port: int = 0,
    use_gzip: bool = True,
    server: str = "raw",
    watch_stdin: bool = False,
) -> None:
    """Bind 127.0.0.1:port, render the farm, print the base URL on stdout, then serve until killed.

    `server`: "raw" (a minimal asyncio.Protocol HTTP/1.1 server over pre-built responses, the default: it
    leaves more of the machine to the measured process) or "aiohttp" (aiohttp.web's low-level server).
    """
    if watch_stdin:
        _exit_when_stdin_closes()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(4096)
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    feeds, info = prepare(n_blogs, n_items, seed, base_url, use_gzip)
    info["base_url"] = base_url
    info["server"] = server
    responder = _Responder(feeds, info)
    sys.stderr.write(
        f"feed farm: {n_blogs} blogs x {n_items} items, {info['feed_bytes_total'] / 1e6:.1f} MB "
        f"rendered in {info['render_s']} s, serving {base_url} ({server})\n"
    )
    run = _serve_raw if server == "raw" else _serve_aiohttp
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(sock, responder, base_url))


# ---------------------------------------------------------------------------------------------------------------
# Running the farm in its own process.


class FarmProcess:
    """The stop callable returned by start_farm(); also knows the farm's pid and CPU time."""

    def __init__(self, process: subprocess.Popen[str], base_url: str) -> None:
        self.process = process
        self.pid = process.pid
        self.base_url = base_url

    def cpu_seconds(self) -> float:
        """User + system CPU time the farm process has used so far (Linux /proc)."""
        return process_cpu_seconds(self.pid)

    def __call__(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def start_farm(
    n_blogs: int = 2000,
    n_items: int = 20,
    seed: int = 1,
    *,
    port: int = 0,
    use_gzip: bool = True,
    server: str = "raw",
) -> tuple[str, FarmProcess]:
    """Start the farm in a separate process; returns its base URL and a callable that stops it."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--blogs",
        str(n_blogs),
        "--items",
        str(n_items),
        "--seed",
        str(seed),
        "--port",
        str(port),
        "--server",
        server,
        "--watch-stdin",
    ]
    if not use_gzip:
        command.append("--no-gzip")
    # The farm exits when its stdin closes: when stop() runs, or when this process dies without calling it.
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # noqa: S603
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("http://127.0.0.1:"):
        process.kill()
        raise RuntimeError(f"the feed farm did not start (said {line!r})")
    return line, FarmProcess(process, line)


def get_json(base_url: str, path: str) -> Any:
    """GET a small JSON document from the farm (loopback only)."""
    import urllib.request

    assert base_url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(base_url + path, timeout=30) as response:  # noqa: S310 (loopback farm)
        return json.loads(response.read())


# ---------------------------------------------------------------------------------------------------------------
# Self-test: how fast the farm serves, with a raw-socket keep-alive client that costs far less than the server.


async def _load(base_url: str, requests: list[tuple[str, str]], connections: int) -> tuple[int, int, dict[int, int]]:
    """Send `requests` (path, extra headers) over `connections` keep-alive connections; returns count, bytes."""
    port = int(base_url.rsplit(":", 1)[1])
    queue = list(reversed(requests))
    statuses: Counter[int] = Counter()
    received = 0

    async def worker() -> None:
        nonlocal received
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                path, extra = queue.pop()
                writer.write(
                    f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: gzip\r\n{extra}\r\n".encode()
                )
                head = await reader.readuntil(b"\r\n\r\n")
                statuses[int(head[9:12])] += 1
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                received += len(head) + length
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return sum(statuses.values()), received, dict(statuses)


def self_test(
    base_url: str, n_blogs: int, farm: FarmProcess | None = None, rounds: int = 3, connections: int = 32
) -> dict[str, Any]:
    """Measure the farm's throughput for full feeds (200, gzip) and for conditional GETs (304)."""
    etags = []
    import urllib.request

    for i in range(n_blogs):
        request = urllib.request.Request(f"{base_url}/blog/{i}/feed", method="HEAD")  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback farm)
            etags.append(response.headers["ETag"])
    results: dict[str, Any] = {"connections": connections, "client": "raw asyncio sockets, keep-alive, 1 process"}
    for name, extra in (("full_200", lambda i: ""), ("not_modified_304", lambda i: f"If-None-Match: {etags[i]}\r\n")):
        requests = [(f"/blog/{i}/feed", extra(i)) for _ in range(rounds) for i in range(n_blogs)]
        cpu_before = farm.cpu_seconds() if farm else 0.0
        started = time.perf_counter()
        count, received, statuses = asyncio.run(_load(base_url, requests, connections))
        wall = time.perf_counter() - started
        farm_cpu = (farm.cpu_seconds() - cpu_before) if farm else 0.0
        results[name] = {
            "requests": count,
            "statuses": statuses,
            "wall_s": round(wall, 3),
            "requests_per_s": round(count / wall),
            "mb_per_s": round(received / wall / 1e6, 1),
            "farm_cpu_s": round(farm_cpu, 3),
            # The farm's capacity on one core: requests per CPU-second it spent (the client may be the limit).
            "requests_per_farm_cpu_s": round(count / farm_cpu) if farm_cpu > 0 else None,
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blogs", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--no-gzip", action="store_true", help="never compress responses")
    parser.add_argument("--server", choices=SERVERS, default="raw", help="HTTP server (default: raw)")
    parser.add_argument("--self-test", action="store_true", help="start a farm, measure its throughput, stop")
    parser.add_argument("--watch-stdin", action="store_true", help=argparse.SUPPRESS)  # used by start_farm()
    args = parser.parse_args(argv)
    if args.self_test:
        base_url, farm = start_farm(
            args.blogs, args.items, args.seed, port=args.port, use_gzip=not args.no_gzip, server=args.server
        )
        try:
            info = get_json(base_url, "/_info")
            result = {"farm": info, "self_test": self_test(base_url, args.blogs, farm)}
        finally:
            farm()
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return 0
    serve(args.blogs, args.items, args.seed, args.port, not args.no_gzip, args.server, args.watch_stdin)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
