"""Who leads a comparison group, and the line that opens its section.

The leader is the cell with the lowest median (in an advise run, the advised cell);
the runner-up is the best cell of another model (of the same model where only one
ran). The headline crowns the leader "Fastest" only where ``told.tell`` finds it
faster beyond noise; otherwise it says the two are level or not told apart, with the
ratio, its interval and the runs behind it. In an advise run the advice heads the
group: the grid's cells may hold fewer runs than the search spent on its choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from runner.report.stats import is_missing
from runner.report.told import Comparison, Told, decimals, interval_words, runs_words, tell

if TYPE_CHECKING:
    import pandas as pd

    from runner.report.advised import AdviceHeadline

#: Per cell id, its ok runs' wall times.
Walls = Mapping[str, Sequence[float]]
Kind = Literal["fastest", "level", "not told apart", "advice"]
LABELS: dict[Kind, str] = {"fastest": "Fastest", "level": "Level",
                           "not told apart": "Not told apart", "advice": "Advice"}
#: Where an advise run's report shows the advice a headline points to.
ADVICE_ABOVE = "see the advice above"


@dataclass(frozen=True)
class Headline:
    kind: Kind
    text: str  # what the label names, in bold: "asyncio, pool 4, median 0.0123 s"
    detail: str = ""  # plain words after it: the ratio, its interval, the runs
    crowned: str | None = None  # the cell named best (fastest or advised), if any
    leader: str | None = None  # the cell with the lowest median (or advised)
    runner_up: str | None = None  # the best cell of another model (see ``runner_up``)

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def rest(self, *, report: bool = True) -> str:
        """What follows the bold text: ``: ratio 1.10, ...`` where not told apart, else
        `` (ratio 1.02, ...)``; "" without a detail. ``report``: in report.md and
        report.html, which show the advice above (the terminal does not)."""
        detail = self.detail
        if self.kind == "advice" and report:
            detail = "; ".join(part for part in (detail, ADVICE_ABOVE) if part)
        if not detail:
            return ""
        return f": {detail}" if self.kind == "not told apart" else f" ({detail})"


def contenders(measured: pd.DataFrame, leader: str | None = None
               ) -> tuple[pd.Series, pd.DataFrame]:
    """The leading row of a group's measured summary rows (the cell ``leader`` where
    given, else the lowest median) and each other model's best row, fastest first."""
    ranked = measured.sort_values("wall_median_s", kind="stable")
    chosen = ranked[ranked["cell"] == leader] if leader is not None else ranked.iloc[:0]
    winner = chosen.iloc[0] if len(chosen) else ranked.iloc[0]
    others = ranked[ranked["model"] != winner["model"]].groupby("model", sort=False).head(1)
    return winner, others


def runner_up(measured: pd.DataFrame, winner: pd.Series, others: pd.DataFrame
              ) -> pd.Series | None:
    """The best row of another model, else (one model ran) the next best row, else None."""
    if len(others):
        return others.iloc[0]
    rest = measured.drop(index=winner.name).sort_values("wall_median_s", kind="stable")
    return rest.iloc[0] if len(rest) else None


def compare(walls: Walls | None, leader: pd.Series, other: pd.Series,
            precision: float) -> Comparison | None:
    """``tell`` on two summary rows' cells; None without both cells' wall times."""
    if walls is None:
        return None
    a, b = walls.get(str(leader["cell"])), walls.get(str(other["cell"]))
    if not a or not b:
        return None
    return tell(a, b, precision)


def headline(table: pd.DataFrame, walls: Walls, precision: float,
             advice: AdviceHeadline | None = None) -> Headline | None:
    """A group's headline from its summary rows; None where no run succeeded."""
    measured = table.dropna(subset=["wall_median_s"])
    if measured.empty:
        return None
    advised = advice.cell if advice is not None else None
    winner, others = contenders(measured, advised)
    up = runner_up(measured, winner, others)
    leader, second = str(winner["cell"]), None if up is None else str(up["cell"])
    if advice is not None and winner["cell"] == advised:
        median = advice.wall_median_s or winner["wall_median_s"]
        return Headline("advice", name(winner), f"median {seconds(median)} s", advised,
                        leader=leader, runner_up=second)
    told = compare(walls, winner, up, precision) if up is not None else None
    if up is None or told is None or told.told is Told.FASTER:
        return Headline("fastest", f"{name(winner)}, median {seconds(winner['wall_median_s'])} s",
                        crowned=leader, leader=leader, runner_up=second)
    if told.told is Told.LEVEL:
        return Headline("level", f"{name(winner)} and {name(up)}", _ratio(told), leader=leader,
                        runner_up=second)
    text = (f"{name(winner)} ({seconds(winner['wall_median_s'])} s) and {name(up)} "
            f"({seconds(up['wall_median_s'])} s)")
    more = runs_words(told)
    return Headline("not told apart", text, _ratio(told) + (f"; {more}" if more else ""),
                    leader=leader, runner_up=second)


def _ratio(told: Comparison) -> str:
    """``ratio 1.10, 95% CI 0.81-1.52 from 4 and 4 runs`` (or too few for an interval)."""
    runs = f"from {told.runs[0]} and {told.runs[1]} runs"
    if told.low is None or told.high is None:
        return f"ratio {told.ratio:.2f} {runs}, too few for an interval"
    return (f"ratio {told.ratio:.{decimals(told.low, told.high)}f}, {interval_words(told)} "
            f"{runs}")


def name(row: pd.Series) -> str:
    """``asyncio, pool 4`` or ``sync``."""
    return str(row["model"]) + ("" if row["model"] == "sync" else f", pool {row['pool_size']}")


def seconds(value: float) -> str:
    """A time as the report's tables show it: 3 significant digits below 1 s."""
    if is_missing(value):
        return "–"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.3f}".rstrip("0").rstrip(".")
