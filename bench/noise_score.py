"""Pure judging for bench/advise_noise.py: the reference's answer, and one advice scored.

No I/O: the reference comes in as walls per configuration and round, an answer as
advice.json's entry (a dict, old format or new).

- **reference**: each configuration's median over the rounds; the best configuration
  is the lowest median, each model's best its lowest. A model's distance from the
  best is the median over rounds of (its best configuration's wall / the best
  configuration's wall in the same round): paired, so that the machine's drift
  between rounds cancels. Models within ``tolerance`` of the best are acceptable.
- **right**: the named model is the reference's best model or an acceptable one, or
  advice says ``tie`` and its runner-up is the reference's best model.
- **honesty**: (i) a reason that claims significance ("significant", not "not
  significant") where the p-value quoted beside the claim, or the runner-up's
  p_value where none is quoted, is 0.05 or more; (ii) ``tie`` without a
  ``ratio_vs_runner_up`` interval lying within 1 +- precision (no interval counts).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any

ALPHA = 0.05
#: "significant(ly)" not preceded by a negation: a claim of significance.
_CLAIM = re.compile(r"(?<![\w-])(not\s+|no\s+|in)?significant(ly)?\b", re.IGNORECASE)
_P_VALUE = re.compile(r"\bp\s*[=<>]\s*([0-9]*\.?[0-9]+(?:e-?[0-9]+)?)", re.IGNORECASE)


def key(model: str, pool: int) -> str:
    return f"{model}/p{pool}"


def split_key(config: str) -> tuple[str, int]:
    model, _, pool = config.rpartition("/p")
    return model, int(pool)


@dataclass(frozen=True)
class ModelStanding:
    model: str
    config: str  # the model's best configuration
    median_s: float
    ratio: float  # paired: median over rounds of its wall / the best's wall


@dataclass(frozen=True)
class Reference:
    best: str  # configuration
    best_model: str
    medians: dict[str, float]
    models: list[ModelStanding]  # fastest first
    acceptable: list[str]
    tolerance: float

    def as_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_model": self.best_model,
                "acceptable": self.acceptable, "tolerance": self.tolerance,
                "models": [vars(m) for m in self.models], "medians": self.medians}


def reference(walls: dict[str, list[float | None]], tolerance: float) -> Reference:
    """``walls``: configuration -> wall per round (None where that run failed)."""
    medians = {config: statistics.median(ok) for config, values in walls.items()
               if (ok := [v for v in values if v is not None])}
    if not medians:
        raise ValueError("the reference has no successful run")
    best = min(medians, key=medians.__getitem__)
    standings = []
    for model in dict.fromkeys(split_key(c)[0] for c in medians):
        own = min((c for c in medians if split_key(c)[0] == model), key=medians.__getitem__)
        standings.append(ModelStanding(model, own, medians[own],
                                       paired_ratio(walls[own], walls[best])
                                       or medians[own] / medians[best]))
    standings.sort(key=lambda s: s.ratio)
    return Reference(best, split_key(best)[0], medians, standings,
                     [s.model for s in standings if s.ratio <= 1 + tolerance], tolerance)


def paired_ratio(a: list[float | None], b: list[float | None]) -> float | None:
    """Median over rounds of a / b, rounds where both ran only."""
    ratios = [x / y for x, y in zip(a, b, strict=False) if x is not None and y]
    return statistics.median(ratios) if ratios else None


@dataclass
class Score:
    answer: str  # model/pN, or "-" where advise named nothing
    right: bool
    why: str  # best, acceptable, tie with the best, wrong, no answer
    violations: list[str] = field(default_factory=list)
    new_format: bool = False


def score(entry: dict[str, Any] | None, ref: Reference, precision: float) -> Score:
    """One advice entry against the reference."""
    if entry is None or entry.get("model") is None:
        return Score("-", False, "no answer")
    model = entry["model"]
    answer = key(model, entry.get("pool_size") or 1)
    runner_up = entry.get("runner_up") or {}
    if model == ref.best_model:
        right, why = True, "best"
    elif model in ref.acceptable:
        right, why = True, "acceptable"
    elif entry.get("tie") and runner_up.get("model") == ref.best_model:
        right, why = True, "tie with the best"
    else:
        right, why = False, "wrong"
    violations = significance_violations(entry.get("reason") or "",
                                         runner_up.get("p_value"))
    violations += [v for v in (tie_violation(entry, precision), slower_violation(entry)) if v]
    return Score(answer, right, why, violations, "ratio_vs_runner_up" in entry)


def significance_violations(reason: str, runner_up_p: float | None) -> list[str]:
    """Claims of significance where the p-value beside them is ALPHA or more.

    The reason is read clause by clause (advise joins them with "; "); a claim is
    held to the first p-value quoted after it in its clause, else the last before
    it, else (none quoted) the runner-up's p_value."""
    found = []
    for clause in reason.split(";"):
        quoted = [(m.start(), float(m.group(1))) for m in _P_VALUE.finditer(clause)]
        for claim in _CLAIM.finditer(clause):
            if claim.group(1):  # "not significant", "no significant", "insignificant"
                continue
            after = [p for at, p in quoted if at > claim.start()]
            before = [p for at, p in quoted if at < claim.start()]
            p = after[0] if after else before[-1] if before else runner_up_p
            if p is not None and p >= ALPHA:
                found.append(f"claims significance at p={p:.3g}: {clause.strip()[:120]}")
                break
    return found


def slower_violation(entry: dict[str, Any]) -> str | None:
    """The configuration named must not be one its own pairs show slower than the
    runner-up (counted even where the budget ran out first), unless the reason says
    that the finalists' pairs go round in a circle (then none can be named without
    one shown faster, and the words say so: see ``circles``)."""
    ratio = entry.get("ratio_vs_runner_up")
    if not isinstance(ratio, dict) or ratio.get("verdict") != "slower":
        return None
    if CIRCLE in (entry.get("reason") or ""):
        return None
    return f"named a configuration its pairs show slower than the runner-up ({ratio})"


#: What advise's reason says where the finalists' pairs disagree with each other.
CIRCLE = "disagree with each other"


def tie_violation(entry: dict[str, Any], precision: float) -> str | None:
    """A tie must be level: the ratio's 95% interval within 1 +- precision."""
    if not entry.get("tie"):
        return None
    ratio = entry.get("ratio_vs_runner_up")
    interval = ratio.get("ci95") if isinstance(ratio, dict) else None
    if not interval:
        return "tie with no interval"
    low, high = interval
    if low < 1 - precision or high > 1 + precision:
        return f"tie with interval [{low:.3f}, {high:.3f}] outside 1 +- {precision:g}"
    return None
