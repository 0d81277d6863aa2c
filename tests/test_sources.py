"""Every citation in the rules resolves to a readable entry in docs/sources.md.

The rules file names sources by key; docs/sources.md has one entry per key
(an ``<a id="key"></a>`` anchor, a heading, the full reference, what footfall
takes from it and the rules that use it); docs/rules.md links every cited key
to that entry. The checks below run on the shipped files, and on altered
copies to show that they catch each kind of break.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from footfall.rules import load_rules
from footfall.rules.doc import SOURCES_DOC, render_markdown
from footfall.rules.ruleset import default_rules_text

ROOT = Path(__file__).resolve().parents[1]
SOURCES_MD = ROOT / "docs" / "sources.md"
RULES_MD = ROOT / "docs" / "rules.md"

ANCHOR = re.compile(r'^<a id="([^"]+)"></a>\s*$', re.MULTILINE)
BACKGROUND = "background"


def entries(text: str) -> dict[str, str]:
    """Source entries of docs/sources.md by key: the text from an anchor to the next
    anchor or level-2 heading."""
    found = list(ANCHOR.finditer(text))
    keys = [m.group(1) for m in found]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"docs/sources.md repeats the anchors {duplicates}"
    out = {}
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        body = text[m.end() : end]
        cut = re.search(r"^## ", body, re.MULTILINE)
        out[m.group(1)] = body[: cut.start()] if cut else body
    return out


def field(entry: str, name: str) -> str:
    """The text after ``**name:**`` up to the next blank line ('' when absent)."""
    m = re.search(
        rf"^\*\*{re.escape(name)}:\*\*(.*?)(?:\n\s*\n|\Z)", entry, re.MULTILINE | re.DOTALL
    )
    return " ".join(m.group(1).split()) if m else ""


def links(citation: str) -> set[str]:
    """DOIs and URLs in a citation, without trailing punctuation."""
    found = re.findall(r"doi:\S+|https?://\S+", citation)
    return {f.rstrip(".,;:)'") for f in found}


def problems(rules_data: dict, sources_md: str, rules_md: str) -> list[str]:
    """Everything that keeps a rule citation from resolving to a readable source."""
    out = []
    sources = rules_data.get("sources", {})
    cited: dict[str, set[str]] = {}
    for rule in rules_data["rule"]:
        for key in rule["sources"]:
            cited.setdefault(key, set()).add(rule["id"])
            if key not in sources:
                out.append(f"rule {rule['id']} cites {key!r}, which [sources] lacks")
    for key, src in sources.items():
        if key.startswith("brief-") or src.get("kind") == "brief":
            out.append(f"{key!r} points to the internal domain brief, which users cannot read")
    by_key = entries(sources_md)
    for key, src in sources.items():
        entry = by_key.get(key)
        if entry is None:
            out.append(f"{key!r} has no entry in docs/sources.md")
            continue
        if not re.search(rf"^### `?{re.escape(key)}`?\s*$", entry, re.MULTILINE):
            out.append(f"the entry {key!r} has no heading naming its key")
        if len(field(entry, "Reference")) < 20:
            out.append(f"the entry {key!r} has no full reference")
        if len(field(entry, "What footfall takes from it")) < 20:
            out.append(f"the entry {key!r} does not say what footfall takes from it")
        for link in sorted(links(src["citation"])):
            if link.removeprefix("doi:") not in entry:
                out.append(f"the entry {key!r} lacks {link} from the rules file's citation")
        used_by = field(entry, "Used by")
        listed = set(re.findall(r"`([^`]+)`", used_by))
        if listed != cited.get(key, set()):
            out.append(
                f"the entry {key!r} lists rules {sorted(listed)}, "
                f"the rules file has {sorted(cited.get(key, set()))}"
            )
    for key, entry in by_key.items():
        if key in sources:
            continue
        if field(entry, "Used by").lower() != BACKGROUND:
            out.append(
                f"docs/sources.md has {key!r}, which no rule cites "
                f"and which is not marked '**Used by:** {BACKGROUND}'"
            )
        elif len(field(entry, "Reference")) < 20:
            out.append(f"the background entry {key!r} has no full reference")
    rule_anchors = [(m.group(1), m.end()) for m in ANCHOR.finditer(rules_md)]
    sections = {
        rid: rules_md[
            start : (rule_anchors[i + 1][1] if i + 1 < len(rule_anchors) else len(rules_md))
        ]
        for i, (rid, start) in enumerate(rule_anchors)
    }
    for rule in rules_data["rule"]:
        section = sections.get(rule["id"])
        if section is None:
            out.append(f"docs/rules.md has no section for {rule['id']}")
            continue
        line = next((ln for ln in section.splitlines() if ln.startswith("Sources: ")), "")
        for key in rule["sources"]:
            if f"]({SOURCES_DOC}#{key})" not in line:
                out.append(
                    f"docs/rules.md does not link {rule['id']}'s source {key!r} "
                    f"to {SOURCES_DOC}#{key}"
                )
    for target in re.findall(rf"\]\({re.escape(SOURCES_DOC)}#([^)]+)\)", rules_md):
        if target not in by_key:
            out.append(f"docs/rules.md links {SOURCES_DOC}#{target}, which has no anchor")
    return out


@pytest.fixture(scope="module")
def shipped():
    return (
        tomllib.loads(default_rules_text()),
        SOURCES_MD.read_text(encoding="utf-8"),
        RULES_MD.read_text(encoding="utf-8"),
    )


def test_every_citation_resolves_in_the_shipped_docs(shipped):
    assert problems(*shipped) == []


def test_shipped_rules_cite_only_known_sources_and_no_brief(shipped):
    data, _, _ = shipped
    used = {k for r in data["rule"] for k in r["sources"]}
    assert used <= set(data["sources"])
    assert not [k for k in used | set(data["sources"]) if k.startswith("brief-")]
    assert {src["kind"] for src in data["sources"].values()} <= {"paper", "manual", "web"}
    # the loaded rule set (what findings carry as source_keys) agrees with the file
    rules = load_rules()
    assert {k for r in rules.rules for k in r.sources} == used


def test_every_rule_cites_a_source_beyond_consumer_articles_or_says_why(shipped):
    # consumer articles may carry a rule alone only where the rule says the link is
    # weak or merely plausible
    data, sources_md, _ = shipped
    by_key = entries(sources_md)
    for rule in data["rule"]:
        kinds = {
            field(by_key[k], "Type").lower().startswith("consumer article") for k in rule["sources"]
        }
        if kinds == {True}:
            assert rule["evidence_strength"] in ("weak", "plausible"), rule["id"]


def test_rules_md_is_what_the_shipped_rules_render(shipped):
    assert shipped[2] == render_markdown(load_rules())


def _without_entry(text: str, key: str) -> str:
    parts = entries(text)
    return text.replace(f'<a id="{key}"></a>' + parts[key], "")


@pytest.mark.parametrize(
    "break_it, expected",
    [
        # a rule cites a key the [sources] table lacks
        (
            lambda d, s, r: (d["rule"][0]["sources"].append("nowhere"), (d, s, r))[1],
            "cites 'nowhere', which [sources] lacks",
        ),
        # the internal brief comes back
        (
            lambda d, s, r: (
                d["sources"].update({"brief-causes": {"kind": "brief", "citation": "x"}}),
                (d, s, r),
            )[1],
            "'brief-causes' points to the internal domain brief",
        ),
        # an entry is missing from docs/sources.md
        (
            lambda d, s, r: (d, _without_entry(s, "jensen2019"), r),
            "'jensen2019' has no entry in docs/sources.md",
        ),
        # an entry lost its reference
        (
            lambda d, s, r: (
                d,
                re.sub(
                    r"(?<=<a id=\"joy2015\"></a>)(.*?)\*\*Reference:\*\*[^\n]*",
                    r"\1**Reference:**",
                    s,
                    count=1,
                    flags=re.DOTALL,
                ),
                r,
            ),
            "the entry 'joy2015' has no full reference",
        ),
        # the DOI in the rules file and the one in docs/sources.md disagree
        (
            lambda d, s, r: (d, s.replace("10.1136/bmj.l6273", "10.1136/bmj.l0000"), r),
            "the entry 'jensen2019' lacks doi:10.1136/bmj.l6273",
        ),
        # an entry no rule cites, not marked as background
        (
            lambda d, s, r: (
                d,
                s + '\n<a id="orphan2020"></a>\n### orphan2020\n\n'
                "**Reference:** Someone (2020). A paper nobody cites. Journal 1: 1-2.\n\n"
                "**Used by:** nothing.\n",
                r,
            ),
            "'orphan2020', which no rule cites",
        ),
        # a rule drops a source but docs/sources.md still lists it as used
        (
            lambda d, s, r: (
                d["rule"][[x["id"] for x in d["rule"]].index("hydration")].update(
                    sources=["jensen2019"]
                ),
                (d, s, r),
            )[1],
            "the entry 'jensen2019' lists rules",
        ),
        # docs/rules.md links a rule's source somewhere other than docs/sources.md
        (
            lambda d, s, r: (d, s, r.replace("](sources.md#buerba2019)", "](#buerba2019)")),
            "does not link lower-leg-pressure-pattern's source 'buerba2019'",
        ),
    ],
)
def test_the_checks_catch_each_kind_of_break(shipped, break_it, expected):
    data = tomllib.loads(default_rules_text())
    found = problems(*break_it(data, shipped[1], shipped[2]))
    assert any(expected in p for p in found), found


def test_a_background_entry_is_allowed_without_a_citing_rule(shipped):
    data, sources_md, rules_md = shipped
    extra = (
        '\n<a id="hohmann2016"></a>\n### hohmann2016\n\n'
        "**Reference:** Hohmann E., Reaburn P., Tetsworth K., Imhoff A. (2016). Plantar "
        "pressures during long distance running. Journal of Sports Science and "
        "Medicine 15: 254-262.\n\n**What footfall takes from it:** context only.\n\n"
        "**Used by:** background\n"
    )
    assert problems(data, sources_md + extra, rules_md) == []
