"""Insight summaries of what drives a prediction or a category's demand trend."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_decision.behavior.service import behavior, iso_day, today
from shopmind_decision.config import DecisionSettings
from shopmind_decision.insights import writer
from shopmind_decision.insights.schemas import Driver, InsightOut, TrendIn
from shopmind_decision.predictions.loaded import LoadedModel, ModelCache
from shopmind_decision.predictions.schemas import Explanation, PredictionOut
from shopmind_decision.predictions.service import predictions
from shopmind_decision.predictions.store import PredictionStore

TOP_DRIVERS = 3


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def drivers_of(model: LoadedModel, explanation: Explanation, k: int = TOP_DRIVERS
               ) -> list[Driver]:
    out = []
    for c in explanation.contributions:
        if c.contribution == 0:
            continue
        out.append(Driver(feature=c.feature, description=model.schema.field(c.feature).description,
                          value=c.value, contribution=c.contribution,
                          direction="up" if c.contribution > 0 else "down"))
        if len(out) == k:
            break
    return out


def _clause(d: Driver) -> str:
    return f"{d.description} is {_fmt(d.value)}"


def template_for_prediction(p: PredictionOut, drivers: list[Driver], horizon: int | None) -> str:
    """The deterministic summary: the score, then what pushed it up and down, strongest first."""
    who = ""
    if p.entity and p.entity.get("user_id"):
        who = f" for shopper {p.entity['user_id']}"
    what = f" in {p.entity['category']}" if p.entity and p.entity.get("category") else ""
    if p.output == "probability":
        within = f" within {horizon} days" if horizon else ""
        head = f"{p.model} v{p.version} puts the chance of a purchase{what}{who}{within} at " \
               f"{p.score:.0%}."
    else:
        head = f"{p.model} v{p.version} forecasts {p.score:,.0f} units{what} for the week."
    ups = [d for d in drivers if d.direction == "up"]
    downs = [d for d in drivers if d.direction == "down"]
    parts = [head]
    if ups:
        parts.append("Raising it: " + "; ".join(_clause(d) for d in ups) + ".")
    if downs:
        parts.append("Lowering it: " + "; ".join(_clause(d) for d in downs) + ".")
    return " ".join(parts)


def _facts(text: str, drivers: list[Driver]) -> str:
    lines = [text]
    for d in drivers:
        effect = "raises" if d.direction == "up" else "lowers"
        lines.append(f"- {d.description}: {_fmt(d.value)} ({effect} the prediction)")
    return "\n".join(lines)


class InsightService:
    async def _finish(self, settings: DecisionSettings, subject: str, fallback: str,
                      drivers: list[Driver], prediction_id: str | None) -> InsightOut:
        written = await writer.write(_facts(fallback, drivers), settings,
                                     settings.insights_backend, settings.insights_timeout_s)
        text, source = written if written is not None else (fallback, "template")
        return InsightOut(subject=subject, text=text, source=source,
                          fallback_text=fallback, drivers=drivers, prediction_id=prediction_id)

    async def for_prediction(self, models: ModelCache, store: PredictionStore,
                             settings: DecisionSettings, prediction_id: str) -> InsightOut:
        """Summarise the top drivers of a stored prediction."""
        p = await predictions.get_out(models, store, prediction_id)
        model = models.get(p.model, p.version)
        drivers = drivers_of(model, p.explanation)
        horizon = model.schema.label.get("horizon_days") if p.output == "probability" else None
        fallback = template_for_prediction(p, drivers, horizon)
        return await self._finish(settings, f"prediction {prediction_id}", fallback, drivers,
                                  prediction_id)

    async def for_trend(self, session: AsyncSession, models: ModelCache, store: PredictionStore,
                        settings: DecisionSettings, body: TrendIn) -> InsightOut:
        """Summarise a category's recent weekly units and the demand forecast's drivers."""
        from shopmind_decision.predictions.schemas import Entity, PredictIn

        as_of = today() + 1
        history = await behavior.weekly_units(session, body.category, body.weeks, as_of)
        p = await predictions.predict_out(models, store, PredictIn(
            model=body.model, version=body.version, entity=Entity(category=body.category),
            top_k=10), session)
        model = models.get(p.model, p.version)
        drivers = drivers_of(model, p.explanation)
        units = [u for _, u in history]
        recent = sum(units[-4:]) / max(len(units[-4:]), 1)
        earlier = sum(units[:-4]) / max(len(units[:-4]), 1) if len(units) > 4 else recent
        change = (recent - earlier) / earlier if earlier else 0.0
        direction = "up" if change > 0.05 else "down" if change < -0.05 else "flat"
        trend = (f"{body.category}: {_fmt(recent)} units a week over the last 4 weeks, "
                 f"{direction} {abs(change):.0%} on the {len(units) - 4} weeks before"
                 if len(units) > 4 else f"{body.category}: {_fmt(recent)} units a week")
        fallback = (f"{trend} (weeks from {iso_day(history[0][0])}). Next week's forecast from "
                    f"{p.model} v{p.version}: {p.score:,.0f} units.")
        if drivers:
            fallback += " Main drivers: " + "; ".join(
                f"{_clause(d)} ({'raises' if d.direction == 'up' else 'lowers'} it)"
                for d in drivers) + "."
        return await self._finish(settings, f"trend {body.category}", fallback, drivers,
                                  p.prediction_id)


insights = InsightService()
