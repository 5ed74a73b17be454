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
from llm.pricing import PriceTable, load_prices, money


class BudgetExceeded(GenerationError):
    """The next call could exceed ``max_cost``; every completed call is kept."""


class ErrorRateExceeded(GenerationError):
    """Too many calls of this run failed: stop early instead of paying for a doomed run."""


class DeadlineExceeded(GenerationError):
    """The run's ``--deadline`` passed: no new request is sent; every completed call is kept."""


class AuthenticationFailed(GenerationError):
    """The server refused the API key (401/403): no further request is sent."""


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
    def get_many(self, cache_keys: list[str]) -> dict[str, str]: ...
    def put(self, row: dict[str, Any]) -> None: ...
    def put_failure(self, row: dict[str, Any]) -> None: ...


@dataclass
class MemoryStore:
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def get(self, cache_key: str) -> str | None:
        row = self.rows.get(cache_key)
        return row["parsed"] if row and row["status"] == "ok" else None

    def get_many(self, cache_keys: list[str]) -> dict[str, str]:
        """The cached answers of those of ``cache_keys`` that have one."""
        return {k: v for k in cache_keys if (v := self.get(k)) is not None}

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

    reserved_usd: float = 0.0  # worst-case cost of the requests in flight (see ``reserve``)

    def cost(self, model: str, tokens_in: int, tokens_out: int, *, batch: bool = False) -> float:
        """USD for these tokens at ``model``'s price (the Batch API's discount when ``batch``)."""
        price_in, price_out = self.prices.price(model)
        return (tokens_in * price_in + tokens_out * price_out) / 1e6 * (self.prices.batch_discount if batch else 1)

    def spend(self, model: str, site: str, tokens_in: int, tokens_out: int, *, batch: bool = False) -> float:
        """Add one response's tokens and cost (no call counted: a call may take a repair request too)."""
        cost = self.cost(model, tokens_in, tokens_out, batch=batch)
        for target in (self, self.sites.setdefault(site, SiteLedger())):
            target.tokens_in += tokens_in
            target.tokens_out += tokens_out
            target.cost_usd += cost
        return cost

    def count(self, site: str) -> None:
        """One finished call (valid or failed) of ``site``."""
        self.calls += 1
        self.sites.setdefault(site, SiteLedger()).calls += 1

    def charge(self, model: str, site: str, tokens_in: int, tokens_out: int, *, batch: bool = False) -> float:
        """``spend`` and ``count`` at once: a call whose usage arrives with its result (Batch API, chat)."""
        cost = self.spend(model, site, tokens_in, tokens_out, batch=batch)
        self.count(site)
        return cost

    def reserve(
        self, model: str, tokens_in: int, max_out: int, max_cost: float | None, *, batch: bool = False
    ) -> float:
        """Hold the worst-case cost of one request (``tokens_in`` prompt tokens at most, ``max_out`` output
        tokens at most; at the Batch API's price when ``batch``) before it is sent; ``BudgetExceeded`` when
        spending, the requests in flight and this one could pass ``max_cost`` (None: no cap). Returns the
        amount held, for ``release``."""
        worst = self.cost(model, tokens_in, max_out, batch=batch)
        if max_cost is not None and self.cost_usd + self.reserved_usd + worst > max_cost:
            raise BudgetExceeded(
                f"max cost {money(max_cost)}: {self.calls} calls cost {money(self.cost_usd)}, "
                f"{money(self.reserved_usd)} is held for requests in flight, and the next request could cost up "
                f"to {money(worst)}; completed calls are kept, rerun with a higher max cost to resume"
            )
        self.reserved_usd += worst
        return worst

    def release(self, held: float) -> None:
        """Give back a reservation once the request's real usage is spent (or it failed unbilled)."""
        left = self.reserved_usd - held
        self.reserved_usd = left if left > 1e-12 else 0.0  # no float residue once nothing is in flight

    def check_budget(self, max_cost: float | None, in_flight: int = 0) -> None:
        """Raise ``BudgetExceeded`` once spending (with the reservations held) reached ``max_cost``."""
        if max_cost is not None and self.cost_usd + self.reserved_usd >= max_cost:
            raise BudgetExceeded(
                f"max cost {money(max_cost)}: {self.calls} calls cost {money(self.cost_usd)}; completed calls are "
                "kept, rerun with a higher max cost to resume"
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
