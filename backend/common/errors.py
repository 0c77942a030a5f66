"""Expected failures of a write, carried to the API as data rather than as exceptions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    code: str
    message: str
    field: str | None = None


class ActionError(Exception):
    """Raised by an action when the write cannot happen; nothing has been changed."""

    def __init__(self, errors: list[FieldError] | FieldError) -> None:
        self.errors = errors if isinstance(errors, list) else [errors]
        super().__init__("; ".join(error.message for error in self.errors))

    @classmethod
    def single(cls, code: str, message: str, field: str | None = None) -> ActionError:
        return cls(FieldError(code=code, message=message, field=field))
