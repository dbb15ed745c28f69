"""One TOML + pydantic loader for the config and every mapping, and one error formatter.

Every message names the file, the key and the fix; nothing here knows which file it reads.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import UnionType
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import ErrorDetails

from connector.errors import ConfigError
from connector.ports import CheckItem

M = TypeVar("M", bound=BaseModel)


def read_toml(path: Path, *, what: str, hint: str) -> dict[str, Any]:
    """The TOML file at `path` as a dict; ConfigError names the file, `what` it is, and `hint`."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} file not found ({hint})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the {what} file: {error.strerror}") from None


def load_mapping(path: Path, model: type[M]) -> M:
    """Read the mapping file at `path` and validate it as `model`; ConfigError says what to fix."""
    data = read_toml(path, what="mapping", hint="see crm.mapping")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            describe_validation_error(error, path, model, "", what="mapping")
        ) from None


def describe_validation_error(
    error: ValidationError,
    path: Path,
    model: type[BaseModel],
    env_prefix: str,
    what: str = "configuration",
) -> str:
    """One line per problem: `file: key.path: what is wrong; what would be valid`."""
    lines = [f"{path}: the {what} is not valid:"]
    lines += [f"  {_describe(detail, model, env_prefix)}" for detail in error.errors()]
    return "\n".join(lines)


def _describe(detail: ErrorDetails, model: type[BaseModel], env_prefix: str) -> str:
    loc = [part for part in detail["loc"] if not _is_union_tag(part)]
    key = _key_path(loc)
    origin = _env_origin(loc, env_prefix)
    if detail["type"] == "extra_forbidden":
        return f"{key}: unknown key{origin}; {_valid_keys_hint(model, loc)}"
    if detail["type"] == "missing":
        return f"{key}: required key is missing{origin}"
    value = detail.get("input")
    shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
    return f"{key}: {_message(detail)}{shown}{origin}"


def _message(detail: ErrorDetails) -> str:
    message = detail["msg"]
    return message.removeprefix("Value error, ")


def _is_union_tag(part: object) -> bool:
    # pydantic adds the member type to the location of errors inside unions ("str", "list[str]").
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})


def _key_path(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _env_origin(loc: list[Any], env_prefix: str) -> str:
    names = [str(part) for part in loc if not isinstance(part, int)]
    for depth in range(len(names), 0, -1):
        env_name = env_prefix + "__".join(names[:depth]).upper()
        if env_name in os.environ:
            return f" (set by the environment variable {env_name})"
    return ""


def _valid_keys_hint(model: type[BaseModel], loc: list[Any]) -> str:
    parent = _model_at(model, loc[:-1])
    if parent is None:
        return "check the spelling against the README's configuration reference"
    valid = sorted(field.alias or name for name, field in parent.model_fields.items())
    close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
    suggestion = f"did you mean {close[0]!r}? " if close else ""
    return f"{suggestion}valid keys here: {', '.join(valid)}"


def _model_at(model: type[BaseModel], loc: list[Any]) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    union: list[type[BaseModel]] = []
    for part in loc:
        if isinstance(part, int):
            continue
        if union:  # inside a tagged union, pydantic puts the member's tag in the location
            current, union = _tagged(union, str(part)), []
            if current is not None:
                continue
        field = current.model_fields.get(str(part)) if current is not None else None
        models = _models_in(field.annotation) if field is not None else []
        current = models[0] if len(models) == 1 else None
        union = models if len(models) > 1 else []
    return current


def _tagged(members: list[type[BaseModel]], tag: str) -> type[BaseModel] | None:
    """The member of a discriminated union whose Literal field holds `tag`."""
    for member in members:
        for field in member.model_fields.values():
            if get_origin(field.annotation) is Literal and tag in get_args(field.annotation):
                return member
    return None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        found += _models_in(arg)
    return found


def _model_in(annotation: Any) -> type[BaseModel] | None:
    models = _models_in(annotation)
    return models[0] if models else None


def secret_keys_in(model: type[BaseModel], data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys of `data` that hold secrets (SecretStr fields), which must not be in files."""
    found: list[str] = []
    for name, field in model.model_fields.items():
        if name not in data:
            continue
        key = f"{prefix}{name}"
        if _is_secret(field.annotation):
            found.append(key)
            continue
        nested = _model_in(field.annotation)
        if nested is not None and isinstance(data[name], Mapping):
            found += secret_keys_in(nested, data[name], prefix=f"{key}.")
    return found


def _is_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return get_origin(annotation) in (Union, UnionType) and SecretStr in get_args(annotation)


#: A result field a mapping may leave out: its key, its default name, what it is for.
OptionalField = tuple[str, str, str]


def unmapped_hints(
    section: str, results: BaseModel, optional: Sequence[OptionalField]
) -> list[CheckItem]:
    """A passing check line per optional result field the mapping leaves out: how to turn it on."""
    return [
        CheckItem(
            f"[{section}] {key}",
            True,
            f'not mapped, so not written ({purpose}): add `{key} = "{name}"` under'
            f" [{section}] in the mapping, then run `leadscore setup`",
        )
        for key, name, purpose in optional
        if getattr(results, key) is None
    ]
