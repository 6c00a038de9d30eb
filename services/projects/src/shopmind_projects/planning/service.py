"""Tasks from a requirement paragraph: proposed first, saved only when accepted.

The proposal comes from the nlp service's generator when it is reachable and
answers with a usable JSON task list; otherwise from the deterministic
splitter. Accepting writes every task and their dependencies in one
transaction, so a bad item leaves nothing behind.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from shopmind_common.errors import Unprocessable
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.activity.service import activity
from shopmind_projects.config import ProjectsSettings
from shopmind_projects.core import idempotency
from shopmind_projects.core.changes import snapshot
from shopmind_projects.core.errors import field_error
from shopmind_projects.core.idempotency import Created, IdempotencyRequest
from shopmind_projects.core.text import language
from shopmind_projects.db.models import TaskDependency
from shopmind_projects.dependencies.schemas import DependencyOut
from shopmind_projects.integrations.nlp import NlpClient
from shopmind_projects.planning.schemas import (
    AcceptIn,
    AcceptOut,
    FromTextIn,
    FromTextOut,
    ProposedTask,
)
from shopmind_projects.planning.splitter import split_requirement
from shopmind_projects.projects import repository as projects_repo
from shopmind_projects.projects.service import projects
from shopmind_projects.scheduling.cpm import CycleError, Edge, topological_order
from shopmind_projects.tasks import events as task_events
from shopmind_projects.tasks.schemas import TaskCreate, TaskOut
from shopmind_projects.tasks.service import tasks as task_service

_PROMPT = """You split a software requirement into development tasks.
Requirement:
\"\"\"{text}\"\"\"
Answer with only a JSON array, in the requirement's language. Each item is
{{"title": "a short imperative task title", "estimate_hours": number,
"depends_on": [indexes of earlier items it must wait for]}}.
JSON:"""


class _ModelTask(BaseModel):
    title: str = Field(min_length=2, max_length=200)
    estimate_hours: float = Field(gt=0, le=400)
    depends_on: list[int] = Field(default_factory=list)
    description: str = ""


def parse_model_tasks(output: str, max_tasks: int) -> list[ProposedTask] | None:
    """The generator's JSON task list, or None when it is not usable."""
    match = re.search(r"\[.*\]", output, re.DOTALL)
    if match is None:
        return None
    try:
        raw: Any = json.loads(match.group(0))
        items = [_ModelTask.model_validate(item) for item in raw]
    except (ValueError, ValidationError, TypeError):
        return None
    if not items:
        return None
    out = []
    for i, item in enumerate(items[:max_tasks]):
        deps = sorted({d for d in item.depends_on if 0 <= d < i})  # only earlier items
        out.append(ProposedTask(index=i, title=item.title.strip(),
                                description=item.description or item.title.strip(),
                                estimate_hours=round(item.estimate_hours, 1), labels=[],
                                depends_on=deps, basis="model estimate"))
    return out


class PlanningService:
    async def from_text(self, session: AsyncSession, nlp: NlpClient, settings: ProjectsSettings,
                        project_id: str, body: FromTextIn) -> FromTextOut:
        await projects.ensure_exists(session, project_id)
        if len(body.text) > settings.from_text_max_chars:
            raise Unprocessable(
                f"text is longer than {settings.from_text_max_chars} characters",
                details=field_error("body.text", "too long",
                                    limit=settings.from_text_max_chars,
                                    setting="PROJECTS_FROM_TEXT_MAX_CHARS"))
        max_tasks = min(body.max_tasks or settings.from_text_max_tasks,
                        settings.from_text_max_tasks)
        split = split_requirement(body.text, max_tasks=max_tasks)
        notes: list[str] = []
        if body.use_model:
            generated = await nlp.generate(_PROMPT.format(text=body.text),
                                           settings.nlp_generate_max_tokens)
            if generated is None:
                notes.append("the nlp generator is unavailable; tasks come from the rules")
            elif (model_tasks := parse_model_tasks(generated, max_tasks)) is None:
                notes.append("the generator's answer was not a usable task list; "
                             "tasks come from the rules")
            else:
                return FromTextOut(
                    project_id=project_id, source="model", language=language(body.text),
                    goals=split.goals, tasks=model_tasks,
                    total_estimate_hours=sum(t.estimate_hours for t in model_tasks),
                    notes=["nothing is saved until the tasks are accepted"])
        tasks = [ProposedTask(index=i, title=d.title, description=d.description,
                              estimate_hours=d.estimate_hours, labels=[d.category],
                              depends_on=d.depends_on, basis=d.basis)
                 for i, d in enumerate(split.tasks)]
        notes.append("nothing is saved until the tasks are accepted")
        return FromTextOut(project_id=project_id, source="rules", language=split.language,
                           goals=split.goals, tasks=tasks,
                           total_estimate_hours=sum(t.estimate_hours for t in tasks),
                           notes=notes)

    async def accept(self, session: AsyncSession, project_id: str, body: AcceptIn, *,
                     actor: str, idem: IdempotencyRequest | None) -> Created:
        payload = body.model_dump(mode="json")
        if (replayed := await idempotency.replay(session, idem, payload)) is not None:
            return replayed
        await projects.ensure_exists(session, project_id)
        n = len(body.tasks)
        edges = []
        for i, item in enumerate(body.tasks):
            for d in item.depends_on:
                if d >= n or d == i:
                    raise Unprocessable(
                        f"tasks[{i}].depends_on names {d}, which is not another task here",
                        details=field_error(f"body.tasks.{i}.depends_on", "bad index",
                                            value=d))
                edges.append(Edge(str(d), str(i)))
        try:
            topological_order([str(i) for i in range(n)], edges)
        except CycleError as exc:
            raise Unprocessable(
                "the accepted tasks' dependencies form a cycle: " + " -> ".join(exc.cycle),
                code="dependency_cycle",
                details=field_error(f"body.tasks.{exc.cycle[0]}.depends_on",
                                    "would form a cycle", cycle=[int(c) for c in exc.cycle]),
            ) from exc
        first = await projects_repo.next_task_numbers(session, project_id, n)
        created = []
        for i, item in enumerate(body.tasks):
            fields = item.model_dump(exclude={"depends_on"})
            fields["milestone_id"] = fields["milestone_id"] or body.milestone_id
            created.append(await task_service.add(
                session, project_id, TaskCreate(**fields), number=first + i, actor=actor,
                prefix=f"body.tasks.{i}"))
        deps = []
        for i, item in enumerate(body.tasks):
            for d in sorted(set(item.depends_on)):
                dep = TaskDependency(project_id=project_id, predecessor_id=created[d].id,
                                     successor_id=created[i].id, lag_days=0)
                session.add(dep)
                deps.append(dep)
        if deps:
            await session.flush()
            for dep in deps:
                activity.record(session, project_id=project_id, entity_type="dependency",
                                entity_id=dep.id, action="created", actor=actor,
                                changes=snapshot(dep, ("predecessor_id", "successor_id",
                                                       "type", "lag_days")))
            successors = {dep.successor_id for dep in deps}
            await task_events.stage(session, [
                task_events.task_changed_event(t, "updated", ["dependencies"], actor)
                for t in created if t.id in successors])
        out = AcceptOut(project_id=project_id,
                        tasks=[TaskOut.model_validate(t) for t in created],
                        dependencies=[DependencyOut.model_validate(d) for d in deps])
        result = Created(body=out.model_dump(mode="json"),
                         headers={"Location": f"/v1/projects/{project_id}/tasks"})
        return await idempotency.remember(session, idem, payload, result)


planning = PlanningService()
