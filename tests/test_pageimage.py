"""Page images for the evidence panel: pypdfium2 rendering with the quote highlighted."""

from __future__ import annotations

import numpy as np
from PIL import Image

from assistant.pageimage import HIGHLIGHT, find_span, normalise, render_page

from .conftest import WEI

QUOTE = ("As of 2019, the number of international migrants in the world had reached 272 million, "
         "or 3.5% of the world's population.")


def highlighted_pixels(image: Image.Image) -> int:
    """Pixels of the highlight colour over white paper (yellow: red and green high, blue low)."""
    r, g, b = np.asarray(image, dtype=int).transpose(2, 0, 1)
    return int(((r > 240) & (g > 200) & (g < 245) & (b < 200)).sum())


def test_quote_on_the_page_is_highlighted():
    image = render_page(WEI, 0, QUOTE)
    assert image.mode == "RGB" and image.width > 800
    assert highlighted_pixels(image) > 5000  # two lines of text, at scale 1.5


def test_quote_with_other_line_breaks_and_spacing_is_still_found():
    reflowed = QUOTE.replace(" ", "\n", 3).replace("272 million", "272   million")
    assert highlighted_pixels(render_page(WEI, 0, reflowed)) > 5000


def test_quote_not_on_the_page_gives_the_plain_page():
    assert highlighted_pixels(render_page(WEI, 0, "a sentence about quantum chromodynamics that no page holds")) == 0
    assert highlighted_pixels(render_page(WEI, 1, QUOTE)) == 0  # the quote is on page 1, not page 2
    assert highlighted_pixels(render_page(WEI, 0, "")) == 0


def test_a_long_quote_whose_tail_differs_highlights_its_prefix():
    assert find_span(normalise("abc " + QUOTE), normalise(QUOTE + " and a tail the page does not have")) is not None
    assert find_span(normalise(QUOTE), normalise("short miss")) is None


def test_highlight_colour_is_translucent_so_the_text_stays_readable():
    assert 0 < HIGHLIGHT[3] < 160
