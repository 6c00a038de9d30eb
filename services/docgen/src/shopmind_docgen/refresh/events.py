"""What docgen consumes: `projects.task.changed`, to keep status reports fresh."""

from __future__ import annotations

from shopmind.events import TASK_CHANGED, TaskChanged
from shopmind_common.events import Event, PoisonMessage

from shopmind_docgen.refresh.service import Refresher

TOPICS = (TASK_CHANGED,)


def task_changed_handler(refresher: Refresher):  # type: ignore[no-untyped-def]
    async def handle(event: Event) -> None:
        payload = event.payload
        if not isinstance(payload, TaskChanged) or not payload.project_id:
            raise PoisonMessage(f"{event.type} without a project id")
        await refresher.schedule(payload.project_id)

    return handle
