"""Schemas, datasets and merge policies; merge policies use the commercial platform's words."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from segmint.api.models.common import ApiModel
from segmint.schema.fields import parse_type
from segmint.schema.model import Schema, SchemaClass
from segmint.store.catalog import AttributeMerge, Dataset, MergePolicy, Stitching


class SchemaOut(ApiModel):
    class_: SchemaClass = Field(alias="class")
    fields: dict[str, str] = Field(description="Dotted field path to type.")

    @classmethod
    def of(cls, schema: Schema) -> SchemaOut:
        return cls(class_=schema.schema_class, fields=dict(schema.fields))


class SchemaExtension(ApiModel):
    """Fields to add to a schema; existing fields keep their types."""

    class_: SchemaClass = Field(alias="class")
    fields: dict[str, str] = Field(min_length=1, examples=[{"loyalty.tier": "string"}])

    def to_schema(self) -> Schema:
        return Schema(
            self.class_, {path: parse_type(kind, path) for path, kind in self.fields.items()}
        )


class SchemaApplied(SchemaOut):
    added: list[str] = Field(description="The fields that were new.")


class DatasetIn(ApiModel):
    name: str = Field(min_length=1)
    class_: SchemaClass = Field(alias="class")
    identity_fields: dict[str, str] = Field(
        default_factory=dict, description="Field path to identity namespace."
    )

    def to_dataset(self) -> Dataset:
        return Dataset(self.name, self.class_, dict(self.identity_fields))


class DatasetOut(DatasetIn):
    records: int = Field(description="Records added by its batches.")
    batches: int

    @classmethod
    def of(cls, dataset: Dataset, records: int, batches: int) -> DatasetOut:
        return cls(
            name=dataset.name,
            class_=dataset.schema_class,
            identity_fields=dataset.identity_fields,
            records=records,
            batches=batches,
        )


_MERGES = {
    "timestampOrdered": AttributeMerge.TIMESTAMP,
    "dataSetPrecedence": AttributeMerge.DATASET,
}
_GRAPHS = {"pdg": Stitching.GRAPH, "none": Stitching.NONE}


class AttributeMergeSpec(ApiModel):
    type: Literal["timestampOrdered", "dataSetPrecedence"] = "timestampOrdered"
    order: list[str] = Field(
        default_factory=list, description="Datasets in precedence order (dataSetPrecedence)."
    )


class IdentityGraphSpec(ApiModel):
    type: Literal["pdg", "none"] = Field(
        "pdg", description="pdg: merge a whole identity graph; none: each identity apart."
    )


class MergePolicyIn(ApiModel):
    name: str = Field(min_length=1)
    attribute_merge: AttributeMergeSpec = Field(default_factory=AttributeMergeSpec)
    identity_graph: IdentityGraphSpec = Field(default_factory=IdentityGraphSpec)
    default: bool = False

    def to_policy(self) -> MergePolicy:
        return MergePolicy(
            self.name,
            _MERGES[self.attribute_merge.type],
            tuple(self.attribute_merge.order),
            _GRAPHS[self.identity_graph.type],
        )


class MergePolicyOut(MergePolicyIn):
    id: str = Field(description="The policy's name; segment definitions refer to it.")

    @classmethod
    def of(cls, policy: MergePolicy) -> MergePolicyOut:
        merge = next(k for k, v in _MERGES.items() if v is policy.attribute_merge)
        graph = next(k for k, v in _GRAPHS.items() if v is policy.stitching)
        return cls(
            id=policy.name,
            name=policy.name,
            attribute_merge=AttributeMergeSpec.model_validate(
                {"type": merge, "order": list(policy.datasets)}
            ),
            identity_graph=IdentityGraphSpec.model_validate({"type": graph}),
            default=policy.is_default,
        )
