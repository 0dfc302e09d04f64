"""Stage 4: embed chunks and keep them in Chroma through llama-index.

An embedded PersistentClient in the index folder by default, or a Chroma server
(``chroma run``) when ``settings.chroma_url`` is set: the same code drives both. The
collection is named after the library's id and the settings fingerprint, so libraries that
share a server never touch each other's vectors, and changing the encoder or the chunk size
targets a new collection instead of mixing incompatible vectors.

Embedding (``embed``) and storing (``upsert``) are separate steps, so a writer can embed a
paper before it takes the library's lock and hold the lock only to store it.
"""

from __future__ import annotations

import functools
import math
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, TypeVar
from urllib.parse import urlparse

from .embedding import Encoder
from .errors import VectorStoreUnavailable
from .records import Chunk
from .settings import Settings, mask_url, redact

if TYPE_CHECKING:  # llama-index is imported where chunks are made and stored, never to answer a question
    from llama_index.core.schema import BaseNode, Document

_PAGE = 5000  # ids fetched per request when listing a collection
F = TypeVar("F", bound=Callable[..., Any])


def _store_call(method: F) -> F:
    """A Chroma server that is down or failing becomes one VectorStoreUnavailable (password masked)."""

    @functools.wraps(method)
    def wrapper(self: VectorIndex, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except VectorStoreUnavailable:
            raise
        except Exception as exc:
            url = self.settings.chroma_url
            if not url:
                raise
            detail = redact(f"{type(exc).__name__}: {exc}", url)[:200]
            raise VectorStoreUnavailable(f"the Chroma server at {mask_url(url)} cannot be reached or failed "
                                         f"({detail}); start it, or check ASSISTANT_CHROMA_URL") from None

    return wrapper  # type: ignore[return-value]


class VectorIndex:
    def __init__(self, settings: Settings, encoder: Encoder, library_id: str, fresh: bool = False):
        """``fresh``: open the embedded store anew, to see what other processes wrote since this
        process opened it (chromadb keeps one in-memory index per folder and never reloads it)."""
        self.settings = settings
        self.encoder = encoder
        self.library_id = library_id
        self.fresh = fresh

    @cached_property
    def client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_url:
            url = urlparse(self.settings.chroma_url)
            return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                       ssl=url.scheme == "https", settings=chroma_settings)
        path = self.settings.index_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        if self.fresh:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient._identifier_to_system.pop(client._identifier, None)  # no public reload
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        return client

    @cached_property
    def collection(self) -> Any:
        return self._open_collection()

    @_store_call
    def _open_collection(self) -> Any:
        return self.client.get_or_create_collection(self.settings.collection_name(self.library_id),
                                                    metadata={"hnsw:space": "cosine"})

    @cached_property
    def vector_store(self) -> Any:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def embed(self, documents: list[Document], on_batch: Callable[[int, int], None] | None = None) -> list[BaseNode]:
        """Split page Documents into chunks and embed them in batches (nothing is stored)."""
        from llama_index.core.ingestion import IngestionPipeline

        from .chunking import SpanTagger, make_splitter

        nodes = IngestionPipeline(transformations=[make_splitter(self.settings.chunk, self.encoder.count_tokens),
                                                   SpanTagger()]).run(documents=documents)
        self._encode(nodes, on_batch)
        return nodes

    def embed_chunks(self, chunks: list[Chunk]) -> list[BaseNode]:
        """Nodes for stored chunks, embedded again (to restore a paper's lost vectors)."""
        from llama_index.core.schema import TextNode

        from .chunking import METADATA_KEYS

        nodes: list[BaseNode] = [TextNode(id_=c.id, text=c.text, metadata=c.model_dump(include=set(METADATA_KEYS)),
                                          excluded_embed_metadata_keys=METADATA_KEYS,
                                          excluded_llm_metadata_keys=METADATA_KEYS) for c in chunks]
        self._encode(nodes, None)
        return nodes

    def _encode(self, nodes: list[BaseNode], on_batch: Callable[[int, int], None] | None) -> None:
        """Vectors onto the nodes; ``on_batch(done, total)`` before the first batch and after each one."""
        from .chunking import embedding_text

        batch = self.settings.embed.batch_size
        if on_batch:
            on_batch(0, len(nodes))  # the stage shows while the first (for a short paper, only) batch runs
        for start in range(0, len(nodes), batch):
            part = nodes[start : start + batch]
            texts = [embedding_text(n.get_content(), n.metadata.get("label", "")) for n in part]
            for node, vector in zip(part, self.encoder.encode(texts)):
                node.embedding = vector
            if on_batch:
                on_batch(min(start + batch, len(nodes)), len(nodes))

    @_store_call
    def replace_paper(self, paper_id: str, nodes: list[BaseNode]) -> None:
        """Store a paper's vectors, dropping any it had (left by an add that crashed half way)."""
        self.collection.delete(where={"paper_id": paper_id})
        if nodes:
            self.vector_store.add(nodes)

    @_store_call
    def ping(self) -> None:
        """Fail now (VectorStoreUnavailable) if the Chroma server is down, before minutes of embedding."""
        if self.settings.chroma_url:
            self.client.heartbeat()

    @_store_call
    def copy_legacy(self, ids: list[str]) -> set[str]:
        """Copy these vectors from the collection libraries used before they had ids
        (``<collection>_<fingerprint>``), where it has them; the ids copied."""
        legacy = f"{self.settings.collection}_{self.settings.vector_fingerprint()}"
        if not ids or legacy not in {c if isinstance(c, str) else c.name for c in self.client.list_collections()}:
            return set()
        source = self.client.get_collection(legacy)
        copied: set[str] = set()
        for start in range(0, len(ids), _PAGE):
            found = source.get(ids=ids[start : start + _PAGE], include=["embeddings", "metadatas", "documents"])
            if len(found["ids"]):
                self.collection.upsert(ids=found["ids"], embeddings=found["embeddings"],
                                       metadatas=found["metadatas"], documents=found["documents"])
                copied.update(found["ids"])
        return copied

    @_store_call
    def add_nodes(self, nodes: list[BaseNode]) -> None:
        if nodes:
            self.vector_store.add(nodes)

    @_store_call
    def delete_paper(self, paper_id: str) -> None:
        self.collection.delete(where={"paper_id": paper_id})

    @_store_call
    def delete_ids(self, ids: list[str]) -> None:
        for start in range(0, len(ids), _PAGE):
            self.collection.delete(ids=ids[start : start + _PAGE])

    @_store_call
    def ids_by_paper(self) -> dict[str, set[str]]:
        """Every stored vector id, grouped by the paper it belongs to."""
        found: dict[str, set[str]] = {}
        offset = 0
        while True:
            page = self.collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for vid, meta in zip(page["ids"], page["metadatas"]):
                found.setdefault(str((meta or {}).get("paper_id")), set()).add(vid)
            if len(page["ids"]) < _PAGE:
                return found
            offset += _PAGE

    @_store_call
    def count(self, paper_id: str | None = None) -> int:
        if paper_id is None:
            return self.collection.count()
        return len(self.collection.get(where={"paper_id": paper_id}, include=[])["ids"])

    @_store_call
    def query(self, text: str, top_k: int, paper_ids: list[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, similarity) of the nearest chunks, best first; the similarity is exp(-cosine
        distance), the score llama-index's ChromaVectorStore gives (queried directly: no node parsing)."""
        where = {"paper_id": {"$in": paper_ids}} if paper_ids else None
        found = self.collection.query(query_embeddings=[self.encoder.encode([text])[0]], n_results=top_k, where=where,
                                      include=["distances"])
        return [(cid, math.exp(-distance)) for cid, distance in zip(found["ids"][0], found["distances"][0])]
