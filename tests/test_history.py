"""Session history (SQLite) and the before/after comparison of two runs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import footfall
from footfall import cli
from footfall.errors import FootfallError
from footfall.history.compare import (
    Run,
    bootstrap_medians,
    compare_runs,
    run_from_analysis,
    split_run,
    step_values,
)
from footfall.history.figures import comparison_figure, trend
from footfall.history.store import (
    ENV_VAR,
    MIGRATIONS,
    SCHEMA_VERSION,
    decode_steps,
    default_path,
    encode_steps,
    history_path,
    open_history,
)
from footfall.registry import names

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "gaitmap_walk"

HOSTILE = (
    "Ana <script>alert('x')</script> & \"Bo\"'); DROP TABLE sessions;-- "
    "[bold red]shout[/] $x^2$ %s ? :name \\"
)
"""An athlete name with HTML, SQL, rich markup, matplotlib maths and
placeholder characters."""


@pytest.fixture(autouse=True)
def _own_history(tmp_path, monkeypatch):
    """No test touches the user's history: the default is a temporary file."""
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "default" / "history.sqlite"))
    monkeypatch.setenv("COLUMNS", "400")  # rich: wide enough that no text is folded


@pytest.fixture(scope="module")
def sample_analysis():
    # a walk: no running rule fires on its sensors, so a reported symptom gives the findings
    return footfall.analyze(SAMPLE, symptoms={"foot": "left", "locations": ["between_3_4"]})


# --------------------------------------------------------------------------
# where the file is
# --------------------------------------------------------------------------


def test_default_path_per_platform():
    home = {"HOME": "/home/ana"}
    assert default_path("linux", home) == Path("/home/ana/.local/share/footfall/history.sqlite")
    assert default_path("linux", {**home, "XDG_DATA_HOME": "/data"}) == Path(
        "/data/footfall/history.sqlite"
    )
    # a relative XDG_DATA_HOME is invalid by the XDG spec and ignored
    assert default_path("linux", {**home, "XDG_DATA_HOME": "rel"}) == Path(
        "/home/ana/.local/share/footfall/history.sqlite"
    )
    assert default_path("darwin", home) == Path(
        "/home/ana/Library/Application Support/footfall/history.sqlite"
    )
    assert default_path(
        "win32", {"USERPROFILE": "C:/Users/ana", "LOCALAPPDATA": "C:/Users/ana/AppData/Local"}
    ) == Path("C:/Users/ana/AppData/Local/footfall/history.sqlite")


def test_option_beats_environment_beats_default():
    env = {"HOME": "/home/ana", ENV_VAR: "/env/h.sqlite"}
    assert history_path("/opt/h.sqlite", env) == (Path("/opt/h.sqlite"), "--history")
    assert history_path(None, env) == (Path("/env/h.sqlite"), ENV_VAR)
    assert history_path(None, {"HOME": "/home/ana"})[1] == "default"


# --------------------------------------------------------------------------
# store
# --------------------------------------------------------------------------


def test_sessions_round_trip_through_a_real_file(tmp_path, sample_analysis):
    path = tmp_path / "h.sqlite"
    values = step_values(sample_analysis.table)
    symptoms = {"numb_side": "left", "onset_min": 20}
    with open_history(path) as h:
        first = h.save(
            summary=sample_analysis.summary,
            findings=sample_analysis.summary["findings"],
            source=str(SAMPLE),
            meta=sample_analysis.recording.meta,
            steps=values,
            symptoms=symptoms,
            notes=sample_analysis.notes,
            athlete="ana",
            tag="new shoes",
        )
        second = h.save(summary={"n_steps": 0}, findings=[], source="elsewhere", athlete="bo")
    assert (first, second) == (1, 2)
    raw = sqlite3.connect(path)  # the file itself, read without footfall
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("SELECT athlete, tag FROM sessions ORDER BY id").fetchall() == [
        ("ana", "new shoes"),
        ("bo", ""),
    ]
    raw.close()
    with open_history(path, create=False) as h:
        got = h.get(first)
        assert [s.id for s in h.sessions()] == [1, 2]
        assert [s.id for s in h.sessions("bo")] == [2]
        assert h.sessions("nobody") == []
    expected = json.loads(json.dumps(sample_analysis.summary, default=float))
    assert got.summary == expected
    assert got.findings == expected["findings"] and got.findings
    assert got.symptoms == symptoms and got.notes == sample_analysis.notes
    assert got.meta == json.loads(json.dumps(sample_analysis.recording.meta))
    assert got.source == str(SAMPLE) and got.tag == "new shoes"
    assert got.steps is not None and set(got.steps) == set(values)
    for name, col in values.items():
        if name == "side":
            assert list(got.steps[name]) == list(col)
        else:
            np.testing.assert_array_equal(got.steps[name], col)  # bit for bit, NaN included


