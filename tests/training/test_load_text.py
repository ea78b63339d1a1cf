"""training.datasets.load_text: the bundled public-domain poems."""
import pytest

from glassgrad.training.datasets import load_text


def test_load_text_returns_the_bundled_poems():
    text = load_text()
    assert isinstance(text, str) and 3000 < len(text) < 10000
    assert text.startswith("Sonnet 18") and "Tyger Tyger, burning bright" in text
    assert text.isascii() and "\r" not in text
    assert load_text("poems") == text
    with pytest.raises(ValueError, match="unknown text 'nope'"):
        load_text("nope")
