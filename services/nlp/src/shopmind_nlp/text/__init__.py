"""Language-level building blocks shared by every nlp domain: detection, tokens, lexicons."""

from __future__ import annotations

import gc
import importlib
import warnings


def quiet_import(*modules: str) -> None:
    """Import packages whose old sources raise SyntaxWarning (jieba, snownlp) when compiled."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        # jieba.analyse leaves its IDF file open; let it be collected here, quietly.
        warnings.simplefilter("ignore", ResourceWarning)
        for name in modules:
            importlib.import_module(name)
        gc.collect()
