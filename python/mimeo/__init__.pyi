# Type stubs for the mimeo package (the native module _mimeo and the
# result classes of __init__.py). mimeo.datasketch is plain Python.
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

Text = Union[str, bytes]
DocumentItem = Union[Tuple[str, Text], Tuple[str, Text, Optional[int]], Mapping[str, Any]]

DEFAULT_SHINGLE_SEED: int
ENGINE_OPTIONS: dict[str, str]

def normalize(text: Text, *, nfkc: bool = ..., case_fold: bool = ...,
              fold_whitespace: bool = ..., fold_punctuation: bool = ...) -> str: ...
def tokenize(text: Text, *, mode: str = ..., char_ngram: int = ...,
             normalize: bool = ...) -> list[str]: ...
def shingles(text: Text, *, k: int = ..., seed: int = ..., mode: str = ...,
             char_ngram: int = ...) -> npt.NDArray[np.uint64]: ...
def hash_bytes(items: Iterable[bytes], seed: int = ...) -> npt.NDArray[np.uint64]: ...
def estimate_jaccard(a: npt.ArrayLike, b: npt.ArrayLike) -> float: ...
def lsh_params(threshold: float, num_perm: int = ..., *,
               false_positive_weight: float = ..., false_negative_weight: float = ...,
               min_recall: float = ..., recall_margin: float = ...) -> Tuple[int, int]: ...

class MinHasher:
    num_perm: int
    seed: int
    scheme: str
    def __init__(self, num_perm: int = ..., seed: int = ..., scheme: str = ..., *,
                 k: int = ..., shingle_seed: int = ..., mode: str = ...,
                 char_ngram: int = ...) -> None: ...
    def signature(self, text_or_shingles: Union[Text, npt.ArrayLike]) -> npt.NDArray[np.uint32]: ...
    def signatures(self, texts: Iterable[Text]) -> npt.NDArray[np.uint32]: ...
    def signatures_of_shingles(self, shingle_sets: Iterable[npt.ArrayLike]) -> npt.NDArray[np.uint32]: ...

class LshIndex:
    bands: int
    rows: int
    def __init__(self, num_perm: int, bands: int, rows: int, large_bucket: int = ...) -> None: ...
    def add(self, id: int, signature: npt.ArrayLike) -> None: ...
    def add_batch(self, ids: npt.ArrayLike, signatures: npt.ArrayLike) -> None: ...
    def remove(self, id: int) -> None: ...
    def query(self, signature: npt.ArrayLike) -> npt.NDArray[np.uint32]: ...
    def band_keys(self, signature: npt.ArrayLike) -> npt.NDArray[np.uint64]: ...
    def __len__(self) -> int: ...
    def __contains__(self, id: int) -> bool: ...

class Passage:
    a_begin: int
    a_end: int
    b_begin: int
    b_end: int
    a_token_begin: int
    a_token_end: int
    b_token_begin: int
    b_token_end: int
    shared_shingles: int
    a_words: int
    b_words: int
    boilerplate: bool
    reason: str
    doc_frequency: int
    text: str

class Match:
    id: str
    doc: int
    estimated_jaccard: float
    jaccard: float
    containment_query_in_doc: float
    containment_doc_in_query: float
    score: float
    near_duplicate: bool
    shares_copy: bool
    passages: list[Passage]
    copied_tokens_query: int
    copied_tokens_doc: int
    more_passages: int

class Pair:
    a: str
    b: str
    doc_a: int
    doc_b: int
    jaccard: float
    containment_a_in_b: float
    containment_b_in_a: float
    intersection: int
    size_a: int
    size_b: int
    score: float

class Cluster:
    id: int
    representative: str
    representative_doc: int
    members: list[str]
    docs: list[int]
    def __len__(self) -> int: ...

class Clustering:
    clusters: list[Cluster]
    pairs: list[Pair]
    candidate_pairs: int
    def __iter__(self) -> Iterator[Cluster]: ...
    def __len__(self) -> int: ...

class CopyPair:
    a: str
    b: str
    doc_a: int
    doc_b: int
    jaccard: float
    containment_a_in_b: float
    containment_b_in_a: float
    intersection: int
    size_a: int
    size_b: int
    passages: list[Passage]
    copied_tokens_a: int
    copied_tokens_b: int
    more_passages: int

class CopyFamily:
    id: int
    origin: str
    origin_doc: int
    origin_begin: int
    origin_end: int
    text: str
    members: list[Tuple[str, int, int, int]]
    num_docs: int

class CopyReport:
    pairs: list[CopyPair]
    families: list[CopyFamily]
    clusters: list[Cluster]
    candidate_pairs: int

class Engine:
    def __init__(self, **options: Any) -> None: ...
    @classmethod
    def load(cls, path: str, **options: Any) -> "Engine": ...
    @classmethod
    def open(cls, directory: str, **options: Any) -> "Engine": ...
    def save(self, path: str) -> None: ...
    def add(self, id: str, text: Text, date: Optional[int] = ..., source: Optional[str] = ...) -> int: ...
    def add_batch(self, documents: Iterable[DocumentItem], batch_size: int = ...) -> list[int]: ...
    def remove(self, id: str) -> None: ...
    def query(self, text: Text) -> list[Match]: ...
    def cluster(self) -> Clustering: ...
    def shared_copy(self) -> CopyReport: ...
    def passages(self, a: int, b: int) -> list[Passage]: ...
    def id(self, doc: int) -> str: ...
    def text(self, doc: int) -> bytes: ...
    def date(self, doc: int) -> Optional[int]: ...
    def source(self, doc: int) -> str: ...
    @property
    def num_ids(self) -> int: ...
    @property
    def options(self) -> dict[str, Any]: ...
    @property
    def lsh_params(self) -> Tuple[int, int]: ...
    @property
    def stats(self) -> dict[str, int]: ...
    def __len__(self) -> int: ...
