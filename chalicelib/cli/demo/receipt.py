"""A small receipt image for a demo expense: the supplier, the day and the amounts, drawn as a PNG."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal


def receipt_png(supplier: str, day: date, amount: Decimal, tax: Decimal, currency: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (320, 200), color=255)
    draw = ImageDraw.Draw(image)
    lines = [supplier.upper()[:36], "", f"Date: {day.isoformat()}", f"Total TTC: {amount} {currency}",
             f"dont TVA: {tax} {currency}", "", "Merci de votre visite"]
    for row, text in enumerate(lines):
        draw.text((16, 16 + row * 22), text, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
