"""Activity log entries as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

EntityType = Literal["project", "member", "milestone", "task", "dependency", "comment"]


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: str
    entity_type: str
    entity_id: str
    action: str
    actor: str
    changes: dict[str, Any]
    created_at: datetime
