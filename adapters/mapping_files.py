"""Load a mapping TOML into its pydantic model, with errors that name the file and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from connector.config_errors import describe_validation_error
from connector.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def load_mapping(path: Path, model: type[M]) -> M:
    """Read `path` as TOML and validate it as `model`; ConfigError says what to fix."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: mapping file not found (see crm.mapping)") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            describe_validation_error(error, path, model, "", what="mapping")
        ) from None
