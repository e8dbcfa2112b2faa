"""Links found in a paper's abstract or comments; the rule lives in ``paperwire.sources.links``
so that sources stating links (Hugging Face's ``githubRepo``) classify them the same way."""

from __future__ import annotations

from paperwire.sources.links import classify, find_links

__all__ = ["classify", "find_links"]
