"""Raw Cypher for the admin scope."""

from __future__ import annotations

from fastapi import APIRouter

from shopmind_kg.admin.schemas import CypherIn, CypherOut
from shopmind_kg.deps import AdminServiceDep

router = APIRouter(prefix="/v1/kg", tags=["admin"])


@router.post("/cypher", response_model=CypherOut)
async def cypher(body: CypherIn, admin: AdminServiceDep) -> CypherOut:
    """Run read-only Cypher (admin scope; read transaction with a timeout; Neo4j only)."""
    return await admin.cypher(body.query, body.params)
