"""The ``footfall symptoms`` subcommand: a questionnaire that writes a symptom profile.

It asks one question per line on standard input, so it works at a terminal
and with answers piped in (one answer per line; an empty line skips a
question). ``--check FILE`` validates an existing profile instead.

Only the standard library is imported at import time: ``footfall --help``
builds this parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "EPILOG",
    "QUESTIONS",
    "add_parser",
    "ask",
    "run",
]


EPILOG = """examples:
  footfall symptoms -o symptoms.toml
      answer the questions; press Enter to skip one
  footfall symptoms -o symptoms.json < answers.txt
      answers piped in, one per line
  footfall symptoms --check symptoms.toml
      check a profile written by hand
  footfall analyze myrun --symptoms symptoms.toml
      use it: findings with your symptoms
"""

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("foot", "Which foot goes numb?"),
    ("locations", "Where do you feel it? (several allowed, separated by commas)"),
    ("toes", "Which toes? 1 = big toe ... 5 = little toe (several allowed)"),
    ("onset_min", "How many minutes into a run does it start? (Enter to give km instead)"),
    ("onset_km", "How many km into a run does it start?"),
    ("resolves_after_stopping", "Does it go away after you stop running?"),
    ("resolves_within_min", "How many minutes after stopping until it is gone?"),
    ("at_rest", "Do you also feel it when not running, at rest?"),
    ("at_night", "Do you feel it at night?"),
    ("burning_pain", "Is there burning pain?"),
    ("sharp_pain", "Is there sharp pain?"),
    ("radiating_pain", "Does pain shoot along the foot or up the leg?"),
    ("pain_when_sensation_returns", "Is it sharply painful when the feeling comes back?"),
    ("weakness", "Any weakness or loss of control in the foot or ankle (slapping, tripping)?"),
    ("back_or_leg_pain", "Any pain in the lower back, buttocks or legs?"),
    ("lower_leg_tightness", "Does your lower leg get tight, full or achy during runs?"),
    ("diabetes_or_circulation", "Do you have diabetes or a circulation problem?"),
    ("family_history_neuropathy", "Does anyone in your family have neuropathy?"),
    ("every_run_regardless", "Does it happen every run, whatever distance, pace, shoes or lacing?"),
    ("persists_after_week_rest", "Has it stayed after a week without running?"),
    ("tight_muscles", "Are your calves, hamstrings or glutes often tight?"),
    ("shoe_size_vs_street", "Running shoe size minus street shoe size (e.g. 0, 0.5, 1, -0.5)?"),
    ("toe_box", "How roomy is the toe box of your running shoes?"),
    ("lacing_pattern", "How are your shoes laced?"),
    ("lacing_tightness", "How tight do you tie them?"),
    ("sock_type", "What socks do you run in?"),
    ("sock_thickness", "How thick are they?"),
    ("shoe_age_km", "Roughly how many km have you run in these shoes?"),
    ("hydration", "What do you drink on runs over an hour?"),
    ("notes", "Anything else? (free text)"),
)
"""The questionnaire: one question per profile field, in the order asked."""


def _skip(name: str, answers: dict[str, Any]) -> bool:
    """Questions that only make sense after certain answers."""
    if name == "toes":
        return "toes" not in answers.get("locations", ())
    if name == "onset_km":
        return answers.get("onset_min") is not None
    if name == "resolves_within_min":
        return answers.get("resolves_after_stopping") is not True
    return False


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``symptoms`` subcommand to a ``subparsers`` object."""
    p = subparsers.add_parser(
        "symptoms",
        parents=list(parents or []),
        help="answer a short questionnaire about your numbness; writes a symptom profile",
        description="Ask where, when and how your foot goes numb, and about your shoes, "
        "laces, socks and drinks, and write the answers as a symptom profile "
        "(TOML or JSON) for footfall analyze --symptoms.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-o", "--out", metavar="FILE", help="profile to write (.toml or .json)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.add_argument(
        "--check",
        metavar="FILE",
        help="validate an existing profile and print it, instead of asking",
    )
    p.set_defaults(func=run)
    return p


