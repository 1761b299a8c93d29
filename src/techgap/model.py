"""The base of every configuration model: strict (a key the model does not define is refused, so a typo is
an error, not a silently ignored setting) and frozen; and the one bilingual text type."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(Strict):
    """A text in Traditional Chinese and English."""

    zh: str
    en: str

    def in_language(self, lang: str) -> str:
        return getattr(self, lang)
