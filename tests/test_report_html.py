"""The coach's HTML report (footfall.report.html) and the plot commands.

The report's content is read back from the page itself: the findings in
order with red flags first, the steps table decoded from its data: link, one
embedded image per figure that has data, untrusted text escaped, nothing
remote. Then the page is opened in a real headless Chromium with the network
off: it renders, every image loads, no console error, no request leaves the
file; a screenshot is kept. The commands: ``footfall report``, ``footfall
plot`` (PNG, SVG, unknown names) and ``footfall analyze --plot DIR``.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import footfall
from footfall.cli import main
from footfall.io import write_recording
from footfall.report import figures as F
from footfall.report.html import RED_FLAG_ADVICE, render_report, write_report
from footfall.sim import simulate

ROOT = Path(__file__).resolve().parents[1]
WALK = ROOT / "sample_data" / "gaitmap_walk"
HOSTILE = "<script>alert(1)</script>'; DROP TABLE x;--"
HOSTILE_NOTE = '<img src=x onerror="alert(2)"> & "quotes"'
SYMPTOMS = {
    "foot": "left",
    "locations": ["ball", "between_3_4"],
    "onset_min": 1.0,
    "at_night": True,
}
"""A Morton's-neuroma-like profile that also names numbness at night: a red
flag (red-flag-at-rest) besides the sensor findings."""
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHROMIUM = os.environ.get("FOOTFALL_CHROMIUM", "/usr/bin/chromium")


class _Page(HTMLParser):
    """The parts of the report the tests read: elements with their
    attributes in document order, and the text of each element by id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_h1:
            self.h1 += data


def _esc(text: str) -> str:
    """``text`` as the template writes it (Jinja2's autoescape)."""
    from markupsafe import escape

    return str(escape(text))


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def recording():
    """A simulated 2-minute run with every sensor and the field profile's
    gaps, a hostile athlete name and a hostile note in its metadata."""
    rec, _ = simulate(
        "forefoot-loader", 2.0, 1, sensors=("foot", "shank", "insole"), profile="field"
    )
    rec.meta["athlete"] = {"name": HOSTILE}
    rec.meta["notes"] = HOSTILE_NOTE
    return rec


@pytest.fixture(scope="module")
def run(recording):
    return footfall.analyze(recording, symptoms=SYMPTOMS)


@pytest.fixture(scope="module")
def earlier():
    """An earlier run to compare with: the easy runner, foot IMUs and
    insoles only (no shank: its metrics are only in the later run)."""
    from footfall.history.compare import run_from_analysis

    rec, _ = simulate("easy-run", 2.0, 2, sensors=("foot", "insole"))
    return run_from_analysis(footfall.analyze(rec), "runs/<before> & 'new shoes'")


@pytest.fixture(scope="module")
def comparison(earlier, run):
    from footfall.history.compare import compare_runs, run_from_analysis

    return compare_runs(earlier, run_from_analysis(run, "runs/today"))


@pytest.fixture(scope="module")
def html(run, comparison):
    return render_report(run, symptoms=SYMPTOMS, comparison=comparison)


@pytest.fixture(scope="module")
def page(html):
    return _parse(html)


# ---------------------------------------------------------------------------
# content
# ---------------------------------------------------------------------------


def test_findings_are_in_order_with_red_flags_first_and_set_apart(run, html, page):
    red = [f.id for f in run.findings if f.is_red_flag]
    other = [f.id for f in run.findings if not f.is_red_flag]
    assert red and other, "the fixture should give a red flag and a contributor"
    shown = [
        (a["id"].removeprefix("finding-"), a["data-kind"])
        for tag, a in page.elements
        if tag == "article"
    ]
    assert [i for i, _ in shown] == red + other
    assert [k for _, k in shown] == ["red-flag"] * len(red) + ["contributor"] * len(other)
    classes = {a["id"]: a["class"].split() for tag, a in page.elements if tag == "article"}
    assert all("red-flag" in classes[f"finding-{i}"] for i in red)
    assert not any("red-flag" in classes[f"finding-{i}"] for i in other)
    # the banner telling to bring the report to a professional comes before
    # every finding, and names each red flag
    banner = html.index('id="see-a-professional"')
    assert banner < html.index("<article")
    assert _esc(RED_FLAG_ADVICE) in html[banner : html.index("<article")]
    for f in run.findings:
        if f.is_red_flag:
            assert _esc(f.title) in html[banner : html.index("<article")]


