"""The marts' dbt contracts and docs (``dbt_project/models/**/*.yml``): descriptions, data types, keys.

The YAML is read rather than dbt's ``target/manifest.json``: it is always there, needs no dbt run, and is what
the contract enforcement itself reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODELS = PROJECT_ROOT / "dbt_project" / "models"

#: dbt contract data type → Frictionless field type.
FRICTIONLESS_TYPES: dict[str, str] = {
    "varchar": "string", "text": "string", "string": "string",
    "integer": "integer", "int": "integer", "bigint": "integer", "smallint": "integer", "hugeint": "integer",
    "double": "number", "float": "number", "real": "number", "decimal": "number", "numeric": "number",
    "boolean": "boolean", "bool": "boolean",
    "date": "date",
    "timestamp": "datetime", "timestamp with time zone": "datetime", "timestamptz": "datetime",
}


class ContractError(Exception):
    """A released column has no contract, or its contract disagrees with the published table."""


@dataclass(frozen=True)
class ModelContract:
    name: str
    description: str
    column_descriptions: dict[str, str] = field(default_factory=dict)
    data_types: dict[str, str] = field(default_factory=dict)
    not_null: frozenset[str] = frozenset()
    primary_key: tuple[str, ...] = ()

    def frictionless_type(self, column: str) -> str:
        data_type = self.data_types.get(column)
        if data_type is None:
            raise ContractError(f"{self.name}.{column} has no data_type in its dbt contract")
        if data_type.lower() not in FRICTIONLESS_TYPES:
            raise ContractError(f"{self.name}.{column}: no Frictionless type for dbt data type {data_type!r}")
        return FRICTIONLESS_TYPES[data_type.lower()]


def _text(value: object) -> str:
    return " ".join(str(value or "").split())


def _is_primary_key(constraints: list[dict] | None) -> bool:
    return any(c.get("type") == "primary_key" for c in constraints or [])


def read_contracts(models: Path = MODELS) -> dict[str, ModelContract]:
    """Every model documented in a YAML file under ``models``, by name."""
    contracts: dict[str, ModelContract] = {}
    for path in sorted(models.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            columns = model.get("columns") or []
            key = tuple(c["name"] for c in columns if _is_primary_key(c.get("constraints")))
            for constraint in model.get("constraints") or []:
                if constraint.get("type") == "primary_key":
                    key = tuple(constraint.get("columns") or ())
            if not key:  # a column with both unique and not_null tests is a key too
                key = tuple(c["name"] for c in columns
                            if {"unique", "not_null"} <= {t for t in c.get("data_tests") or [] if isinstance(t, str)})
                key = key[:1]
            contracts[model["name"]] = ModelContract(
                name=model["name"],
                description=_text(model.get("description")),
                column_descriptions={c["name"]: _text(c.get("description")) for c in columns},
                data_types={c["name"]: str(c["data_type"]) for c in columns if c.get("data_type")},
                not_null=frozenset(c["name"] for c in columns
                                   if any(k.get("type") in ("not_null", "primary_key")
                                          for k in c.get("constraints") or [])),
                primary_key=key,
            )
    return contracts
