"""The Gradio chat UI: a thin shell over ``assistant.api.Library`` (importing this imports gradio)."""

from .app import build_app, launch, serve

__all__ = ["build_app", "launch", "serve"]
