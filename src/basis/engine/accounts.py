"""A backtest split over several accounts (`basis backtest --accounts`).

Each account runs the mode on its own venue with its share of the capital, in a book of its
own: its own cash, margin and liquidation, exactly as a session runs live. The accounts'
runs are then combined into one: equity, flows and attribution add up step by step (so
the attribution still sums exactly to the equity change), per-venue series are named by
account, risk series keep the worst account, and events and warnings say which account.
"""

from __future__ import annotations

import dataclasses
import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from basis.analytics import check_attribution, summarize
from basis.data.catalog import Catalog
from basis.data.resolve import ResolutionPolicy
from basis.engine.backtest import Backtest, execute, load_mode, prepare
from basis.engine.loop import Progress, estimated_share
from basis.errors import ConfigError
from basis.model.result import Floats, RunResult

__all__ = ["AccountSplit", "combine", "parse_accounts", "run_accounts"]

_ITEM: Final = re.compile(r"([a-z][a-z0-9_-]{0,31})=([a-z][a-z0-9_]*)(?::(.+))?")
_PER_VENUE: Final = ("margin_ratio:", "funding:")
_SUMMED_OUTCOMES: Final = ("unpaid", "estimated_rewards", "lst_discount_unrealised")
_WORST_OUTCOMES: Final = ("capacity_limited_hours",)  # the most of any account


@dataclass(frozen=True)
class AccountSplit:
    """One account of a split backtest: its name, its venue and its share of the capital."""

    name: str
    venue: str
    weight: float


def parse_accounts(text: str) -> tuple[AccountSplit, ...]:
    """`a=binance:0.6,b=bybit:0.4` (or `a=binance,b=bybit`: equal shares). Raises
    ConfigError naming the item that is malformed or the weights that do not sum to 1."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    parsed: list[tuple[str, str, float | None]] = []
    for item in items:
        match = _ITEM.fullmatch(item)
        weight = None
        if match is not None and match.group(3) is not None:
            try:
                weight = float(match.group(3))
            except ValueError:
                match = None
        if match is None or (weight is not None and not (math.isfinite(weight) and weight > 0)):
            raise ConfigError(
                f"--accounts {item!r}: expected NAME=VENUE or NAME=VENUE:WEIGHT (weight > 0)"
            )
        parsed.append((match.group(1), match.group(2), weight))
    names = [name for name, _, _ in parsed]
    if not parsed or len(set(names)) != len(names):
        raise ConfigError(f"--accounts {text!r}: name each account once")
    given = [w for _, _, w in parsed if w is not None]
    if given and len(given) != len(parsed):
        raise ConfigError("--accounts: give every account a weight, or none (equal shares)")
    splits = tuple(
        AccountSplit(name, venue, 1.0 / len(parsed) if w is None else w)
        for name, venue, w in parsed
    )
    total = math.fsum(s.weight for s in splits)
    if abs(total - 1.0) > 1e-9:
        raise ConfigError(f"--accounts weights sum to {total:g}; they must sum to 1")
    return splits


def run_accounts(
    request: Backtest,
    splits: Sequence[AccountSplit],
    catalog: Catalog,
    configs: Path,
    policy: ResolutionPolicy | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run `request` once per account and combine the runs (`combine`)."""
    if request.mode == "funding_arbitrage":
        raise ConfigError(
            "--accounts splits a mode's hedge by account; funding_arbitrage trades the two "
            "venues it names (long_venue, short_venue) in one account each already"
        )
    hedges = sorted(
        load_mode(configs, request.mode, request.overrides, request.capital).hedge_allocation
    )
    for split in splits:
        if split.venue not in hedges:
            raise ConfigError(
                f"--accounts {split.name}={split.venue}: mode {request.mode} hedges on {hedges}"
            )
    parts = []
    for number, split in enumerate(splits):
        prepared = prepare(request, catalog, configs, policy, account=(split.venue, split.weight))
        if split.venue not in prepared.inputs.venues:
            raise ConfigError(
                f"--accounts {split.name}={split.venue}: {request.mode} has no {split.venue} "
                f"perp data on {request.dataset}"
            )

        def report(done: int, total: int, number: int = number) -> None:
            if progress is not None:
                progress(number * total + done, len(splits) * total)

        parts.append((split, execute(prepared, report)))
    return combine(parts)


