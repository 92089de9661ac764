"""An optional OpenAI-compatible endpoint the user configures (``MUSEION_STUDIO_LLM_URL``; off by default) that drafts
a wall text from a prompt built of the record and the template draft. Bounded time; an unreachable or misbehaving
endpoint is a clear error and nothing is saved (the caller proposes only after a good answer); the prompt and the
answer are kept with the proposal for review."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from museion.config import Settings
from museion.errors import MuseionError
from museion.studio.walltext import Draft, Record

MAX_ANSWER = 4000  # characters of a wall text we keep; a longer answer is refused, not cut


@dataclass(frozen=True)
class Generated:
    text: str
    model: str
    prompt: str


def prompt(work: Record, template: Draft) -> str:
    """What the endpoint is asked: the record's facts and the template draft, and to add nothing else."""
    return ("Write a museum wall text of at most 80 words in English for this work. Use only these facts; do not add "
            f"any other claim.\nTitle: {work.title}\nCreators: {'; '.join(work.creators) or 'unknown'}\n"
            f"Year: {work.year or 'unknown'}\nMedium: {work.medium or 'unknown'}\nSubjects: {', '.join(work.subjects) or 'none'}\n"
            f"Draft assembled from the record: {template.en}")


def generate(settings: Settings, text: str) -> Generated:
    """Ask the configured endpoint's ``/chat/completions``; any failure raises ``MuseionError`` saying which."""
    if not settings.studio_llm_url:
        raise MuseionError("no text-generation endpoint is configured: set MUSEION_STUDIO_LLM_URL to use one")
    url = settings.studio_llm_url.rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {settings.studio_llm_key.get_secret_value()}"} if settings.studio_llm_key else {}
    body = {"model": settings.studio_llm_model, "messages": [{"role": "user", "content": text}], "temperature": 0.2}
    try:
        answer = httpx.post(url, json=body, headers=headers, timeout=settings.studio_llm_timeout)
    except httpx.TimeoutException as exc:
        raise MuseionError("the text-generation endpoint %(url)s did not answer within %(s)s seconds",
                           url=url, s=settings.studio_llm_timeout) from exc
    except httpx.HTTPError as exc:
        raise MuseionError("the text-generation endpoint %(url)s could not be reached: %(why)s", url=url, why=type(exc).__name__) from exc
    if answer.status_code != 200:
        raise MuseionError("the text-generation endpoint %(url)s answered HTTP %(status)s", url=url, status=answer.status_code)
    try:
        data = answer.json()
        content = data["choices"][0]["message"]["content"]
        model = str(data.get("model") or settings.studio_llm_model)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise MuseionError("the text-generation endpoint %(url)s answered something that is not a chat completion", url=url) from exc
    if not isinstance(content, str) or not content.strip() or len(content) > MAX_ANSWER:
        raise MuseionError("the text-generation endpoint %(url)s answered an empty text or one over %(most)s characters",
                           url=url, most=MAX_ANSWER)
    return Generated(content.strip(), model, text)
