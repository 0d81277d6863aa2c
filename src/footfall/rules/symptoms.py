"""The runner's symptom profile: what goes numb, where, when, and the kit.

A :class:`SymptomProfile` is read from and written to TOML or JSON (by the
file's suffix). Every field is optional: an unanswered question is ``None``
(or empty), and the rules treat it as unknown, never as "no". Values are
checked with clear errors naming the file, the field and the fix.

Only the standard library is imported here, so the ``footfall symptoms``
command starts fast.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import sys
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from footfall.errors import FootfallError, safe_text

__all__ = [
    "BOOL_FIELDS",
    "FEET",
    "FIELD_KINDS",
    "FIELD_LABELS",
    "FIELD_NAMES",
    "FORMAT",
    "HYDRATION",
    "LACING_PATTERNS",
    "LACING_TIGHTNESS",
    "LOCATIONS",
    "LOCATION_LABELS",
    "SOCK_THICKNESS",
    "SOCK_TYPES",
    "SymptomProfile",
    "TOE_BOXES",
    "dumps_json",
    "dumps_toml",
    "field_choices",
    "load_symptoms",
    "save_symptoms",
]


FORMAT = "footfall-symptoms/1"
"""Value of the ``format`` key written to every profile file."""

FEET = ("left", "right", "both")
LOCATIONS = ("toes", "ball", "between_3_4", "top", "sole_arch", "heel", "whole_foot")
"""Where the numbness is felt: toes, ball of the foot, between the 3rd and
4th toes, top of the foot, sole or arch, heel, whole foot."""
TOE_BOXES = ("narrow", "regular", "wide")
LACING_PATTERNS = ("criss-cross", "skip", "window", "parallel", "heel-lock", "other")
LACING_TIGHTNESS = ("loose", "snug", "tight")
SOCK_TYPES = ("cotton", "technical", "wool", "compression")
SOCK_THICKNESS = ("thin", "medium", "thick")
HYDRATION = ("none", "water", "lots-of-water", "electrolytes")
"""What the runner drinks on runs over an hour: nothing, some water, a lot of
plain water, drinks with electrolytes."""


@dataclass(frozen=True)
class SymptomProfile:
    """What the runner feels and wears. ``None`` means "not answered".

    Attributes
    ----------
    foot
        Which foot goes numb: ``left``, ``right`` or ``both``.
    locations
        Where: any of :data:`LOCATIONS`.
    toes
        Which toes, 1 (big toe) to 5 (little toe), when ``toes`` is a location.
    onset_min, onset_km
        When the numbness starts, minutes or kilometres into the run.
    resolves_after_stopping
        Whether it goes away after stopping.
    resolves_within_min
        How long it takes to go away after stopping, minutes.
    at_rest, at_night
        Whether it also comes when not running, or at night.
    burning_pain, sharp_pain, radiating_pain
        Pain with the numbness: burning, sharp, or shooting along the foot/leg.
    pain_when_sensation_returns
        Sharp pain as feeling comes back.
    weakness
        Weakness or loss of control in the foot or ankle.
    back_or_leg_pain
        Pain in the lower back, buttocks or legs.
    lower_leg_tightness
        A tight, full or aching lower leg building up during the run.
    diabetes_or_circulation
        Diabetes or a known circulation problem.
    family_history_neuropathy
        Neuropathy in the family.
    every_run_regardless
        Numbness every run whatever the distance, pace, shoes or lacing.
    persists_after_week_rest
        Not better after a week without running.
    tight_muscles
        Tight calves, hamstrings or glutes, or a tense upper body.
    shoe_size_vs_street
        Running shoe size minus street shoe size, in sizes (0.5 = half a size
        larger).
    toe_box
        ``narrow``, ``regular`` or ``wide``.
    lacing_pattern
        Any of :data:`LACING_PATTERNS`.
    lacing_tightness
        ``loose``, ``snug`` or ``tight``.
    sock_type, sock_thickness
        Any of :data:`SOCK_TYPES`; ``thin``, ``medium`` or ``thick``.
    shoe_age_km
        Distance run in the current shoes, km.
    hydration
        Drinks on runs over an hour: any of :data:`HYDRATION`.
    notes
        Free text, kept as written.
    """

    foot: str | None = None
    locations: tuple[str, ...] = ()
    toes: tuple[int, ...] = ()
    onset_min: float | None = None
    onset_km: float | None = None
    resolves_after_stopping: bool | None = None
    resolves_within_min: float | None = None
    at_rest: bool | None = None
    at_night: bool | None = None
    burning_pain: bool | None = None
    sharp_pain: bool | None = None
    radiating_pain: bool | None = None
    pain_when_sensation_returns: bool | None = None
    weakness: bool | None = None
    back_or_leg_pain: bool | None = None
    lower_leg_tightness: bool | None = None
    diabetes_or_circulation: bool | None = None
    family_history_neuropathy: bool | None = None
    every_run_regardless: bool | None = None
    persists_after_week_rest: bool | None = None
    tight_muscles: bool | None = None
    shoe_size_vs_street: float | None = None
    toe_box: str | None = None
    lacing_pattern: str | None = None
    lacing_tightness: str | None = None
    sock_type: str | None = None
    sock_thickness: str | None = None
    shoe_age_km: float | None = None
    hydration: str | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        # Normalise so a profile built in Python is checked like one read from a file.
        data = _validate(self.to_dict(), path=None)
        for f in fields(self):
            object.__setattr__(self, f.name, data[f.name])

    # ------------------------------------------------------------------ io

    def to_dict(self) -> dict[str, Any]:
        """Every field, lists for the tuples; JSON-ready."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, path: str | None = None) -> SymptomProfile:
        """A profile from a dict (a parsed TOML or JSON file).

        Parameters
        ----------
        data
            Field names to values; ``format`` is accepted and checked; unknown
            keys are errors (a misspelt field would otherwise be ignored).
        path
            The file it came from, named in error messages.

        Raises
        ------
        FootfallError
            A key is unknown or a value has the wrong type or is not allowed.
        """
        if not isinstance(data, dict):
            raise FootfallError(
                "a symptom profile must be a table of fields",
                path=path,
                fix="see docs/rules.md for an example profile",
            )
        data = dict(data)
        fmt = data.pop("format", FORMAT)
        if fmt != FORMAT:
            raise FootfallError(
                f"format: unknown profile format {fmt!r}", path=path, fix=f"use format = {FORMAT!r}"
            )
        return cls(**_validate(data, path=path))

    def answered(self) -> dict[str, Any]:
        """The fields that were answered (not None, not empty)."""
        return {k: v for k, v in self.to_dict().items() if v not in (None, "", [])}


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(SymptomProfile))

