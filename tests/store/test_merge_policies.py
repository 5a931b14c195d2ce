"""Merge policies fold fragments into one profile: newest non-null, or dataset precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmint.errors import UsageError
from segmint.ingest.pipeline import ingest_file
from segmint.schema.model import SchemaClass
from segmint.store import catalog, identities, profiles
from segmint.store.catalog import AttributeMerge, MergePolicy, Stitching
from segmint.store.workspace import Workspace
from tests.conftest import write_csv

HEADER = [
    "identityMap.crmId",
    "identityMap.email",
    "person.name.firstName",
    "loyalty.tier",
    "homeAddress.city",
]


def merged(ws: Workspace, identity: str, policy_name: str | None = None) -> dict[str, object]:
    policy = catalog.merge_policy(ws.con, policy_name)
    key, profile_id = identities.lookup(ws.con, *identities.parse_identity(identity))
    target = key if policy.stitching is Stitching.NONE else profile_id
    return profiles.merged_profile(
        ws.con, catalog.schema(ws.con, SchemaClass.PROFILE), policy, target
    )


def load(ws: Workspace, tmp_path: Path) -> None:
    """crm (older) knows Ann in Leeds by crmId; loyalty (newer) knows Annie by email only."""
    ingest_file(
        ws,
        write_csv(tmp_path / "crm.csv", HEADER, [["C1", "ann@x.com", "Ann", "silver", "Leeds"]]),
        "crm",
    )
    ingest_file(
        ws,
        write_csv(tmp_path / "loyalty.csv", HEADER, [["", "ann@x.com", "Annie", "gold", ""]]),
        "loyalty",
    )


def test_timestamp_ordered_newest_non_null_wins(workspace: Workspace, tmp_path: Path) -> None:
    load(workspace, tmp_path)
    # loyalty is newer but has no city: the older non-null city survives
    assert merged(workspace, "crmId:C1") == {
        "person": {"name": {"firstName": "Annie"}},
        "loyalty": {"tier": "gold"},
        "homeAddress": {"city": "Leeds"},
    }


def test_dataset_precedence_first_listed_wins(workspace: Workspace, tmp_path: Path) -> None:
    load(workspace, tmp_path)
    catalog.create_merge_policy(
        workspace.con,
        MergePolicy("crm-first", AttributeMerge.DATASET, ("crm", "loyalty"), Stitching.GRAPH),
    )
    assert merged(workspace, "email:ann@x.com", "crm-first") == {
        "person": {"name": {"firstName": "Ann"}},
        "loyalty": {"tier": "silver"},
        "homeAddress": {"city": "Leeds"},
    }
    catalog.create_merge_policy(
        workspace.con,
        MergePolicy("loyalty-only", AttributeMerge.DATASET, ("loyalty",), Stitching.GRAPH),
    )
    assert merged(workspace, "crmId:C1", "loyalty-only") == {
        "person": {"name": {"firstName": "Annie"}},
        "loyalty": {"tier": "gold"},
    }


def test_no_stitching_keeps_each_primary_identity_apart(
    workspace: Workspace, tmp_path: Path
) -> None:
    load(workspace, tmp_path)
    catalog.create_merge_policy(
        workspace.con, MergePolicy("apart", AttributeMerge.TIMESTAMP, (), Stitching.NONE)
    )
    assert merged(workspace, "email:ann@x.com", "apart") == {
        "person": {"name": {"firstName": "Annie"}},
        "loyalty": {"tier": "gold"},
    }
    assert merged(workspace, "crmId:C1", "apart") == {
        "person": {"name": {"firstName": "Ann"}},
        "loyalty": {"tier": "silver"},
        "homeAddress": {"city": "Leeds"},
    }


def test_default_policy_can_be_changed(workspace: Workspace) -> None:
    catalog.create_merge_policy(
        workspace.con, MergePolicy("apart", AttributeMerge.TIMESTAMP, (), Stitching.NONE)
    )
    catalog.set_default_merge_policy(workspace.con, "apart")
    assert catalog.merge_policy(workspace.con).name == "apart"


def test_dataset_precedence_needs_datasets(workspace: Workspace) -> None:
    with pytest.raises(UsageError, match="ordered list of datasets"):
        catalog.create_merge_policy(
            workspace.con, MergePolicy("x", AttributeMerge.DATASET, (), Stitching.GRAPH)
        )
