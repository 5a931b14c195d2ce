"""Customer AI training and scoring runs: accepted at once, run one at a time on a worker
thread of their own (training takes seconds to minutes, longer than a request should hold its
session), polled by id. A run works through the same service functions as ``segmint ai train``
and ``segmint ai score``, as one writer, in a session of its own."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from segmint.ai import service as ai
from segmint.ai.score import Progress
from segmint.api.background import Registry
from segmint.api.models.ai import RunKind, RunStatus
from segmint.api.models.common import Problem
from segmint.api.problems import UNEXPECTED, problem_of
from segmint.api.service import Service
from segmint.errors import NotFoundError, SegmintError
from segmint.store.workspace import Workspace

logger = logging.getLogger("segmint.api")

#: Does a run's work: (workspace, instance, as_of naive UTC, progress) -> the run's result.
Work = Callable[[Workspace, str, datetime | None, Progress], dict[str, Any]]


@dataclass
class Run:
    id: str
    sandbox: str
    instance: str
    kind: RunKind
    as_of: datetime | None
    created_at: datetime
    status: RunStatus = "NEW"
    stage: str | None = None
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None
    error: Problem | None = None


def _train(
    workspace: Workspace, name: str, as_of: datetime | None, progress: Progress
) -> dict[str, Any]:
    trained = ai.train_model(workspace, name, as_of, progress)
    return {"modelVersion": trained.version, "metrics": trained.meta["metrics"]}


def _score(
    workspace: Workspace, name: str, as_of: datetime | None, progress: Progress
) -> dict[str, Any]:
    scores = ai.score_profiles(workspace, name, as_of, progress)
    return {
        "modelVersion": scores.model_version,
        "profiles": scores.rows,
        "buckets": ai.bucket_sizes(scores),
    }


_WORK: dict[RunKind, Work] = {"train": _train, "score": _score}


class Runs(Registry[Run]):
    def __init__(self, service: Service) -> None:
        super().__init__("Customer AI run")
        self._service = service
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="segmint-ai")

    def start(self, sandbox: str, instance: str, kind: RunKind, as_of: datetime | None) -> Run:
        """Queue a run; it starts when the runs before it are done."""
        naive = as_of.astimezone(UTC).replace(tzinfo=None) if as_of else None
        run = self.add(Run(str(uuid.uuid4()), sandbox, instance, kind, naive, datetime.now(UTC)))
        self._worker.submit(self.run, run)
        return run

    def close(self) -> None:
        """Finish the run under way and drop the queued ones (the server is stopping)."""
        self._worker.shutdown(wait=True, cancel_futures=True)

    def of_instance(self, sandbox: str, instance: str) -> list[Run]:
        return [run for run in self.newest_first(sandbox) if run.instance == instance]

    def of_instance_by_id(self, sandbox: str, instance: str, run_id: str) -> Run:
        found = self.get(sandbox, run_id)
        if found.instance != instance:
            raise NotFoundError(f'no run "{run_id}" of Customer AI instance "{instance}"')
        return found

    def run(self, run: Run) -> None:
        """Do the run's work; its outcome, or why it failed, is kept on the run."""
        run.status = "PROCESSING"

        def progress(stage: str, done: int, total: int) -> None:
            run.stage = stage

        try:
            with self._service.session(run.sandbox, write=True) as workspace:
                run.result = _WORK[run.kind](workspace, run.instance, run.as_of, progress)
        except SegmintError as error:
            run.error, run.status = problem_of(error), "FAILED"
        except Exception:
            logger.exception("Customer AI %s run %s failed", run.kind, run.id)
            run.error, run.status = UNEXPECTED, "FAILED"
        else:
            run.status = "SUCCEEDED"
        finally:
            run.stage = None
            run.finished_at = datetime.now(UTC)
