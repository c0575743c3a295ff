"""Pictures for the demo season, drawn with Pillow on the fly (no files shipped, nothing copied)."""

import io

from PIL import Image, ImageDraw, ImageFont

Colour = tuple[int, int, int]
INK: Colour = (34, 40, 49)
PAPER: Colour = (250, 248, 243)
PALETTE: list[Colour] = [(0, 109, 119), (230, 111, 81), (233, 196, 106), (42, 157, 143), (131, 56, 236), (38, 70, 83)]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _text_on(colour: Colour) -> Colour:
    """Dark ink on light colours, light paper on dark ones, for readable contrast."""
    red, green, blue = colour
    return INK if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else PAPER


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def bar_chart(title: str, bars: list[tuple[str, int]], *, width: int = 800, height: int = 480) -> bytes:
    """A labelled vertical bar chart, one palette colour a bar."""
    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.text((32, 24), title, fill=INK, font=_font(28))
    left, right, top, bottom = 60, width - 40, 90, height - 70
    draw.line([(left, bottom), (right, bottom)], fill=INK, width=3)
    top_value = max(value for _, value in bars) or 1
    slot = (right - left) / len(bars)
    for index, (label, value) in enumerate(bars):
        x0 = left + index * slot + slot * 0.18
        x1 = left + (index + 1) * slot - slot * 0.18
        y0 = bottom - (bottom - top) * value / top_value
        draw.rectangle([(x0, y0), (x1, bottom)], fill=PALETTE[index % len(PALETTE)])
        draw.text(((x0 + x1) / 2, y0 - 8), str(value), fill=INK, font=_font(20), anchor="ms")
        draw.text(((x0 + x1) / 2, bottom + 14), label, fill=INK, font=_font(18), anchor="ma")
    return _png(image)


def line_chart(title: str, points: list[tuple[str, int]], *, width: int = 800, height: int = 480) -> bytes:
    """A rising (or falling) line with a dot and value at each point."""
    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.text((32, 24), title, fill=INK, font=_font(28))
    left, right, top, bottom = 70, width - 50, 100, height - 70
    draw.line([(left, bottom), (right, bottom)], fill=INK, width=3)
    draw.line([(left, top), (left, bottom)], fill=INK, width=3)
    top_value = max(value for _, value in points) or 1
    step = (right - left) / max(len(points) - 1, 1)
    xy = [(left + i * step, bottom - (bottom - top) * value / top_value) for i, (_, value) in enumerate(points)]
    draw.line(xy, fill=PALETTE[0], width=5, joint="curve")
    for (x, y), (label, value) in zip(xy, points, strict=True):
        draw.ellipse([(x - 8, y - 8), (x + 8, y + 8)], fill=PALETTE[1])
        draw.text((x, y - 14), str(value), fill=INK, font=_font(20), anchor="ms")
        draw.text((x, bottom + 14), label, fill=INK, font=_font(18), anchor="ma")
    return _png(image)


def sticky_notes(title: str, notes: list[str], *, columns: int = 3) -> bytes:
    """A wall of coloured sticky notes, each with a short word or two."""
    size, gap = 200, 24
    rows = -(-len(notes) // columns)
    width = columns * size + (columns + 1) * gap
    height = 90 + rows * size + (rows + 1) * gap
    image = Image.new("RGB", (width, height), (214, 219, 223))
    draw = ImageDraw.Draw(image)
    draw.text((gap, 28), title, fill=INK, font=_font(28))
    for index, note in enumerate(notes):
        row, column = divmod(index, columns)
        x = gap + column * (size + gap)
        y = 90 + gap + row * (size + gap)
        draw.rectangle([(x + 6, y + 6), (x + size + 6, y + size + 6)], fill=(170, 176, 181))
        draw.rectangle([(x, y), (x + size, y + size)], fill=PALETTE[index % len(PALETTE)])
        draw.multiline_text(
            (x + size / 2, y + size / 2),
            note,
            fill=_text_on(PALETTE[index % len(PALETTE)]),
            font=_font(24),
            anchor="mm",
            align="center",
            spacing=6,
        )
    return _png(image)


def three_circles(title: str, labels: tuple[str, str, str], centre: str) -> bytes:
    """Three overlapping translucent circles with a word where they all meet."""
    width, height, radius = 800, 600, 170
    base = Image.new("RGBA", (width, height), (*PAPER, 255))
    centres = [(width / 2 - 110, 250), (width / 2 + 110, 250), (width / 2, 420)]
    for (cx, cy), colour in zip(centres, PALETTE[:3], strict=True):
        layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        ImageDraw.Draw(layer).ellipse([(cx - radius, cy - radius), (cx + radius, cy + radius)], fill=(*colour, 140))
        base = Image.alpha_composite(base, layer)
    draw = ImageDraw.Draw(base)
    draw.text((32, 24), title, fill=INK, font=_font(28))
    offsets = [(-90, -60), (90, -60), (0, 90)]
    for (cx, cy), (dx, dy), label in zip(centres, offsets, labels, strict=True):
        draw.text((cx + dx, cy + dy), label, fill=INK, font=_font(26), anchor="mm")
    draw.text((width / 2, 320), centre, fill=INK, font=_font(24), anchor="mm")
    return _png(base.convert("RGB"))
