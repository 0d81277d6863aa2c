"""Symptom profile: fields, validation, TOML/JSON files, and the questionnaire
driven through a real ``footfall symptoms`` process with piped answers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.errors import FootfallError
from footfall.rules.cli import QUESTIONS
from footfall.rules.symptoms import (
    FIELD_KINDS,
    FIELD_NAMES,
    LOCATIONS,
    SymptomProfile,
    field_choices,
    load_symptoms,
    save_symptoms,
)

ISSUE_FIELDS = {
    "foot",
    "locations",
    "toes",
    "onset_min",
    "onset_km",
    "resolves_after_stopping",
    "resolves_within_min",
    "at_rest",
    "at_night",
    "burning_pain",
    "sharp_pain",
    "weakness",
    "back_or_leg_pain",
    "diabetes_or_circulation",
    "shoe_size_vs_street",
    "toe_box",
    "lacing_pattern",
    "lacing_tightness",
    "sock_type",
    "sock_thickness",
    "shoe_age_km",
    "hydration",
}


def test_profile_has_every_field_of_the_issue_and_every_field_is_asked():
    assert ISSUE_FIELDS <= set(FIELD_NAMES)
    assert {"toes", "ball", "between_3_4", "top", "sole_arch", "heel", "whole_foot"} == set(
        LOCATIONS
    )
    assert [q[0] for q in QUESTIONS] == list(FIELD_NAMES)


def _value(kind: str, name: str):
    if kind == "bool":
        return st.booleans()
    if kind == "number":
        lo = -3.0 if name == "shoe_size_vs_street" else 0.0
        return st.floats(min_value=lo, max_value=1e4, allow_nan=False)
    if kind == "text":
        return st.text(max_size=40)
    if kind == "choice":
        return st.sampled_from(field_choices(name))
    return st.lists(st.sampled_from(field_choices(name)), unique=True, max_size=5)


profiles = st.fixed_dictionaries(
    {}, optional={n: st.one_of(st.none(), _value(FIELD_KINDS[n], n)) for n in FIELD_NAMES}
)


@settings(max_examples=60, deadline=None)
@given(profiles, st.sampled_from([".toml", ".json"]))
def test_file_round_trip(tmp_path_factory, data, suffix):
    profile = SymptomProfile.from_dict(data)
    path = tmp_path_factory.mktemp("p") / f"me{suffix}"
    save_symptoms(profile, path)
    assert load_symptoms(path) == profile


@pytest.mark.parametrize("text", ["del \x7f char", 'tab\tquote" back\\ nl\n bell\x07', "é ü 😀"])
def test_notes_with_any_character_round_trip_through_toml(tmp_path, text):
    """TOML forbids DEL and other control characters unescaped in a basic
    string (the property test above once drew a DEL in the notes)."""
    profile = SymptomProfile.from_dict({"notes": text})
    path = tmp_path / "me.toml"
    save_symptoms(profile, path)
    assert load_symptoms(path) == profile


@pytest.mark.parametrize(
    "data, words",
    [
        ({"foot": "middle"}, ["'foot'", "left, right, both"]),
        ({"locations": ["toes", "ankle"]}, ["'locations'", "between_3_4"]),
        ({"toes": [0, 6]}, ["'toes'", "1-5"]),
        ({"onset_min": -5}, ["'onset_min'", "negative"]),
        ({"onset_min": "ten"}, ["'onset_min'", "not a number"]),
        ({"at_night": "yes"}, ["'at_night'", "true or false"]),
        ({"burning": True}, ["'burning'", "unknown field", "did you mean 'burning_pain'"]),
        ({"format": "other/2"}, ["unknown profile format"]),
    ],
)
def test_bad_fields_are_named_with_a_fix(tmp_path, data, words):
    path = tmp_path / "me.json"
    path.write_text(json.dumps(data))
    with pytest.raises(FootfallError) as e:
        load_symptoms(path)
    assert e.value.path == str(path) and e.value.fix
    for w in words:
        assert w in e.value.message


def test_bad_files(tmp_path):
    with pytest.raises(FootfallError, match="no such symptom profile"):
        load_symptoms(tmp_path / "none.toml")
    with pytest.raises(FootfallError, match=".toml or .json"):
        load_symptoms(tmp_path / "me.yaml")
    broken = tmp_path / "broken.toml"
    broken.write_text("foot = left\n")
    with pytest.raises(FootfallError, match="not valid TOML"):
        load_symptoms(broken)


def test_a_profile_built_in_python_is_checked_too():
    with pytest.raises(FootfallError, match="'hydration'"):
        SymptomProfile(hydration="beer")
    p = SymptomProfile(locations=["toes", "toes"], toes=[4, 3])
    assert p.locations == ("toes",) and p.toes == (3, 4)


# --------------------------------------------------------------------------
# The questionnaire through a real process
# --------------------------------------------------------------------------

ANSWERS = [
    "1",  # foot: left
    "1, between_3_4",  # locations: toes, between the 3rd and 4th toes
    "3 4",  # which toes
    "",  # onset in minutes: skipped, so km is asked
    "2.5",  # onset km
    "maybe",
    "y",  # resolves after stopping: a bad answer is asked again
    "5",  # resolves within min
    "n",
    "",
    "yes",
    "n",
    "",
    "",
    "n",
    "n",
    "",
    "n",
    "",
    "",
    "",
    "y",
    # at_rest .. tight_muscles
    "0.5",
    "narrow",
    "1",
    "tight",
    "cotton",
    "3",
    "450",
    "lots-of-water",
    "left worse than right",
]
EXPECTED = {
    "foot": "left",
    "locations": ["toes", "between_3_4"],
    "toes": [3, 4],
    "onset_km": 2.5,
    "resolves_after_stopping": True,
    "resolves_within_min": 5.0,
    "at_rest": False,
    "burning_pain": True,
    "sharp_pain": False,
    "weakness": False,
    "back_or_leg_pain": False,
    "diabetes_or_circulation": False,
    "tight_muscles": True,
    "shoe_size_vs_street": 0.5,
    "toe_box": "narrow",
    "lacing_pattern": "criss-cross",
    "lacing_tightness": "tight",
    "sock_type": "cotton",
    "sock_thickness": "thick",
    "shoe_age_km": 450.0,
    "hydration": "lots-of-water",
    "notes": "left worse than right",
}


def _symptoms(*args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "footfall", "symptoms", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_questionnaire_with_piped_answers(tmp_path, suffix):
    out = tmp_path / f"me{suffix}"
    r = _symptoms("-o", str(out), stdin="\n".join(ANSWERS) + "\n")
    assert r.returncode == 0, r.stderr
    assert "answer y or n" in r.stdout  # the bad answer was explained
    assert load_symptoms(out).answered() == EXPECTED
    check = _symptoms("--check", str(out))
    assert check.returncode == 0 and "a valid symptom profile" in check.stdout


def test_questionnaire_stopping_early_writes_nothing(tmp_path):
    out = tmp_path / "me.toml"
    r = _symptoms("-o", str(out), stdin="1\n")
    assert r.returncode == 2 and "ended before the last question" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_questionnaire_refuses_to_overwrite(tmp_path):
    out = tmp_path / "me.toml"
    out.write_text('foot = "left"\n')
    r = _symptoms("-o", str(out), stdin="\n" * len(QUESTIONS))
    assert r.returncode == 2 and "--force" in r.stderr
    r = _symptoms("-o", str(out), "--force", stdin="\n" * len(QUESTIONS))
    assert r.returncode == 0 and load_symptoms(out).answered() == {}


def test_check_reports_a_bad_profile(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('toe_box = "huge"\n')
    r = _symptoms("--check", str(bad))
    assert r.returncode == 2 and "'toe_box'" in r.stderr and "Traceback" not in r.stderr
