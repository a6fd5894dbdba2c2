"""Requests that generate images or video, not text: no output-token cap to set (LA101), no text
to batch or group (LA503).

A request is one when its model is a media model (``config.modelmodes.media_mode``: the pinned
LiteLLM map) or when its body has the fields of an image-generation API whatever the model id
(a provisioned-throughput ARN says nothing): Amazon Titan Image Generator and Nova Canvas
(``taskType``, ``textToImageParams``, ``imageGenerationConfig``), Stability (``text_prompts``),
Nova Reel (``textToVideoParams``, ``videoGenerationConfig``). Rules may add field names with the
``media-fields`` parameter.

Reward models (``nvidia/nemotron-4-340b-reward``, ``*-reward-model``) are called like chat models but
return scores for the conversation they are given, one conversation per request: no text to cap and
no items to group (:func:`scores_only`; rules may add globs with ``scoring-models``).
"""

from __future__ import annotations

from typing import Any

from auditor.config.modelmodes import media_mode
from auditor.config.globs import glob_match
from auditor.facts import CallSite

SCORING_MODELS = ("*-reward", "*-reward-*", "*reward-model*", "*reward_model*")

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


def scores_only(site: CallSite, params: dict[str, Any] | None = None) -> bool:
    """The request goes to a reward model: its answer is a score of the conversation sent."""
    name = (site.model_name or "").lower().rsplit("/", 1)[-1]
    globs = list(SCORING_MODELS) + [str(x) for x in (params or {}).get("scoring-models") or ()]
    return bool(name) and glob_match(name, globs)
