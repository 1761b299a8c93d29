"""Harmonized entity codes: ISO 3166 alpha-3 for economies (Taiwan is TWN whatever the source calls
it), readable upper-case codes for aggregates, regions and companies."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

import pandas as pd

from techgap.config import EntitySpec


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


# Letters drawn like Latin ones (Unicode's confusables for the Latin alphabet, Cyrillic and Greek): enough to
# recognise a pasted or spoofed name as a known one. Full-width forms are folded by NFKC.
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁԛԝӏАВЕКМНОРСТХУІЈЅοαντρικΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwlABEKMHOPCTXYIJSoavtpikABEZHIKMNOPTYX",
)


def skeleton(name: str) -> str:
    """What a name looks like: compatibility forms folded, invisible characters dropped, Cyrillic and Greek
    look-alikes read as the Latin letters they imitate."""
    folded = unicodedata.normalize("NFKC", str(name)).translate(_CONFUSABLES)
    visible = "".join(c for c in folded if unicodedata.category(c)[0] not in "CM")
    return _key(visible)


class EntityRegistry:
    def __init__(self, entities: Mapping[str, EntitySpec]) -> None:
        self.entities = dict(entities)
        self._by_name: dict[str, str] = {}
        for code, spec in self.entities.items():
            for name in (code, spec.en, spec.zh, *spec.aliases):
                key = _key(name)
                other = self._by_name.get(key)
                if other is not None and other != code:
                    raise ValueError(f"entity name {name!r} is given to both {other} and {code}")
                self._by_name[key] = code
            if spec.country is not None and spec.country not in self.entities:
                raise ValueError(f"entity {code}: country {spec.country!r} is not an entity code in config/entities.yaml")

    def lookalike(self, name: str) -> str | None:
        """The known name that ``name`` imitates with look-alike or invisible characters, if any."""
        if not hasattr(self, "_by_skeleton"):
            self._by_skeleton = {}
            for code, spec in self.entities.items():
                for known in (code, spec.en, spec.zh, *spec.aliases):
                    self._by_skeleton.setdefault(skeleton(known), known)
        known = self._by_skeleton.get(skeleton(name))
        return known if known is not None and known != name else None

    def codes_for(self, names: pd.Series) -> pd.Series:
        """Codes for entity names as sources print them; unknown names map to <NA>."""
        codes, unique = pd.factorize(names)
        mapped = pd.array([self._by_name.get(_key(name)) for name in unique] + [None], dtype="string")
        return pd.Series(mapped.take(codes, allow_fill=False) if len(codes) else mapped[:0], index=names.index)

    def name(self, code: str, lang: str) -> str:
        spec = self.entities.get(code)
        if spec is None:
            return code
        return spec.zh if lang == "zh" else spec.en

    def kind(self, code: str) -> str:
        return self.entities[code].kind

    def country(self, code: str) -> str | None:
        """The home economy of a company or institution (None for economies, aggregates, unknown codes)."""
        spec = self.entities.get(code)
        return spec.country if spec is not None else None
