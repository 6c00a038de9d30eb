from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from shopmind_devassist.commits.classify import HEADER_RE
from shopmind_devassist.commits.schemas import CommitRequest
from shopmind_devassist.commits.service import commit_messages
from shopmind_devassist.config import DevassistSettings
from shopmind_devassist.generation import approx_tokens

REPO = Path(__file__).resolve().parents[4]
URL = "/v1/devassist/commits/message"


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True, timeout=60).stdout


def first_commit() -> str:
    """The repository's root commit: fixed, unlike HEAD, and it holds the whole skeleton."""
    return git("rev-list", "--max-parents=0", "HEAD").split()[0]


def real_diff(tmp_path: Path, path: str, before: str, after: str) -> str:
    """`git diff` of one file changed in a scratch repository."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(before)
    git("init", "-q", cwd=tmp_path)
    git("add", ".", cwd=tmp_path)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "before",
        cwd=tmp_path)
    target.write_text(after)
    return git("diff", cwd=tmp_path)


class FakeModel:
    """Stands in for a loaded generator: records the prompt, answers what it is told."""

    name = "fake"

    def __init__(self, answer: str | Exception, context_tokens: int = 4096) -> None:
        self.answer = answer
        self.context_tokens = context_tokens
        self.prompts: list[str] = []

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)

    def generate(self, prompt: str, max_new_tokens: int) -> str:
        self.prompts.append(prompt)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def test_message_for_this_repositorys_own_commit(client: httpx.AsyncClient) -> None:
    diff = git("show", "--format=", first_commit(), "--", "services/devassist")
    resp = await client.post(URL, json={"diff": diff})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert HEADER_RE.match(body["header"])
    assert len(body["header"]) <= 72
    assert body["type"] == "feat" and body["scope"] == "devassist"
    assert body["source"] == "rules"
    paths = {f["path"] for f in body["files"]}
    assert "services/devassist/src/shopmind_devassist/main.py" in paths
    assert all(f["status"] == "added" for f in body["files"])
    assert body["message"].startswith(body["header"] + "\n\n- ")


async def test_fix_breaking_style_and_docs(client: httpx.AsyncClient, tmp_path: Path) -> None:
    before = ("def parse(text: str) -> str:\n    return text.split(',')[0]\n\n\n"
              "def keep():\n    pass\n")
    fixed = ("def parse(text: str) -> str:\n    if not text:\n        raise ValueError('empty')\n"
             "    return text.split(',')[0]\n\n\ndef keep():\n    pass\n")
    diff = real_diff(tmp_path / "fix", "services/nlp/src/shopmind_nlp/parse.py", before, fixed)
    body = (await client.post(URL, json={"diff": diff})).json()
    assert body["header"].startswith("fix(nlp): ")
    assert "parse" in body["header"]

    removed = "def parse(text: str) -> str:\n    return text.split(',')[0]\n"
    diff = real_diff(tmp_path / "brk", "libs/common/src/shopmind_common/util.py", before,
                         removed)
    body = (await client.post(URL, json={"diff": diff})).json()
    assert body["breaking"] is True
    assert body["header"].startswith("refactor(common)!: remove keep")
    assert "BREAKING CHANGE: keep removed from" in body["message"]

    spaced = before.replace("return text", "return  text")
    diff = real_diff(tmp_path / "sty", "gateway/src/shopmind_gateway/x.py", before, spaced)
    assert (await client.post(URL, json={"diff": diff})).json()["header"].startswith(
        "style(gateway): ")

    diff = real_diff(tmp_path / "doc", "services/kg/README.md", "# kg\n", "# kg\n\nMore.\n")
    assert (await client.post(URL, json={"diff": diff})).json()["header"] == (
        "docs(kg): update README.md")


async def test_large_diff_is_summarised_per_file_for_the_model(settings: DevassistSettings) -> None:
    diff = git("show", "--format=", first_commit())  # the whole first commit
    model = FakeModel("feat: add the ShopMind workspace\n\n- services and libraries",
                      context_tokens=1024)
    result = await commit_messages.message(CommitRequest(diff=diff, max_body_files=5), settings,
                                           model)
    assert approx_tokens(diff) > 10 * model.context_tokens
    assert result.prompt_mode == "per-file summaries"
    prompt_tokens = model.count_tokens(model.prompts[0])
    assert prompt_tokens + settings.model_max_new_tokens <= model.context_tokens
    assert "more files" in model.prompts[0]
    assert result.source == "model"
    assert result.header == "feat: add the ShopMind workspace"
    assert len(result.files) > 50
    assert result.body.startswith("- services")
    rules = await commit_messages.message(CommitRequest(diff=diff, max_body_files=5), settings,
                                          None)
    assert rules.source == "rules"
    assert rules.body.splitlines()[-1].startswith("- and ")
    assert len(rules.body.splitlines()) < 20


async def test_small_diff_goes_to_the_model_whole(settings: DevassistSettings,
                                                  tmp_path: Path) -> None:
    diff = real_diff(tmp_path, "services/kg/src/shopmind_kg/a.py", "x = 1\n", "x = 2\n")
    model = FakeModel("fix(kg): correct x")
    result = await commit_messages.message(CommitRequest(diff=diff), settings, model)
    assert result.prompt_mode == "diff" and diff in model.prompts[0]
    assert result.message == "fix(kg): correct x\n"


@pytest.mark.parametrize("answer", ["Sure! Here is a commit message about x.",
                                    "feature: x", RuntimeError("out of memory")])
async def test_model_answers_that_are_not_messages_fall_back(settings: DevassistSettings,
                                                             tmp_path: Path,
                                                             answer: str | Exception) -> None:
    diff = real_diff(tmp_path, "services/kg/src/shopmind_kg/a.py", "x = 1\n", "x = 2\n")
    result = await commit_messages.message(CommitRequest(diff=diff), settings, FakeModel(answer))
    assert result.source == "rules"
    assert HEADER_RE.match(result.header)
    assert result.notes and "rules used" in result.notes[0]


@pytest.mark.parametrize(("diff", "reason", "line"), [
    ("hello world\n", "no file header found", 0),
    ("@@ -1 +1 @@\n-a\n+b\n", "hunk before any file header", 1),
    ("--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n-a\n+b\n", "does not match its header", 6),
    ("--- a/x.py\n+++ b/x.py\n@@ -one +1 @@\n", "malformed hunk header", 3),
    ("   \n", "the diff is empty", 0),
])
async def test_unparsable_diff_is_422_with_the_reason(client: httpx.AsyncClient, diff: str,
                                                      reason: str, line: int) -> None:
    resp = await client.post(URL, json={"diff": diff})
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert reason in error["message"]
    assert error["details"] == [{"field": "body.diff", "message": error["details"][0]["message"],
                                 "line": line}]


async def test_missing_diff_field_is_422(client: httpx.AsyncClient) -> None:
    resp = await client.post(URL, json={})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.diff"


async def test_rename_and_binary(client: httpx.AsyncClient) -> None:
    diff = ("diff --git a/services/kg/src/shopmind_kg/old.py b/services/kg/src/shopmind_kg/new.py\n"
            "similarity index 100%\nrename from services/kg/src/shopmind_kg/old.py\n"
            "rename to services/kg/src/shopmind_kg/new.py\n"
            "diff --git a/services/kg/logo.png b/services/kg/logo.png\n"
            "Binary files a/services/kg/logo.png and b/services/kg/logo.png differ\n")
    body = (await client.post(URL, json={"diff": diff})).json()
    statuses = {f["path"]: f["status"] for f in body["files"]}
    assert statuses == {"services/kg/src/shopmind_kg/new.py": "renamed",
                        "services/kg/logo.png": "modified"}
    assert body["scope"] == "kg"
    assert "renamed from services/kg/src/shopmind_kg/old.py" in " ".join(body["body"].split())


async def test_shared_backend_follows_the_model_layer(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With the layer's LLM_BACKEND=none, devassist reports why and keeps to its rules."""
    from shopmind_devassist.generation import load_text_model
    from shopmind_devassist.main import create_app

    monkeypatch.setenv("LLM_BACKEND", "none")
    settings = DevassistSettings(SHOPMIND_DATA_DIR=str(tmp_path), DEVASSIST_MODEL_BACKEND="shared")
    model, described = load_text_model(settings)
    assert model is None
    assert described["backend"] == "rules" and "LLM_BACKEND=none" in described["reason"]
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as c:
            info = (await c.get("/info")).json()
            assert info["models"]["commit-writer"]["status"] == "ready"
            assert info["models"]["commit-writer"]["backend"] == "rules"
            assert (await c.get("/readyz")).status_code == 200
            diff = git("show", "--format=", first_commit(), "--", "services/kg/README.md")
            body = (await c.post(URL, json={"diff": diff})).json()
            assert body["source"] == "rules" and body["type"] == "docs"
