"""The curated practice bank and flashcard deck: records, loading and checks.

The bank (``corpus/practice/questions/*.yaml``) and the deck (``corpus/practice/cards/*.yaml``)
are written by this project, one file per exam subsection. Unlike generated items they are not
built from sentences: an author wrote the scenario, the distractors and a rationale per option.
What keeps them honest is that every rationale and every card cites a passage of the corpus by
file and heading, and the checks below prove the passage exists and states the rationale's key
terms (or, for a card, contains its quote verbatim). The coach never reads these files: they
are not indexed, so practice keys cannot leak into answers.

``python -m assistant.study.bank check [PATH ...]`` runs every check and prints the problems and
the statistics the tests hold the bank to.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from assistant.ingest.loaders import parse_markdown
from assistant.syllabus import CURRENT_VERSION, current_guide

__all__ = [
    "BankOption", "BankItem", "DeckCard", "Citation", "PRACTICE_DIR", "load_bank", "load_deck",
    "check_items", "check_cards", "item_problems", "card_problems", "bank_stats", "normalize",
    "NEAR_DUPLICATE", "content_words", "jaccard", "key_is_longest", "parse_items", "parse_cards",
    "passage_text", "citation_problems", "main",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PRACTICE_DIR = PROJECT_ROOT / "corpus" / "practice"
DIFFICULTIES = ("easy", "medium", "hard")
STEM_WORDS = (40, 120)
_CHOOSE = re.compile(r"\(choose (two|three)\.?\)", re.I)
_CHOOSE_N = {"two": 2, "three": 3}
# A card front that opens with one of these leans on text the card does not show.
_DANGLING = re.compile(r"^(this|that|these|those|it|its|then|either|they|such|the above)\b", re.I)
_STOP = frozenset("""a an the of to in on for and or is are be by with as at from that this it its
which what when why how who do does should you your can their they into than then not no use
used using one two more most less least only also each all any have has""".split())
NEAR_DUPLICATE = 0.8  # Jaccard of word sets above which two stems (or fronts) are one question


@dataclass(frozen=True)
class Citation:
    source: str  # project-relative corpus path
    heading: str  # the exact text of the heading the passage sits under
    terms: tuple[str, ...] = ()  # key terms the passage must contain (case-insensitive)


@dataclass(frozen=True)
class BankOption:
    text: str
    correct: bool
    rationale: str
    cite: Citation


@dataclass(frozen=True)
class BankItem:
    id: str
    domain: int
    section: str
    guide_version: str
    difficulty: str
    multiple: bool
    stem: str
    options: tuple[BankOption, ...]
    file: str = ""

    @property
    def keys(self) -> list[int]:
        return [i for i, o in enumerate(self.options) if o.correct]

    @property
    def key_letters(self) -> str:
        return "".join("ABCDEF"[i] for i in self.keys)


@dataclass(frozen=True)
class DeckCard:
    id: str
    domain: int
    section: str
    front: str
    back: str
    quote: str
    cite: Citation
    file: str = ""


# --- loading -------------------------------------------------------------------------------


def _citation(d: dict[str, Any]) -> Citation:
    terms = d.get("terms") or []
    return Citation(source=str(d.get("source", "")), heading=str(d.get("heading", "")),
                    terms=tuple(str(t) for t in terms))


def _read_yaml(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a YAML list of entries")
    return data


def load_bank(root: Path | None = None) -> list[BankItem]:
    """Every item of ``root/questions/*.yaml`` (default: the shipped bank), in file order."""
    items: list[BankItem] = []
    for path in sorted(((root or PRACTICE_DIR) / "questions").glob("*.yaml")):
        items.extend(parse_items(path))
    return items


def parse_items(path: Path) -> list[BankItem]:
    out = []
    for d in _read_yaml(path):
        opts = tuple(BankOption(text=str(o.get("text", "")).strip(), correct=bool(o.get("correct")),
                                rationale=str(o.get("rationale", "")).strip(),
                                cite=_citation(o.get("cite") or {}))
                     for o in d.get("options") or [])
        out.append(BankItem(id=str(d.get("id", "")), domain=int(d.get("domain", -1)),
                            section=str(d.get("section", "")),
                            guide_version=str(d.get("guide_version", "")),
                            difficulty=str(d.get("difficulty", "")),
                            multiple=bool(d.get("multiple", False)),
                            stem=" ".join(str(d.get("stem", "")).split()),
                            options=opts, file=str(path)))
    return out


def load_deck(root: Path | None = None) -> list[DeckCard]:
    cards: list[DeckCard] = []
    for path in sorted(((root or PRACTICE_DIR) / "cards").glob("*.yaml")):
        cards.extend(parse_cards(path))
    return cards


def parse_cards(path: Path) -> list[DeckCard]:
    return [DeckCard(id=str(d.get("id", "")), domain=int(d.get("domain", -1)),
                     section=str(d.get("section", "")), front=" ".join(str(d.get("front", "")).split()),
                     back=" ".join(str(d.get("back", "")).split()),
                     quote=" ".join(str(d.get("quote", "")).split()),
                     cite=_citation(d.get("cite") or {}), file=str(path))
            for d in _read_yaml(path)]


# --- passages ------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """Lower case, Markdown emphasis and code marks dropped, quotes and dashes unified, one
    space between words: what "contains" means for citations written by hand."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    text = text.replace("\u201d", '"').replace("\u2013", "-").replace("\u2014", "-")
    text = re.sub(r"[*`]", "", text)
    return " ".join(text.lower().split())


@cache
def _sections(source: str) -> dict[str, str]:
    """Heading text -> normalised section text (sections sharing a heading are joined)."""
    path = PROJECT_ROOT / source
    if not path.is_file():
        return {}
    _meta, _h1, sections = parse_markdown(path, path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for s in sections:
        if s.heading_path:
            key = s.heading_path[-1].strip()
            out[key] = (out.get(key, "") + " " + normalize(s.text)).strip()
    return out


def passage_text(cite: Citation) -> str | None:
    return _sections(cite.source).get(cite.heading.strip())


def citation_problems(cite: Citation, where: str) -> list[str]:
    if not cite.source.startswith("corpus/") or cite.source.startswith("corpus/practice/"):
        return [f"{where}: cite.source must be a corpus file such as corpus/domain-4/x.md"]
    if not (PROJECT_ROOT / cite.source).is_file():
        return [f"{where}: cite.source {cite.source} does not exist"]
    text = passage_text(cite)
    if text is None:
        return [f"{where}: no heading '{cite.heading}' in {cite.source} (copy the heading text "
                f"exactly, without the #)"]
    return [f"{where}: term '{t}' is not in {cite.source} > {cite.heading}"
            for t in cite.terms if normalize(t) not in text]


# --- checks --------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9'.-]*", text.lower())


def content_words(text: str) -> set[str]:
    return {w.strip(".") for w in _words(text) if w not in _STOP and len(w) > 2}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _valid_sections() -> set[str]:
    ids = {"0.1", "0.2", "0.3", "0.4"}
    for sec in current_guide().sections:
        ids.update(s.id for s in sec.subsections)
    return ids


def item_problems(item: BankItem) -> list[str]:
    p: list[str] = []
    w = item.id or "(no id)"
    if not re.fullmatch(r"q\d\.\d-\d{2,3}", item.id):
        p.append(f"{w}: id must look like q4.1-07")
    if item.section not in _valid_sections():
        p.append(f"{w}: section {item.section!r} is not a subsection of the current guide")
    elif int(item.section.split(".")[0]) != item.domain:
        p.append(f"{w}: domain {item.domain} does not match section {item.section}")
    if item.guide_version != CURRENT_VERSION:
        p.append(f"{w}: guide_version must be {CURRENT_VERSION}")
    if item.difficulty not in DIFFICULTIES:
        p.append(f"{w}: difficulty must be one of {DIFFICULTIES}")
    n = len(item.stem.split())
    if not STEM_WORDS[0] <= n <= STEM_WORDS[1]:
        p.append(f"{w}: stem has {n} words; write {STEM_WORDS[0]}-{STEM_WORDS[1]}")
    keys = item.keys
    m = _CHOOSE.search(item.stem)
    if item.multiple:
        if len(item.options) not in (5, 6):
            p.append(f"{w}: a multiple-select item has 5 or 6 options")
        if m is None or _CHOOSE_N[m.group(1).lower()] != len(keys):
            p.append(f"{w}: a multiple-select stem ends with '(Choose two.)' or '(Choose three.)' "
                     f"matching its {len(keys)} correct options")
    else:
        if len(item.options) != 4:
            p.append(f"{w}: a single-answer item has exactly 4 options")
        if len(keys) != 1:
            p.append(f"{w}: a single-answer item has exactly one correct option")
        if m is not None:
            p.append(f"{w}: '(Choose ...)' in a stem that is not multiple: true")
    texts = [normalize(o.text) for o in item.options]
    if len(set(texts)) != len(texts):
        p.append(f"{w}: two options have the same text")
    rats = [normalize(o.rationale) for o in item.options]
    if len(set(rats)) != len(rats):
        p.append(f"{w}: two options share a rationale; write one per option")
    for i, o in enumerate(item.options):
        where = f"{w} option {'ABCDEF'[i]}"
        if not o.text:
            p.append(f"{where}: empty text")
        if len(o.rationale.split()) < 8:
            p.append(f"{where}: rationale too short (say why it is right or wrong here)")
        if not o.cite.terms:
            p.append(f"{where}: cite.terms needs 1-4 key terms the passage states")
        p.extend(citation_problems(o.cite, where))
    return p


def card_problems(card: DeckCard) -> list[str]:
    p: list[str] = []
    w = card.id or "(no id)"
    if not re.fullmatch(r"c\d\.\d-\d{2,3}", card.id):
        p.append(f"{w}: id must look like c4.1-07")
    if card.section not in _valid_sections():
        p.append(f"{w}: section {card.section!r} is not a subsection of the current guide")
    elif int(card.section.split(".")[0]) != card.domain:
        p.append(f"{w}: domain {card.domain} does not match section {card.section}")
    if not card.front.endswith("?") or len(card.front.split()) < 5:
        p.append(f"{w}: the front is a question of at least 5 words ending with '?'")
    if _DANGLING.match(card.front):
        p.append(f"{w}: the front opens with a word that points outside the card")
    if not card.back or len(card.back.split()) > 40:
        p.append(f"{w}: the back is 1-40 words")
    back = content_words(card.back)
    if back and back <= content_words(card.front):
        p.append(f"{w}: the front already gives the back away")
    if len(card.quote.split()) > 90:
        p.append(f"{w}: the quote is over 90 words; quote the sentence(s) that state the fact")
    problems = citation_problems(card.cite, w)
    p.extend(problems)
    if not problems:
        text = passage_text(card.cite) or ""
        if normalize(card.quote) not in text:
            p.append(f"{w}: the quote is not verbatim in {card.cite.source} > {card.cite.heading}")
    return p


def _near_duplicates(pairs: list[tuple[str, str]], what: str) -> list[str]:
    sets = [(i, content_words(t)) for i, t in pairs]
    out = []
    for a in range(len(sets)):
        for b in range(a + 1, len(sets)):
            if jaccard(sets[a][1], sets[b][1]) >= NEAR_DUPLICATE:
                out.append(f"{sets[a][0]} and {sets[b][0]}: near-duplicate {what}")
    return out


def check_items(items: list[BankItem]) -> list[str]:
    p = [x for it in items for x in item_problems(it)]
    ids = Counter(it.id for it in items)
    p.extend(f"{i}: id used {n} times" for i, n in ids.items() if n > 1)
    p.extend(_near_duplicates([(it.id, it.stem) for it in items], "stems"))
    return p


def check_cards(cards: list[DeckCard]) -> list[str]:
    p = [x for c in cards for x in card_problems(c)]
    ids = Counter(c.id for c in cards)
    p.extend(f"{i}: id used {n} times" for i, n in ids.items() if n > 1)
    p.extend(_near_duplicates([(c.id, c.front) for c in cards], "fronts"))
    return p


def key_is_longest(item: BankItem) -> bool:
    """The longest option (by characters) is a keyed one: the tell test-wise candidates use."""
    longest = max(range(len(item.options)), key=lambda i: len(item.options[i].text))
    return item.options[longest].correct


def bank_stats(items: list[BankItem]) -> dict[str, Any]:
    letters = Counter(ch for it in items for ch in it.key_letters)
    return {
        "items": len(items),
        "multiple_select": sum(it.multiple for it in items),
        "key_longest_share": round(sum(map(key_is_longest, items)) / len(items), 3) if items else 0,
        "key_letters": dict(sorted(letters.items())),
        "per_section": dict(sorted(Counter(it.section for it in items).items())),
        "difficulty": dict(Counter(it.difficulty for it in items)),
    }


@dataclass
class _Report:
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _check_paths(paths: list[Path]) -> _Report:
    r = _Report()
    items: list[BankItem] = []
    cards: list[DeckCard] = []
    for path in paths:
        try:
            if path.parent.name == "cards":
                cards.extend(parse_cards(path))
            else:
                items.extend(parse_items(path))
        except (yaml.YAMLError, ValueError, TypeError) as err:
            r.problems.append(f"{path}: {str(err).splitlines()[0]}")
    if items:
        r.problems.extend(check_items(items))
        r.lines.append(f"items: {bank_stats(items)}")
    if cards:
        r.problems.extend(check_cards(cards))
        r.lines.append(f"cards: {len(cards)} per section "
                       f"{dict(sorted(Counter(c.section for c in cards).items()))}")
    return r


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "check":
        print("usage: python -m assistant.study.bank check [FILE.yaml ...]", file=sys.stderr)
        return 2
    paths = [Path(a) for a in argv[1:]] or sorted(PRACTICE_DIR.glob("*/*.yaml"))
    r = _check_paths(paths)
    for line in r.problems:
        print(line)
    for line in r.lines:
        print(line)
    print(f"{len(r.problems)} problem(s)")
    return 1 if r.problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
