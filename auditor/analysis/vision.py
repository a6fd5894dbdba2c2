"""Images sent at full detail or unresized (LA303): the phase-1 facts of one call site.

``images`` finds the image parts of a request - in the call's arguments, in the function that holds
it, and in same-module helpers its arguments call (``build_messages(path)``):

* OpenAI Chat Completions ``{"type": "image_url", "image_url": {"url": ..., "detail": ...}}`` and
  Responses ``{"type": "input_image", "image_url": ..., "detail": ...}``;
* Anthropic ``{"type": "image", "source": {"type": "base64", "data": ...}}``;
* Bedrock Converse ``{"image": {"format": ..., "source": {"bytes": ...}}}``;
* Gemini ``types.Part.from_bytes(data=...)``, ``{"inline_data": {"data": ...}}``, and PIL
  ``Image.open(path)`` passed as content.

For each part it records the ``detail`` (a literal, or None) and whether the image data is a file
read whole - ``open(p, "rb").read()``, ``Path(p).read_bytes()``, ``base64.b64encode(...)`` of one,
or a same-module helper that does that (the common ``encode_image(path)``) - with no resize on the
way (``.resize(``, ``.thumbnail(``, ``cv2.resize``, ``ImageOps.contain`` ...).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache

from auditor.config.catalog import load_catalog
from auditor.facts import CallSite, Use

RESIZE = re.compile(r"\.(?:resize|thumbnail|reduce|downscale|scale)\s*\(|\b(?:resize|thumbnail|downscale|downsample|shrink|compress)\w*\s*\(|ImageOps\.(?:contain|fit|pad|scale)|max_size|max_dim", re.IGNORECASE)
FILE_READ = re.compile(r"\.read\s*\(|\.read_bytes\s*\(|\bopen\s*\(|Image\.open\s*\(|imread\s*\(|cv2\.imencode")
URL = re.compile(r"^[\"']?https?://|^f?[\"']https?://")


@dataclass
class ImagePart:
    shape: str  # openai-chat | openai-responses | anthropic | bedrock | gemini
    detail: str | None  # the literal detail ("high", "low", "auto"), "?" when not a literal, None when absent, "pixels" for min/max_pixels
    raw_file: bool  # the data is a file read whole, with no resize on the way
    source: str  # what was read ("open(path, 'rb').read()", "encode_image(path)")
    use: Use
    screen: bool = False  # the function sending it captures the screen (rules/vision.yaml `screen-captures`)


@lru_cache(maxsize=1)
def _screen() -> re.Pattern[str]:
    return re.compile(str((load_catalog().vision or {}).get("screen-captures") or r"(?!)"), re.IGNORECASE)


def _screen_capture(text: str) -> bool:
    """Does ``text`` (the source of the function that sends an image) capture the screen?"""
    return _screen().search(text) is not None


def _key(k: ast.AST | None) -> str | None:
    return k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None


def _may_be_part(n: ast.AST) -> bool:
    """``n`` has the shape :meth:`VisionFacts._part` looks at: a dict with one of its keys, a ``from_bytes`` call."""
    if isinstance(n, ast.Dict):
        return any(_key(k) in ("type", "image", "inline_data") for k in n.keys)
    return isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "from_bytes"


def _get(d: ast.Dict, key: str) -> ast.AST | None:
    for k, v in zip(d.keys, d.values):
        if _key(k) == key:
            return v
    return None


class VisionFacts:
    def images(self, site: CallSite, call: ast.Call, func: ast.AST | None) -> list[ImagePart]:
        scope = self.scope(func)
        roots: list[ast.AST] = [call] + self._image_candidates(func)
        for n in ast.walk(call):  # helpers the arguments call: build_messages(path)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
                b = self.r.binding(n.func.id, scope, call.lineno)
                if b and b[0] == "assign" and isinstance(b[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
                    roots.extend(ast.walk(b[1]))  # type: ignore[arg-type]
        out: list[ImagePart] = self.pil_images(call, scope) if site.provider == "google" else []
        seen: set[int] = set()
        for root in roots:
            for n in ast.walk(root) if root is call else [root]:
                if id(n) in seen:
                    continue
                part = self._part(n, scope, call.lineno)
                if part is not None:
                    seen.add(id(n))
                    out.append(part)
        if out and func is not None and _screen_capture(self.r.source_of(func)):
            for part in out:
                part.screen = True  # a screenshot read back from the file it was saved to is still the screen
        return out

    def _image_candidates(self, func: ast.AST | None) -> list[ast.AST]:
        """The nodes of ``func`` :meth:`_part` may take for an image part, found once per function
        (every call of a function with thousands of calls would otherwise walk all of it)."""
        key = id(func if func is not None else self.tree)
        if key not in self._image_nodes:
            self._image_nodes[key] = [n for n in self.nodes(func) if _may_be_part(n)]
        return self._image_nodes[key]

    def _part(self, n: ast.AST, scope, line: int) -> ImagePart | None:
        shape, detail, data = None, None, None
        if isinstance(n, ast.Dict):
            kind = _key(_get(n, "type") or ast.Constant(None))
            if kind == "image_url":
                inner = _get(n, "image_url")
                shape = "openai-chat"
                if isinstance(inner, ast.Dict):
                    data, detail = _get(inner, "url"), _detail(_get(inner, "detail"))
                else:
                    data = inner
                if detail is None and any(_get(n, k) is not None for k in _PIXEL_KEYS):
                    detail = "pixels"  # Qwen-VL's own resolution bounds (DashScope min_pixels / max_pixels): the request sizes the image
            elif kind == "input_image":
                shape, data, detail = "openai-responses", _get(n, "image_url") or _get(n, "file_id"), _detail(_get(n, "detail"))
            elif kind == "image":
                src = _get(n, "source")
                if isinstance(src, ast.Dict) and _key(_get(src, "type") or ast.Constant(None)) == "base64":
                    shape, data = "anthropic", _get(src, "data")
            elif _get(n, "image") is not None and isinstance(_get(n, "image"), ast.Dict):
                src = _get(_get(n, "image"), "source")  # type: ignore[arg-type]
                if isinstance(src, ast.Dict) and _get(src, "bytes") is not None:
                    shape, data = "bedrock", _get(src, "bytes")
            elif isinstance(_get(n, "inline_data"), ast.Dict):
                shape, data = "gemini", _get(_get(n, "inline_data"), "data")  # type: ignore[arg-type]
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "from_bytes" and "Part" in self.r.source_of(n.func):
            shape = "gemini"
            data = next((k.value for k in n.keywords if k.arg == "data"), n.args[0] if n.args else None)
            mime = next((k.value for k in n.keywords if k.arg == "mime_type"), n.args[1] if len(n.args) > 1 else None)
            if isinstance(mime, ast.Constant) and isinstance(mime.value, str) and not mime.value.lower().startswith("image/"):
                return None  # Part.from_bytes(data=video, mime_type="video/mp4"): a video, audio or PDF part, not an image
        if shape is None or data is None:
            return None
        raw, source = self._raw_file(data, scope, line)
        u = self.use(n, f"{shape} image part")
        if u is None:
            return None
        return ImagePart(shape, detail, raw, source, u)

    def _raw_file(self, expr: ast.AST, scope, line: int, depth: int = 0) -> tuple[bool, str]:
        """(read whole from a file with no resize on the way, what was read)."""
        src = self.r.source_of(expr)
        if depth > 4 or URL.search(src.strip()) or RESIZE.search(src):
            return False, ""
        for n in ast.walk(expr):
            if isinstance(n, ast.Call):
                text = self.r.source_of(n)
                if FILE_READ.search(self.r.source_of(n.func) + "("):
                    return True, _short(text)
                if isinstance(n.func, ast.Name):  # a same-module helper: encode_image(path)
                    b = self.r.binding(n.func.id, scope, line)
                    if b and b[0] == "assign" and isinstance(b[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
                        body = self.r.source_of(b[1])  # type: ignore[arg-type]
                        if FILE_READ.search(body) and not RESIZE.search(body):
                            return True, _short(text)
                        return False, ""
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                b = self.r.binding(n.id, scope, line)
                if not (b and b[0] == "assign" and isinstance(b[1], ast.expr)):
                    continue
                value = b[1]
                if RESIZE.search(self.r.source_of(value)):  # type: ignore[arg-type]
                    return False, ""
                found, what = self._raw_file(value, b[2], getattr(value, "lineno", line), depth + 1)  # type: ignore[arg-type]
                if found:
                    return True, what
        return False, ""

    def pil_images(self, call: ast.Call, scope) -> list[ImagePart]:
        """Gemini: PIL images passed as content (``contents=[prompt, Image.open(path)]``)."""
        out: list[ImagePart] = []
        for arg in list(call.args) + [k.value for k in call.keywords if k.arg == "contents"]:
            items = arg.elts if isinstance(arg, (ast.List, ast.Tuple)) else [arg]
            for item in items:
                expr = item
                if isinstance(item, ast.Name):
                    b = self.r.binding(item.id, scope, call.lineno)
                    if not (b and b[0] == "assign" and isinstance(b[1], ast.expr)):
                        continue
                    expr = b[1]  # type: ignore[assignment]
                text = self.r.source_of(expr)
                if "Image.open(" in text and not RESIZE.search(text) and not self._resized_later(item, call):
                    u = self.use(item, "PIL image")
                    if u is not None:
                        out.append(ImagePart("gemini", None, True, _short(text), u))
        return out

    def _resized_later(self, item: ast.AST, call: ast.Call) -> bool:
        """``img.thumbnail((1024, 1024))`` on the name before the call (PIL resizes in place)."""
        if not isinstance(item, ast.Name):
            return False
        owner = self.walk.owner_of(call.lineno)
        return any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
            and n.func.value.id == item.id and RESIZE.search("." + n.func.attr + "(")
            for n in self.nodes(owner)
        )


# an image part's own resolution controls (Qwen2.5-VL on DashScope / vLLM): the image is sized by the request, not by `detail`
_PIXEL_KEYS = ("min_pixels", "max_pixels", "resized_height", "resized_width")


def _detail(v: ast.AST | None) -> str | None:
    if v is None:
        return None
    if isinstance(v, ast.Constant) and isinstance(v.value, str):
        return v.value
    return "?"


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."
