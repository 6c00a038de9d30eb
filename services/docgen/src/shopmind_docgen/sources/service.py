"""Reading a project's data over REST from the projects service, and insights from kg.

docgen owns no project data: every document is rendered from a snapshot read
here, through `service_client` (in process in the all-in-one, a URL otherwise).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from shopmind_common.errors import NotFound, ServiceError, Unavailable, Unprocessable
from shopmind_common.http import ServiceClient, service_client

from shopmind_docgen.config import DocgenSettings
from shopmind_docgen.sources.schemas import (
    DependencyIn,
    Insights,
    MemberIn,
    MilestoneIn,
    NegativeAspect,
    ProgressIn,
    ProjectIn,
    ProjectSnapshot,
    RiskFlagIn,
    ScheduleIn,
    TaskIn,
)

log = logging.getLogger("shopmind.docgen.sources")


def _upstream_error(name: str, path: str, status: int, body: str) -> ServiceError:
    return Unavailable(f"{name} answered {status} for {path}",
                       details={"upstream": name, "path": path, "status": status,
                                "body": body[:300]})


class ProjectSource:
    """Reads one project's snapshot: project, milestones, tasks, members and more."""

    async def _get(self, client: ServiceClient, path: str,
                   params: dict[str, Any] | None = None, *, optional: bool = False) -> Any:
        resp = await client.get(path, params=params)
        if resp.status_code == 404 and optional:
            return None
        if resp.status_code == 404:
            raise NotFound(f"project data not found at {path}",
                           details=[{"field": "body.project_id", "message": "unknown project"}])
        if resp.status_code >= 400:
            raise _upstream_error(client.name, path, resp.status_code, resp.text)
        return resp.json()

    async def _all(self, client: ServiceClient, path: str, settings: DocgenSettings,
                   limit_total: int | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = await self._get(client, path, {"limit": settings.projects_page_size,
                                                  "offset": offset})
            items.extend(page["items"])
            if limit_total is not None and len(items) > limit_total:
                raise Unprocessable(
                    f"the project has more than DOCGEN_MAX_TASKS={limit_total} tasks",
                    details=[{"field": "body.project_id", "limit": "DOCGEN_MAX_TASKS",
                              "max": limit_total}])
            offset = page.get("next_offset")
        return items

    async def snapshot(self, settings: DocgenSettings, project_id: str,
                       as_of: date | None = None) -> ProjectSnapshot:
        """Everything a document may cite, read now."""
        client = service_client("projects", settings, timeout_s=settings.upstream_timeout_s)
        base = f"/v1/projects/{project_id}"
        try:
            project = ProjectIn.model_validate(await self._get(client, base))
            milestones = [MilestoneIn.model_validate(m)
                          for m in await self._all(client, f"{base}/milestones", settings)]
            tasks = [TaskIn.model_validate(t) for t in
                     await self._all(client, f"{base}/tasks", settings, settings.max_tasks)]
            members = [MemberIn.model_validate(m)
                       for m in await self._all(client, f"{base}/members", settings)]
            deps = [DependencyIn.model_validate(d)
                    for d in await self._all(client, f"{base}/dependencies", settings)]
            day = {"as_of": as_of.isoformat()} if as_of else None
            # Projections, progress and risk flags are extras: a projects service without
            # them (404) still yields a document, with docgen's own derivations.
            raw_schedule = await self._get(client, f"{base}/schedule", day, optional=True)
            raw_progress = await self._get(client, f"{base}/progress", optional=True)
            raw_risks = await self._get(client, f"{base}/risks", day, optional=True)
        finally:
            await client.aclose()
        return ProjectSnapshot(
            project=project, milestones=milestones, tasks=tasks, members=members,
            dependencies=deps,
            schedule=ScheduleIn.model_validate(raw_schedule) if raw_schedule else None,
            progress=ProgressIn.model_validate(raw_progress) if raw_progress else None,
            risk_flags=([RiskFlagIn.model_validate(f) for f in raw_risks.get("flags", [])]
                        if raw_risks else None),
            fetched_at=datetime.now(UTC),
        )


class InsightSource:
    """A product line's most negative aspects from kg; absent kg means no insights."""

    async def negative_aspects(self, settings: DocgenSettings, product_line: str | None,
                               product_ids: list[str] | None = None) -> Insights:
        if not settings.kg_enabled:
            return Insights(product_line=product_line, note="DOCGEN_KG_ENABLED is off")
        if product_ids:
            return await _product_aspects(settings, product_line, product_ids)
        assert product_line is not None
        try:
            client = service_client("kg", settings, timeout_s=settings.upstream_timeout_s)
        except Unavailable as exc:
            return Insights(product_line=product_line, note=f"kg unavailable: {exc.message}")
        try:
            resp = await client.get("/v1/kg/insights/negative-aspects",
                                    params={"product_line": product_line,
                                            "limit": settings.kg_insights_limit})
        except Unavailable as exc:
            return Insights(product_line=product_line, note=f"kg unavailable: {exc.message}")
        finally:
            await client.aclose()
        if resp.status_code >= 400:
            return Insights(product_line=product_line,
                            note=f"kg answered {resp.status_code} for product-line insights; "
                                 "none used (give product_ids to aggregate per product)")
        try:
            body = resp.json()
            rows = body.get("aspects") or body.get("items") or []
            aspects = [NegativeAspect.model_validate(_aspect_row(r)) for r in rows]
        except (ValueError, TypeError, AttributeError) as exc:
            log.warning("kg insights unreadable: %s", exc)
            return Insights(product_line=product_line, note="kg insights unreadable")
        return Insights(product_line=product_line,
                        negative_aspects=aspects[: settings.kg_insights_limit], source="kg")


async def _product_aspects(settings: DocgenSettings, product_line: str | None,
                           product_ids: list[str]) -> Insights:
    """Aggregate kg's per-product aspect counts; the most negative aspects first."""
    try:
        client = service_client("kg", settings, timeout_s=settings.upstream_timeout_s)
    except Unavailable as exc:
        return Insights(product_line=product_line, note=f"kg unavailable: {exc.message}")
    totals: dict[str, NegativeAspect] = {}
    missing: list[str] = []
    try:
        for pid in product_ids:
            try:
                resp = await client.get(f"/v1/kg/products/{pid}/aspects")
            except Unavailable as exc:
                return Insights(product_line=product_line,
                                note=f"kg unavailable: {exc.message}")
            if resp.status_code >= 400:
                missing.append(pid)
                continue
            for row in resp.json().get("aspects") or []:
                name = str(row.get("name") or row.get("aspect") or "")
                if not name:
                    continue
                agg = totals.setdefault(name, NegativeAspect(aspect=name))
                agg.negative += int(row.get("negative") or 0)
                agg.total += int(row.get("support") or row.get("mentions") or 0)
    finally:
        await client.aclose()
    ranked = sorted((a for a in totals.values() if a.negative > 0),
                    key=lambda a: (-a.negative, a.aspect))
    for a in ranked:
        a.share = round(a.negative / a.total, 3) if a.total else None
    note = f"no aspects in kg for products {', '.join(missing)}" if missing else None
    return Insights(product_line=product_line, source="kg" if ranked else "none",
                    negative_aspects=ranked[: settings.kg_insights_limit], note=note)


def _aspect_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "aspect": row.get("aspect") or row.get("name") or "",
        "negative": int(row.get("negative") or row.get("negative_count") or 0),
        "total": int(row.get("total") or row.get("mentions") or 0),
        "share": row.get("share") if row.get("share") is not None else row.get("negative_share"),
        "examples": list(row.get("examples") or [])[:3],
    }


project_source = ProjectSource()
insight_source = InsightSource()
