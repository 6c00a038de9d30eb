from __future__ import annotations

import httpx
import pytest

POSITIVE_ZH = ["质量很好，非常满意", "物流很快，包装精美，好评", "性价比很高，推荐购买",
               "东西不错，下次还来买", "做工精致，颜色漂亮", "很好用，值得购买",
               "客服态度很好，发货快", "手感很好，屏幕清晰", "味道很好吃，分量足",
               "满意，正品，好评"]
NEGATIVE_ZH = ["质量太差了，不会再买", "物流很慢，包装破损", "假货，差评",
               "用了两天就坏了，失望", "客服态度恶劣，退货麻烦", "做工粗糙，颜色难看",
               "一点都不好用，垃圾", "味道难吃，分量少", "屏幕模糊，电池不耐用", "很差，退款"]


async def test_builtin_chinese_and_english(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/nlp/sentiment", json={"texts": [
        "这个东西真心很赞，质量很好", "质量太差了，再也不买了", "I love it, works great!",
        "Awful. It broke after a day."]})
    assert resp.status_code == 200, resp.text
    r = resp.json()["results"]
    assert [x["language"] for x in r] == ["zh", "zh", "en", "en"]
    assert [x["label"] for x in r] == ["positive", "negative", "positive", "negative"]
    assert [x["backend"] for x in r] == ["builtin:snownlp"] * 2 + ["builtin:vader"] * 2
    assert all(-1 <= x["score"] <= 1 for x in r)


async def test_one_text_or_a_batch_and_the_limits(client: httpx.AsyncClient) -> None:
    one = await client.post("/v1/nlp/sentiment", json={"text": "很好"})
    assert one.status_code == 200 and len(one.json()["results"]) == 1
    both = await client.post("/v1/nlp/sentiment", json={"text": "a", "texts": ["b"]})
    assert both.status_code == 422
    too_many = await client.post("/v1/nlp/sentiment", json={"texts": ["好"] * 17})
    assert too_many.status_code == 413
    assert too_many.json()["error"]["details"]["limit"] == "NLP_MAX_BATCH"
    too_long = await client.post("/v1/nlp/sentiment", json={"texts": ["ok", "好" * 401]})
    assert too_long.status_code == 422
    detail = too_long.json()["error"]["details"][0]
    assert detail == {"field": "body.texts.1", "limit": "NLP_MAX_TEXT_CHARS", "max": 400,
                      "got": 401}
    wrong = await client.post("/v1/nlp/sentiment", json={"text": 3})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0]["field"] == "body.text"


async def test_train_version_activate_and_score(client: httpx.AsyncClient) -> None:
    texts = POSITIVE_ZH + NEGATIVE_ZH
    labels = ["positive"] * 10 + ["negative"] * 10
    no_active = await client.post("/v1/nlp/sentiment", json={"text": "好", "backend": "trained"})
    assert no_active.status_code == 412
    resp = await client.post("/v1/nlp/models/sentiment:train", json={
        "texts": texts, "labels": labels, "name": "shop", "holdout_fraction": 0.25})
    assert resp.status_code == 201, resp.text
    model = resp.json()
    assert model["labels"] == ["negative", "positive"] and model["active"] is False
    assert model["kind"] == "lexical" and model["features"] == "char1-4-tfidf"
    assert model["params"]["c"] == 30.0 and model["metrics"]["n_features"] > 0
    metrics = model["metrics"]
    assert metrics["n_train"] + metrics["n_held_out"] == 20
    assert 0 <= metrics["train"]["accuracy"] <= 1
    version = model["version"]

    by_version = await client.post("/v1/nlp/sentiment", json={
        "texts": ["质量很好，非常满意", "质量太差了，不会再买"], "model_version": version})
    assert by_version.status_code == 200, by_version.text
    scored = by_version.json()["results"]
    assert [s["backend"] for s in scored] == [f"trained:v{version}"] * 2
    # Training texts themselves: a fitted head separates them.
    assert scored[0]["score"] > scored[1]["score"]

    act = await client.post("/v1/nlp/models/sentiment:activate", json={"version": version})
    assert act.status_code == 200 and act.json()["active_version"] == version
    default = await client.post("/v1/nlp/sentiment", json={"text": "很满意"})
    assert default.json()["results"][0]["backend"] == f"trained:v{version}"
    listed = (await client.get("/v1/nlp/models/sentiment")).json()
    assert [m["version"] for m in listed["models"] if m["active"]] == [version]

    back = await client.post("/v1/nlp/models/sentiment:activate", json={"version": None})
    assert back.json()["active_version"] is None
    default = await client.post("/v1/nlp/sentiment", json={"text": "很满意"})
    assert default.json()["results"][0]["backend"] == "builtin:snownlp"
    missing = await client.post("/v1/nlp/models/sentiment:activate", json={"version": 999})
    assert missing.status_code == 404


async def test_training_input_is_validated(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/nlp/models/sentiment:train", json={
        "texts": ["好"] * 10, "labels": ["positive"] * 9})
    assert resp.status_code == 422
    resp = await client.post("/v1/nlp/models/sentiment:train", json={
        "texts": [f"好{i}" for i in range(10)], "labels": ["great"] * 10})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"].startswith("body.labels")
    one_class = await client.post("/v1/nlp/models/sentiment:train", json={
        "texts": [f"好{i}" for i in range(10)], "labels": ["positive"] * 10})
    assert one_class.status_code == 422


