"""The base of every configuration model: strict (a key the model does not define is refused, so a typo is
an error, not a silently ignored setting) and frozen; the one bilingual text type; and the rule for a configured
text: it names no number of its own (every number comes from a `{placeholder}` filled from data)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def before_filling(template: str) -> str:
    """A text whose fields are not filled yet (an item not built, a title Snakemake would read as a wildcard),
    with each `{name}` shown as an ellipsis."""
    return PLACEHOLDER.sub("…", str(template))


# Numbers that are names, not data: the report's own figure and table numbers, and unit names.
NAME_NUMBERS = re.compile(r"(表|圖|[Tt]able|[Ff]igure|Fig\.)\s?\d+|100 million RMB")


class Strict(BaseModel, extra="forbid", frozen=True):
    """The base of every model read from a file (its configuration given as pydantic's class arguments)."""


class Bilingual(Strict):
    """A text in Traditional Chinese and English."""

    zh: str
    en: str

    def in_language(self, lang: str) -> str:
        return getattr(self, lang)


def stray_numbers(text: str, fixed_terms: list[str] = ()) -> list[str]:
    """Digits in a configured text that no placeholder produces (names such as '16/14 nm' or 'NeurIPS 2019' are
    listed per item in `fixed_terms`)."""
    text = NAME_NUMBERS.sub("", PLACEHOLDER.sub("", str(text)))
    for term in sorted(fixed_terms, key=len, reverse=True):
        text = text.replace(term, "")
    return re.findall(r"\d+(?:[.,]\d+)*", text)


def bilingual_texts(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every text of every Bilingual in a model, a mapping or a list, with where it stands ('spec.note.en'): the
    texts a reader sees, found from the models' types rather than a list of keys."""
    if isinstance(value, Bilingual):
        yield from ((f"{where}.{lang}", text) for lang, text in value.model_dump().items())
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from bilingual_texts(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from bilingual_texts(inner, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for number, inner in enumerate(value):
            yield from bilingual_texts(inner, f"{where}[{number}]")
