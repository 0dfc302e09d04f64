"""Stage 4: embed chunks and keep them in Chroma through llama-index.

An embedded PersistentClient in the index folder by default, or a Chroma server
(``chroma run``) when ``settings.chroma_url`` is set: the same code drives both. The
collection is named after the settings fingerprint, so changing the encoder or the chunk
size targets a new collection instead of mixing incompatible vectors.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Callable
from urllib.parse import urlparse

from llama_index.core.schema import BaseNode, Document

from .chunking import SpanTagger, make_splitter
from .embedding import Encoder
from .settings import Settings


class VectorIndex:
    def __init__(self, settings: Settings, encoder: Encoder):
        self.settings = settings
        self.encoder = encoder

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
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)

    @cached_property
    def collection(self) -> Any:
        return self.client.get_or_create_collection(self.settings.collection_name(), metadata={"hnsw:space": "cosine"})

    @cached_property
    def vector_store(self) -> Any:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def ingest(self, documents: list[Document], on_batch: Callable[[int, int], None] | None = None) -> list[BaseNode]:
        """Split page Documents into chunks, embed them in batches and upsert them into Chroma."""
        from llama_index.core.ingestion import IngestionPipeline

        nodes = IngestionPipeline(transformations=[make_splitter(self.settings.chunk, self.encoder.count_tokens),
                                                   SpanTagger()]).run(documents=documents)
        batch = self.settings.embed.batch_size
        for start in range(0, len(nodes), batch):
            part = nodes[start : start + batch]
            vectors = self.encoder.encode([n.get_content() for n in part])
            for node, vector in zip(part, vectors):
                node.embedding = vector
            if on_batch:
                on_batch(min(start + batch, len(nodes)), len(nodes))
        if nodes:
            self.vector_store.add(nodes)
        return nodes

    def delete_paper(self, paper_id: str) -> None:
        self.collection.delete(where={"paper_id": paper_id})

    def count(self, paper_id: str | None = None) -> int:
        if paper_id is None:
            return self.collection.count()
        return len(self.collection.get(where={"paper_id": paper_id}, include=[])["ids"])

    def query(self, text: str, top_k: int, paper_ids: list[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the nearest chunks, best first."""
        from llama_index.core.vector_stores import VectorStoreQuery
        from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters

        filters = None
        if paper_ids:
            filters = MetadataFilters(filters=[MetadataFilter(key="paper_id", value=paper_ids, operator=FilterOperator.IN)])
        query = VectorStoreQuery(query_embedding=self.encoder.encode([text])[0], similarity_top_k=top_k, filters=filters)
        result = self.vector_store.query(query)
        return list(zip(result.ids or [], result.similarities or []))