@pytest.fixture(scope="module")
async def transformers_app(tmp_path_factory: pytest.TempPathFactory, tiny_models, nlp_app,
                           make_settings):
    """A second app whose default sentiment is the tiny transformers checkpoint."""
    from shopmind_nlp.main import create_app

    settings = make_settings(tmp_path_factory.mktemp("nlp-tf"),
                             NLP_SENTIMENT_BACKEND="transformers",
                            NLP_SENTIMENT_MODEL_PATH=str(tiny_models["clf"]),
                            NLP_SENTIMENT_BATCH_WAIT_MS=20, NLP_LOAD_EMBEDDINGS=False,
                            CONSUMERS_ENABLED=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        yield app


async def test_transformers_backend_batches_concurrent_requests(transformers_app) -> None:
    import asyncio

    transport = httpx.ASGITransport(app=transformers_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        info = (await c.get("/info")).json()["models"]["sentiment-transformers"]
        assert info["labels"] == ["negative", "positive"] and info["device"] == "cpu"
        resps = await asyncio.gather(*(c.post("/v1/nlp/sentiment",
                                              json={"texts": [f"good {i}", "bad screen"]})
                                       for i in range(6)))
    for r in resps:
        assert r.status_code == 200, r.text
        assert [x["backend"] for x in r.json()["results"]] == ["transformers"] * 2
    batcher = transformers_app.state.nlp.batcher
    assert batcher.stats.items >= 12
    assert batcher.stats.batches < 6  # concurrent requests shared forward passes


async def test_embedding_kind_trains_on_sentence_vectors(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/nlp/models/sentiment:train", json={
        "texts": POSITIVE_ZH + NEGATIVE_ZH, "labels": ["positive"] * 10 + ["negative"] * 10,
        "kind": "embedding", "c": 2.0, "holdout_fraction": 0})
    assert resp.status_code == 201, resp.text
    model = resp.json()
    assert (model["kind"], model["features"], model["params"]["c"]) == ("embedding",
                                                                         "usem3-512", 2.0)
    assert model["metrics"]["n_held_out"] == 0 and "held_out" not in model["metrics"]
    scored = await client.post("/v1/nlp/sentiment", json={
        "texts": ["质量很好，非常满意", "假货，差评"], "model_version": model["version"]})
    r = scored.json()["results"]
    assert [x["label"] for x in r] == ["positive", "negative"]
    listed = (await client.get("/v1/nlp/models/sentiment")).json()["models"]
    assert {m["version"]: m["kind"] for m in listed}[model["version"]] == "embedding"


async def test_unknown_kind_is_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/nlp/models/sentiment:train", json={
        "texts": POSITIVE_ZH + NEGATIVE_ZH, "labels": ["positive"] * 10 + ["negative"] * 10,
        "kind": "bert"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.kind"
    bad_c = await client.post("/v1/nlp/models/sentiment:train", json={
        "texts": POSITIVE_ZH + NEGATIVE_ZH, "labels": ["positive"] * 10 + ["negative"] * 10,
        "c": 0})
    assert bad_c.status_code == 422
    assert bad_c.json()["error"]["details"][0]["field"] == "body.c"


async def test_active_lexical_model_survives_a_restart_and_serves_analyze(
        tmp_path_factory: pytest.TempPathFactory, nlp_app, make_settings) -> None:
    """Train and activate on one app; a fresh app on the same data scores the same."""
    from shopmind_nlp.main import create_app

    data_dir = tmp_path_factory.mktemp("nlp-lexical")
    texts = ["质量很好，非常满意", "假货，差评", "很满意", "The battery is great", "太差了"]

    async def start(**extra: object):  # type: ignore[no-untyped-def]
        settings = make_settings(data_dir, NLP_LOAD_EMBEDDINGS=False, CONSUMERS_ENABLED=False,
                                 **extra)
        return create_app(settings)

    app = await start()
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://a") as c:
            no_encoder = await c.post("/v1/nlp/models/sentiment:train", json={
                "texts": POSITIVE_ZH + NEGATIVE_ZH,
                "labels": ["positive"] * 10 + ["negative"] * 10, "kind": "embedding"})
            assert no_encoder.status_code == 412
            assert no_encoder.json()["error"]["details"]["field"] == "body.kind"
            trained = await c.post("/v1/nlp/models/sentiment:train", json={
                "texts": POSITIVE_ZH + NEGATIVE_ZH,
                "labels": ["positive"] * 10 + ["negative"] * 10, "activate": True})
            assert trained.status_code == 201, trained.text
            version = trained.json()["version"]
            before = (await c.post("/v1/nlp/sentiment", json={"texts": texts})).json()
            analyzed = (await c.post("/v1/nlp/analyze", json={"texts": texts[:2]})).json()
    assert [r["backend"] for r in before["results"]] == [f"trained:v{version}"] * 5
    assert [r["label"] for r in before["results"][:2]] == ["positive", "negative"]
    assert [r["sentiment"] for r in analyzed["results"]] == [
        {k: r[k] for k in ("score", "label", "backend", "confidence")}
        for r in before["results"][:2]]

    again = await start()
    async with again.router.lifespan_context(again):
        await again.state.runtime.wait_loaded()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=again),
                                     base_url="http://b") as c:
            info = (await c.get("/info")).json()
            after = (await c.post("/v1/nlp/sentiment", json={"texts": texts})).json()
    loaded = info["models"]["text"]["trained_sentiment"]
    assert (loaded["active_version"], loaded["kind"]) == (version, "lexical")
    assert after == before
