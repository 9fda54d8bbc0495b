"""The attributes extraction stages set on spaCy objects: the contract between stages.

Doc.spans keys: "actors" (spans with _.actor_id; persons included, later mentions such as
"Naggar", "the researcher" or "he" too), "places" (_.place_id), "dates" (_.date),
"quantities" (_.quantity). Doc._.actors / Doc._.places map ids to the Actor / Place records the
spans point at; Doc._.events and Doc._.claims collect the final records.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

_DOC = {
    "khabar_doc": None,  # khabar.model.Document being processed (published date, id, language)
    "doc_date": None,  # DateValue: publication date, or the date inferred from the content
    "actors": None,  # dict[str, Actor]
    "places": None,  # dict[str, Place]
    "events": None,  # list[Event]
    "claims": None,  # list[Claim]
    "stages_skipped": None,  # dict[str, str]: stage -> why it did not run
}
_SPAN = {
    "actor_id": None,
    "place_id": None,
    "date": None,  # DateValue
    "quantity": None,  # Quantity
    "role": None,  # persons: role read from the text ("Interior Minister")
}


def register() -> None:
    """Idempotent: every stage module calls it at import."""
    for name, default in _DOC.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    for name, default in _SPAN.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)


def doc_actors(doc: Doc) -> dict:
    if doc._.actors is None:
        doc._.actors = {}
    return doc._.actors


def doc_places(doc: Doc) -> dict:
    if doc._.places is None:
        doc._.places = {}
    return doc._.places


register()