def _parse(name: str, kind: str, text: str, choices: tuple[Any, ...]) -> Any:
    """An answer as the field's value; ValueError with a hint when it does not fit."""
    if kind == "text":
        return text
    if kind == "bool":
        t = text.lower()
        if t in ("y", "yes", "true"):
            return True
        if t in ("n", "no", "false"):
            return False
        raise ValueError("answer y or n (Enter to skip)")
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise ValueError("answer with a number, e.g. 15 or 2.5") from None

    def one(token: str) -> Any:
        if token.isdigit() and kind != "toes" and 1 <= int(token) <= len(choices):
            return choices[int(token) - 1]
        if kind == "toes":
            if token.isdigit() and int(token) in choices:
                return int(token)
            raise ValueError("give toe numbers from 1 (big toe) to 5, e.g. 3, 4")
        if token in choices:
            return token
        raise ValueError(f"{token!r} is not one of the options; give its number or name")

    if kind == "choice":
        return one(text)
    tokens = [t for t in text.replace(",", " ").split() if t]
    return [one(t) for t in tokens]


def ask(read: Callable[[], str], write: Callable[[str], None]) -> dict[str, Any]:
    """Run the questionnaire.

    Parameters
    ----------
    read
        Returns the next answer line (raises EOFError at the end of input).
    write
        Shows text to the runner.

    Returns
    -------
    dict
        The answered fields (unanswered ones left out).
    """
    from footfall.rules.symptoms import FIELD_KINDS, LOCATION_LABELS, field_choices

    answers: dict[str, Any] = {}
    write("About the numbness in your feet. Press Enter to skip any question.\n")
    for name, question in QUESTIONS:
        if _skip(name, answers):
            continue
        kind = FIELD_KINDS[name]
        choices = field_choices(name)
        lines = [question]
        if kind in ("choice", "choices"):
            labels = LOCATION_LABELS if name == "locations" else {}
            lines.append(
                "  " + "  ".join(f"{i}) {labels.get(c, c)}" for i, c in enumerate(choices, 1))
            )
        elif kind == "bool":
            lines[0] += " [y/n]"
        while True:
            write("\n".join(lines) + "\n> ")
            text = read().strip()
            if not text:
                break
            try:
                answers[name] = _parse(name, kind, text, choices)
                break
            except ValueError as e:
                write(f"  {e}\n")
    return answers


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; returns the exit code."""
    from footfall.errors import FootfallError
    from footfall.rules.symptoms import SymptomProfile, dumps_toml, load_symptoms, save_symptoms

    if args.check:
        profile = load_symptoms(args.check)
        sys.stdout.write(f"{args.check}: a valid symptom profile\n" + dumps_toml(profile))
        return 0
    if not args.out:
        raise FootfallError(
            "no output file", fix="give the profile to write with -o FILE (.toml or .json)"
        )
    out = Path(args.out)
    if out.suffix.lower() not in (".toml", ".json"):
        raise FootfallError(
            "the profile file must end in .toml or .json",
            path=args.out,
            fix="e.g. -o symptoms.toml",
        )
    if out.exists() and not args.force:
        raise FootfallError(
            "already exists", path=args.out, fix="give another name, or --force to overwrite it"
        )
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise FootfallError(
            f"folder {str(out.parent)!r} does not exist",
            path=args.out,
            fix="create it first or give another path",
        )

    def read() -> str:
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    try:
        answers = ask(read, write)
    except EOFError:
        raise FootfallError(
            "the answers ended before the last question; nothing was written",
            fix="answer every question (an empty line skips one)",
        ) from None
    profile = SymptomProfile.from_dict(answers)
    save_symptoms(profile, out)
    write(
        f"\nWrote {out} ({len(profile.answered())} answers). "
        f"Use it with: footfall analyze RECORDING --symptoms {out}\n"
    )
    return 0
