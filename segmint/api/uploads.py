"""Uploaded files as the ingest pipeline takes them: a file on disk named like the original.

The original name matters (its suffix tells the format) and is what the client knows, so
reports and located problems name the upload, not the temporary copy.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from fastapi import UploadFile

from segmint.api.models.batches import BatchOut, GraphSummaryOut
from segmint.api.models.common import ProblemItem
from segmint.api.problems import located
from segmint.errors import Problem, ValidationError
from segmint.ingest.pipeline import IngestReport


def upload_name(upload: UploadFile) -> str:
    return Path(upload.filename or "").name or "upload"


@contextmanager
def saved(upload: UploadFile) -> Iterator[Path]:
    """The upload saved to a private temporary folder, removed afterwards."""
    name = upload_name(upload)
    with tempfile.TemporaryDirectory(prefix="segmint-upload-") as folder:
        path = Path(folder) / name
        with path.open("wb") as handle:
            shutil.copyfileobj(upload.file, handle)
        try:
            yield path
        except ValidationError as error:
            renamed = [_renamed(problem, path, name) for problem in error.problems]
            raise ValidationError(renamed, hint=error.hint) from None


def _renamed(problem: Problem, path: Path, name: str) -> Problem:
    if problem.location.file != str(path):
        return problem
    return replace(problem, location=replace(problem.location, file=name))


def report(result: IngestReport, path: Path, name: str, workspace: Path) -> BatchOut:
    graph = result.graph
    return BatchOut(
        batch_id=result.batch_id,
        dataset=result.dataset,
        file=name,
        records=result.records,
        added=result.added,
        duplicates=result.duplicates,
        rejected=result.rejected,
        already_ingested=result.already_ingested,
        quarantine=str(result.quarantine.relative_to(workspace)) if result.quarantine else None,
        graph=GraphSummaryOut(
            identities=graph.identities,
            profiles=graph.profiles,
            kept_out=graph.kept_out,
            evicted=graph.evicted,
        )
        if graph
        else None,
        problems=[
            ProblemItem(location=located(p.location), message=p.message)
            for p in (_renamed(problem, path, name) for problem in result.problems)
        ],
    )
