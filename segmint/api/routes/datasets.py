"""``/datasets``: named sources of one schema class."""

from __future__ import annotations

from fastapi import APIRouter

from segmint.api.models.catalog import DatasetIn, DatasetOut
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.security import Reader, Writer
from segmint.store import catalog, records

router = APIRouter(prefix="/datasets", tags=["datasets"], responses=PROBLEM_RESPONSES)


@router.get("")
def list_datasets(workspace: Reader) -> list[DatasetOut]:
    """Datasets with the records and batches ingested into them."""
    totals = records.dataset_totals(workspace.con)
    return [
        DatasetOut.of(dataset, *totals.get(dataset.name, (0, 0)))
        for dataset in catalog.datasets(workspace.con)
    ]


@router.post("", status_code=201)
def create_dataset(workspace: Writer, body: DatasetIn) -> DatasetOut:
    catalog.create_dataset(workspace.con, body.to_dataset())
    return DatasetOut.of(catalog.dataset(workspace.con, body.name), 0, 0)