def test_steps_blob_is_plain_numbers():
    values = {
        "side": np.array(["left", "right", "left"]),
        "contact_ms": np.array([250.0, np.nan, 251.5]),
    }
    blob = encode_steps(values)
    back = decode_steps(blob)
    assert list(back["side"]) == ["left", "right", "left"]
    np.testing.assert_array_equal(back["contact_ms"], values["contact_ms"])
    with np.load(__import__("io").BytesIO(blob), allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)


def test_hostile_text_is_stored_and_shown_verbatim(tmp_path, sample_analysis, capsys):
    path = tmp_path / "h.sqlite"
    with open_history(path) as h:
        sid = h.save(
            summary=sample_analysis.summary,
            findings=[],
            source="run'; --<b>",
            athlete=HOSTILE,
            tag=HOSTILE[::-1],
            steps=step_values(sample_analysis.table),
        )
    with open_history(path, create=False) as h:
        assert h.count() == 1  # the table survived
        (s,) = h.sessions(HOSTILE)  # the name as a filter, matched exactly
        assert s.id == sid and s.athlete == HOSTILE and s.tag == HOSTILE[::-1]
        assert h.sessions(HOSTILE[:-1]) == []
        assert h.sessions("' OR '1'='1") == []
    assert cli.main(["history", "--history", str(path)]) == 0
    out = capsys.readouterr().out
    assert HOSTILE in out and HOSTILE[::-1] in out  # markup not interpreted, nothing cut
    assert (
        cli.main(
            [
                "history",
                "--history",
                str(path),
                "--athlete",
                HOSTILE,
                "--plot",
                str(tmp_path / "t.png"),
            ]
        )
        == 0
    )
    assert HOSTILE in capsys.readouterr().out
    assert (tmp_path / "t.png").stat().st_size > 0


def _v1_file(path: Path, rows: int) -> None:
    """A history file of schema version 1, made by hand."""
    con = sqlite3.connect(path)
    for sql in MIGRATIONS[0]:
        con.execute(sql)
    con.execute("PRAGMA user_version = 1")
    for i in range(rows):
        con.execute(
            "INSERT INTO sessions (saved_utc, athlete, source, meta, summary, findings,"
            " symptoms, notes, steps, footfall_version) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                f"2024-01-0{i + 1}T08:00:00+00:00",
                f"runner {i}",
                f"/runs/{i}",
                "{}",
                json.dumps({"n_steps": 100 + i, "cadence_spm": 160.0 + i}),
                "[]",
                None,
                "[]",
                encode_steps({"side": np.array(["left"]), "cadence_spm": np.array([160.0 + i])}),
                "0.0.9",
            ),
        )
    con.commit()
    con.close()


def test_an_old_schema_is_migrated_without_losing_rows(tmp_path):
    path = tmp_path / "h.sqlite"
    _v1_file(path, 3)
    with open_history(path) as h:
        assert h.migrated_from == 1
        assert h.backup is not None and h.backup.exists()
        old = h.sessions()
        assert [(s.athlete, s.tag, s.summary["n_steps"]) for s in old] == [
            ("runner 0", "", 100),
            ("runner 1", "", 101),
            ("runner 2", "", 102),
        ]
        assert h.get(3).steps["cadence_spm"].tolist() == [162.0]
        h.save(summary={"n_steps": 5}, findings=[], source="new", tag="after migration")
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    assert con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 4
    con.close()
    backup = sqlite3.connect(h.backup)  # the file as it was, kept
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
    assert backup.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 3
    backup.close()
    with open_history(path) as h:  # opened again: nothing more to do
        assert h.migrated_from is None and h.count() == 4


