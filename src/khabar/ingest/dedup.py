"""Near-duplicate detection: MinHash signatures and LSH bands kept in the store.

The same wire story republished by several outlets differs in headline, byline and boilerplate. Word
3-gram shingles, 128 permutations split into 32 bands of 4 rows find candidates sharing a band by index
lookup (pairs above ~0.4 Jaccard collide with high probability); candidates are then kept only when
their estimated Jaccard similarity reaches THRESHOLD.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
from sqlalchemy import select, tuple_
from sqlalchemy.engine import Connection

from khabar.store.schema import doc_bands, documents

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE = 3
THRESHOLD = 0.5
SEED = 1
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}


def signature(text: str) -> np.ndarray:
    from datasketch import MinHash

    mh = MinHash(num_perm=NUM_PERM, seed=SEED)
    mh.update_batch(list(shingles(text)))
    return mh.hashvalues.astype("<u8")


def bands_of(sig: np.ndarray) -> list[tuple[int, str]]:
    return [
        (b, hashlib.sha1(sig[b * ROWS:(b + 1) * ROWS].tobytes()).hexdigest()[:32])  # noqa: S324 - bucket key
        for b in range(BANDS)
    ]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def find_near(conn: Connection, sig: np.ndarray, bands: list[tuple[int, str]], *, exclude: str,
              threshold: float = THRESHOLD) -> list[tuple[str, float]]:
    """Stored documents whose estimated Jaccard similarity to sig is at least threshold."""
    cond = tuple_(doc_bands.c.band, doc_bands.c.hash).in_(bands)  # row values: one index probe per band
    ids = {r.doc_id for r in conn.execute(select(doc_bands.c.doc_id).where(cond).distinct())}
    ids.discard(exclude)
    if not ids:
        return []
    found = []
    for row in conn.execute(select(documents.c.id, documents.c.minhash).where(documents.c.id.in_(sorted(ids)))):
        if row.minhash:
            sim = similarity(sig, np.frombuffer(row.minhash, dtype="<u8"))
            if sim >= threshold:
                found.append((row.id, round(sim, 4)))
    return sorted(found, key=lambda pair: (-pair[1], pair[0]))
