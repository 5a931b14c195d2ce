"""Settings that every command shares: where the workspace is and which sandbox to use."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from segmint.errors import UsageError

DEFAULT_WORKSPACE = Path("segmint-workspace")
DEFAULT_SANDBOX = "prod"
WORKSPACE_ENV = "SEGMINT_WORKSPACE"
DEFAULT_IDENTITY_CAP = 50

_SANDBOX_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Settings:
    workspace: Path
    sandbox: str = DEFAULT_SANDBOX

    @classmethod
    def resolve(cls, workspace: Path | None, sandbox: str | None) -> Settings:
        """Explicit option first, then the environment, then ``./segmint-workspace``."""
        env = os.environ.get(WORKSPACE_ENV)
        path = workspace or (Path(env) if env else DEFAULT_WORKSPACE)
        return cls(path, check_sandbox_name(sandbox or DEFAULT_SANDBOX))


def check_sandbox_name(name: str) -> str:
    if not _SANDBOX_NAME.match(name):
        raise UsageError(
            f'"{name}" is not a valid sandbox name',
            hint="use lower-case letters, digits and _, starting with a letter (e.g. dev_eu)",
        )
    return name