_CHOICES: dict[str, tuple[str, ...]] = {
    "foot": FEET,
    "toe_box": TOE_BOXES,
    "lacing_pattern": LACING_PATTERNS,
    "lacing_tightness": LACING_TIGHTNESS,
    "sock_type": SOCK_TYPES,
    "sock_thickness": SOCK_THICKNESS,
    "hydration": HYDRATION,
}
_NON_NEGATIVE = ("onset_min", "onset_km", "resolves_within_min", "shoe_age_km")
_FLOATS = (*_NON_NEGATIVE, "shoe_size_vs_street")
BOOL_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(SymptomProfile) if f.type == "bool | None"
)
"""Yes/no questions (``None`` = not answered)."""
FIELD_KINDS: dict[str, str] = {
    **{k: "choice" for k in _CHOICES},
    **{k: "bool" for k in BOOL_FIELDS},
    **{k: "number" for k in _FLOATS},
    "locations": "choices",
    "toes": "toes",
    "notes": "text",
}
"""The kind of value each field takes: choice, choices, toes, bool, number, text."""


FIELD_LABELS: dict[str, str] = {
    "foot": "numb foot",
    "locations": "where",
    "toes": "toes",
    "onset_min": "numbness starts after (min)",
    "onset_km": "numbness starts after (km)",
    "resolves_after_stopping": "goes away after stopping",
    "resolves_within_min": "goes away within (min)",
    "at_rest": "numb at rest",
    "at_night": "numb at night",
    "burning_pain": "burning pain",
    "sharp_pain": "sharp pain",
    "radiating_pain": "radiating pain",
    "pain_when_sensation_returns": "sharp pain as feeling returns",
    "weakness": "weakness or loss of control",
    "back_or_leg_pain": "back, buttock or leg pain",
    "lower_leg_tightness": "lower-leg tightness during runs",
    "diabetes_or_circulation": "diabetes or circulation problems",
    "family_history_neuropathy": "neuropathy in the family",
    "every_run_regardless": "numb every run whatever changes",
    "persists_after_week_rest": "not better after a week of rest",
    "tight_muscles": "tight calves, hamstrings or glutes",
    "shoe_size_vs_street": "running shoe size vs street shoes",
    "toe_box": "toe box",
    "lacing_pattern": "lacing pattern",
    "lacing_tightness": "lacing tightness",
    "sock_type": "socks",
    "sock_thickness": "sock thickness",
    "shoe_age_km": "shoe age (km)",
    "hydration": "drinks on long runs",
    "notes": "notes",
}
"""Short plain-language label of each field, for evidence and reports."""

