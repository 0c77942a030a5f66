"""strawberry's schema-extension hooks, with what each extension class defines settled once.

For every operation strawberry enters four lifecycles (operation, parsing, validation,
execution) and, for each, asks every extension whether its class overrides the hook and of
which kind the hook is (a generator, an async generator, a plain or async function), then wraps
a generator hook with ``contextlib.contextmanager``, whose ``functools.wraps`` copies the
function's attributes each time. With four extensions that is 16 inspections and a wrapper
for each hook per request, every one giving the answer of the one before. Here the kind is
worked out once per extension class and hook, which extensions have a hook in a lifecycle once
per list of extension classes, and a generator hook becomes its context manager directly: the
same ``contextlib`` class the decorator makes, without the decorator.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

# What ``contextlib.contextmanager`` makes of a generator function when it is called.
_GeneratorContextManager = contextlib._GeneratorContextManager

# (extension class, hook name) -> the generator function of the hook, None when the class
# leaves the hook alone, or _OTHER for a hook of another kind (strawberry wraps those itself).
_HOOKS: dict[tuple[type, str], Any] = {}
_OTHER = object()
# (lifecycle class, extension classes...) -> ((position of an extension with a hook, what
# ``_hook_of`` gives for it), ...)
_LIFECYCLE_HOOKS: dict[tuple, tuple[tuple[int, Any], ...]] = {}
LIFECYCLE_HOOKS_SIZE = 512
_new_tuple = tuple.__new__
# extension class -> whether its ``get_results`` is a coroutine function
_ASYNC_RESULTS: dict[type, bool] = {}


def _hook_of(manager: ExtensionContextManagerBase, extension_class: type) -> Any:
    key = (extension_class, manager.HOOK_NAME)
    try:
        return _HOOKS[key]
    except KeyError:
        pass
    hook_fn = getattr(extension_class, manager.HOOK_NAME)
    if hook_fn is getattr(SchemaExtension, manager.HOOK_NAME):
        kind = None
    elif inspect.isgeneratorfunction(hook_fn):
        kind = hook_fn
    else:
        kind = _OTHER
    _HOOKS[key] = kind
    return kind


class _SettledHooks(ExtensionContextManagerBase):
    """A lifecycle's hooks, inspected once per extension class, and gathered once per list of
    extension classes."""

    __slots__ = ()

    def __init__(self, extensions: list[SchemaExtension]) -> None:
        self.default_hook = getattr(SchemaExtension, self.HOOK_NAME)
        key = (type(self), *map(type, extensions))
        hooks = _LIFECYCLE_HOOKS.get(key)
        if hooks is None:
            hooks = tuple(
                (position, hook_fn)
                for position, extension in enumerate(extensions)
                if (hook_fn := _hook_of(self, type(extension))) is not None
            )
            if len(_LIFECYCLE_HOOKS) >= LIFECYCLE_HOOKS_SIZE:
                _LIFECYCLE_HOOKS.clear()
            _LIFECYCLE_HOOKS[key] = hooks
        wrapped = []
        for position, hook_fn in hooks:
            extension = extensions[position]
            if hook_fn is _OTHER:
                wrapped.append(super().get_hook(extension))
            else:
                # WrappedHook(extension, hook, is_async=False), without the NamedTuple's
                # Python-level __new__.
                hook = functools.partial(_GeneratorContextManager, hook_fn, (extension,), {})
                wrapped.append(_new_tuple(WrappedHook, (extension, hook, False)))
        self.hooks = wrapped


class _Operation(_SettledHooks, OperationContextManager):
    __slots__ = ()


class _Validation(_SettledHooks, ValidationContextManager):
    __slots__ = ()


class _Parsing(_SettledHooks, ParsingContextManager):
    __slots__ = ()


class _Executing(_SettledHooks, ExecutingContextManager):
    __slots__ = ()


class ExtensionsRunner(SchemaExtensionsRunner):
    """strawberry's runner, entering each lifecycle through the settled hooks."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)

    def get_extensions_results_sync(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self.extensions:
            extension_class = type(extension)
            is_async = _ASYNC_RESULTS.get(extension_class)
            if is_async is None:
                is_async = inspect.iscoroutinefunction(extension_class.get_results)
                _ASYNC_RESULTS[extension_class] = is_async
            if is_async:
                msg = "Cannot use async extension hook during sync execution"
                raise RuntimeError(msg)
            data.update(extension.get_results())
        return data


class Schema(strawberry.Schema):
    """strawberry's schema, running its extensions' hooks through ``ExtensionsRunner``."""

    def create_extensions_runner(
        self, execution_context: Any, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return ExtensionsRunner(execution_context=execution_context, extensions=extensions)
