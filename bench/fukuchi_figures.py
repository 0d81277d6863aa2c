"""Figures for docs/simulation.md: a simulated stride next to the Fukuchi
virtual-IMU stride (real treadmill running, runner RBDS001 at 2.5 m/s).

Writes ``docs/figures/sim_vs_fukuchi_foot.png``,
``docs/figures/sim_vs_fukuchi_shank.png`` and
``docs/figures/sim_scenarios_foot.png``. Needs matplotlib; the Fukuchi figure
needs ../shared/data (exit code 3 with a message when it is absent).

The simulated runner is matched to RBDS001: 2.5 m/s treadmill, 157 steps/min,
contact fraction 0.36, foot strike angle -1 deg and shank angle at contact 8.6
deg (the converter's medians).
Both sensors are aligned with the foot frame (x forward, y left, z up).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
try:
    import footfall  # noqa: F401
except ImportError:
    sys.path.insert(0, str(HERE.parent / "src"))

import fukuchi_imu as fk  # noqa: E402

from footfall.sim import get_scenario, simulate  # noqa: E402

OUT = HERE.parent / "docs" / "figures"
WINDOW_S = (-0.1, 0.75)


def stride_stack(
    time_s: np.ndarray, values: np.ndarray, ic_s: np.ndarray, fs: float = 1000.0
) -> tuple[np.ndarray, np.ndarray]:
    """Signals cut around each initial contact, resampled on a common grid (ms)."""
    rel = np.arange(WINDOW_S[0], WINDOW_S[1], 1.0 / fs)
    ok = (ic_s + WINDOW_S[0] > time_s[0]) & (ic_s + WINDOW_S[1] < time_s[-1])
    out = np.stack(
        [
            np.column_stack(
                [np.interp(ic + rel, time_s, values[:, j]) for j in range(values.shape[1])]
            )
            for ic in ic_s[ok]
        ]
    )
    return rel * 1000, out


def compare_figure(
    plt, rec_f, truth_f, rec_s, truth_s, placement: str, labels: list[tuple[str, str]]
) -> None:
    """The left IMU at ``placement`` over a stride, real next to simulated,
    written to ``sim_vs_fukuchi_<placement>.png``."""
    fig, axes = plt.subplots(len(labels), 1, figsize=(8, 10), sharex=True)
    for rec, truth, colour, name in (
        (rec_f, truth_f, "tab:blue", "Fukuchi RBDS001 (virtual IMU)"),
        (rec_s, truth_s, "tab:orange", "simulated (matched)"),
    ):
        s = rec.select(kind="imu", side="left", placement=placement)[0]
        vals = np.hstack([s.acc_mps2, np.degrees(s.gyr_rps)])
        ic = truth.loc[truth["side"] == "left", "ic_s"].to_numpy()
        to = truth.loc[truth["side"] == "left", "contact_ms"].median()
        ms, st = stride_stack(s.time_s, vals, ic)
        cols = {"acc_x": 0, "acc_z": 2, "gyr_x": 3, "gyr_y": 4}
        for ax, (c, lab) in zip(axes, labels, strict=True):
            j = cols[c]
            for k in range(min(8, len(st))):
                ax.plot(ms, st[k, :, j], color=colour, alpha=0.15, lw=0.7)
            ax.plot(ms, np.median(st[:, :, j], axis=0), color=colour, lw=2, label=name)
            ax.axvline(to, color=colour, ls=":", lw=1)
            ax.set_ylabel(lab)
    for ax in axes:
        ax.axvline(0, color="k", lw=0.8)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel("time from initial contact, ms (dotted: median toe-off)")
    fig.suptitle(
        f"Left {placement} IMU over a stride: real (motion capture) vs simulated", fontsize=11
    )
    fig.tight_layout()
    fig.savefig(OUT / f"sim_vs_fukuchi_{placement}.png", dpi=110)
    plt.close(fig)


def matched_scenario():
    sc = get_scenario("midfoot-runner-treadmill")
    return sc.with_(
        name="fukuchi-matched",
        gait=sc.gait.with_(
            speed_mps=2.5,
            cadence_spm=157.0,
            contact_fraction=0.364,
            foot_strike_angle_deg=-1.0,
            shank_angle_ic_deg=8.6,
            toe_off_angle_deg=-45.0,
        ),
        mounting="aligned",
    )


def main() -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    OUT.mkdir(parents=True, exist_ok=True)
    if not fk.data_available():
        print(f"skipped: Fukuchi data not found in {fk.DATA_DIR}", file=sys.stderr)
        return 3
    rec_f, truth_f, _ = fk.make_fukuchi_imu()
    rec_s, truth_s = simulate(matched_scenario(), 1.0, seed=1, sensors=("foot", "shank"))
    compare_figure(
        plt,
        rec_f,
        truth_f,
        rec_s,
        truth_s,
        "foot",
        [
            ("acc_x", "acc x (forward), m/s$^2$"),
            ("acc_z", "acc z (up), m/s$^2$"),
            ("gyr_y", "gyr y (toes down +), deg/s"),
            ("gyr_x", "gyr x (left edge up +), deg/s"),
        ],
    )
    compare_figure(
        plt,
        rec_f,
        truth_f,
        rec_s,
        truth_s,
        "shank",
        [
            ("acc_x", "acc x (forward), m/s$^2$"),
            ("acc_z", "acc z (tibia), m/s$^2$"),
            ("gyr_y", "gyr y (sagittal), deg/s"),
            ("gyr_x", "gyr x, deg/s"),
        ],
    )
    # scenarios side by side (simulated only): pitch rate and vertical acceleration
    fig, axes = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for name in (
        "easy-run",
        "heavy-heel-striker",
        "forefoot-loader",
        "overpronator",
        "low-cadence-overstride",
    ):
        sc = get_scenario(name + "-treadmill").with_(mounting="aligned")
        rec, truth = simulate(sc, 0.5, seed=1, sensors=("foot",), profile="ideal")
        s = rec.select(kind="imu", side="left", placement="foot")[0]
        vals = np.hstack([s.acc_mps2, np.degrees(s.gyr_rps)])
        ms, st = stride_stack(s.time_s, vals, truth.loc[truth["side"] == "left", "ic_s"].to_numpy())
        axes[0].plot(ms, np.median(st[:, :, 4], axis=0), label=name)
        axes[1].plot(ms, np.median(np.linalg.norm(st[:, :, :3], axis=2), axis=0), label=name)
    axes[0].set_ylabel("gyr y, deg/s")
    axes[1].set_ylabel("|acc|, m/s$^2$")
    axes[1].set_xlabel("time from initial contact, ms")
    for ax in axes:
        ax.axvline(0, color="k", lw=0.8)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Simulated foot IMU by scenario (ideal sensor, aligned)", fontsize=11)
    fig.tight_layout()
    fig.savefig(OUT / "sim_scenarios_foot.png", dpi=110)
    plt.close(fig)
    print(
        f"wrote {OUT / 'sim_vs_fukuchi_foot.png'}, {OUT / 'sim_vs_fukuchi_shank.png'} and "
        f"{OUT / 'sim_scenarios_foot.png'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