LOCATION_LABELS: dict[str, str] = {
    "toes": "toes",
    "ball": "ball of the foot",
    "between_3_4": "between the 3rd and 4th toes",
    "top": "top of the foot",
    "sole_arch": "sole or arch",
    "heel": "heel",
    "whole_foot": "whole foot",
}


def field_choices(name: str) -> tuple[Any, ...]:
    """The allowed values of a choice field (``()`` for other fields)."""
    if name == "locations":
        return LOCATIONS
    if name == "toes":
        return (1, 2, 3, 4, 5)
    return _CHOICES.get(name, ())


def _bad(path: str | None, key: str, problem: str, fix: str) -> FootfallError:
    return FootfallError(f"symptom profile field {key!r}: {problem}", path=path, fix=fix)


def _validate(data: dict[str, Any], *, path: str | None) -> dict[str, Any]:
    """Checked and normalised field values (tuples for lists, floats for numbers)."""
    out: dict[str, Any] = {f.name: f.default for f in fields(SymptomProfile)}
    for key, value in data.items():
        if key not in out:
            close = difflib.get_close_matches(str(key), FIELD_NAMES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise _bad(path, key, "unknown field", f"{hint}known fields: {', '.join(FIELD_NAMES)}")
        kind = FIELD_KINDS[key]
        if value is None or (kind == "choice" and value == ""):
            out[key] = () if kind in ("choices", "toes") else ("" if kind == "text" else None)
            continue
        if kind == "choice":
            choices = _CHOICES[key]
            if not isinstance(value, str) or value not in choices:
                raise _bad(
                    path,
                    key,
                    f"{value!r} is not one of {', '.join(choices)}",
                    f"use one of {', '.join(choices)}",
                )
            out[key] = value
        elif kind == "bool":
            if not isinstance(value, bool):
                raise _bad(
                    path,
                    key,
                    f"{value!r} is not true or false",
                    "write true or false (TOML/JSON booleans, without quotes)",
                )
            out[key] = value
        elif kind == "number":
            if (
                isinstance(value, int)
                and not isinstance(value, bool)
                and abs(value) > sys.float_info.max
            ):
                raise _bad(
                    path,
                    key,
                    f"a number of {len(str(abs(value)))} digits is too large",
                    "write a plain number",
                )
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(float(value))
            ):
                raise _bad(path, key, f"{value!r} is not a number", "write a plain number")
            if key in _NON_NEGATIVE and value < 0:
                raise _bad(path, key, f"{value} is negative", "give zero or a positive number")
            out[key] = float(value)
        elif kind == "choices":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, (list, tuple)) or any(
                not isinstance(v, str) or v not in LOCATIONS for v in items
            ):
                raise _bad(
                    path,
                    key,
                    f"{value!r} is not a list of {', '.join(LOCATIONS)}",
                    f'e.g. locations = ["toes", "ball"]; allowed: {", ".join(LOCATIONS)}',
                )
            out[key] = tuple(dict.fromkeys(items))
        elif kind == "toes":
            items = [value] if isinstance(value, int) else value
            if not isinstance(items, (list, tuple)) or any(
                isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 5 for v in items
            ):
                raise _bad(
                    path,
                    key,
                    f"{value!r} is not a list of toe numbers 1-5",
                    "e.g. toes = [3, 4] (1 = big toe, 5 = little toe)",
                )
            out[key] = tuple(sorted(set(items)))
        else:  # text
            if not isinstance(value, str):
                raise _bad(path, key, f"{value!r} is not text", "write it in quotes")
            out[key] = value
    return out


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def load_symptoms(path: str | os.PathLike[str]) -> SymptomProfile:
    """Read a symptom profile from a ``.toml`` or ``.json`` file.

    Raises
    ------
    FootfallError
        The file is missing, unreadable, not valid TOML/JSON, or a field is wrong.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise FootfallError(
            "a symptom profile must be a .toml or .json file",
            path=str(p),
            fix="write one with: footfall symptoms -o symptoms.toml",
        )
    from footfall.io.text import read_user_text

    text = read_user_text(
        p, what="symptom profile", fix="write one with: footfall symptoms -o symptoms.toml"
    )
    from footfall.rules.filetext import REPEATED_FIX, RepeatedKeyError, loads_json, toml_problem

    try:
        data = tomllib.loads(text) if suffix == ".toml" else loads_json(text)
    except tomllib.TOMLDecodeError as e:
        problem, repeated = toml_problem(text, e)
        raise FootfallError(
            problem,
            path=str(p),
            fix=REPEATED_FIX
            if repeated
            else "fix the syntax, or write a new profile with footfall symptoms -o FILE",
        ) from None
    except json.JSONDecodeError as e:
        raise FootfallError(
            f"not valid JSON: {e}",
            path=str(p),
            fix="fix the syntax, or write a new profile with footfall symptoms -o FILE",
        ) from None
    except RepeatedKeyError as e:
        raise FootfallError(
            f"key {safe_text(e.key, 60)!r} is given twice (a key may be set only once)",
            path=str(p),
            fix=REPEATED_FIX,
        ) from None
    except RecursionError:
        raise FootfallError(
            f"is nested too deeply to be a symptom profile ({suffix[1:].upper()})",
            path=str(p),
            fix="write a new profile with footfall symptoms -o FILE",
        ) from None
    except ValueError as e:  # e.g. an integer of thousands of digits
        raise FootfallError(
            f"holds a value that cannot be read: {str(e)[:120]}",
            path=str(p),
            fix="write a new profile with footfall symptoms -o FILE",
        ) from None
    return SymptomProfile.from_dict(data, path=str(p))


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        # a JSON string is a TOML basic string, but for DEL (U+007F), which
        # JSON leaves as it is and TOML forbids unescaped
        return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007F")
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dumps_toml(profile: SymptomProfile) -> str:
    """The profile as TOML text: answered fields only, in field order."""
    lines = [f"format = {_toml_value(FORMAT)}"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in profile.answered().items()]
    return "\n".join(lines) + "\n"


def dumps_json(profile: SymptomProfile) -> str:
    """The profile as JSON text: answered fields only."""
    return json.dumps({"format": FORMAT, **profile.answered()}, indent=2) + "\n"


def save_symptoms(profile: SymptomProfile, path: str | Path) -> None:
    """Write a profile as TOML or JSON (by the suffix of ``path``).

    Raises
    ------
    FootfallError
        Unknown suffix, or the file cannot be written.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise FootfallError(
            "the profile file must end in .toml or .json", path=str(p), fix="e.g. -o symptoms.toml"
        )
    text = dumps_toml(profile) if suffix == ".toml" else dumps_json(profile)
    try:
        p.write_text(text, encoding="utf-8")
    except OSError as e:
        raise FootfallError(
            f"cannot write: {e.strerror or e}",
            path=str(p),
            fix="check that the folder exists and is writable",
        ) from None
