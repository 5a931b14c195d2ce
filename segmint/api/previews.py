"""Previews and estimates run after the request returns, as in the original: create, then
poll. Results live in memory for the life of the server, keyed by preview id and sandbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from segmint import segments
from segmint.api.background import Registry
from segmint.api.problems import located
from segmint.api.service import Service
from segmint.errors import SegmintError


@dataclass
class Preview:
    id: str
    sandbox: str
    definition: str
    as_of: datetime
    state: str = "NEW"
    results: list[dict[str, Any]] = field(default_factory=list)
    estimate: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None


class Previews(Registry[Preview]):
    def __init__(self) -> None:
        super().__init__("preview")

    def create(self, sandbox: str, definition: str, as_of: datetime) -> Preview:
        return self.add(Preview(str(uuid.uuid4()), sandbox, definition, as_of))

    def run(self, service: Service, preview: Preview) -> None:
        """Compute the sample's members and size estimate; a bad definition fails the preview."""
        preview.state = "RUNNING"
        try:
            with service.session(preview.sandbox, write=False) as workspace:
                found = segments.estimate_size(workspace.con, preview.definition, preview.as_of)
                preview.results = segments.preview(workspace.con, preview.definition, preview.as_of)
        except SegmintError as problem:
            place = located(problem.location) if problem.location else None
            preview.error = {
                "description": problem.message,
                "location": place.model_dump(exclude_none=True) if place else None,
                "hint": problem.hint,
            }
            preview.state = "FAILED"
            return
        preview.estimate = {
            "estimated_size": found.estimated,
            "low": found.low,
            "high": found.high,
            "profiles_read_so_far": found.sampled,
            "profiles_matched_so_far": found.matched,
            "total_rows": found.population,
        }
        preview.state = "RESULT_READY"
