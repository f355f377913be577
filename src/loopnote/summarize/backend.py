"""Which summarizer a meeting uses, from the settings.

``build_summarizer(url="", model="", api_key="")``   extractive alone, or an LLM that falls
                                                      back to extractive node by node
``make_summarizer(settings, check=True)``   the same from ``Settings``, plus the startup
                                            warnings (an unreachable or misconfigured endpoint,
                                            a model file that does not load)
``close_summarizer(summarizer)``   end what the summarizer started (a local model's server)

What ``llm`` / ``llm_model`` mean:
  ``llm_model`` = a ``.gguf`` file or a pulled catalog name (no ``llm``): the model is served
      on 127.0.0.1 for the meeting (``summarize.server``);
  ``llm`` = ``auto``: the first OpenAI-compatible server found on this machine's usual ports;
  ``llm`` = a URL: that endpoint, with ``llm_model`` the model's name there.
"""

from __future__ import annotations

import logging
from pathlib import Path

from loopnote.config import Settings
from loopnote.errors import ModelNotAvailable
from loopnote.summarize.base import Summarizer
from loopnote.summarize.catalog import CATALOG, pulled_path
from loopnote.summarize.discover import LOCAL_PORTS, find_local_endpoint
from loopnote.summarize.extractive import ExtractiveSummarizer
from loopnote.summarize.fallback import FallbackSummarizer
from loopnote.summarize.llm import LLMOptions, LLMSummarizer, check_endpoint
from loopnote.summarize.server import LocalLLMServer, LocalModelOptions, looks_like_model_file
from loopnote.types import SessionWarning

log = logging.getLogger(__name__)
_TAIL = "summaries will be extractive"


def build_summarizer(
    url: str = "", model: str = "", api_key: str = "", fallback: Summarizer | None = None
) -> Summarizer:
    fallback = fallback if fallback is not None else ExtractiveSummarizer()
    if not url:
        return fallback
    llm = LLMSummarizer(LLMOptions(base_url=url, model=model, api_key=api_key))
    return FallbackSummarizer(llm, fallback)


def local_model_file(settings: Settings) -> Path | None:
    """The GGUF file ``settings`` ask to serve locally, if any (it may not exist)."""
    if settings.llm or not settings.llm_model:
        return None
    if settings.llm_model in CATALOG:
        return pulled_path(settings.llm_model)
    if looks_like_model_file(settings.llm_model):
        return Path(settings.llm_model).expanduser()
    return None


def _local(path: Path) -> tuple[Summarizer, list[SessionWarning]]:
    server = LocalLLMServer(LocalModelOptions(path))
    try:
        url = server.start()
    except ModelNotAvailable as e:
        return ExtractiveSummarizer(), [_unavailable(f"{e}; {_TAIL}", str(path))]
    options = LLMOptions(base_url=url, model=server.alias, context_tokens=server.context_tokens)
    llm = LLMSummarizer(options, owned_server=server)
    return FallbackSummarizer(llm, ExtractiveSummarizer()), []


def _unavailable(message: str, where: str) -> SessionWarning:
    return SessionWarning("llm-unavailable", message, extra={"url": where})


def make_summarizer(
    settings: Settings, check: bool = True
) -> tuple[Summarizer, list[SessionWarning]]:
    """The summarizer for ``settings``. With an LLM configured, the endpoint is checked first;
    when it is unusable the meeting starts on extractive summaries with a warning, and the
    LLM is tried again later (it may come up during the meeting). A local model is loaded
    once here; when it cannot be, the meeting is extractive and says why."""
    name = settings.llm_model
    if not settings.llm and name in CATALOG and pulled_path(name) is None:
        missing = f"model {name} is not pulled yet (loopnote models pull {name}); {_TAIL}"
        return ExtractiveSummarizer(), [_unavailable(missing, name)]
    if (path := local_model_file(settings)) is not None:
        return _local(path)
    url, model = settings.llm, settings.llm_model
    if url.strip().lower() == "auto":
        if (found := find_local_endpoint()) is None:
            ports = ", ".join(str(p) for p, _ in LOCAL_PORTS)
            none = f"no local LLM server answered on 127.0.0.1 (ports {ports}); {_TAIL}"
            return ExtractiveSummarizer(), [_unavailable(none, "auto")]
        url, model = found[0], model or found[1]
        log.info("--llm auto: using %s at %s", model, url)
    summarizer = build_summarizer(url, model, settings.llm_api_key)
    if not check or not isinstance(summarizer, FallbackSummarizer):
        return summarizer, []
    problem = check_endpoint(url, model, settings.llm_api_key)
    if problem is None:
        return summarizer, []
    summarizer.rest(problem)
    return summarizer, [_unavailable(problem, url)]


def close_summarizer(summarizer: Summarizer) -> None:
    """Stop a local model's server, if ``summarizer`` started one (idempotent)."""
    close = getattr(summarizer, "close", None)
    if callable(close):
        close()
