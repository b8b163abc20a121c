"""What `rag chat` adds to Gradio's server: the export route (ui/exports.py)
and the queue-full refusal in the client's language."""

from __future__ import annotations

from .i18n import lang_of, t


def translate_queue_full(blocks) -> None:
    """A full queue refused API clients (gradio_client, raw HTTP) with Gradio's
    English "Queue is full. Max size is 64 and size is 64." (the page says it
    itself): the refusal now says ``queue_full`` in the request's language.
    Wraps the queue's ``push`` (Gradio 6 returns (ok, message, state) from it,
    state "queue_full" for this refusal); call after ``blocks.queue()``."""
    queue = blocks._queue
    push = queue.push

    async def translated(body, request, username):
        ok, message, state = await push(body, request, username)
        if not ok and state == "queue_full":
            message = t(lang_of(request), "queue_full")
        return ok, message, state

    queue.push = translated
