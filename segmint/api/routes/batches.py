"""``/batches``: file uploads ingested into a dataset, validated, atomic and idempotent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response, UploadFile

from segmint.api import uploads
from segmint.api.models.batches import BatchOut
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.security import Writer
from segmint.ingest.pipeline import OnError, ingest_file
from segmint.ingest.readers import FileFormat

router = APIRouter(prefix="/batches", tags=["ingestion"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    status_code=201,
    response_model_exclude_none=True,
    responses={200: {"model": BatchOut, "description": "Already ingested: nothing added."}},
)
def upload_batch(
    workspace: Writer,
    response: Response,
    file: UploadFile,
    dataset: Annotated[str, Form(min_length=1, description="The dataset to ingest into.")],
    file_format: Annotated[
        FileFormat | None, Form(alias="format", description="When the file name does not tell.")
    ] = None,
    on_error: Annotated[
        OnError,
        Form(
            alias="onError",
            description="fail: reject the whole file (400 with every problem); "
            "skip: load the valid records, quarantine the rest.",
        ),
    ] = OnError.FAIL,
) -> BatchOut:
    """Ingest a CSV, JSONL or Parquet file; the same file again adds nothing."""
    with uploads.saved(file) as path:
        result = ingest_file(workspace, path, dataset, file_format=file_format, on_error=on_error)
    if result.already_ingested:
        response.status_code = 200
    return uploads.report(result, path, uploads.upload_name(file), workspace.path)
