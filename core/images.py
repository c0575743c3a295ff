"""Image uploads: decode to check, refuse what is not a small raster image, re-encode without metadata."""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from core.exceptions import Invalid

ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
OUTPUT = {"JPEG": ("JPEG", "jpg"), "PNG": ("PNG", "png"), "GIF": ("PNG", "png"), "WEBP": ("WEBP", "webp")}


class ImageRejected(Invalid):
    default_message = "That file is not an image we can accept."


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
        raise ImageRejected(f"That image is larger than {max_bytes // (1024 * 1024)} MB. Please choose a smaller one.")
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
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRejected("That file is not a JPEG, PNG, GIF or WebP image.") from None

    out_format, extension = OUTPUT[source_format]
    try:
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
    except (OSError, ValueError):
        raise ImageRejected("That image could not be processed. Please try another file.") from None
    name = f"{uuid.uuid4().hex}.{extension}"
    return CleanImage(content=ContentFile(buffer.getvalue(), name=name), width=fresh.width, height=fresh.height)
