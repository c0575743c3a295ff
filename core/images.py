"""Image uploads: decode to check, refuse what is not a small raster image, re-encode without metadata."""

import io
import struct
import uuid
import warnings
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from core.exceptions import Invalid

ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
# Pillow reports a phone's multi-picture JPEG as "MPO"; we keep its first picture as a plain JPEG.
OUTPUT = {
    "JPEG": ("JPEG", "jpg"),
    "MPO": ("JPEG", "jpg"),
    "PNG": ("PNG", "png"),
    "GIF": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
}
# What Pillow's decoders raise on malformed input; all mean "not an image we can accept".
DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    struct.error,
    zlib.error,
)


class ImageRejected(Invalid):
    default_message = "That file is not an image we can accept."


HIGH_DEPTH_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N"}


def _size(limit: int) -> str:
    """A byte limit as a person reads it: "5 MB", "1.5 MB", "300 KB"."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(limit // 1024, 1)} KB"


def _to_8_bit(image: Image.Image) -> Image.Image:
    """Scale a 16-bit greyscale picture (PNG) to 8 bits; a plain convert would clip most of it to white."""
    return image.convert("I").point(lambda value: value / 257).convert("L")


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile
    width: int
    height: int


def clean_image(data: bytes, *, max_bytes: int | None = None, max_pixels: int | None = None) -> CleanImage:
    """Decode `data`, check format and size, and return a re-encoded copy with all metadata removed.

    Raises ImageRejected with a readable reason for anything else: SVG, PDF, disguised formats,
    decompression bombs, oversized files or pictures.
    """
    max_bytes = max_bytes or settings.IMAGE_MAX_BYTES
    max_pixels = max_pixels or settings.IMAGE_MAX_PIXELS
    if len(data) > max_bytes:
        raise ImageRejected(f"That image is larger than {_size(max_bytes)}. Please choose a smaller one.")
    if not data:
        raise ImageRejected("That file is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                source_format = probe.format or ""
                width, height = probe.size
                if width * height > max_pixels:
                    raise ImageRejected(
                        f"That picture is {width}×{height} pixels; the limit is {max_pixels:,} pixels in all."
                    )
                probe.load()
                image = ImageOps.exif_transpose(probe)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("That picture is too large to process.") from None
    except DECODE_ERRORS:
        raise ImageRejected("That file is not a JPEG, PNG, GIF or WebP image.") from None
    if source_format not in OUTPUT:
        raise ImageRejected("That file is not a JPEG, PNG, GIF or WebP image.")

    out_format, extension = OUTPUT[source_format]
    try:
        if image.mode in HIGH_DEPTH_MODES:
            image = _to_8_bit(image)
        if out_format == "JPEG" and image.mode not in {"RGB", "L"}:
            image = image.convert("RGB")
        elif out_format in {"PNG", "WEBP"} and image.mode not in {"RGB", "RGBA", "L", "LA"}:
            image = image.convert("RGBA")
        # Rebuilt from raw pixels, the copy carries no EXIF, GPS, XMP, ICC profile or comments.
        fresh = Image.frombytes(image.mode, image.size, image.tobytes())
        buffer = io.BytesIO()
        if out_format == "JPEG":
            fresh.save(buffer, format=out_format, quality=85, optimize=True)
        else:
            fresh.save(buffer, format=out_format)
    except DECODE_ERRORS:
        raise ImageRejected("That image could not be processed. Please try another file.") from None
    name = f"{uuid.uuid4().hex}.{extension}"
    return CleanImage(content=ContentFile(buffer.getvalue(), name=name), width=fresh.width, height=fresh.height)
