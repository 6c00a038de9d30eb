"""Dependencies: refused when they would close a cycle; successors move when they bind."""

from __future__ import annotations

from shopmind_common.errors import Conflict, Unprocessable
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.activity.service import activity
from shopmind_projects.core import idempotency
from shopmind_projects.core.changes import snapshot
from shopmind_projects.core.errors import field_error, not_found
from shopmind_projects.core.etag import check_if_match
from shopmind_projects.core.http import created_headers
from shopmind_projects.core.idempotency import Created, IdempotencyRequest
from shopmind_projects.core.pagination import Page, PageRequest, make_page
from shopmind_projects.db.models import Task, TaskDependency, utcnow
from shopmind_projects.dependencies import repository
from shopmind_projects.dependencies.schemas import (
    DependencyCreate,
    DependencyOut,
    DependencyUpdate,
)
from shopmind_projects.projects.service import projects
from shopmind_projects.scheduling.cpm import Edge, cycle_if_added
from shopmind_projects.scheduling.service import scheduling
from shopmind_projects.tasks import events as task_events
from shopmind_projects.tasks import repository as tasks_repo

_FIELDS = ("predecessor_id", "successor_id", "type", "lag_days")


def cycle_error(cycle: list[str], tasks: dict[str, Task], field: str) -> Unprocessable:
    names = " -> ".join(f"#{tasks[t].number}" if t in tasks else t for t in cycle)
    return Unprocessable(
        f"this dependency would form a cycle: {names}", code="dependency_cycle",
        details=field_error(field, "would form a cycle", cycle=[
            {"task_id": t, "number": tasks[t].number if t in tasks else None,
             "title": tasks[t].title if t in tasks else None} for t in cycle]))


class DependencyService:
    async def get_row(self, session: AsyncSession, project_id: str,
                      dependency_id: str) -> TaskDependency:
        dep = await repository.get(session, project_id, dependency_id)
        if dep is None:
            await projects.ensure_exists(session, project_id)
            raise not_found("dependency", dependency_id, "path.dependency_id")
        return dep

    async def create(self, session: AsyncSession, project_id: str, body: DependencyCreate, *,
                     actor: str, idem: IdempotencyRequest | None) -> Created:
        payload = body.model_dump(mode="json")
        if (replayed := await idempotency.replay(session, idem, payload)) is not None:
            return replayed
        # The project row lock serialises graph changes, so two concurrent edges
        # cannot each pass the cycle check and together close a cycle.
        project = await projects.get_row(session, project_id, for_update=True)
        pred_id, succ_id = body.predecessor_id, body.successor_id
        tasks = await repository.tasks_by_id(session, project_id, [pred_id, succ_id])
        for field, tid in (("predecessor_id", pred_id), ("successor_id", succ_id)):
            if tid not in tasks:
                raise Unprocessable(f"task {tid} is not in this project",
                                    details=field_error(f"body.{field}", "unknown task"))
        if pred_id == succ_id:
            raise cycle_error([pred_id, pred_id], tasks, "body.successor_id")
        if await repository.find(session, pred_id, succ_id) is not None:
            raise Conflict(f"task #{tasks[succ_id].number} already depends on "
                           f"#{tasks[pred_id].number}", code="duplicate",
                           details=field_error("body.predecessor_id", "dependency exists"))
        edges = [Edge(d.predecessor_id, d.successor_id, d.lag_days)
                 for d in await repository.all_of(session, project_id)]
        cycle = cycle_if_added(edges, Edge(pred_id, succ_id, body.lag_days))
        if cycle is not None:
            tasks.update(await repository.tasks_by_id(session, project_id, cycle))
            raise cycle_error(cycle, tasks, "body.predecessor_id")
        dep = TaskDependency(project_id=project_id, predecessor_id=pred_id,
                             successor_id=succ_id, type=body.type, lag_days=body.lag_days)
        session.add(dep)
        await session.flush()
        activity.record(session, project_id=project_id, entity_type="dependency",
                        entity_id=dep.id, action="created", actor=actor,
                        changes=snapshot(dep, _FIELDS))
        await self._successor_changed(session, project_id, succ_id, actor)
        await scheduling.reschedule_successors(session, project, [pred_id], actor=actor)
        out = DependencyOut.model_validate(dep)
        created = Created(body=out.model_dump(mode="json"), headers=created_headers(
            dep.version, f"/v1/projects/{project_id}/dependencies/{dep.id}"))
        return await idempotency.remember(session, idem, payload, created)

    async def _successor_changed(self, session: AsyncSession, project_id: str, task_id: str,
                                 actor: str) -> None:
        task = await tasks_repo.get(session, project_id, task_id)
        if task is not None:
            await task_events.task_changed(session, task, "updated", ["dependencies"], actor)

    async def get(self, session: AsyncSession, project_id: str,
                  dependency_id: str) -> DependencyOut:
        return DependencyOut.model_validate(await self.get_row(session, project_id,
                                                               dependency_id))

    async def list(self, session: AsyncSession, project_id: str, page: PageRequest, *,
                   task_id: str | None = None) -> Page[DependencyOut]:
        await projects.ensure_exists(session, project_id)
        rows, total = await repository.page(session, project_id, task_id=task_id,
                                            sort=page.sort, limit=page.limit,
                                            offset=page.offset)
        return make_page([DependencyOut.model_validate(r) for r in rows], total, page)

    async def update(self, session: AsyncSession, project_id: str, dependency_id: str,
                     patch: DependencyUpdate, *, if_match: str | None, require_if_match: bool,
                     actor: str) -> DependencyOut:
        dep = await self.get_row(session, project_id, dependency_id)
        check_if_match(if_match, dep.version, required=require_if_match)
        if patch.lag_days is not None and patch.lag_days != dep.lag_days:
            old = dep.lag_days
            dep.lag_days = patch.lag_days
            dep.updated_at = utcnow()
            await session.flush()
            activity.record(session, project_id=project_id, entity_type="dependency",
                            entity_id=dep.id, action="updated", actor=actor,
                            changes={"lag_days": {"from": old, "to": dep.lag_days}})
            await self._successor_changed(session, project_id, dep.successor_id, actor)
            if dep.lag_days > old:
                project = await projects.get_row(session, project_id)
                await scheduling.reschedule_successors(session, project, [dep.predecessor_id],
                                                       actor=actor)
        return DependencyOut.model_validate(dep)

    async def delete(self, session: AsyncSession, project_id: str, dependency_id: str, *,
                     if_match: str | None, require_if_match: bool, actor: str) -> None:
        dep = await self.get_row(session, project_id, dependency_id)
        check_if_match(if_match, dep.version, required=require_if_match)
        activity.record(session, project_id=project_id, entity_type="dependency",
                        entity_id=dep.id, action="deleted", actor=actor,
                        changes=snapshot(dep, _FIELDS))
        successor = dep.successor_id
        await session.delete(dep)
        await session.flush()
        await self._successor_changed(session, project_id, successor, actor)


dependencies = DependencyService()
