"""A FAKE OpenAI-compatible server for the LLM tests: it replies from a script, no model runs.

The real local model (llama.cpp server with Gemma 3 270M) is in ``test_llm_real.py``; this fake
makes the exact replies, failures, delays and disconnects that a real model cannot be made to give.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Slow:
    """A scripted reply sent only after ``seconds`` of silence."""

    seconds: float
    content: str


class FakeOpenAIServer:
    """A FAKE OpenAI-compatible endpoint on 127.0.0.1 that replies from a script.

    Each scripted reply is the assistant message's content (a string), a function of the
    prompt returning that content, ``(status, body)`` for a raw HTTP response, or ``Slow``.
    A request with ``"stream": true`` gets the content as server-sent events, one word per
    event, ``piece_delay`` seconds apart; with ``gate`` set, the server sends the first word
    and waits for the gate before the rest. Every request is recorded as ``(path, headers,
    json)``; ``sent`` counts the events as they are written and ``disconnected`` is set when the client
    closed the connection before the reply was complete.
    """

    def __init__(self):
        self.replies: list = []
        self.requests: list[tuple[str, dict, dict]] = []
        self.piece_delay = 0.0
        self.gate: threading.Event | None = None
        self.sent = 0
        self.disconnected = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def script(self, *replies, piece_delay: float = 0.0, gate: threading.Event | None = None) -> None:
        self.replies, self.requests = list(replies), []
        self.piece_delay, self.gate, self.sent = piece_delay, gate, 0
        self.disconnected.clear()

    def _next(self, path: str, headers: dict, body: dict):
        self.requests.append((path, headers, body))
        reply = self.replies.pop(0) if self.replies else (500, "no scripted reply")
        if isinstance(reply, Slow):
            time.sleep(reply.seconds)
            reply = reply.content
        if isinstance(reply, tuple):
            return reply
        return reply(body["messages"][-1]["content"]) if callable(reply) else reply

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                reply = server._next(self.path, dict(self.headers), body)
                try:
                    if isinstance(reply, tuple):
                        self._send(reply[0], "application/json", reply[1].encode())
                    elif body.get("stream"):
                        self._stream(reply)
                    else:
                        self._send(200, "application/json", json.dumps(_completion(reply, body)).encode())
                except (BrokenPipeError, ConnectionResetError):
                    server.disconnected.set()

            def _send(self, status: int, kind: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, content: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for n, piece in enumerate(re.findall(r"\s*\S+", content) or [content]):
                    if n == 1 and server.gate is not None:
                        server.gate.wait(10)
                    time.sleep(server.piece_delay)
                    chunk = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": piece}}]}
                    server.sent += 1  # before the write: a client that has read the event must see it counted
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _completion(content: str, body: dict) -> dict:
    return {"id": "fake", "object": "chat.completion", "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}


def free_port() -> int:
    """A port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def passages(prompt: str) -> dict[int, str]:
    """The numbered passages of an answer or choice prompt."""
    body = prompt.split("Passages:\n", 1)[1].split("\n\nQuestion:", 1)[0]
    parts = re.split(r"^\[(\d+)\] .*$\n", body, flags=re.M)
    return {int(n): text.strip() for n, text in zip(parts[1::2], parts[2::2])}
