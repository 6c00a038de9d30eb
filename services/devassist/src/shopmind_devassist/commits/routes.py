"""Commit message endpoint."""

from __future__ import annotations

from fastapi import APIRouter

from shopmind_devassist.commits.schemas import CommitMessage, CommitRequest
from shopmind_devassist.commits.service import commit_messages
from shopmind_devassist.deps import SettingsDep, TextModelDep
from shopmind_devassist.responses import error_responses

router = APIRouter(prefix="/v1/devassist/commits", tags=["commits"])


@router.post("/message", response_model=CommitMessage, responses=error_responses(413, 422))
async def commit_message(body: CommitRequest, settings: SettingsDep,
                         model: TextModelDep) -> CommitMessage:
    """A Conventional Commits message for a unified diff."""
    return await commit_messages.message(body, settings, model)