def test_a_failed_write_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "h.sqlite"
    with open_history(path) as h:
        h.save(summary={"n_steps": 1}, findings=[], source="a")
        with pytest.raises(RuntimeError), h._write(path):
            h._conn.execute(
                "INSERT INTO sessions (saved_utc, source, meta, summary, findings,"
                " notes, footfall_version) VALUES ('t','b','{}','{}','[]','[]','x')"
            )
            raise RuntimeError("the disk went away")
        assert h.count() == 1


def test_files_that_are_not_a_history_are_refused_and_left_alone(tmp_path, capsys):
    text = tmp_path / "notes.sqlite"
    text.write_text("my training diary\n")
    with pytest.raises(FootfallError, match="not a footfall history"):
        open_history(text)
    assert text.read_text() == "my training diary\n"
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(FootfallError, match="not a footfall history"):
        open_history(other)
    newer = tmp_path / "newer.sqlite"
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(FootfallError, match="newer footfall"):
        open_history(newer)
    with pytest.raises(FootfallError, match="does not exist"):
        open_history(tmp_path / "missing" / "h.sqlite")
    assert cli.main(["analyze", str(SAMPLE), "--save", "--history", str(text)]) == 2
    err = capsys.readouterr().err
    assert "notes.sqlite" in err and "Fix:" in err and "Traceback" not in err
    assert text.read_text() == "my training diary\n"


# --------------------------------------------------------------------------
# comparison
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [15, 16])
def test_exact_bootstrap_median_matches_resampling(n):
    """The order-statistic draw has the distribution of "resample the steps,
    take the median": compared with the loop over 100 000 resamples."""
    x = np.random.default_rng(1).gamma(3.0, 10.0, n)
    draws = 100_000
    fast = bootstrap_medians(x, draws, np.random.default_rng(2))
    idx = np.random.default_rng(3).integers(0, n, (draws, n))
    slow = np.median(x[idx], axis=1)
    support = np.union1d(fast, slow)
    p_fast = np.searchsorted(support, fast)
    p_slow = np.searchsorted(support, slow)
    tv = (
        0.5
        * np.abs(
            np.bincount(p_fast, minlength=len(support)) / draws
            - np.bincount(p_slow, minlength=len(support)) / draws
        ).sum()
    )
    assert tv < 0.02, tv  # sampling noise of two 100 000-draw histograms


@pytest.fixture(scope="module")
def two_cadences(tmp_path_factory):
    """Two simulated treadmill runs that differ only in cadence (168 and 160
    spm, other seeds), analysed."""
    from footfall.sim import get_scenario, simulate

    base = get_scenario("easy-run-treadmill")
    slower = base.with_(name="easy-run-160", gait=base.gait.with_(cadence_spm=160.0))
    root = tmp_path_factory.mktemp("runs")
    simulate(base, 2.0, 11, root / "before", sensors=("foot", "insole"))
    simulate(slower, 1.5, 12, root / "after", sensors=("foot", "insole"))
    return root, (
        run_from_analysis(footfall.analyze(root / "before"), "before"),
        run_from_analysis(footfall.analyze(root / "after"), "after"),
    )


def test_a_known_cadence_change_is_reported_as_real(two_cadences):
    _, (before, after) = two_cadences
    cmp = compare_runs(before, after)
    for scope in ("both", "left", "right"):
        c = cmp.get("cadence_spm", scope)
        assert c is not None and c.real, c
        assert c.high < 0 and -9.5 < c.change < -6.5, c  # 160 - 168 spm, as simulated
    assert "cadence_spm" in [c.metric for c in cmp.real()]
    # and the same runs in the other order: the same change, the other sign
    back = compare_runs(after, before).get("cadence_spm")
    assert back.real and back.low > 0


def test_two_halves_of_one_steady_run_show_no_real_change(two_cadences):
    _, (before, _) = two_cadences
    first, second = split_run(before)
    cmp = compare_runs(first, second)
    assert len(cmp.changes) > 20 and all(c.real is not None for c in cmp.changes)
    assert cmp.real() == [], [(c.metric, c.scope, c.low, c.high) for c in cmp.real()]
    assert cmp.only_a == cmp.only_b == []


