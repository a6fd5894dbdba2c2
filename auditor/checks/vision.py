"""LA303 raw-vision-payload: images sent at full detail, or read from a file whole and sent
without resizing (the phase-1 facts are :mod:`auditor.analysis.vision`). Not when the request
answers with images (an image model, ``response_modalities=["IMAGE"]``): the picture sent is the one
edited or redrawn, and a video, audio or PDF part (``mime_type``) is no image.

Image tokens follow each provider's formula (``rules/vision.yaml``); the image size is not known
from code, so the saving uses the catalog's ``assumed-image`` (stated in the finding): OpenAI
``detail: "high"`` (or no detail on an image read from a file, which "auto" sends at high detail
when it is large) against ``detail: "low"``; other providers, the assumed image against the same
image resized to ``resize-to`` pixels on its long edge.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from auditor.checks import check
from auditor.checks.context import RuleContext
from auditor.checks.media import generates_media
from auditor.config.catalog import load_catalog
from auditor.facts import CallSite
from auditor.findings import RequestChange, Finding


def image_tokens(formula: dict[str, Any], width: int, height: int, detail: str | None = None) -> int:
    """Tokens of one image of ``width`` x ``height`` under a provider formula (rules/vision.yaml)."""
    method = formula.get("method")
    if method == "tiles":
        base = int(formula.get("base", 85))
        if detail == "low":
            return base
        fit = float(formula.get("fit", 2048))
        scale = min(1.0, fit / max(width, height))
        w, h = width * scale, height * scale
        short = float(formula.get("short-side", 768))
        if min(w, h) > short:
            s = short / min(w, h)
            w, h = w * s, h * s
        tile = float(formula.get("tile", 512))
        return base + int(formula.get("per-tile", 170)) * math.ceil(w / tile) * math.ceil(h / tile)
    if method == "area":
        edge = float(formula.get("max-long-edge", 1568))
        scale = min(1.0, edge / max(width, height))
        tokens = (width * scale) * (height * scale) / float(formula.get("divisor", 750))
        return int(min(tokens, float(formula.get("max-tokens", 1600))))
    if method == "gemini-tiles":
        per = int(formula.get("tokens-per-tile", 258))
        if max(width, height) <= int(formula.get("small", 384)):
            return per
        tile = float(formula.get("tile", 768))
        return per * math.ceil(width / tile) * math.ceil(height / tile)
    return 0


def _resized(width: int, height: int, edge: int) -> tuple[int, int]:
    scale = min(1.0, edge / max(width, height))
    return int(width * scale), int(height * scale)


@check("raw_vision_payload")
def raw_vision_payload(site: CallSite, ctx: RuleContext) -> Iterable[Finding]:
    parts = site.extra.get("images") or []
    if not parts:
        return
    data = load_catalog().vision or {}
    size = {**(data.get("assumed-image") or {}), **(ctx.params.get("assumed-image") or {})}
    width, height = int(size.get("width", 2048)), int(size.get("height", 1536))
    edge = int(ctx.params.get("resize-to") or data.get("resize-to") or 1024)
    if reads_fine_print(site.prompt.static_text, ctx.params) or OCR_MODEL.search(site.model_name or ""):
        return  # transcription, OCR (asked, or the model is an OCR model), extracting fields: the fine print is the task
    if _makes_images(site, ctx.params):
        return  # an image model edits or redraws the picture it is sent: a smaller input is a smaller, blurrier output
    seen = ctx.extra.setdefault("image-parts", set())
    wrapper = _wrapper_parts(site, ctx)
    for part in parts:
        if _part_key(part) in wrapper:
            continue  # the wrapper's own image part: reported at the wrapper's site, in its file
        if site.cell is not None and part.use.cell is not None and part.use.cell != site.cell and not site.extra.get("derived"):
            continue  # a notebook's module-level call does not send the image parts of other cells
        if DOCUMENT_IMAGE.search(part.source or ""):
            continue  # a page, a scan, a form, a receipt, a chart: whatever the question, it is read off the fine print
        if getattr(part, "screen", False):
            continue  # a capture of the screen (pyautogui, ImageGrab, mss): UI text and click targets are fine print
        key = (site.path, part.use.cell, part.use.span.line, part.use.span.column)
        if key in seen:
            continue  # one finding per image part, whichever call sends it
        seen.add(key)
        formula = (data.get("providers") or {}).get((data.get("shapes") or {}).get(part.shape, ""), {})
        if part.shape.startswith("openai"):
            if part.detail == "high":
                why = '`detail: "high"`'
            elif part.detail in (None, "auto") and part.raw_file:
                why = f'no `detail` (so "auto": high detail for a large image) on an image read from a file ({part.source})'
            else:
                continue
            before = image_tokens(formula, width, height, "high")
            after = image_tokens(formula, width, height, "low")
            advice = 'send `detail: "low"` when the task does not need fine print, or resize the image first'
        else:
            if not part.raw_file:
                continue
            why = f"an image read from a file whole and sent unresized ({part.source})"
            before = image_tokens(formula, width, height)
            after = image_tokens(formula, *_resized(width, height, edge))
            advice = f"resize it to the size the task needs (e.g. {edge} px on the long edge) before encoding"
        saved = max(0, before - after)
        basis = (
            f"assumption: a {width}x{height} image is ~{before:,} input tokens as sent and ~{after:,} "
            f"{'at low detail' if part.shape.startswith('openai') else f'resized to {edge} px'} (rules/vision.yaml formulas)"
        )
        savings = ctx.savings(site, change=RequestChange(site.id, "input", tokens=float(saved)), tokens=float(saved), basis=basis) if saved else None
        message = f"{site.method}() sends {why}: {advice} (~{before:,} vs ~{after:,} tokens per image for a {width}x{height} photo)"
        yield ctx.finding(message, site.path, part.use.span, cell=part.use.cell, site=site, savings=savings)


def _makes_images(site: CallSite, params: dict[str, Any]) -> bool:
    """The request asks for images back: a media model (checks/media.py), or ``response_modalities`` naming IMAGE."""
    if generates_media(site, params):
        return True
    for key, p in site.params.items():
        if key.split(".")[-1] in ("response_modalities", "responseModalities") and "IMAGE" in str(getattr(p.value, "value", "")).upper():
            return True
    return False


# asks that read the image's text or act on what is written in it: `fine-print-asks` in
# rules/vision.yaml (regular expressions, case-insensitive), then the rule's param of that name
def _asks() -> tuple[str, ...]:
    return tuple(str(p) for p in (load_catalog().vision or {}).get("fine-print-asks") or ())


# a model built to read text off images (zai-org/GLM-OCR, olmOCR, GOT-OCR2, dots.ocr)
OCR_MODEL = re.compile(r"ocr(?![a-z])", re.IGNORECASE)


# an image file named as a document ("page.jpeg", "scanned_invoice.png", "org_chart.png"): only
# where it silences the rule, never to produce a finding
DOCUMENT_IMAGE = re.compile(
    r"(?<![a-z])(?:pages?|scan(?:ned|s)?|forms?|receipts?|invoices?|documents?|docs?|pdfs?|charts?|tables?|screenshots?|"
    r"slides?|labels?|transcri\w*|ocr|handwrit\w*|whiteboard|statements?|contracts?|menus?)(?![a-z])",
    re.IGNORECASE,
)


@lru_cache(maxsize=8)
def _fine_print(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def reads_fine_print(text: str, params: dict[str, Any]) -> bool:
    """The request's own text asks to read what is written in the image."""
    extra = tuple(str(p) for p in params.get("fine-print-asks") or ())
    return bool(text) and _fine_print(_asks() + extra).search(text) is not None


def _part_key(part) -> tuple:
    return (part.use.cell, part.use.span.line, part.use.span.column, part.source)


def _wrapper_parts(site: CallSite, ctx: RuleContext) -> set[tuple]:
    """Image parts a derived site carries from the wrapper it stands on (that site reports them)."""
    info = site.extra.get("derived")
    if not info:
        return set()
    memo = ctx.extra.get("vision-sites")
    if memo is None:
        memo = ctx.extra["vision-sites"] = {s.id: s for s in ctx.project.checked_sites()}
    out: set[tuple] = set()
    for sid in (info.get("line") or [])[1:]:
        inner = memo.get(sid)
        if inner is not None:
            out.update(_part_key(p) for p in inner.extra.get("images") or [])
    return out
