"""MinHash near-duplicates: the same wire story in two outlets is found, a different story is not."""

from __future__ import annotations

from khabar.ingest.dedup import BANDS, bands_of, find_near, signature, similarity
from khabar.ingest.normalize import make_document
from khabar.store.documents import insert_document

WIRE = ("Gunmen killed three guards at a water pumping station on the outskirts of Mazar-i-Sharif late on Sunday, "
        "a provincial spokesman said on Monday. He said the attackers fled towards the border and that security "
        "forces were searching the area. No group claimed responsibility. The station supplies drinking water "
        "to several districts of the city, and residents said taps had run dry on Monday morning.")
COPY = "Attack on water station\n\n" + WIRE + " Officials said repairs would take two days. Reporting by staff."
OTHER = ("The administration said on Tuesday it had begun issuing new passports in six provinces after a "
         "months-long pause caused by a shortage of blank booklets, and that queues had formed before dawn.")


def test_signatures_are_deterministic_and_similarity_tracks_overlap() -> None:
    a, b, c = signature(WIRE), signature(COPY), signature(OTHER)
    assert (a == signature(WIRE)).all() and len(bands_of(a)) == BANDS
    assert similarity(a, b) > 0.7
    assert similarity(a, c) < 0.1


def test_find_near_in_store(engine) -> None:
    stored = make_document(WIRE, source="Wire")
    sig = signature(stored.text)
    with engine.begin() as conn:
        insert_document(conn, stored, minhash=sig.tobytes(), bands=bands_of(sig))
    with engine.connect() as conn:
        copy = signature(COPY)
        near = find_near(conn, copy, bands_of(copy), exclude="x")
        other = signature(OTHER)
        assert [d for d, _ in near] == [stored.id] and near[0][1] > 0.7
        assert find_near(conn, other, bands_of(other), exclude="x") == []
        assert find_near(conn, sig, bands_of(sig), exclude=stored.id) == []
