"""Customer AI instances, their training and scoring runs, and insights, shaped after the
commercial platform's Customer AI: a propensity type, a goal, an outcome window in days, an
optional eligible population and custom profile attributes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from segmint.ai.instances import Instance, PropensityType
from segmint.api.models.common import ApiModel, Problem, UtcDateTime
from segmint.api.models.definitions import PageInfo, PageLink


class InstanceIn(ApiModel):
    name: str = Field(
        min_length=1, description="Letters, digits and _; scores appear as customerAI.<name>.*"
    )
    type: PropensityType = Field(description="churn: the goal will not occur; conversion: it will.")
    goal: str = Field(
        min_length=1,
        description="PQL condition on one event.",
        examples=['eventType = "commerce.purchases"'],
    )
    window_days: int = Field(30, ge=1, le=3650, description="The outcome (prediction) window.")
    eligibility: str | None = Field(
        None, description="PQL of the profiles to score; default: every profile with events."
    )
    features: list[str] = Field(
        default_factory=list, description="Custom profile attributes to learn from."
    )

    def to_instance(self) -> Instance:
        return Instance(
            self.name, self.type, self.goal, self.window_days, self.eligibility,
            tuple(self.features),
        )  # fmt: skip


class ModelOut(ApiModel):
    version: int
    as_of: UtcDateTime = Field(description="The instant the model was trained as of.")
    trained_at: UtcDateTime
    metrics: dict[str, float] = Field(description="AUC, log loss, calibration error, lift.")


class InstanceOut(ApiModel):
    name: str
    type: PropensityType
    goal: str
    window_days: int
    eligibility: str | None
    features: list[str]
    model_version: int | None = Field(description="The latest model; null before training.")
    models: list[ModelOut] = Field(default_factory=list)


class InstancePage(ApiModel):
    instances: list[InstanceOut]
    page: PageInfo
    link: PageLink


class RunIn(ApiModel):
    as_of: UtcDateTime | None = Field(None, description="Default: the last event's time.")


RunKind = Literal["train", "score"]
RunStatus = Literal["NEW", "PROCESSING", "SUCCEEDED", "FAILED"]


class RunResult(ApiModel):
    model_version: int
    metrics: dict[str, float] | None = Field(None, description="Of a training run.")
    profiles: int | None = Field(None, description="Profiles scored, of a scoring run.")
    buckets: dict[str, int] | None = Field(None, description="Profiles per score bucket.")


class RunOut(ApiModel):
    id: str
    instance: str
    kind: RunKind
    status: RunStatus
    stage: str | None = Field(description="What a running run is doing now.")
    as_of: UtcDateTime | None
    created_at: UtcDateTime
    finished_at: UtcDateTime | None
    result: RunResult | None
    error: Problem | None = Field(description="Why a failed run failed.")


class Decile(ApiModel):
    decile: int
    rows: int
    rate: float
    lift: float
    gain: float = Field(description="Share of all positives found up to this decile.")


class CalibrationPoint(ApiModel):
    bin: int
    rows: int
    predicted: float
    observed: float


class Importance(ApiModel):
    feature: str
    gain: float
    share: float


class ScoreBin(ApiModel):
    from_: int = Field(alias="from")
    to: int
    profiles: int


class Scoring(ApiModel):
    model_version: int
    scored_at: str
    profiles: int
    distribution: list[ScoreBin]
    buckets: dict[str, int]


class InsightsOut(ApiModel):
    instance: str
    type: PropensityType
    goal: str
    window_days: int
    model_version: int
    as_of: str
    cutoffs: list[str]
    folds: dict[str, dict[str, int]]
    metrics: dict[str, float]
    deciles: list[Decile]
    calibration: list[CalibrationPoint]
    importance: list[Importance]
    scoring: Scoring | None = Field(description="The latest scoring run; null before any.")
