"""The vectorised naive Bayes is snownlp's own model: same tokens, same probability."""

from __future__ import annotations

import pytest
from shopmind_nlp.text import snownlp_nb


@pytest.mark.parametrize("text", ["这个东西真心很赞", "质量太差了，再也不买了", "一般般吧",
                                  "物流很快"])
def test_matches_snownlp_on_its_own_segmentation(text: str) -> None:
    from snownlp import SnowNLP, normal, seg

    words = normal.filter_stop(seg.seg(text))
    assert snownlp_nb.model().probability(words) == pytest.approx(SnowNLP(text).sentiments,
                                                                    abs=1e-9)