def combine(parts: Sequence[tuple[AccountSplit, RunResult]]) -> RunResult:
    """One run of several accounts' runs over the same hours (a ConfigError otherwise)."""
    first = parts[0][1]
    for split, result in parts:
        if not np.array_equal(result.times, first.times):
            raise ConfigError(f"account {split.name}: its run covers other hours than the first")
    results = [result for _, result in parts]
    equity = np.sum([r.equity for r in results], axis=0)
    series = _series(parts, equity)
    events = sorted(
        (dataclasses.replace(e, account=split.name) for split, r in parts for e in r.events),
        key=lambda e: e.time,
    )
    record: dict[str, Any] = {
        **first.config,
        "accounts": [
            {"name": s.name, "venue": s.venue, "weight": s.weight, "run_id": r.run_id}
            for s, r in parts
        ],
        "venues": sorted({s.venue for s, _ in parts}),
        "allocation": {s.name: s.weight for s, _ in parts},
    }
    combined = RunResult(
        run_id=uuid.uuid4().hex,
        mode=first.mode,
        share_class=first.share_class,
        dataset=first.dataset,
        start=first.start,
        end=first.end,
        config=record,
        initial_equity=math.fsum(r.initial_equity for r in results),
        times=first.times.copy(),
        equity=equity,
        flows=np.sum([r.flows for r in results], axis=0),
        attribution=np.sum([r.attribution for r in results], axis=0),
        series=series,
        events=tuple(events),
        warnings=tuple(f"{s.name}: {w}" for s, r in parts for w in r.warnings),
    )
    check_attribution(combined)
    summary = summarize(combined)
    metrics = dict(summary.metrics)
    for key in _SUMMED_OUTCOMES:
        values = [r.summary.metrics.get(key) for r in results if r.summary is not None]
        metrics[key] = math.fsum(v for v in values if v is not None)
    for key in _WORST_OUTCOMES:
        values = [r.summary.metrics.get(key) for r in results if r.summary is not None]
        metrics[key] = max((v for v in values if v is not None), default=0.0)
    undeployed = [  # idle share of equity: the equity-weighted mean over accounts
        (r.summary.metrics.get("undeployed") or 0.0) * r.final_equity
        for r in results
        if r.summary is not None
    ]
    metrics["undeployed"] = math.fsum(undeployed) / combined.final_equity
    metrics["estimated_share"] = estimated_share(combined, metrics["estimated_rewards"] or 0.0)
    return dataclasses.replace(combined, summary=dataclasses.replace(summary, metrics=metrics))


def _series(parts: Sequence[tuple[AccountSplit, RunResult]], equity: Floats) -> dict[str, Floats]:
    """Per-venue series named by account; the worst account for risk; sums for flows."""
    results = [r for _, r in parts]
    out: dict[str, Floats] = {}
    for split, result in parts:
        for key, values in result.series.items():
            if key.startswith(_PER_VENUE):
                out[f"{key.partition(':')[0]}:{split.name}"] = values
    stacked = {key: [r.series[key] for r in results if key in r.series] for key in _keys(results)}
    with np.errstate(all="ignore"):
        if "health_factor" in stacked:
            out["health_factor"] = np.fmin.reduce(stacked["health_factor"])
        if "ltv" in stacked:
            out["ltv"] = np.fmax.reduce(stacked["ltv"])
        if "state" in stacked:
            out["state"] = np.fmax.reduce(stacked["state"])
        if "traded" in stacked:
            out["traded"] = np.sum(stacked["traded"], axis=0)
        if "net_delta" in stacked:
            # |Σ delta| <= Σ |delta|: an upper bound of the book's net delta share
            weighted = [nd * r.equity for nd, r in zip(stacked["net_delta"], results, strict=True)]
            out["net_delta"] = np.nansum(weighted, axis=0) / equity
    if "benchmark_apy" in stacked:
        out["benchmark_apy"] = stacked["benchmark_apy"][0]
    return out


def _keys(results: Sequence[RunResult]) -> set[str]:
    return {key for r in results for key in r.series if not key.startswith(_PER_VENUE)}
