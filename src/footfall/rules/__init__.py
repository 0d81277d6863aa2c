"""The rules layer: symptom profile + run summary -> findings about numbness.

Rules are data (``rules.toml``, documented in docs/rules.md), interpreted by
a pure engine. The Python API::

    import footfall
    from footfall.rules import evaluate, load_symptoms

    result = footfall.analyze("myrun/")
    findings = evaluate(result.summary, result.steps, symptoms=load_symptoms("me.toml"))
    for f in findings:                      # red flags first
        print(f.severity, f.title, f.evidence, f.suggestions[0])

``footfall analyze PATH --symptoms FILE [--rules FILE]`` does the same and
puts the findings in the summary JSON (``findings``).
"""

from importlib import import_module
from typing import Any

# Loaded on first use (PEP 562): ``footfall --help`` imports footfall.rules.cli,
# which must not pull in NumPy.
_EXPORTS = {
    "Finding": "footfall.rules.engine",
    "evaluate": "footfall.rules.engine",
    "findings_json": "footfall.rules.engine",
    "RuleSet": "footfall.rules.ruleset",
    "load_rules": "footfall.rules.ruleset",
    "SymptomProfile": "footfall.rules.symptoms",
    "load_symptoms": "footfall.rules.symptoms",
    "save_symptoms": "footfall.rules.symptoms",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'footfall.rules' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
