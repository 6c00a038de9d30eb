"""Who should take a task: skill match (through nlp when reachable) and current load."""

from __future__ import annotations

import asyncio
import math

from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.assignments.schemas import MatchMethod, Suggestion, SuggestionsOut
from shopmind_projects.core.text import coverage, terms_match, tokens
from shopmind_projects.db.models import Member, Task
from shopmind_projects.insights import repository as insights_repo
from shopmind_projects.integrations.nlp import NlpClient
from shopmind_projects.projects.service import projects
from shopmind_projects.scheduling.service import scheduling
from shopmind_projects.tasks.service import tasks as task_service

SKILL_WEIGHT = 0.7
AVAILABILITY_WEIGHT = 0.3
# Cosine similarity of a skill to the task text that counts as a match.
EMBEDDING_MATCH = 0.35
LEXICAL_MATCH = 0.5


def task_text(task: Task) -> str:
    return "\n".join(filter(None, [task.title, task.description, " ".join(task.labels)]))


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def _combine(per_skill: dict[str, float], threshold: float) -> tuple[float, list[str]]:
    """A member's skill score: the best skill, discounted less the more skills match."""
    matched = sorted((s for s, v in per_skill.items() if v >= threshold),
                     key=lambda s: (-per_skill[s], s))
    best = max(per_skill.values(), default=0.0)
    return best * (0.85 + 0.05 * min(len(matched), 3)), matched


class AssignmentService:
    async def _skill_scores(self, nlp: NlpClient, text: str, members: list[Member]
                            ) -> tuple[MatchMethod, list[str], dict[str, dict[str, float]]]:
        """member id -> skill -> match in [0, 1], and how it was computed."""
        skills = sorted({s for m in members for s in m.skills})
        keywords, vectors = (await asyncio.gather(nlp.keywords(text), nlp.embed([text, *skills]))
                             if skills else (None, None))
        if vectors is not None:
            task_vec = vectors[0]
            sim = {s: max(0.0, _cosine(task_vec, v)) for s, v in zip(skills, vectors[1:],
                                                                       strict=True)}
            # A skill the nlp keywords name outright counts fully, whatever the cosine says.
            for s in skills:
                if keywords and any(terms_match(t, k) for t in tokens(s)
                                    for kw in keywords for k in tokens(kw)):
                    sim[s] = max(sim[s], 1.0)
            return "embeddings", keywords or [], {
                m.id: {s: sim[s] for s in m.skills} for m in members}
        haystack = set(tokens(text))
        method: MatchMethod = "lexical"
        if keywords:
            haystack |= {t for kw in keywords for t in tokens(kw)}
            method = "keywords"
        return method, keywords or [], {
            m.id: {s: coverage(s, haystack) for s in m.skills} for m in members}

    async def suggest(self, session: AsyncSession, nlp: NlpClient, project_id: str,
                      task_id: str, *, limit: int) -> SuggestionsOut:
        task = await task_service.get_row(session, project_id, task_id)
        project = await projects.get_row(session, project_id)
        members = await insights_repo.members(session, project_id)
        plan = await scheduling.plan(session, project)
        # The load that matters is the one in the week the task is projected to start.
        week = plan.start_of(task.id) if task.id in plan.tasks else plan.as_of
        load = plan.weekly_load(start=week, exclude=[task.id])
        method, keywords, per_member = await self._skill_scores(nlp, task_text(task), members)
        threshold = EMBEDDING_MATCH if method == "embeddings" else LEXICAL_MATCH
        out = []
        for member in members:
            skill, matched = _combine(per_member[member.id], threshold)
            hours = round(load.get(member.id, (0.0, []))[0], 1)
            capacity = member.weekly_capacity_hours
            ratio = hours / capacity if capacity > 0 else math.inf
            availability = max(0.0, 1.0 - ratio) if capacity > 0 else 0.0
            reasons = []
            if matched:
                reasons.append("skills match: " + ", ".join(
                    f"{s} ({per_member[member.id][s]:.2f})" for s in matched))
            else:
                reasons.append("no listed skill matches the task")
            if capacity <= 0:
                reasons.append("no capacity this week")
            else:
                reasons.append(f"{hours:g}h of {capacity:g}h booked in the week from "
                               f"{week.isoformat()}")
                if ratio > 1:
                    reasons.append("already over capacity")
            if member.id == task.assignee_id:
                reasons.append("currently assigned")
            out.append(Suggestion(
                member_id=member.id, name=member.name,
                score=round(SKILL_WEIGHT * skill + AVAILABILITY_WEIGHT * availability, 3),
                skill_score=round(skill, 3), matched_skills=matched, load_hours=hours,
                capacity_hours=capacity,
                load_ratio=round(ratio, 3) if math.isfinite(ratio) else 999.0,
                current_assignee=member.id == task.assignee_id, reasons=reasons))
        out.sort(key=lambda s: (-s.score, s.load_ratio, s.name))
        return SuggestionsOut(task_id=task.id, method=method, keywords=keywords,
                              suggestions=out[:limit])


assignments = AssignmentService()
