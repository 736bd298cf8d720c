"""Which layer of a legacy `docker save` archive is which, before its bytes arrive. Pure.

Docker < 25 names each layer directory by a "v1 ID" and writes the directory's `json` before its
`layer.tar`. The ID is a hash of that JSON and of the layer's chain ID (moby's image/v1.CreateID),
so from the diff IDs the engine lists for an image the ID can be recomputed and a layer whose
summary is already cached skipped unread. If the recomputation ever disagrees with an engine's
encoding, nothing matches and the layers are simply read: slower, never wrong.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Sequence
from typing import Any

_GO_ESCAPED = ("<", ">", "&", "\u2028", "\u2029")  # json.Marshal escapes these


def chain_ids(diff_ids: Sequence[str]) -> list[str]:
    """The OCI chain IDs: each names a layer together with every layer below it."""
    chain: list[str] = []
    for diff_id in diff_ids:
        below = chain[-1] if chain else None
        link = diff_id if below is None else "sha256:" + hashlib.sha256(f"{below} {diff_id}".encode()).hexdigest()
        chain.append(link)
    return chain


def _go_json(value: Any) -> str:
    """json.Marshal's bytes for a value decoded from Go's output (key order kept, HTML escaped)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char in _GO_ESCAPED:
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def v1_id(v1_json: dict[str, Any], chain_id: str, *, keep_os: bool) -> str:
    """The v1 ID Docker's legacy `save` gives a layer (moby image/v1.CreateID): the sha256 of its
    v1 JSON without `id`, with the chain ID as `layer_id` and the parent as a digest, keys sorted.
    Docker sets `os` after computing the ID for all layers but the top one."""
    fields = {k: v for k, v in v1_json.items() if k != "id" and (keep_os or k != "os")}
    if "parent" in fields:
        fields["parent"] = "sha256:" + str(fields["parent"])
    fields["layer_id"] = chain_id
    text = "{" + ",".join(f"{_go_json(k)}:{_go_json(fields[k])}" for k in sorted(fields)) + "}"
    return hashlib.sha256(text.encode()).hexdigest()


def v1_matcher(expected: Sequence[str], known: Collection[str]) -> Callable[[bytes], str | None] | None:
    """A function from a legacy `<v1 id>/json` to the known diff ID it is the layer of, if any."""
    pairs = zip(chain_ids(expected), expected, strict=True)
    wanted = [(chain, diff_id) for chain, diff_id in pairs if diff_id in known]
    if not wanted:
        return None

    def match(data: bytes) -> str | None:
        try:
            document = json.loads(data)
            own = str(document["id"])
        except (ValueError, KeyError, TypeError):
            return None
        for chain, diff_id in wanted:
            if v1_id(document, chain, keep_os=False) == own or v1_id(document, chain, keep_os=True) == own:
                return diff_id
        return None

    return match
