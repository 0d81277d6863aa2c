"""The package's imports follow the data flow (docs/architecture.md):
io -> gait -> summary -> rules -> report, with the live path beside it;
no module reaches into another's private names; no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "footfall"

ALLOWED: dict[str, set[str]] = {
    "registry": set(),
    "errors": set(),
    "table": set(),
    "model": {"registry", "errors", "table"},
    "io": {"errors", "model", "table", "_memory"},
    "gait": {"model", "table", "registry", "errors"},
    "summary": {"model", "registry"},
    "rules": {"errors", "io", "registry", "model", "_lazy"},
    "pipeline": {"io", "gait", "summary", "rules", "model", "table", "errors", "_memory"},
    # the simulator writes recordings and uses the insole geometry and the
    # shared definitions of gait (footfall.gait.layouts, .definitions): both
    # are data, not analysis (test below)
    "sim": {"model", "errors", "io", "gait", "report", "_lazy", "table"},
    "wire": set(),
    "devices": {"wire", "model", "errors", "io", "sim", "_lazy"},
    "capture": {"devices", "io", "model", "errors", "wire", "report", "_lazy"},
    "stream": {"gait", "summary", "rules", "devices", "model", "registry", "table"},
    "live": {"stream", "capture", "devices", "model", "errors", "report", "rules", "summary"},
    # report writes its files through io.atomic, as the command line does
    "report": {
        "errors",
        "registry",
        "pipeline",
        "summary",
        "model",
        "rules",
        "gait",
        "table",
        "io",
    },
    # the history stores analyses (footfall.__version__ with each session),
    # compares them, and draws with the report's style and saver
    "history": {"footfall", "errors", "registry", "pipeline", "io", "report"},
    # the batch engine runs the pipeline on many recordings (footfall.__version__
    # in its record of work done); its command shows the report's progress console
    "batch": {"footfall", "errors", "registry", "pipeline", "summary", "rules", "report", "_lazy"},
}
SIM_MAY_USE_FROM_GAIT = {"footfall.gait.layouts", "footfall.gait.definitions"}


def _modules() -> dict[str, Path]:
    out = {}
    for p in SRC.rglob("*.py"):
        name = ".".join(("footfall", *p.relative_to(SRC).with_suffix("").parts))
        out[name.removesuffix(".__init__")] = p
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, str | None, bool]]:
    """(module, name or None, at module level) of each footfall import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    for n in tree.body:  # `if TYPE_CHECKING:` blocks count as module level
        if isinstance(n, ast.If):
            top.update(id(x) for x in n.body)
    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and node.module.split(".")[0] == "footfall"
        ):
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if full in MODULES:  # `from footfall.gait import checks`
                    out.append((full, None, id(node) in top))
                else:
                    out.append((node.module, a.name, id(node) in top))
        elif isinstance(node, ast.Import):
            out.extend(
                (a.name, None, id(node) in top)
                for a in node.names
                if a.name.split(".")[0] == "footfall"
            )
    return out


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "footfall"


def test_no_private_name_is_imported_from_another_module() -> None:
    bad = []
    for name, path in MODULES.items():
        for target, imported, _ in _imports(path):
            if (
                imported
                and imported.startswith("_")
                and not imported.startswith("__")
                and target != name
            ):
                bad.append(f"{name} imports {imported} from {target}")
    assert not bad, "\n".join(bad)


def test_packages_import_only_what_the_flow_allows() -> None:
    bad = []
    for name, path in MODULES.items():
        pkg = _package(name)
        if pkg not in ALLOWED:
            continue  # cli, __main__, the package's own private helpers
        for target, _, _ in _imports(path):
            dep = _package(target)
            if dep != pkg and dep not in ALLOWED[pkg]:
                bad.append(f"{name} imports {target}")
            if pkg == "sim" and dep == "gait" and target not in SIM_MAY_USE_FROM_GAIT:
                bad.append(f"{name} imports analysis code {target}")
    assert not bad, "\n".join(bad)


def test_no_import_cycle_at_module_level() -> None:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        deps = set()
        for target, _, at_top in _imports(path):
            if at_top and target in MODULES and target != name:
                deps.add(target)
        graph[name] = deps
    # a package's __init__ importing its own submodules is how packages work;
    # a cycle among the other modules is not
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(m: str, stack: list[str]) -> bool:
        state[m] = 1
        for d in graph.get(m, ()):
            if d.startswith(m + "."):
                continue
            if state.get(d) == 1 and not m.startswith(d + "."):
                cycle.extend([*stack, m, d])
                return True
            if d not in state and visit(d, [*stack, m]):
                return True
        state[m] = 2
        return False

    for m in sorted(graph):
        if m not in state and visit(m, []):
            break
    assert not cycle, " -> ".join(cycle)


def test_every_module_draws_its_public_api() -> None:
    """Each module says what it exports (``__all__``), and each name it lists exists."""
    import importlib

    bad = []
    for name in sorted(MODULES):
        mod = importlib.import_module(name)
        exported = getattr(mod, "__all__", None)
        if exported is None:
            bad.append(f"{name}: no __all__")
            continue
        missing = [n for n in exported if not hasattr(mod, n)]
        if missing:
            bad.append(f"{name}: __all__ names {missing} that it does not define")
    assert not bad, "\n".join(bad)
