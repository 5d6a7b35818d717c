"""Checks of the images people upload (the ente's stemma): a real picture, not too large.

Pillow reads the header and verifies the file's structure without decoding every pixel; a
picture of absurd size (a «decompression bomb») is refused before it reaches a PDF or a page.
"""

from __future__ import annotations

from typing import IO

from core.exceptions import ServiceError

MAX_PIXELS = 4096 * 4096
FORMATS = {"PNG": "PNG", "JPEG": "JPEG"}


def check_raster(stream: IO[bytes], *, field: str, label: str = "L'immagine") -> str:
    """The format («PNG» or «JPEG») of the picture in `stream`, left at its start; a
    ServiceError naming `label` when it is no readable PNG/JPEG or is larger than MAX_PIXELS."""
    from PIL import Image, UnidentifiedImageError

    start = stream.tell()
    try:
        with Image.open(stream) as image:
            kind = image.format or ""
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ServiceError(
            f"{label} non è un'immagine PNG o JPEG leggibile.", field=field
        ) from None
    finally:
        stream.seek(start)
    if kind not in FORMATS:
        raise ServiceError(
            f"{label} deve essere PNG o JPEG (è {kind or 'sconosciuta'}).", field=field
        )
    if width * height > MAX_PIXELS:
        raise ServiceError(
            f"{label} è troppo grande ({width}×{height} pixel): al massimo 4096×4096.", field=field
        )
    return FORMATS[kind]
