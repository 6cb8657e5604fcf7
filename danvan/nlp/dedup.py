"""Near-duplicate detection: MinHash (datasketch) over shingles of normalised text, banded LSH, clusters.

    index = DuplicateIndex(threshold=0.8)
    index.add("post-1", "Đường Láng ngập nặng sau mưa, xe chết máy hàng loạt")
    index.add("post-2", "duong Lang ngap nang sau mua, xe chet may hang loat!!!")   # → [Match("post-1", 1.0)]
    index.query("Đường Láng ngập nặng sau mưa lớn, xe chết máy hàng loạt")            # → [Match("post-1", 0.8…)]
    index.clusters()                                                                  # → [["post-1", "post-2"]]

Texts are normalised (NFC, one tone placement, case, placeholders, slang) and stripped of diacritics, so a
copy typed without diacritics is still a duplicate; shingles are runs of ``shingle_size`` syllables.
Signatures are datasketch MinHashes (scheme ``affine32``, stored as uint32, kept to verify candidates). The
LSH band tables are plain dicts from a 64-bit band key to document numbers (memory measured against
``datasketch.MinHashLSH`` in bench/nlp/RESULTS.md), with the band count and width chosen by datasketch's own
optimiser for the Jaccard threshold. Candidates are verified with the signatures' Jaccard estimate before they count.
Documents are added one at a time (incremental); each addition joins the clusters of its near-duplicates.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from .normalize import Normalizer, NormalizerConfig

__all__ = ["DuplicateIndex", "Match", "group_duplicates", "shingles"]

_NORMALIZER = Normalizer(NormalizerConfig(fold=True))


def shingles(text: str, size: int = 3, normalizer: Normalizer = _NORMALIZER) -> set[bytes]:
    """The set of ``size``-syllable shingles of the normalised, diacritic-free text (punctuation dropped).

    A text shorter than ``size`` syllables gives one shingle: all of it.
    """
    tokens = [t for t in normalizer(text).split() if t[0].isalnum()]
    if not tokens:
        return set()
    if len(tokens) <= size:
        return {" ".join(tokens).encode()}
    return {" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)}


@dataclass(frozen=True)
class Match:
    key: Hashable
    similarity: float  # Jaccard similarity estimated from the MinHash signatures


class DuplicateIndex:
    """Incremental near-duplicate index with clusters (union-find over verified LSH matches)."""

    def __init__(
        self,
        threshold: float = 0.8,
        num_perm: int = 128,
        shingle_size: int = 3,
        seed: int = 1,
        params: tuple[int, int] | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.seed = seed
        self.bands, self.rows = params or _optimal_param(threshold, num_perm, 0.5, 0.5)
        if self.bands * self.rows > num_perm:
            raise ValueError("bands × rows must not exceed num_perm")
        self._prototype = MinHash(num_perm=num_perm, seed=seed, hashfunc=zlib.crc32)
        rng = np.random.default_rng(seed)
        self._mix = rng.integers(1, 2**63, size=self.rows, dtype=np.uint64) | np.uint64(1)
        self._tables: list[dict[int, Any]] = [{} for _ in range(self.bands)]
        self._signatures = np.zeros((1024, num_perm), dtype=np.uint32)
        self._keys: list[Hashable] = []
        self._number: dict[Hashable, int] = {}
        self._parent: list[int] = []

    # signatures ---------------------------------------------------------------------------------------

    def signature(self, text: str) -> np.ndarray | None:
        """The MinHash signature (uint32[num_perm]) of *text*, or None when it has no syllable."""
        items = shingles(text, self.shingle_size)
        if not items:
            return None
        minhash = self._prototype  # reused: clear() is much cheaper than building a MinHash
        minhash.clear()
        minhash.update_batch(items)
        return np.array(minhash.hashvalues, dtype=np.uint32)

    def _band_keys(self, signature: np.ndarray) -> list[int]:
        bands = signature[: self.bands * self.rows].reshape(self.bands, self.rows).astype(np.uint64)
        return (bands * self._mix).sum(axis=1).tolist()  # wraps modulo 2**64: a 64-bit band key

    def _candidates(self, band_keys: list[int]) -> set[int]:
        found: set[int] = set()
        for table, band_key in zip(self._tables, band_keys, strict=True):
            hit = table.get(band_key)
            if hit is None:
                continue
            if isinstance(hit, int):
                found.add(hit)
            else:
                found.update(hit)
        return found

    def _verified(self, signature: np.ndarray, candidates: set[int]) -> list[tuple[int, float]]:
        if not candidates:
            return []
        numbers = np.fromiter(candidates, dtype=np.int64, count=len(candidates))
        similarity = (self._signatures[numbers] == signature).mean(axis=1)
        keep = similarity >= self.threshold
        order = np.argsort(-similarity[keep], kind="stable")
        return [
            (int(n), float(s)) for n, s in zip(numbers[keep][order], similarity[keep][order], strict=True)
        ]

    # public API ---------------------------------------------------------------------------------------

    def query(self, text: str) -> list[Match]:
        """Indexed documents whose estimated Jaccard similarity to *text* reaches the threshold, best first."""
        signature = self.signature(text)
        if signature is None:
            return []
        matches = self._verified(signature, self._candidates(self._band_keys(signature)))
        return [Match(self._keys[n], round(s, 4)) for n, s in matches]

    def add(self, key: Hashable, text: str) -> list[Match]:
        """Index *text* under *key*; returns its near-duplicates among the documents added before."""
        if key in self._number:
            raise KeyError(f"key {key!r} is already in the index")
        number = len(self._keys)
        self._keys.append(key)
        self._number[key] = number
        self._parent.append(number)
        signature = self.signature(text)
        if signature is None:
            return []  # nothing to compare: a singleton cluster
        band_keys = self._band_keys(signature)
        matches = self._verified(signature, self._candidates(band_keys))
        if number >= len(self._signatures):
            grown = np.zeros((len(self._signatures) * 2, self.num_perm), dtype=np.uint32)
            grown[: len(self._signatures)] = self._signatures
            self._signatures = grown
        self._signatures[number] = signature
        for table, band_key in zip(self._tables, band_keys, strict=True):
            hit = table.get(band_key)
            if hit is None:
                table[band_key] = number
            elif isinstance(hit, int):
                table[band_key] = [hit, number]
            else:
                hit.append(number)
        for other, _ in matches:
            self._union(number, other)
        return [Match(self._keys[n], round(s, 4)) for n, s in matches]

    def add_many(self, items: Iterable[tuple[Hashable, str]]) -> None:
        for key, text in items:
            self.add(key, text)

    def cluster_of(self, key: Hashable) -> Hashable:
        """The representative (first added document) of *key*'s cluster."""
        return self._keys[self._find(self._number[key])]

    def clusters(self, min_size: int = 2) -> list[list[Hashable]]:
        """Clusters with at least *min_size* documents, each in insertion order, largest first."""
        groups: dict[int, list[Hashable]] = {}
        for number, key in enumerate(self._keys):
            groups.setdefault(self._find(number), []).append(key)
        result = [members for members in groups.values() if len(members) >= min_size]
        result.sort(key=lambda members: (-len(members), self._number[members[0]]))
        return result

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._number

    # union-find -------------------------------------------------------------------------------------------

    def _find(self, number: int) -> int:
        parent = self._parent
        root = number
        while parent[root] != root:
            root = parent[root]
        while parent[number] != root:  # path compression
            parent[number], number = root, parent[number]
        return root

    def _union(self, a: int, b: int) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a != root_b:
            # the older document stays the representative
            low, high = sorted((root_a, root_b))
            self._parent[high] = low

    # persistence -------------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        self._signatures = self._signatures[: max(len(self._keys), 1)].copy()
        with open(path, "wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: str | Path) -> DuplicateIndex:
        """Load an index written by :meth:`save` (a pickle: only load files this application wrote)."""
        with open(path, "rb") as fh:
            index = pickle.load(fh)
        if not isinstance(index, cls):
            raise TypeError(f"{path}: not a DuplicateIndex")
        return index


def group_duplicates(
    texts: Sequence[str], threshold: float = 0.8, keys: Sequence[Hashable] | None = None, **options: Any
) -> list[Hashable]:
    """For each text, the key of its cluster's first document (the text's own key if it has no duplicate)."""
    keys = list(keys) if keys is not None else list(range(len(texts)))
    index = DuplicateIndex(threshold=threshold, **options)
    for key, text in zip(keys, texts, strict=True):
        index.add(key, text)
    return [index.cluster_of(key) for key in keys]
