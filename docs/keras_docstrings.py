"""Griffe extension: read Keras-style docstrings as Google-style sections.

Keras writes `Example:` and `Reference:` with their contents unindented
after a blank line, which the Google parser keeps as plain text (so the
doctests render as nested blockquotes), and `Call arguments:` as a list
the parser would merge into one paragraph. This extension rewrites the
docstring text before it is parsed, without touching the package:

- `Example:` / `Examples:` become an indented examples section (keeping
  its title), so the doctests render as `pycon` code blocks.
- `Reference:` / `References:` become an indented `Reference` block.
- `Call arguments:` becomes an "other parameters" section titled
  "Call arguments:", rendered as a list like `Args:`.
- Doctests left outside any section (e.g. in a module docstring) are
  fenced as `pycon` code.

Configured in `mkdocs.yml` under the mkdocstrings python handler's
`extensions` option; `exclude_docs` keeps this file out of the site.
"""

import re

from griffe import Extension
from griffe import Object

# Section titles that may start a Keras docstring section (at column 0).
_TITLE = re.compile(
    r"^(Args|Arguments|Call arguments|Input shape|Output shape|Returns|"
    r"Raises|Yields|Attributes|Example|Examples|Reference|References|"
    r"Note|Notes|Warning|Warnings):\s*$"
)
# Unindented sections, and the title each one is rewritten to.
_UNINDENTED = {
    "Example": "Examples: Example:",
    "Examples": "Examples:",
    "Reference": "Reference:",
    "References": "References:",
}


def rewrite(text: str) -> str:
    """Return Keras-style docstring `text` in the Google layout."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _TITLE.match(line)
        title = match.group(1) if match else None
        if title == "Call arguments":
            out.append("Other Parameters: Call arguments:")
            i += 1
            continue
        if title not in _UNINDENTED:
            out.append(line)
            i += 1
            continue
        # Skip the blank lines between the title and its contents.
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j == len(lines) or lines[j].startswith(" "):
            # Already indented (Google style) or empty: leave it alone.
            out.append(line)
            i += 1
            continue
        body: list[str] = []
        while j < len(lines) and not _TITLE.match(lines[j]):
            body.append(lines[j])
            j += 1
        while body and not body[-1].strip():
            body.pop()
        out.append(_UNINDENTED[title])
        out.extend(f"    {b}" if b.strip() else "" for b in body)
        if j < len(lines):
            out.append("")
        i = j
    return "\n".join(_fence_doctests(out))


def _fence_doctests(lines: list[str]) -> list[str]:
    """Fence runs of unindented `>>>` lines (up to a blank line) as code."""
    out: list[str] = []
    in_fence = in_doctest = False
    for line in lines:
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and not in_doctest and line.startswith(">>>"):
            out.append("```pycon")
            in_doctest = True
        elif in_doctest and not line.strip():
            out.append("```")
            in_doctest = False
        out.append(line)
    if in_doctest:
        out.append("```")
    return out


class KerasDocstrings(Extension):
    """Rewrite every docstring before mkdocstrings parses it."""

    def on_object(self, *, obj: Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