def test_metrics_only_one_run_has_are_listed_not_compared(two_cadences):
    _, (before, after) = two_cadences
    insole = {"forefoot_load_pct", "peak_heel_kpa", "loading_rate_bw_s"}
    assert insole <= set(before.metrics())
    foot_only = Run("foot only", {k: v for k, v in after.values.items() if k not in insole})
    cmp = compare_runs(before, foot_only)
    assert insole <= set(cmp.only_a) and cmp.only_b == []
    assert not insole & {c.metric for c in cmp.changes}
    assert cmp.get("cadence_spm").real
    fig = comparison_figure(cmp)  # every compared metric gets its panel
    titles = {ax.get_title() for ax in fig.axes if ax.get_visible()}
    assert "Cadence" in titles and "Forefoot load" not in titles


def test_the_comparison_is_reproducible(two_cadences):
    _, (before, after) = two_cadences
    assert compare_runs(before, after).to_dict() == compare_runs(before, after).to_dict()
    json.dumps(compare_runs(before, after).to_dict(), allow_nan=False)


def test_trend_figure_draws_each_session():
    sessions = [
        (
            f"#{i}",
            {
                "metrics": {
                    "cadence_spm": {"median": 160.0 + i, "left": 159.0 + i, "right": 161.0 + i}
                }
            },
        )
        for i in range(4)
    ]
    fig = trend(sessions, ["cadence_spm", "contact_ms"], title=HOSTILE)
    (ax,) = [a for a in fig.axes if a.get_visible()]  # contact time: no session has it
    assert [line.get_ydata().tolist() for line in ax.get_lines()] == [
        [159.0, 160.0, 161.0, 162.0],
        [161.0, 162.0, 163.0, 164.0],
        [160.0, 161.0, 162.0, 163.0],
    ]
    assert "Cadence" in ax.get_ylabel()
    with pytest.raises(ValueError, match="not summarised"):
        trend(sessions, ["side"])
    assert set(names(live=True)) >= {"cadence_spm"}


# --------------------------------------------------------------------------
# the commands
# --------------------------------------------------------------------------


