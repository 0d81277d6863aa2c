"""The treadmill live view: large cadence and contact time, balance, flags,
data quality; and the one-line status of headless runs.

Both take the analyser's :meth:`~footfall.stream.StreamingAnalyzer.snapshot`.
"""

from __future__ import annotations

from typing import Any

from footfall.errors import safe_text

__all__ = [
    "big_text",
    "quality_text",
    "render",
    "status_line",
]


# A 3-wide, 5-high block font for the large numbers (our own glyphs).
_GLYPHS = {
    "0": ["###", "# #", "# #", "# #", "###"],
    "1": [" # ", "## ", " # ", " # ", "###"],
    "2": ["###", "  #", "###", "#  ", "###"],
    "3": ["###", "  #", " ##", "  #", "###"],
    "4": ["# #", "# #", "###", "  #", "  #"],
    "5": ["###", "#  ", "###", "  #", "###"],
    "6": ["###", "#  ", "###", "# #", "###"],
    "7": ["###", "  #", " # ", " # ", " # "],
    "8": ["###", "# #", "###", "# #", "###"],
    "9": ["###", "# #", "###", "  #", "###"],
    "-": ["   ", "   ", "###", "   ", "   "],
    ".": ["   ", "   ", "   ", "   ", " # "],
    " ": ["   ", "   ", "   ", "   ", "   "],
}


def big_text(text: str) -> str:
    """``text`` (digits, '-', '.') as five lines of block characters."""
    rows = ["", "", "", "", ""]
    for ch in text:
        g = _GLYPHS.get(ch, _GLYPHS[" "])
        for i in range(5):
            rows[i] += g[i].replace("#", "\u2588") + " "
    return "\n".join(r.rstrip() for r in rows)


def _fmt(v: float | None, nd: int = 0, unit: str = "") -> str:
    if v is None:
        return "--"
    return f"{v:.{nd}f}{unit}"


def _metric(snap: dict[str, Any], name: str, key: str = "median") -> float | None:
    return ((snap.get("last_steps") or {}).get("metrics", {}).get(name) or {}).get(key)


def quality_text(snap: dict[str, Any]) -> str:
    """Data quality: per device samples, gaps, drops, corrupt frames, link
    latency; then the step latency (frame that confirmed it -> row ready)."""
    parts = []
    for dev, q in sorted((snap.get("devices") or {}).items()):
        link = "" if q.get("connected", True) else " DISCONNECTED"
        lat = q.get("latency_ms")
        # a device names itself: its name is shown with control characters escaped
        parts.append(
            f"{safe_text(dev, 60)}: {q.get('gaps', 0)} gaps/{q.get('missing', 0)} lost, "
            f"{q.get('frames_dropped', 0)} drops, {q.get('frames_corrupt', 0)} bad"
            + (f", link {lat:.0f} ms" if lat is not None else "")
            + link
        )
    sl = snap.get("step_latency_ms")
    if sl:
        parts.append(f"step ready p50 {sl['p50']:.1f} ms, p99 {sl['p99']:.1f} ms")
    return "; ".join(parts) if parts else "no device yet"


def status_line(snap: dict[str, Any], target_spm: float | None = None) -> str:
    """One line for headless runs (``--no-view``)."""
    last = snap.get("last_steps") or {}
    cad = _metric(snap, "cadence_spm")
    contact = _metric(snap, "contact_ms")
    bal = last.get("contact_balance_left_pct")
    flags = snap.get("flags") or []
    tgt = ""
    if target_spm:
        tgt = f" (target {target_spm:.0f}" + (f", {cad - target_spm:+.0f})" if cad else ")")
    return (
        f"t {snap.get('t_s', 0.0):7.1f} s | steps {snap.get('n_steps', 0):5d} | "
        f"cadence {_fmt(cad, 1)} spm{tgt} | contact {_fmt(contact, 0)} ms "
        f"(L {_fmt(_metric(snap, 'contact_ms', 'left'))} R "
        f"{_fmt(_metric(snap, 'contact_ms', 'right'))}) | balance L {_fmt(bal, 1, '%')} | "
        f"flags: {', '.join(flags) if flags else '-'} | {quality_text(snap)}"
    )


def render(
    snap: dict[str, Any], target_spm: float | None = None, metronome: str | None = None
) -> Any:
    """A rich renderable of the live view."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    cad = _metric(snap, "cadence_spm")
    contact = _metric(snap, "contact_ms")
    last = snap.get("last_steps") or {}
    bal = last.get("contact_balance_left_pct")

    def big(title: str, value: float | None, nd: int, unit: str, sub: str, style: str) -> Panel:
        txt = Text(big_text(_fmt(value, nd) if value is not None else "--"), style=style)
        txt.append(f"\n{unit}  {sub}", style="dim")
        return Panel(txt, title=title, expand=True)

    sub = ""
    style = "bold cyan"
    if target_spm:
        sub = f"target {target_spm:.0f}"
        if cad is not None:
            sub += f" ({cad - target_spm:+.0f})"
            style = "bold green" if abs(cad - target_spm) <= 3 else "bold yellow"
    top = Table.grid(expand=True)
    top.add_column(ratio=1)
    top.add_column(ratio=1)
    side_contact = (
        f"L {_fmt(_metric(snap, 'contact_ms', 'left'))}  "
        f"R {_fmt(_metric(snap, 'contact_ms', 'right'))}"
    )
    top.add_row(
        big("cadence", cad, 0, "steps/min", sub, style),
        big("contact time", contact, 0, "ms", side_contact, "bold magenta"),
    )

    bar = Text()
    if bal is not None:
        width = 40
        k = int(round(width * bal / 100.0))
        bar.append(f"L {bal:4.1f} % ", style="bold")
        bar.append("\u2588" * k, style="blue")
        bar.append("\u2588" * (width - k), style="red")
        bar.append(f" {100 - bal:4.1f} % R", style="bold")
    else:
        bar.append("balance: waiting for steps on both feet", style="dim")
    per_side = Text(
        f"cadence L {_fmt(_metric(snap, 'cadence_spm', 'left'), 0)} / "
        f"R {_fmt(_metric(snap, 'cadence_spm', 'right'), 0)} spm   "
        f"strike angle {_fmt(_metric(snap, 'foot_strike_angle_deg'), 0)} deg   "
        f"steps {snap.get('n_steps', 0)}",
        style="dim",
    )
    titles = snap.get("flag_titles") or {}
    evidence = snap.get("flag_evidence") or {}
    flags = snap.get("flags") or []
    ftxt = Text()
    if flags:
        for i, f in enumerate(flags):
            if i:
                ftxt.append("\n")
            ftxt.append(f" {titles.get(f, f)} ", style="bold white on red")
            if evidence.get(f):  # what the rule saw, as the finding says it
                ftxt.append(f"  {evidence[f]}", style="dim")
    else:
        ftxt.append("no flags", style="green")
    q = Text(quality_text(snap), style="dim")
    if metronome:
        q.append(f"\nmetronome: {metronome}", style="dim")
    return Group(
        top,
        Panel(Group(bar, per_side), title="left / right contact balance"),
        Panel(ftxt, title="flags"),
        Panel(q, title="data quality"),
    )
