"""One fast pass over a numeric text file: how many data rows, which lines look damaged.

Works on bytes in large blocks with C-speed searches (``bytes.count``, compiled regexes), so
counting the rows of a 100 MB export takes a fraction of a second and the readers can report
``n_samples`` and damaged lines at open time without parsing every row in Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

_SUSPECT_BYTES = re.compile(rb"[^0-9.eE+\-\s]|\.[0-9]*\.")
"""A byte that cannot be part of a number or whitespace, or a number with two decimal points."""
_BLANK_LINE = re.compile(rb"^[ \t\r]*$", re.MULTILINE)
_COMMENT_LINE = re.compile(rb"^(?:\xef\xbb\xbf)?[ \t]*[#%]", re.MULTILINE)
_SCAN_BLOCK_BYTES = 1 << 22


MAX_SUSPECT_LINES = 1000
"""Beyond this many damaged-looking lines the scan stops collecting them (``too_many``)."""


class TextScan:
    """Data rows (not blank, not '#'/'%' comments) and suspect lines (1-based numbers) of a file.

    ``too_many`` is True when more than `MAX_SUSPECT_LINES` lines look damaged (then only the
    first ones are listed): the file is probably not numeric text at all.
    """

    def __init__(self, path: Path):
        self.rows = 0
        self.suspects: list[int] = []
        self.too_many = False
        line_no = 0  # lines before the current block
        tail = b""
        with open(path, "rb") as f:
            while True:
                block = f.read(_SCAN_BLOCK_BYTES)
                if not block:
                    break
                block = tail + block
                cut = block.rfind(b"\n") + 1
                if cut == 0:
                    tail = block
                    continue
                tail = block[cut:]
                self._scan(block[:cut], line_no)
                line_no += block.count(b"\n", 0, cut)
        if tail.strip():
            self._scan(tail + b"\n", line_no)

    def _scan(self, block: bytes, line_no: int) -> None:
        lines = block.count(b"\n")
        blanks = len(_BLANK_LINE.findall(block)) - 1  # the empty match after the last newline
        comments = len(_COMMENT_LINE.findall(block))
        self.rows += lines - blanks - comments
        if self.too_many:
            return
        pos, count = 0, line_no  # newlines before `pos`, counted incrementally: linear time
        search_from = 0
        while True:
            m = _SUSPECT_BYTES.search(block, search_from)
            if m is None:
                return
            start = block.rfind(b"\n", 0, m.start()) + 1
            end = block.find(b"\n", m.start()) + 1
            search_from = end  # one hit per line
            if _COMMENT_LINE.match(block, start):
                continue
            count += block.count(b"\n", pos, start)
            pos = start
            if len(self.suspects) >= MAX_SUSPECT_LINES:
                self.too_many = True
                return
            self.suspects.append(count + 1)


def numbered_blocks(numbered_lines: Iterable[tuple[int, str]],
                    rows: int) -> Iterator[tuple[list[str], list[int]]]:
    """(line number, data line) pairs in blocks of `rows`: the lines and their numbers.

    The text readers filter and decode their lines each their own way, then batch them here so
    that a block is parsed at once and an error can still name its line.
    """
    lines: list[str] = []
    numbers: list[int] = []
    for number, line in numbered_lines:
        lines.append(line)
        numbers.append(number)
        if len(lines) == rows:
            yield lines, numbers
            lines, numbers = [], []
    if lines:
        yield lines, numbers
