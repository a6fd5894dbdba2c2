"""Who serves a model id written in a configuration file beside a base URL (``base_url = ...`` in the same
TOML/YAML/JSON table), when that is not the model's own provider: an Azure OpenAI deployment (Azure retires
models on its own schedule) or a public host rules/endpoints.yaml does not know (a reseller such as an
OpenAI-compatible aggregator). Either way the catalogued provider's retirement dates and successor do not
apply (checks/context.py drops them); a local or private address, or a templated one with no host, stays a
gateway that forwards to the model's provider."""

from __future__ import annotations

import re

from auditor.analysis.endpoints import Endpoint

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_PUBLIC_HOST = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$")
_PRIVATE = re.compile(r"(?:^|\.)(?:localhost|local|internal|intranet|lan|corp|home|example|test|invalid)$"
                      r"|^(?:\d+\.){3}\d+$")


def config_host(url: str, served: Endpoint) -> str | None:
    """The serving host's name when a config's base URL says the model is served by someone else, else None."""
    if served.id == "azure-openai":
        return "azure"
    if served.id != "gateway":
        return None
    host = _SCHEME.sub("", url.strip()).split("/", 1)[0].split(":", 1)[0].lower()
    if not _PUBLIC_HOST.match(host) or _PRIVATE.search(host) or "{" in url or "<" in url:
        return None  # a proxy on your own network, or a placeholder: it forwards to the model's provider
    return host