def test_each_finding_shows_its_evidence_and_suggestions(run, html):
    for f in run.findings:
        start = html.index(f'id="finding-{f.id}"')
        end = html.find("</article>", start)
        block = html[start:end]
        assert _esc(f.title) in block
        for item in f.evidence_items:
            if item.get("holds", True) and item.get("text"):
                assert _esc(item["text"]) in block
        for s in f.suggestions:
            assert _esc(s) in block


def _steps_link(page: _Page) -> str:
    links = [a for tag, a in page.elements if tag == "a" and a.get("download") == "steps.zip"]
    assert len(links) == 1
    return links[0]["href"]


def test_the_steps_zip_decodes_to_the_steps_table(run, page):
    """The download is steps.csv in a ZIP: every row and column of the steps
    table, each known metric to two places more than footfall shows it."""
    import zipfile

    from footfall.registry import METRICS

    href = _steps_link(page)
    prefix = "data:application/zip;base64,"
    assert href.startswith(prefix)
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(href[len(prefix) :]))) as zf:
        assert zf.namelist() == ["steps.csv"]
        raw = zf.read("steps.csv")
    table = pd.read_csv(io.StringIO(raw.decode("utf-8")))
    steps = run.steps
    assert list(table.columns) == list(steps.columns)
    assert len(table) == len(steps) > 300
    rounded = 0
    for name in steps.columns:
        want, got = steps[name], table[name]
        if pd.api.types.is_numeric_dtype(want) and not pd.api.types.is_bool_dtype(want):
            w = want.to_numpy(dtype=float)
            if name in METRICS:
                places = METRICS[name].decimals + 2
                w = np.round(w, places)
                # never further than half the last place from the analysis' value
                assert (
                    np.nanmax(
                        np.abs(got.to_numpy(dtype=float) - want.to_numpy(dtype=float)), initial=0
                    )
                    <= 0.5 * 10.0**-places + 1e-12
                ), name
                rounded += 1
            np.testing.assert_array_equal(got.to_numpy(dtype=float), w, err_msg=name)
        else:
            assert got.fillna("").astype(str).tolist() == want.fillna("").astype(str).tolist(), name
    assert rounded > 20
    # the page says the values are rounded and where every digit is
    text = " ".join(page.text)
    assert "2 places more than this report shows" in text
    assert "footfall analyze RUN --steps steps.csv" in text
    # the same analysis gives the same bytes
    from footfall.report.html import report_steps_zip

    assert report_steps_zip(run) == report_steps_zip(run)


def _embedded(page: _Page) -> dict[str, bytes]:
    out = {}
    figures = [a.get("data-figure") for tag, a in page.elements if tag == "figure"]
    images = [a["src"] for tag, a in page.elements if tag == "img"]
    assert len(figures) == len(images)
    for name, src in zip(figures, images, strict=True):
        head, _, data = src.partition(",")
        assert head == "data:image/png;base64"
        out[name] = base64.b64decode(data)
    return out


def test_every_figure_with_data_is_embedded(run, page):
    embedded = _embedded(page)
    for name in F.FIGURES:
        fig = F.make(name, run, findings=run.findings, symptoms=SYMPTOMS)
        panels = [ax for ax in fig.axes if ax.get_visible()]
        has_data = len(set(F.missing(fig))) < len(panels) or not F.missing(fig)
        if has_data:
            assert name in embedded, name
            assert embedded[name].startswith(PNG_MAGIC), name
    # this run has every sensor and a symptom onset: every figure is drawn,
    # and the comparison's
    assert set(embedded) == set(F.FIGURES) | {"comparison"}
    assert embedded["comparison"].startswith(PNG_MAGIC)


def test_a_figure_without_data_is_named_not_embedded():
    walk = footfall.analyze(WALK)  # foot IMUs only: no insole, no onset
    page = _parse(render_report(walk, steps=False))
    embedded = _embedded(page)
    assert "pressure" not in embedded and "onset" not in embedded
    assert {"series", "sides", "stance", "drift"} <= set(embedded)
    text = " ".join(page.text)
    assert "Not drawn, for lack of data" in text
    assert "no insole in this recording" in text
    # steps=False (footfall report --no-steps): no CSV in the page, and it says so
    assert not any(tag == "a" for tag, _ in page.elements)
    assert "Left out of this report" in text


def test_nothing_remote_and_no_script(html, page):
    for tag, attrs in page.elements:
        for key in ("src", "href", "action", "srcset", "data", "poster"):
            if key in attrs:
                assert attrs[key].startswith(("data:", "#")), (tag, key, attrs[key][:80])
    assert not any(
        tag in ("script", "link", "iframe", "object", "embed", "base") for tag, _ in page.elements
    )
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", html, re.I)
    assert not re.search(r"url\(|@import", html, re.I)  # the inlined stylesheet fetches nothing


