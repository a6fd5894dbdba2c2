"""Requests that generate images or video, not text: no output-token cap to set (LA101), no text
to batch or group (LA503).

A request is one when its model is a media model (``config.modelmodes.media_mode``: the pinned
LiteLLM map) or when its body has the fields of an image-generation API whatever the model id
(a provisioned-throughput ARN says nothing): Amazon Titan Image Generator and Nova Canvas
(``taskType``, ``textToImageParams``, ``imageGenerationConfig``), Stability (``text_prompts``),
Nova Reel (``textToVideoParams``, ``videoGenerationConfig``). Rules may add field names with the
``media-fields`` parameter.
"""

from __future__ import annotations

from typing import Any

from auditor.config.modelmodes import media_mode
from auditor.facts import CallSite

MEDIA_FIELDS = frozenset({
    "textToImageParams", "imageGenerationConfig", "imageVariationParams", "inPaintingParams", "outPaintingParams",
    "colorGuidedGenerationParams", "backgroundRemovalParams", "text_prompts", "textToVideoParams", "videoGenerationConfig",
})


def generates_media(site: CallSite, params: dict[str, Any] | None = None) -> bool:
    """The request makes an image or a video (its model, or its body's fields, say so)."""
    if media_mode(site.model_name) is not None:
        return True
    extra = {str(x) for x in (params or {}).get("media-fields") or ()}
    fields = MEDIA_FIELDS | extra
    return any(p.rsplit(".", 1)[-1] in fields for p in site.params)