def test_save_history_and_compare_commands(tmp_path, two_cadences, capsys):
    root, _ = two_cadences
    h = str(tmp_path / "h.sqlite")
    assert (
        cli.main(["analyze", str(root / "before"), "--save", "--athlete", "ana", "--history", h])
        == 0
    )
    assert "to the history" in capsys.readouterr().out
    assert (
        cli.main(
            [
                "analyze",
                str(SAMPLE),
                "--save",
                "--athlete",
                "ana",
                "--tag",
                "new shoes",
                "--history",
                h,
                "--json",
                "-",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    json.loads(out)  # standard output stays pure JSON; the note goes to standard error
    assert "session 2 to the history" in err
    assert cli.main(["history", "--history", h, "--athlete", "ana"]) == 0
    out = capsys.readouterr().out
    assert "new shoes" in out and "before" in out and "gaitmap_walk" in out
    with open_history(h) as hist:
        assert hist.get(1).source == str((root / "before").resolve())
    # a saved session against a recording folder, analysed now
    fig, doc = tmp_path / "c.png", tmp_path / "c.json"
    assert (
        cli.main(
            [
                "compare",
                "#1",
                str(root / "after"),
                "--history",
                h,
                "--plot",
                str(fig),
                "--json",
                str(doc),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Cadence" in out and "Beyond the steps' variability" in out
    data = json.loads(doc.read_text())
    (cad,) = [c for c in data["changes"] if c["metric"] == "cadence_spm" and c["scope"] == "both"]
    assert cad["real"] is True and cad["high"] < 0
    assert fig.stat().st_size > 0
    # the walk has no insole, the run has: listed, not compared
    assert cli.main(["compare", "1", "2", "--history", h]) == 0
    out = capsys.readouterr().out
    assert "Only in A:" in out and "Forefoot load" in out


def test_command_errors_exit_2_with_a_fix(tmp_path, capsys, monkeypatch):
    h = str(tmp_path / "h.sqlite")
    assert cli.main(["analyze", str(SAMPLE), "--tag", "x"]) == 2
    assert "--tag only apply" in capsys.readouterr().err
    assert cli.main(["compare", "1", "2", "--history", h]) == 2
    assert "no history file yet" in capsys.readouterr().err
    with open_history(h) as hist:
        hist.save(
            summary={},
            findings=[],
            source="x",
            steps={"side": np.array(["left"] * 12), "cadence_spm": np.full(12, 160.0)},
        )
    assert cli.main(["compare", "1", "99", "--history", h]) == 2
    err = capsys.readouterr().err
    assert "no session 99" in err and "footfall history" in err
    monkeypatch.chdir(tmp_path)
    (tmp_path / "1").mkdir()
    assert cli.main(["compare", "1", "#1", "--history", h]) == 2
    assert "#1 for the session" in capsys.readouterr().err
    assert cli.main(["compare", "nowhere", "#1", "--history", h]) == 2
    assert "nowhere: no such recording" in capsys.readouterr().err
    assert cli.main(["history", "--history", h, "--plot", "t.pdf"]) == 2
    assert ".png or .svg" in capsys.readouterr().err
    assert cli.main(["history", "--history", str(tmp_path / "none.sqlite")]) == 0
    assert "No session saved yet" in capsys.readouterr().out
    assert not (tmp_path / "none.sqlite").exists()  # listing creates nothing


# --------------------------------------------------------------------------
# footfall analyze --save: the athlete's earlier sessions are the rules' baseline
# --------------------------------------------------------------------------


def _baseline_item(summary: dict) -> dict | None:
    """The evidence item of the low-cadence finding that compares the
    cadence with the runner's baseline (None when the finding is absent)."""
    for f in summary["findings"]:
        if f["id"] == "low-cadence":
            (item,) = [
                i for i in f["evidence_items"] if i.get("fact") == "cadence_spm.vs_baseline_pct"
            ]
            return item
    return None


def test_analyze_save_gives_the_rules_the_athletes_earlier_sessions(tmp_path, capsys):
    """A run 6 % slower in cadence than the athlete's saved session (but
    above the 157 spm of the plain low-cadence check) raises the
    low-cadence finding from the baseline alone; another athlete's sessions
    are not that baseline."""
    from footfall.history.cli import BASELINE_SESSIONS
    from footfall.sim import get_scenario, simulate

    base = get_scenario("easy-run-treadmill")
    slower = base.with_(name="easy-run-158", gait=base.gait.with_(cadence_spm=158.5))
    usual, today = tmp_path / "usual", tmp_path / "today"
    simulate(base, 1.5, 12, usual, sensors=("foot",))
    simulate(slower, 1.5, 12, today, sensors=("foot",))
    symptoms = tmp_path / "symptoms.json"
    symptoms.write_text(json.dumps({"foot": "left", "locations": ["ball"], "onset_min": 10}))
    h = str(tmp_path / "h.sqlite")
    assert cli.main(["analyze", str(usual), "--save", "--athlete", "ana", "--history", h]) == 0
    assert cli.main(["analyze", str(today), "--save", "--athlete", "bo", "--history", h]) == 0
    capsys.readouterr()

    def analyse_today(athlete: str) -> tuple[dict, str]:
        out = tmp_path / f"{athlete}.json"
        args = ["analyze", str(today), "--symptoms", str(symptoms), "--json", str(out)]
        assert cli.main([*args, "--save", "--athlete", athlete, "--history", h]) == 0
        return json.loads(out.read_text(encoding="utf-8")), capsys.readouterr().out

    with open_history(Path(h), create=False) as history:
        ana_usual = history.get(1).summary["cadence_spm"]
    ana, printed = analyse_today("ana")
    item = _baseline_item(ana)
    assert item is not None and item["holds"] is True
    assert item["value"] == pytest.approx(
        100.0 * (ana["cadence_spm"] - ana_usual) / ana_usual, abs=0.05
    )
    assert item["value"] < -5.0 and ana["cadence_spm"] > 157.0  # the baseline alone fires it
    assert "1 earlier session" in item["part"]
    assert "the rules compared this run with 1 earlier session of ana" in " ".join(printed.split())
    # bo's earlier session is this very run: no change against his baseline
    bo, _ = analyse_today("bo")
    assert _baseline_item(bo) is None
    # cy has no earlier session: no baseline, no finding
    cy, printed = analyse_today("cy")
    assert _baseline_item(cy) is None and "compared this run" not in printed
    # what was saved is what was found: ana's session 3 holds the finding
    with open_history(Path(h), create=False) as history:
        sessions = {s.id: s for s in history.sessions()}
        assert [f["id"] for f in sessions[3].findings] == [f["id"] for f in ana["findings"]]
        assert "low-cadence" in [f["id"] for f in sessions[3].findings]
        # ana now has two sessions; the baseline takes the latest BASELINE_SESSIONS
        assert len(history.sessions("ana")) == 2 <= BASELINE_SESSIONS


def test_the_baseline_is_the_athletes_latest_sessions(tmp_path):
    import argparse

    from footfall.history.cli import BASELINE_SESSIONS, baseline_summaries

    h = tmp_path / "h.sqlite"
    args = argparse.Namespace(save=True, history=str(h), athlete="ana")
    assert baseline_summaries(args) == []  # no history file yet: none, and none made
    assert not h.exists()
    with open_history(h, create=True) as history:
        for i in range(BASELINE_SESSIONS + 2):
            history.save(summary={"cadence_spm": 150.0 + i}, findings=[], source="r", athlete="ana")
            history.save(summary={"cadence_spm": 100.0}, findings=[], source="r", athlete="bo")
        history.save(summary={"cadence_spm": 90.0}, findings=[], source="r")
    got = [s["cadence_spm"] for s in baseline_summaries(args)]
    assert got == [150.0 + i for i in range(2, BASELINE_SESSIONS + 2)]  # oldest first
    # sessions saved without --athlete are the baseline of runs saved without it
    args.athlete = None
    assert [s["cadence_spm"] for s in baseline_summaries(args)] == [90.0]
    args.save = False
    assert baseline_summaries(args) == []


# --------------------------------------------------------------------------
# footfall history --delete ID
# --------------------------------------------------------------------------


def test_history_delete_removes_one_session_and_says_which(tmp_path, sample_analysis, capsys):
    h = tmp_path / "h.sqlite"
    with open_history(h, create=True) as history:
        for tag in ("before", "the-secret-tag", "after"):
            history.save(
                summary=sample_analysis.summary,
                findings=sample_analysis.summary["findings"],
                source=str(SAMPLE),
                athlete=HOSTILE,
                tag=tag,
                steps=step_values(sample_analysis.table),
            )
    assert b"the-secret-tag" in h.read_bytes()
    assert cli.main(["history", "--history", str(h), "--delete", "#2"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("Deleted session 2 from")
    assert "tag the-secret-tag" in out and f"athlete {HOSTILE}" in out  # verbatim, no markup
    assert f"run {SAMPLE}" in out and "2 session(s) left" in out
    assert f"{sample_analysis.summary['n_steps']} steps" in out
    with open_history(h, create=False) as history:
        assert [(s.id, s.tag) for s in history.sessions()] == [(1, "before"), (3, "after")]
        # the others are whole, per-step values included
        assert history.get(3).steps is not None
        # an id is never given again
        assert history.save(summary={}, findings=[], source="x") == 4
    assert b"the-secret-tag" not in h.read_bytes()  # overwritten in the file, not only unlinked
    # the recording is not touched
    assert (SAMPLE / "recording.json").is_file()


def test_history_delete_unknown_or_bad_id_exits_2(tmp_path, capsys):
    h = tmp_path / "h.sqlite"
    # no history file: nothing made
    assert cli.main(["history", "--history", str(h), "--delete", "1"]) == 2
    err = capsys.readouterr().err
    assert "no history file, so no session 1 to delete" in err and "Fix:" in err
    assert not h.exists()
    with open_history(h, create=True) as history:
        history.save(summary={}, findings=[], source="r", tag="keep")
    before = h.read_bytes()
    assert cli.main(["history", "--history", str(h), "--delete", "7"]) == 2
    err = capsys.readouterr().err
    assert "no session 7 in the history; nothing was deleted" in err and str(h) in err
    assert "footfall history lists" in err and "Traceback" not in err
    assert cli.main(["history", "--history", str(h), "--delete", "seven"]) == 2
    assert "is not a session id" in capsys.readouterr().err
    assert cli.main(["history", "--history", str(h), "--delete", "1", "--plot", "t.png"]) == 2
    assert "takes no --plot" in capsys.readouterr().err
    assert h.read_bytes() == before  # nothing changed by any of them
    with open_history(h, create=False) as history:
        assert [s.tag for s in history.sessions()] == ["keep"]


# ---------------------------------------------------------------- a watch's records
def _watch_records(seed: int, minutes: int = 30) -> dict[str, np.ndarray]:
    """A watch's cadence records at 1 Hz: each the average of the last 30 s
    of a steady runner's noisy cadence (neighbours share most steps)."""
    rng = np.random.default_rng(seed)
    n = minutes * 60
    raw = rng.normal(0.0, 6.0, n + 29)
    smooth = np.convolve(raw, np.ones(30) / 30, mode="valid")
    return {
        "side": np.array([], dtype=str),
        "time_s": np.arange(n, dtype=float),
        "cadence_spm": 170.0 + smooth,
    }


def test_a_watchs_records_are_compared_by_minute() -> None:
    """Records are not steps: two runs of the same steady gait taken record
    by record as steps show a "real" change most of the time; by per-minute
    medians about as often as the 5 % the intervals promise."""
    by_minute = as_steps = 0
    for k in range(20):
        a, b = _watch_records(2 * k), _watch_records(2 * k + 1)
        c = compare_runs(Run("a", a), Run("b", b), n_boot=2000)
        assert c.unit == "minute" and c.to_dict()["unit"] == "minute"
        cad = c.get("cadence_spm")
        assert cad is not None and cad.n_a == cad.n_b == 30
        by_minute += bool(cad.real)
        steps = compare_runs(
            Run("a", dict(a, ic_s=a["time_s"])), Run("b", dict(b, ic_s=b["time_s"])), n_boot=2000
        )
        assert steps.unit == "step"
        as_steps += bool(steps.get("cadence_spm").real)  # type: ignore[union-attr]
    assert by_minute <= 3 and as_steps >= 10
    # the medians are of whole minutes, as a pandas groupby gives them
    import pandas as pd

    a = _watch_records(0)
    want = pd.Series(a["cadence_spm"]).groupby(a["time_s"] // 60).median().to_numpy()
    np.testing.assert_allclose(Run("a", a).per_minute("cadence_spm"), want, rtol=0, atol=0)
    assert len(Run("a", a).per_minute("cadence_spm", "left")) == 0  # records have no foot


def test_fit_sessions_saved_and_compared(tmp_path, capsys) -> None:
    """``footfall analyze run.fit --save`` keeps the records' times; comparing
    two such sessions is by per-minute medians and says so."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_fit import build_fit

    h = str(tmp_path / "h.sqlite")
    for name, cadence in (("a.fit", 80), ("b.fit", 85)):
        path = build_fit(tmp_path / name, cadence=cadence)
        assert cli.main(["analyze", str(path), "--save", "--history", h]) == 0
    capsys.readouterr()
    with open_history(h) as hist:
        steps = hist.get(1).steps
    assert steps is not None and "time_s" in steps and "ic_s" not in steps
    doc = tmp_path / "c.json"
    assert cli.main(["compare", "1", "2", "--history", h, "--json", str(doc)]) == 0
    out = capsys.readouterr().out
    assert "per-minute medians resampled" in out
    data = json.loads(doc.read_text())
    assert data["unit"] == "minute"
    (cad,) = [c for c in data["changes"] if c["metric"] == "cadence_spm" and c["scope"] == "both"]
    # 80 -> 85 strides/min is 160.5 -> 170.5 steps/min (half a stride of fractional
    # cadence); four minutes of records: too few for an interval
    assert cad["change"] == pytest.approx(10.0) and cad["n_a"] == 4 and cad["real"] is None
