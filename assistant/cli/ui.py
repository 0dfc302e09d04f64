"""`assistant ui`: the chat UI in the browser."""

from __future__ import annotations

import click

from .common import fail, index_option, user_errors

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    user, sep, password = value.partition(":")
    if not (sep and user and password):
        raise click.BadParameter("expected USER:PASS", param_hint="--auth")
    return user, password


@click.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but localhost needs --auth (or --insecure-no-auth).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--auth", metavar="USER:PASS", help="Ask for this user name and password in the browser.")
@click.option("--insecure-no-auth", is_flag=True,
              help="Allow binding a non-local address without --auth (anyone who can reach it can use it).")
@user_errors
def ui(index_dir: str | None, host: str, port: int, auth: str | None, insecure_no_auth: bool) -> None:
    """Open the chat UI: library, multi-turn chat with citations, and the evidence pages.

    It binds 127.0.0.1 (this machine only) by default. Binding any other address, e.g.
    0.0.0.0 to reach it from the network, requires --auth USER:PASS or --insecure-no-auth.

    \b
    Examples:
      assistant ui                                  # http://127.0.0.1:7860
      assistant ui --index ~/my-library --port 8080
      assistant ui --host 0.0.0.0 --auth alice:s3cret
    """
    credentials = parse_auth(auth)
    if host not in LOCAL_HOSTS and not credentials and not insecure_no_auth:
        fail(f"refusing to bind {host} without a password: anyone on the network could use and change the "
             "library. Add --auth USER:PASS, or --insecure-no-auth if you really mean it.", 2)
    click.echo(f"Serving the library on http://{host}:{port} — "
               + (f"password required (user {credentials[0]})" if credentials else "no password")
               + ("" if host in LOCAL_HOSTS else ", reachable from the network") + ". Ctrl+C stops it.")
    from ..ui import launch  # gradio takes seconds to import: only when the UI is wanted

    try:
        launch(index_dir, host, port, credentials)
    except OSError as exc:  # port taken, address not on this machine
        fail(f"cannot serve on {host}:{port} (--port chooses another): {exc}")
