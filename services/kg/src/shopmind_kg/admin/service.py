"""Read-only raw Cypher for administrators: READ access mode, a timeout, a row cap."""

from __future__ import annotations

from typing import Any

from neo4j.exceptions import ClientError, CypherSyntaxError, Neo4jError
from shopmind_common.errors import BadRequest, Forbidden, ServiceError

from shopmind_kg.admin.schemas import CypherOut
from shopmind_kg.store.base import GraphStore


class QueryTimeout(ServiceError):
    status_code = 504
    code = "query_timeout"


class AdminService:
    def __init__(self, store: GraphStore, timeout_s: float, max_rows: int) -> None:
        self.store = store
        self.timeout_s = timeout_s
        self.max_rows = max_rows

    async def cypher(self, query: str, params: dict[str, Any]) -> CypherOut:
        try:
            rows = await self.store.raw_read(query, params, self.timeout_s, self.max_rows + 1)
        except CypherSyntaxError as exc:
            raise BadRequest(f"Cypher syntax error: {exc.message}",
                             details=[{"field": "body.query", "code": exc.code}]) from exc
        except ClientError as exc:
            code = exc.code or ""
            if code.endswith("AccessMode") or "Forbidden" in code:
                raise Forbidden("raw Cypher is read-only", details={"neo4j_code": code}) from exc
            if "Timed" in code or "Terminated" in code:
                raise QueryTimeout(f"the query ran past {self.timeout_s}s "
                                   "(KG_RAW_CYPHER_TIMEOUT_S)", details={"neo4j_code": code}
                                   ) from exc
            raise BadRequest(f"Neo4j refused the query: {exc.message}",
                             details=[{"field": "body.query", "code": code}]) from exc
        except Neo4jError as exc:
            raise BadRequest(f"Neo4j refused the query: {exc.message}",
                             details=[{"field": "body.query", "code": exc.code}]) from exc
        return CypherOut(rows=rows[: self.max_rows], truncated=len(rows) > self.max_rows)