def test_untrusted_text_is_escaped(html, page):
    assert "<script" not in html.lower()
    assert HOSTILE not in html  # only its escaped form
    assert page.h1.strip() == HOSTILE  # shown as text
    assert HOSTILE_NOTE in " ".join(page.text)
    # the note's <img> did not become an element: the only images are figures
    assert all(a["src"].startswith("data:image/png") for tag, a in page.elements if tag == "img")


def test_the_report_shows_data_quality_and_metadata(run, page):
    text = " ".join(" ".join(page.text).split())
    for label, info in run.streams.items():
        assert label in text
        if info.get("gaps"):
            assert f"{info['gaps']} gap(s)" in text
    for note in run.notes:
        assert " ".join(note.split()) in text
    assert "swing in one plane" in text  # the alignment of each IMU
    assert "clock offset to the foot IMU" in text  # the insoles' pairing
    assert "simulation.scenario" in text and "forefoot-loader" in text


def test_the_comparison_section_shows_the_comparison(comparison, html, page):
    """Every change of Comparison.to_dict() is in the section's table, each
    number exact in its cell's data- attributes and shown as the terminal
    shows it; the changes beyond the variability as sentences; the metrics
    only one run has; the comparison figure."""
    from footfall.history.compare_cli import method_note, real_change_lines
    from footfall.registry import metric
    from footfall.report.terminal import format_value

    want = comparison.to_dict()
    assert want["changes"] and want["only_b"]  # the earlier run has no shank IMU
    assert any(c["real"] for c in want["changes"] if c["scope"] == "both")
    start = html.index('<section id="comparison">')
    section = html[start : html.index("</section>", start)]
    assert start < html.index('<section id="figures">')
    cells = {
        (a["data-metric"], a["data-scope"]): a
        for tag, a in page.elements
        if tag == "td" and "data-scope" in a
    }
    assert len(cells) == len(want["changes"])
    for c in want["changes"]:
        a = cells[(c["metric"], c["scope"])]
        for key, value in c.items():
            got = a[f"data-{key.replace('_', '-')}"]
            if value is None:
                assert got == "", (c["metric"], c["scope"], key)
            elif isinstance(value, bool):
                assert got == ("true" if value else "false"), (c["metric"], key)
            elif isinstance(value, int):
                assert int(got) == value, (c["metric"], key)
            elif isinstance(value, float):
                assert float(got) == value, (c["metric"], c["scope"], key)  # exact
            else:
                assert got == value
        shown = format_value(c["change"], metric(c["metric"]).decimals, sign=True)
        assert _esc(shown + (" *" if c["real"] else "")) in section
    # one row per metric compared, in the comparison's order
    rows = [a["data-metric"] for tag, a in page.elements if tag == "tr" and "data-metric" in a]
    assert rows == list(dict.fromkeys(c["metric"] for c in want["changes"]))
    text = " ".join(" ".join(page.text).split())
    for sentence, concern in real_change_lines(comparison):
        assert sentence in text and concern.strip() in text
    labels = ", ".join(metric(m).label for m in want["only_b"])
    assert f"Only in B: {labels}." in text
    assert method_note(comparison) in text
    # the runs' names are the user's text: escaped
    assert _esc(want["a"]) in section and want["a"] not in section
    assert 'data-figure="comparison"' in section


def test_without_a_comparison_there_is_no_section(run):
    assert 'id="comparison"' not in render_report(run, steps=False)


def test_the_athlete_option_wins_and_is_escaped(run):
    page = _parse(render_report(run, athlete="Sam & <Jo>"))
    assert page.h1.strip() == "Sam & <Jo>"


def test_write_report_replaces_atomically(run, tmp_path):
    dest = tmp_path / "report.html"
    dest.write_text("old", encoding="utf-8")
    os.chmod(dest, 0o644)
    write_report(run, dest)
    text = dest.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert os.stat(dest).st_mode & 0o777 == 0o644  # the replaced file's permissions
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left
    with pytest.raises(OSError):
        write_report(run, tmp_path / "no-such-folder" / "r.html")


# ---------------------------------------------------------------------------
# in a real browser
# ---------------------------------------------------------------------------


