"""The activity log: one entry per change, written in the change's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.activity import repository
from shopmind_projects.activity.schemas import ActivityOut
from shopmind_projects.core.pagination import Page, PageRequest, make_page


class ActivityService:
    def record(self, session: AsyncSession, *, project_id: str, entity_type: str,
               entity_id: str, action: str, actor: str,
               changes: dict[str, Any] | None = None) -> None:
        repository.add(session, project_id=project_id, entity_type=entity_type,
                       entity_id=entity_id, action=action, actor=actor, changes=changes or {})

    async def list(self, session: AsyncSession, project_id: str, page: PageRequest, *,
                   entity_type: str | None = None, entity_id: str | None = None,
                   action: str | None = None) -> Page[ActivityOut]:
        newest_first = not page.sort or page.sort[0][1]
        rows, total = await repository.page(
            session, project_id, entity_type=entity_type, entity_id=entity_id, action=action,
            limit=page.limit, offset=page.offset, newest_first=newest_first)
        if total == 0:
            # The log outlives a deleted project; an id that never existed is a 404.
            from shopmind_projects.projects.service import projects

            await projects.ensure_exists(session, project_id)
        return make_page([ActivityOut.model_validate(r) for r in rows], total, page)


activity = ActivityService()
