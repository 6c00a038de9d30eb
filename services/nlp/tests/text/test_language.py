from __future__ import annotations

import pytest
from shopmind_nlp.text.language import detect


@pytest.mark.parametrize(("text", "expected"), [
    ("商品A性价比高，质量好", "zh"),
    ("华为P60拍照效果很好，物流也快", "zh"),
    ("The battery is great", "en"),
    ("", "en"),
    ("Apple的iPhone 15 Pro很好用，but the price is too high", "mixed"),
])
def test_detect(text: str, expected: str) -> None:
    assert detect(text) == expected
