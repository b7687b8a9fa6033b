"""Text people type: normalised, and never able to hide or reorder what it says.

A name with a right-to-left override shows as another name and mirrors the page's own words after it;
zero-width characters make two different names look alike; an override in a note shows one phone
number as another. So every form (``forms.AppForm``) passes what is typed through here once:

- everything is normalised to NFC, so the same letters are stored (and searched) the same way;
- short fields (names, numbers, codes) refuse hidden characters: direction controls and marks,
  zero-width and other format characters, invisible fillers. Zero-width (non-)joiners are allowed
  between letters of the scripts that need them (Urdu, Arabic, the scripts of India);
- free text keeps what writing needs (joiners, direction marks, embeddings and isolates that are
  closed) and loses the rest: overrides, unclosed direction controls, other hidden characters.

``skeleton`` says when two names look the same, for warning about lookalikes on a caseload.
"""

from __future__ import annotations

import re
import unicodedata

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
ZWNJ, ZWJ = "\u200c", "\u200d"
DIRECTION_MARKS = frozenset("\u200e\u200f\u061c")  # LRM, RLM, Arabic letter mark
# Letters and marks that show nothing: a name made of them looks empty or like another name.
INVISIBLE_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u3164\uffa0\u2800")
LINE_BREAKS = frozenset("\n\r\t")
# The invisible letters, looked for in a whole line at once.
_INVISIBLE = re.compile("[" + "".join(sorted(INVISIBLE_LETTERS)) + "]")
# A flag such as Wales's is a black flag followed by tag characters: the only use of tags text needs.
TAG_FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")

# Scripts whose letters join, where a zero-width (non-)joiner changes the spelling of a word: Syriac,
# Arabic (Urdu), Thaana, N'Ko, the scripts of India and Sri Lanka, Myanmar, Khmer, Mongolian, and the
# Arabic presentation forms.
_JOINING_SCRIPTS = (
    (0x0600, 0x08FF),
    (0x0900, 0x0DFF),
    (0x1000, 0x109F),
    (0x1780, 0x18AF),
    (0xA8E0, 0xA8FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)

# Latin letters' most common lookalikes in other scripts (Cyrillic, Greek), for ``skeleton``.
_LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j", "к": "k", "м": "m",
        "н": "h", "о": "o", "р": "p", "с": "c", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ԁ": "d", "ԛ": "q",
        "ԝ": "w", "ӏ": "l", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "0": "o", "1": "l", "|": "l",
    }
)  # fmt: skip


def normalise(text: str) -> str:
    """``text`` in Unicode normal form C (composed), the form it is stored and searched in."""
    return unicodedata.normalize("NFC", text)


def _hidden(character: str) -> bool:
    category = unicodedata.category(character)
    if category == "Cf" or character in INVISIBLE_LETTERS:
        return True
    return category == "Cc" and character not in LINE_BREAKS


def _joins_letters(text: str, index: int) -> bool:
    """Whether the joiner at ``index`` stands between two letters of a script that uses joiners."""
    if index == 0 or index == len(text) - 1:
        return False
    before, after = text[index - 1], text[index + 1]
    return all(
        unicodedata.category(c)[0] in "LM" and any(low <= ord(c) <= high for low, high in _JOINING_SCRIPTS)
        for c in (before, after)
    )


def hidden_characters(text: str) -> list[str]:
    """The characters a short field (a name, a number, a code) must not contain, as found in ``text``."""
    found = []
    for index, character in enumerate(text):
        if character in (ZWNJ, ZWJ) and _joins_letters(text, index):
            continue
        if _hidden(character) or character in LINE_BREAKS:
            found.append(character)
    return found


def _unclosed_controls(line: str) -> set[int]:
    """Positions of the direction controls in one line (a bidi paragraph) to drop: overrides with the
    PDF that closes them, and every embedding, isolate or closer that is not paired."""
    drop: set[int] = set()
    open_: list[tuple[str, int]] = []
    for index, character in enumerate(line):
        if character in (LRE, RLE, LRO, RLO):
            open_.append(("override" if character in (LRO, RLO) else "embedding", index))
            if character in (LRO, RLO):
                drop.add(index)
        elif character == PDF:
            if open_ and open_[-1][0] != "isolate":
                kind, _opener = open_.pop()
                if kind == "override":
                    drop.add(index)
            else:
                drop.add(index)
        elif character in (LRI, RLI, FSI):
            open_.append(("isolate", index))
        elif character == PDI:
            if any(kind == "isolate" for kind, _ in open_):
                # A closer of an isolate also closes the embeddings opened inside it, which were not closed.
                while open_[-1][0] != "isolate":
                    drop.add(open_.pop()[1])
                open_.pop()
            else:
                drop.add(index)
    drop.update(index for _kind, index in open_)
    return drop


def _nothing_hidden(line: str) -> bool:
    """Whether ``line`` surely holds no hidden character, asked at C speed: Python counts every format and
    control character (and any space but the plain one) as unprintable, so a printable line, tabs and
    carriage returns aside, holds none of them, and the invisible letters are looked for on their own."""
    return line.replace("\r", "").replace("\t", "").isprintable() and not _INVISIBLE.search(line)


def clean_free_text(text: str) -> str:
    """Free text (an entry, a note): NFC, without overrides, unclosed direction controls or other hidden
    characters; joiners, direction marks and closed embeddings and isolates stay, as writing needs them.

    A line with nothing hidden in it is kept whole without being read character by character, so hostile
    text of a megabyte costs milliseconds, not a second."""
    text = normalise(text)
    flags = {index for match in TAG_FLAG.finditer(text) for index in range(match.start(), match.end())}
    lines = []
    offset = 0  # where the line starts in ``text``
    for line in text.split("\n"):
        lines.append(line if _nothing_hidden(line) else _clean_line(line, offset, flags))
        offset += len(line) + 1
    return "\n".join(lines)


def _clean_line(line: str, offset: int, flags: set[int]) -> str:
    """One line of free text read character by character (``flags``: positions in the whole text of the
    characters of flags such as Wales's, whose tag characters stay)."""
    drop = _unclosed_controls(line)
    kept = []
    for index, character in enumerate(line):
        if index in drop:
            continue
        keep_control = character in (LRE, RLE, PDF, LRI, RLI, FSI, PDI, ZWNJ, ZWJ) or character in DIRECTION_MARKS
        if _hidden(character) and not keep_control and (offset + index) not in flags:
            continue
        kept.append(character)
    return "".join(kept)


def without_hidden(text: str) -> str:
    """``text`` in NFC with every hidden character taken out (for searching, and for ``skeleton``)."""
    return "".join(character for character in normalise(text) if not _hidden(character))


def skeleton(name: str) -> str:
    """What a name looks like: two names with the same skeleton are hard to tell apart on screen.

    NFKC (so compatibility forms such as full-width letters fold), case folded, hidden characters and
    spaces taken out, and Cyrillic and Greek lookalikes of Latin letters read as the Latin letter.
    """
    folded = unicodedata.normalize("NFKC", without_hidden(name)).casefold()
    return "".join(folded.translate(_LOOKALIKES).split())