def _browser():
    """(playwright, browser) or pytest.skip with the reason."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(
            f"no Chromium at {CHROMIUM} (install the distribution's chromium "
            "package, as .ci/run does, or set FOOTFALL_CHROMIUM)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e .[test])"
    )
    pw = sync_api.sync_playwright().start()
    try:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--proxy-server=127.0.0.1:9",
                "--proxy-bypass-list=<-loopback>",
            ],
        )
    except Exception as e:  # a browser that cannot start here
        pw.stop()
        pytest.skip(f"Chromium at {CHROMIUM} does not start: {str(e).splitlines()[0]}")
    return pw, browser


def test_the_report_renders_offline_in_chromium(html, run, tmp_path_factory):
    out = tmp_path_factory.mktemp("report-browser")
    path = out / "report.html"
    path.write_text(html, encoding="utf-8")
    url = path.as_uri()
    pw, browser = _browser()
    try:
        context = browser.new_context(
            offline=True, viewport={"width": 1100, "height": 1400}, java_script_enabled=True
        )
        page = context.new_page()
        left: list[str] = []
        errors: list[str] = []

        def route(r):
            req = r.request.url
            if req == url or req.startswith("data:"):
                r.continue_()
            else:
                left.append(req)
                r.abort()

        page.route("**/*", route)
        page.on(
            "console",
            lambda m: (
                errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on(
            "requestfailed",
            lambda r: (
                errors.append(f"failed: {r.url[:80]}") if not r.url.startswith("data:") else None
            ),
        )
        page.goto(url, wait_until="load")
        images = page.evaluate("""() => Array.from(document.images).map(i => ({
            complete: i.complete, w: i.naturalWidth, h: i.naturalHeight}))""")
        assert len(images) == len(F.FIGURES) + 1  # and the comparison's figure
        assert all(i["complete"] and i["w"] > 0 and i["h"] > 0 for i in images), images
        assert page.evaluate("document.scripts.length") == 0
        assert page.evaluate("document.querySelector('h1').textContent").strip() == HOSTILE
        # red flags are the first findings on the rendered page, framed in red
        kinds = page.evaluate(
            "Array.from(document.querySelectorAll('article.finding')).map(a => a.dataset.kind)"
        )
        assert kinds[0] == "red-flag" and kinds == sorted(kinds, key=lambda k: k != "red-flag")
        border = page.evaluate(
            "getComputedStyle(document.querySelector('article.red-flag')).borderTopColor"
        )
        assert border == "rgb(179, 0, 27)"
        height = page.evaluate("document.body.scrollHeight")
        assert height > 3000  # laid out: findings, tables, eight figures
        shot = out / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"report screenshot: {shot}")
        pdf = page.pdf(format="A4") if hasattr(page, "pdf") else b"%PDF"
        assert pdf.startswith(b"%PDF")  # the print stylesheet renders
        context.close()
    finally:
        browser.close()
        pw.stop()
    assert not left, f"requests left the file: {left}"
    assert not errors, errors
    assert shot.stat().st_size > 10_000


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(recording, tmp_path_factory):
    out = tmp_path_factory.mktemp("report-run") / "run"
    write_recording(recording, out)
    return out


def test_footfall_report_writes_the_page(folder, tmp_path, capsys):
    dest = tmp_path / "r.html"
    assert (
        main(
            [
                "report",
                str(folder),
                "-o",
                str(dest),
                "--symptoms",
                str(_symptoms(tmp_path)),
                "--athlete",
                "Sam <b>",
            ]
        )
        == 0
    )
    page = _parse(dest.read_text(encoding="utf-8"))
    assert page.h1.strip() == "Sam <b>"
    kinds = [a["data-kind"] for tag, a in page.elements if tag == "article"]
    assert kinds and kinds[0] == "red-flag"  # the symptoms reached the findings
    assert "red flag" in capsys.readouterr().out


def _comparison_cells(page: _Page) -> dict[tuple[str, str], dict[str, str]]:
    return {
        (a["data-metric"], a["data-scope"]): a
        for tag, a in page.elements
        if tag == "td" and "data-scope" in a
    }


def test_footfall_report_compare_with_a_saved_session_and_a_folder(folder, tmp_path, capsys):
    """--compare takes a history id (a real SQLite file) or a recording, as
    footfall compare does; the section holds that comparison's numbers."""
    from footfall.history.compare import compare_runs, run_from_analysis
    from footfall.history.compare_cli import load_run

    before = tmp_path / "before"
    rec, _ = simulate("easy-run", 1.0, 4, sensors=("foot", "insole"))
    write_recording(rec, before)
    history = tmp_path / "h.sqlite"
    assert (
        main(["analyze", str(before), "--save", "--tag", "old shoes", "--history", str(history)])
        == 0
    )
    capsys.readouterr()
    after = footfall.analyze(folder)
    for other, label in (("1", "#1 old shoes"), (str(before), str(before))):
        dest = tmp_path / "r.html"
        args = ["report", str(folder), "-o", str(dest), "--compare", other]
        assert main([*args, "--history", str(history), "--no-steps"]) == 0
        out = capsys.readouterr().out
        assert f"compared with {label}" in out
        html = dest.read_text(encoding="utf-8")
        page = _parse(html)
        start = html.index('<section id="comparison">')
        assert _esc(label) in html[start : html.index("</section>", start)]
        want = compare_runs(
            load_run(other, str(history), "A"), run_from_analysis(after, str(folder))
        ).to_dict()
        cells = _comparison_cells(page)
        assert len(cells) == len(want["changes"]) > 20
        for c in want["changes"]:
            a = cells[(c["metric"], c["scope"])]
            assert a["data-change"] == ("" if c["change"] is None else repr(c["change"]))
            assert a["data-real"] == {None: "", True: "true", False: "false"}[c["real"]]


