"""The approximate-nearest-neighbour index beside SQLite: faiss HNSW over 8-bit vectors.

It is derived from the ``search.Embedding`` rows and never the source of truth. Files:

* ``vectors.faiss``: an ``IndexHNSWSQ`` (per-dimension 8-bit scalar quantiser, inner
  product on unit vectors = cosine), about 0.55 GB per million 384-d vectors;
* ``keys.npy``: the paper primary key of each vector, by position;
* ``stamps.npy``: when each position's vector was encoded (``Embedding.encoded_at``), so a
  sync that re-reads recent embeddings (it starts a little before its watermark) skips the
  ones it already holds instead of adding them again;
* ``alive.npy``: whether each position is still current (HNSW cannot delete: a paper that is
  re-embedded or hidden leaves a dead position behind, filtered out at search time, until
  the next rebuild compacts them away);
* ``vectors.json``: the manifest, naming the database it was built from, the model, the
  dimension, how far into the embeddings it has got (a watermark), and a checksum of each
  file. An index that does not match (another database, another model, a bad checksum, a
  file that will not load) is reported and never served; ``paperwire reindex`` rebuilds it.

(usearch was the first choice, but importing it before onnxruntime crashes the process.)
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

FORMAT = 3
INDEX_FILE = "vectors.faiss"
KEYS_FILE = "keys.npy"
STAMPS_FILE = "stamps.npy"
ALIVE_FILE = "alive.npy"
MANIFEST_FILE = "vectors.json"
HNSW_M = 32
EF_CONSTRUCTION = 128
EF_SEARCH = 512  # recall@10 0.966 at 1M papers, 0.933 at 256 (docs/search.md)
TRAIN_SAMPLE = 100_000
COMPACT_WHEN_DEAD = 0.2  # rebuild rather than grow once a fifth of the positions are dead

Vectors = npt.NDArray[np.float32]
Keys = npt.NDArray[np.int64]


class VectorIndexError(RuntimeError):
    """The vector index cannot be served; the message says why and what to run."""


@dataclass
class Manifest:
    database: str
    model: str
    dim: int
    count: int  # positions, dead ones included
    live: int
    watermark: str | None
    checksums: dict[str, str]
    format: int = FORMAT
    # The graph's build parameters: an index built with others is rebuilt (old manifests,
    # which lack them, read as 0 and so count as stale).
    hnsw_m: int = 0
    ef_construction: int = 0

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        try:
            data: dict[str, Any] = json.loads(path.read_text())
            return cls(**data)
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, TypeError) as exc:
            raise VectorIndexError(
                f"the vector index manifest {path} is unreadable ({exc}): run `paperwire reindex`"
            ) from None

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self)))
        tmp.replace(path)


def _checksum(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Loaded:
    index: Any  # faiss.IndexHNSWSQ (swig types are not annotated)
    keys: Keys
    stamps: npt.NDArray[np.float64]
    alive: npt.NDArray[np.bool_]
    manifest: Manifest
    selector: Any = None
    bitmap: npt.NDArray[np.uint8] | None = None

    def prepare(self) -> None:
        """The allowed-positions selector; kept on the object because faiss holds a pointer
        into the bitmap."""
        if bool(self.alive.all()):
            self.selector, self.bitmap = None, None
            return
        self.bitmap = np.packbits(self.alive, bitorder="little")
        self.selector = faiss.IDSelectorBitmap(len(self.alive), faiss.swig_ptr(self.bitmap))


class VectorIndex:
    """Load, search, grow and save the index; one writer (a command), many readers."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.manifest_path = directory / MANIFEST_FILE
        self._loaded: Loaded | None = None
        self._loaded_mtime: float | None = None
        self._lock = threading.Lock()

    def _path(self, name: str) -> Path:
        return self.directory / name

    def manifest(self) -> Manifest | None:
        return Manifest.read(self.manifest_path)

    # -- reading ---------------------------------------------------------------------------

    def open(self, database: str, model: str) -> Loaded:
        """The served index, checked against the database and model; reloaded when a writer
        has replaced it."""
        with self._lock:
            try:
                mtime = self.manifest_path.stat().st_mtime
            except FileNotFoundError:
                raise VectorIndexError(
                    "there is no vector index yet: run `paperwire reindex`"
                ) from None
            if self._loaded is None or mtime != self._loaded_mtime:
                self._loaded = self._load(database)
                self._loaded_mtime = mtime
            if self._loaded.manifest.model != model:
                raise VectorIndexError(
                    f"the vector index holds {self._loaded.manifest.model!r} vectors, the current "
                    f"model is {model!r}: run `paperwire reindex`"
                )
            return self._loaded

    def _load(self, database: str) -> Loaded:
        manifest = self.manifest()
        if manifest is None:
            raise VectorIndexError("there is no vector index yet: run `paperwire reindex`")
        if manifest.format != FORMAT:
            raise VectorIndexError("the vector index is of another format: run `paperwire reindex`")
        if (manifest.hnsw_m, manifest.ef_construction) != (HNSW_M, EF_CONSTRUCTION):
            raise VectorIndexError(
                f"the vector index was built with other parameters (M={manifest.hnsw_m}, "
                f"efConstruction={manifest.ef_construction}; now M={HNSW_M}, "
                f"efConstruction={EF_CONSTRUCTION}): run `paperwire reindex`"
            )
        if manifest.database != database:
            raise VectorIndexError(
                "the vector index was built from another database (stale): run `paperwire reindex`"
            )
        for name in (INDEX_FILE, KEYS_FILE, STAMPS_FILE, ALIVE_FILE):
            path = self._path(name)
            if not path.exists():
                raise VectorIndexError(
                    f"the vector index file {path} is missing: run `paperwire reindex`"
                )
            if _checksum(path) != manifest.checksums.get(name):
                raise VectorIndexError(
                    f"the vector index file {path} is corrupt (checksum mismatch): "
                    "run `paperwire reindex`"
                )
        try:
            index = faiss.read_index(str(self._path(INDEX_FILE)))
            keys = np.load(self._path(KEYS_FILE))
            stamps = np.load(self._path(STAMPS_FILE))
            alive = np.load(self._path(ALIVE_FILE))
        except Exception as exc:  # faiss raises RuntimeError, numpy ValueError/OSError
            raise VectorIndexError(
                f"the vector index does not load ({exc}): run `paperwire reindex`"
            ) from None
        if index.d != manifest.dim or index.ntotal != manifest.count or len(keys) != manifest.count:
            raise VectorIndexError(
                "the vector index does not match its manifest: run `paperwire reindex`"
            )
        loaded = Loaded(
            index, keys.astype(np.int64), stamps.astype(np.float64), alive.astype(bool), manifest
        )
        loaded.prepare()
        return loaded

    def search(
        self, database: str, model: str, vector: Vectors, limit: int, ef: int | None = None
    ) -> tuple[Keys, Vectors]:
        loaded = self.open(database, model)
        if loaded.index.ntotal == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        params = faiss.SearchParametersHNSW(efSearch=max(ef or EF_SEARCH, limit))
        if loaded.selector is not None:
            params.sel = loaded.selector
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        scores, positions = loaded.index.search(query, limit, params=params)
        found = positions[0] >= 0
        return loaded.keys[positions[0][found]], scores[0][found].astype(np.float32)

    def search_among(
        self, database: str, model: str, vector: Vectors, limit: int, keys: Keys
    ) -> tuple[Keys, Vectors]:
        """Exact search among the vectors of ``keys`` (a filter's papers): every one of them
        is scored, none missed the way a graph walk that skips most nodes misses them.

        The 8-bit storage is scanned with a bitmap of the allowed positions: about 12-15 ms
        at a million vectors whether 10,000 or 50,000 are allowed (decoding them to floats
        first cost 27-45 ms)."""
        loaded = self.open(database, model)
        allowed = loaded.alive & np.isin(loaded.keys, keys)
        if not allowed.any():
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        bitmap = np.packbits(allowed, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        storage = faiss.downcast_index(loaded.index.storage)
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        scores, positions = storage.search(
            query, min(limit, int(allowed.sum())), params=faiss.SearchParameters(sel=selector)
        )
        found = positions[0] >= 0
        return loaded.keys[positions[0][found]], scores[0][found].astype(np.float32)

    # -- writing ---------------------------------------------------------------------------

    def writable(self, database: str, model: str, dim: int) -> Loaded | None:
        """The current index, loaded for changes, or None when it must be built afresh."""
        try:
            loaded = self._load(database)
        except VectorIndexError:
            return None
        manifest = loaded.manifest
        if manifest.model != model or manifest.dim != dim:
            return None
        if manifest.count and (manifest.count - manifest.live) / manifest.count > COMPACT_WHEN_DEAD:
            return None
        return loaded

    @staticmethod
    def empty(sample: Vectors) -> Loaded:
        """A new, empty index whose quantiser is trained on ``sample`` (a few thousand or more
        vectors like the ones to come: it learns each dimension's range)."""
        dim = sample.shape[1]
        index = faiss.IndexHNSWSQ(
            dim, faiss.ScalarQuantizer.QT_8bit, HNSW_M, faiss.METRIC_INNER_PRODUCT
        )
        index.hnsw.efConstruction = EF_CONSTRUCTION
        if len(sample) > TRAIN_SAMPLE:
            rng = np.random.default_rng(0)
            sample = sample[rng.choice(len(sample), TRAIN_SAMPLE, replace=False)]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        manifest = Manifest("", "", dim, 0, 0, None, {})
        return Loaded(
            index,
            np.empty(0, dtype=np.int64),
            np.empty(0, dtype=np.float64),
            np.empty(0, dtype=bool),
            manifest,
        )

    @staticmethod
    def add(loaded: Loaded, keys: Keys, vectors: Vectors, stamps: npt.NDArray[np.float64]) -> int:
        """Add or replace the vectors of ``keys`` (a replaced position is marked dead); a key
        already held with the same stamp is skipped. Returns how many were added."""
        if not len(keys):
            return 0
        held = loaded.alive & np.isin(loaded.keys, keys)
        if held.any():
            same = dict(zip(loaded.keys[held].tolist(), loaded.stamps[held].tolist(), strict=True))
            fresh = np.array(
                [same.get(k) != s for k, s in zip(keys.tolist(), stamps.tolist(), strict=True)]
            )
            keys, vectors, stamps = keys[fresh], vectors[fresh], stamps[fresh]
            if not len(keys):
                return 0
        VectorIndex.remove(loaded, keys)
        loaded.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        loaded.keys = np.concatenate([loaded.keys, keys.astype(np.int64)])
        loaded.stamps = np.concatenate([loaded.stamps, stamps.astype(np.float64)])
        loaded.alive = np.concatenate([loaded.alive, np.ones(len(keys), dtype=bool)])
        return len(keys)

    @staticmethod
    def remove(loaded: Loaded, keys: Keys | list[int]) -> int:
        if not len(loaded.keys) or not len(keys):
            return 0
        dead = np.isin(loaded.keys, np.asarray(keys, dtype=np.int64)) & loaded.alive
        loaded.alive[dead] = False
        return int(dead.sum())

    def save(self, loaded: Loaded, database: str, model: str, watermark: str | None) -> Manifest:
        """Write the files, then the manifest that vouches for them (readers check it)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        written: dict[str, str] = {}
        arrays = {KEYS_FILE: loaded.keys, STAMPS_FILE: loaded.stamps, ALIVE_FILE: loaded.alive}
        for name in (INDEX_FILE, *arrays):
            tmp = self._path(name + ".tmp")
            if name == INDEX_FILE:
                faiss.write_index(loaded.index, str(tmp))
            else:
                with open(tmp, "wb") as handle:
                    np.save(handle, arrays[name])
            written[name] = _checksum(tmp)
            tmp.replace(self._path(name))
        manifest = Manifest(
            database=database,
            model=model,
            dim=int(loaded.index.d),
            count=int(loaded.index.ntotal),
            live=int(loaded.alive.sum()),
            watermark=watermark,
            checksums=written,
            hnsw_m=int(loaded.index.hnsw.nb_neighbors(1)),
            ef_construction=int(loaded.index.hnsw.efConstruction),
        )
        manifest.write(self.manifest_path)
        return manifest
