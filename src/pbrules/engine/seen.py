"""The dataset's duplicate check in a run read in chunks: the first source of each
(period, organization id), kept compactly.

A run of a million organizations keeps one entry per organization for the rest of pass 1. As a
dict of ``(period, org id)`` tuples to ``"path:line"`` strings that was about 170 bytes per
organization; here the key is the organization id itself (the string the tree already keeps) and
the value one integer packing the period, the file and the line, about 70 bytes. The check is
exact (no hashing): a key or a source that does not pack (more than 127 periods or 65,535 files,
an organization id seen in a second period, a source not of the form ``path:line``) is kept as
it was, in a plain dict.
"""

from __future__ import annotations

__all__ = ["FirstSeen"]

_LINE_BITS = 40
_FILE_BITS = 16
_PERIODS = 127


class FirstSeen:
    """(period, org id) -> the source of the first record of that organization and period."""

    def __init__(self) -> None:
        self._packed: dict[str, int] = {}  # org id -> period, file and line of its first record
        self._other: dict[tuple[str, str], str] = {}  # whatever does not pack
        self._periods: list[str] = []
        self._files: list[str] = []
        self._codes: dict[str, int] = {}  # file -> its code
        self._period_codes: dict[str, int] = {}

    def first(self, period: str, org_id: str, source: str) -> str:
        """The source of the first record of ``org_id`` in ``period``: ``source`` when this is
        the first (and it is remembered), else the earlier one."""
        packed = self._packed.get(org_id)
        if packed is not None and self._periods[packed >> (_LINE_BITS + _FILE_BITS)] == period:
            return self._source(packed)
        earlier = self._other.get((period, org_id))
        if earlier is not None:
            return earlier
        new = self._pack(period, source) if packed is None else None
        if new is None:
            self._other[(period, org_id)] = source
        else:
            self._packed[org_id] = new
        return source

    def __len__(self) -> int:
        return len(self._packed) + len(self._other)

    def _pack(self, period: str, source: str) -> int | None:
        path, colon, line = source.rpartition(":")
        if not colon or not (line.isascii() and line.isdigit()) or line != str(int(line)):
            return None
        number = int(line)
        period_code = self._code(period, self._period_codes, self._periods, _PERIODS)
        file_code = self._code(path, self._codes, self._files, (1 << _FILE_BITS) - 1)
        if period_code is None or file_code is None or number >= 1 << _LINE_BITS:
            return None
        return (period_code << (_LINE_BITS + _FILE_BITS)) | (file_code << _LINE_BITS) | number

    @staticmethod
    def _code(name: str, codes: dict[str, int], names: list[str], most: int) -> int | None:
        code = codes.get(name)
        if code is None and len(names) < most:
            code = codes[name] = len(names)
            names.append(name)
        return code

    def _source(self, packed: int) -> str:
        path = self._files[(packed >> _LINE_BITS) & ((1 << _FILE_BITS) - 1)]
        return f"{path}:{packed & ((1 << _LINE_BITS) - 1)}"