def test_footfall_report_compare_unknown_id_exits_2(folder, tmp_path, capsys):
    history = tmp_path / "h.sqlite"
    dest = tmp_path / "r.html"
    # no history file yet
    assert (
        main(["report", str(folder), "-o", str(dest), "--compare", "#7", "--history", str(history)])
        == 2
    )
    err = capsys.readouterr().err
    assert "--compare '#7'" in err and "no history file yet" in err and "Fix:" in err
    assert not dest.exists()
    # a history without that session
    from footfall.history.store import open_history

    with open_history(history, create=True):
        pass
    assert (
        main(["report", str(folder), "-o", str(dest), "--compare", "7", "--history", str(history)])
        == 2
    )
    err = capsys.readouterr().err
    assert "7" in err and "Fix:" in err and "Traceback" not in err
    assert not dest.exists()
    # neither a folder nor an id
    assert main(["report", str(folder), "-o", str(dest), "--compare", str(tmp_path / "nope")]) == 2
    assert "no such recording folder or file" in capsys.readouterr().err


def _symptoms(tmp_path: Path) -> Path:
    import json

    p = tmp_path / "symptoms.json"
    p.write_text(json.dumps(SYMPTOMS), encoding="utf-8")
    return p


def test_footfall_report_refuses_to_replace_an_input(tmp_path, capsys):
    run = tmp_path / "walk"
    shutil.copytree(WALK, run)
    target = run / "recording.json"
    before = target.read_bytes()
    assert main(["report", str(run), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "recording.json" in err and "one of the inputs" in err and "Fix:" in err
    assert target.read_bytes() == before
    assert main(["report", str(run), "-o", str(tmp_path / "nope" / "r.html")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_footfall_plot_writes_one_figure(tmp_path, suffix, capsys):
    dest = tmp_path / f"stance{suffix}"
    assert main(["plot", str(WALK), "--what", "stance", "-o", str(dest)]) == 0
    data = dest.read_bytes()
    if suffix == ".png":
        assert data.startswith(PNG_MAGIC)
    else:
        root = ET.fromstring(data)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "stance" in capsys.readouterr().out


def test_footfall_plot_unknown_figure_lists_the_names(tmp_path, capsys):
    dest = tmp_path / "x.png"
    assert main(["plot", str(WALK), "--what", "nope", "-o", str(dest)]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "no such figure" in err
    for name in F.FIGURES:
        assert name in err
    assert not dest.exists()
    assert main(["plot", str(WALK), "--what", "stance", "-o", str(tmp_path / "x.pdf")]) == 2
    assert ".png or .svg" in capsys.readouterr().err
    assert main(["plot", str(WALK), "--what", "list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(F.FIGURES)


def test_analyze_plot_writes_one_file_per_figure(tmp_path, capsys):
    out = tmp_path / "figs"
    assert main(["analyze", str(WALK), "--plot", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.png" for n in F.FIGURES)
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in out.iterdir())
    assert f"{len(F.FIGURES)} figures" in capsys.readouterr().out
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    assert main(["analyze", str(WALK), "--plot", str(afile)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert afile.read_text(encoding="utf-8") == "x"


def test_bench_report_runs_on_a_short_run(tmp_path):
    """bench/bench_report.py end to end on a few seconds of running (nothing
    timed here: the results are there and consistent)."""
    import json
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "bench/bench_report.py",
            "--minutes",
            "0.1",
            "--repeats",
            "1",
            "--out",
            str(tmp_path),
            "--cache",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    res = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert res["n_steps"] > 0 and res["minutes"] == 0.1
    parts = res["parts"]
    assert set(parts["figures"]) == set(F.FIGURES)
    assert (
        parts["figures_bytes"] + parts["steps_csv_in_page_bytes"] + parts["rest_bytes"]
        == res["report_bytes"]
    )
    assert "report size" in proc.stdout and not (tmp_path / "report-bench.html").exists()
