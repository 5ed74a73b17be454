"""What the openai backend keeps about its calls: the store protocol (cache + failure record), the
per-call-site token and cost ledger, and the errors a batch of calls can end with.

Why separate errors: ``CallsFailed`` means "these calls stayed invalid after a repair; everything else
completed and is cached" (a caller may skip the unit that needed them and go on), while
``BudgetExceeded`` and ``ErrorRateExceeded`` mean "stop the run" (every completed call is kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from llm.base import GenerationError
from llm.pricing import PriceTable, load_prices


class BudgetExceeded(GenerationError):
    """The next call could exceed ``max_cost``; every completed call is kept."""


class ErrorRateExceeded(GenerationError):
    """Too many calls of this run failed: stop early instead of paying for a doomed run."""


class CallFailed(GenerationError):
    """One call's output stayed invalid after its repair request (recorded in ``raw_failed_calls``)."""


class CallsFailed(GenerationError):
    """Some calls of a batch failed (each recorded); every other call of the batch completed and is cached."""

    def __init__(self, site: str, failures: list[CallFailed], total: int) -> None:
        self.site, self.failures, self.total = site, failures, total
        super().__init__(f"{site}: {len(failures)} of {total} calls failed after a repair request: {failures[0]}")


class CallStore(Protocol):
    """Where calls are cached and recorded (the warehouse's ``llm_calls``; a dict in tests)."""

    def get(self, cache_key: str) -> str | None: ...
    def put(self, row: dict[str, Any]) -> None: ...
    def put_failure(self, row: dict[str, Any]) -> None: ...


@dataclass
class MemoryStore:
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def get(self, cache_key: str) -> str | None:
        row = self.rows.get(cache_key)
        return row["parsed"] if row and row["status"] == "ok" else None

    def put(self, row: dict[str, Any]) -> None:
        self.rows[row["cache_key"]] = row

    def put_failure(self, row: dict[str, Any]) -> None:
        self.failures.append(row)

    # Batch API bookkeeping (the warehouse store keeps it in llm_batches / llm_batch_requests)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch_keys: dict[str, set[str]] = field(default_factory=dict)

    def add_batch(self, batch: dict[str, Any], requests: list[tuple[str, str, str]]) -> None:
        self.batches[batch["batch_id"]] = {**batch, "collected": False}
        self.batch_keys[batch["batch_id"]] = {r[0] for r in requests}

    def open_batches(self, keys: set[str]) -> dict[str, set[str]]:
        return {b: ks for b, ks in self.batch_keys.items() if not self.batches[b]["collected"] and ks & keys}

    def close_batch(self, batch_id: str, status: str, *files_and_counts) -> None:
        self.batches[batch_id].update(status=status, collected=True)


@dataclass
class SiteLedger:
    calls: int = 0
    failed: int = 0
    cache_hits: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0


@dataclass
class Ledger:
    prices: PriceTable = field(default_factory=PriceTable)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    failed: int = 0
    cache_hits: int = 0
    sites: dict[str, SiteLedger] = field(default_factory=dict)

    def charge(self, model: str, site: str, tokens_in: int, tokens_out: int, *, batch: bool = False) -> float:
        price_in, price_out = self.prices.price(model)
        cost = (tokens_in * price_in + tokens_out * price_out) / 1e6 * (self.prices.batch_discount if batch else 1)
        s = self.sites.setdefault(site, SiteLedger())
        for target in (self, s):
            target.tokens_in += tokens_in
            target.tokens_out += tokens_out
            target.cost_usd += cost
            target.calls += 1
        return cost

    def check_budget(self, max_cost: float | None, in_flight: int) -> None:
        """Raise ``BudgetExceeded`` before a call that, at the average cost so far (with the calls in
        flight), could take spending past ``max_cost``; None means no cap."""
        if max_cost is None:
            return
        average = self.cost_usd / self.calls if self.calls else 0.0
        if self.cost_usd + average * in_flight > max_cost:
            raise BudgetExceeded(
                f"max cost ${max_cost:.2f}: {self.calls} calls cost ${self.cost_usd:.4f} and the next could exceed "
                "it; completed calls are kept, rerun with a higher max cost to resume"
            )

    def hit(self, site: str) -> None:
        self.cache_hits += 1
        self.sites.setdefault(site, SiteLedger()).cache_hits += 1

    def fail(self, site: str) -> None:
        self.failed += 1
        self.sites.setdefault(site, SiteLedger()).failed += 1


def as_price_table(prices: PriceTable | dict[str, tuple[float, float]] | None) -> PriceTable:
    """The ledger's table: a ``PriceTable`` as is, a {model: (in, out)} dict, or None for ``llm/prices.yaml``."""
    if isinstance(prices, PriceTable):
        return prices
    if prices is None:
        return load_prices()
    models = {m: {"input": p[0], "output": p[1]} for m, p in (prices or {}).items()}
    return PriceTable.model_validate({"models": models})
