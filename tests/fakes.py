"""Fast stand-ins for tests about library mechanics (not about answer quality): a hashing
encoder instead of the real model, generated papers, and an HTTP server that records requests."""

from __future__ import annotations

import hashlib
import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import pdfgen

TOPICS = ["glaciers retreat in the Alps", "coral reefs bleach in warm water", "migrant remittances fund schools",
          "wind turbines change bird routes", "soil bacteria fix nitrogen", "river deltas sink under cities"]


class HashEncoder:
    """Bag-of-words vectors from hashed words: deterministic, instant, similar texts stay similar."""

    dim = 64

    def count_tokens(self, text: str) -> list[str]:
        return text.split()

    def encode(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            vector = [0.0] * self.dim
            for word in text.lower().split():
                vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = math.sqrt(sum(v * v for v in vector)) or 1.0
            out.append([v / norm for v in vector])
        return out

    def word_piece_vectors(self, texts: list[str]) -> Any:
        import numpy as np

        return np.asarray(self.encode(texts)).reshape(len(texts), self.dim)


def fast_library(path: Path, **settings):
    """A Library whose encoder is HashEncoder (embedding costs nothing)."""
    from assistant.api import Library

    library = Library(path, **settings)
    library.encoder = HashEncoder()
    return library


def papers(folder: Path, n: int, pages: int = 2) -> list[Path]:
    """``n`` distinct generated papers, each page about its own topic with a number to ask about."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        texts = [f"Study {i} page {p + 1}. Researchers report that {topic}. The survey counted {1000 + 37 * i + p} "
                 f"sites in {2001 + i}. " + " ".join(f"Observation {k} of {topic} was recorded." for k in range(30))
                 for p in range(pages)]
        out.append(pdfgen.text_pdf(folder / f"paper_{i}.pdf", texts, title=f"Paper {i} on {topic}",
                                   author=f"Author{i} Surname{i}"))
    return out


class RecordingServer:
    """An OpenAI-compatible endpoint on 127.0.0.1 that records every request (path, headers) it gets."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append((self.path, dict(self.headers)))
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": "not json"}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> RecordingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
