"""The search language residents type, parsed once and compiled by each backend.

Words are ANDed; ``"a phrase"``; ``word*`` for a prefix; ``-word`` to exclude; ``a OR b``.
Anything else (brackets, operators, quotes left open, symbols, emoji) is ignored rather than
refused, so every input of acceptable length yields results or none, never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")


class QueryTooLong(ValueError):
    pass


@dataclass(frozen=True)
class Term:
    """A word, a phrase (several words in order) or a prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class ParsedQuery:
    # Every group must match; a group matches when any of its terms does.
    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def terms(self) -> list[Term]:
        return [term for group in self.groups for term in group]


def query_parse(text: str) -> ParsedQuery:
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"A search is limited to {MAX_QUERY_LENGTH} characters.")
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    count = 0
    for match in _TOKEN.finditer(text):
        if count >= MAX_TERMS:
            break
        negated_phrase, phrase, raw = match.groups()
        if raw is not None:
            if raw == "OR":
                join_next = bool(groups)
                continue
            if raw in {"AND", "NOT"}:
                continue
            negated = raw.startswith("-")
            prefix = raw.endswith("*")
            words = tuple(_WORD.findall(raw))
            if not words:
                continue
            # "co-op" and "by-law" are phrases of their parts, as the tokenizers see them.
            term = Term(words=words, prefix=prefix)
        else:
            negated = bool(negated_phrase)
            words = tuple(_WORD.findall(phrase))
            if not words:
                continue
            term = Term(words=words)
        count += 1
        if negated:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    return ParsedQuery(groups=tuple(tuple(group) for group in groups), excluded=tuple(excluded))
