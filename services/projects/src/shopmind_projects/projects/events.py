"""What projects publish: `projects.project.changed`, through the outbox."""

from __future__ import annotations

from collections.abc import Sequence

from shopmind.events import PROJECT_CHANGED, ProjectChanged
from shopmind_common.events import add_to_outbox, new_event
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.db.models import Project

PRODUCER = "projects"


async def project_changed(session: AsyncSession, project: Project, change: str,
                          changed_fields: Sequence[str], actor: str) -> None:
    payload = ProjectChanged(
        project_id=project.id, change=change, name=project.name, status=project.status,
        version=project.version, changed_fields=list(changed_fields), actor=actor,
        start_date=project.start_date.isoformat() if project.start_date else "",
        target_date=project.target_date.isoformat() if project.target_date else "",
    )
    await add_to_outbox(session, [new_event(PROJECT_CHANGED, payload, key=project.id,
                                            producer=PRODUCER)])
