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

from footfall._lazy import lazy_exports

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
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
