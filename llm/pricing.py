"""The price table: USD per million input / output tokens per model, kept as data outside the code.

``llm/prices.yaml`` is the default; ``tacit synth --prices FILE`` replaces it with a file of the same
shape, and ``--price-in`` / ``--price-out`` override the run's model. A model is priced by its own entry
or the longest listed prefix of its name (dated snapshots share their family's price); an unlisted
model (a local server) costs 0. Batch API calls are charged ``batch_discount`` of the list price.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llm.base import GenerationError

DEFAULT_PRICES = Path(__file__).resolve().parent / "prices.yaml"


class ModelPrice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    input: float = Field(ge=0, description="USD per 1M input tokens")
    output: float = Field(ge=0, description="USD per 1M output tokens")


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    batch_discount: float = Field(0.5, gt=0, le=1, description="share of the list price a Batch API call costs")
    models: dict[str, ModelPrice] = Field(default_factory=dict)

    def price(self, model: str) -> tuple[float, float]:
        """(input, output) USD per 1M tokens for ``model``: exact name, else longest listed prefix, else 0."""
        if model in self.models:
            p = self.models[model]
            return p.input, p.output
        prefixes = [m for m in self.models if model.startswith(m)]
        if not prefixes:
            return 0.0, 0.0
        p = self.models[max(prefixes, key=len)]
        return p.input, p.output

    def with_override(self, model: str, price_in: float | None, price_out: float | None) -> PriceTable:
        """This table with ``model``'s price replaced where ``price_in`` / ``price_out`` are given."""
        if price_in is None and price_out is None:
            return self
        cur_in, cur_out = self.price(model)
        entry = ModelPrice(
            input=cur_in if price_in is None else price_in, output=cur_out if price_out is None else price_out
        )
        return self.model_copy(update={"models": {**self.models, model: entry}})

    def as_dict(self) -> dict[str, tuple[float, float]]:
        return {m: (p.input, p.output) for m, p in self.models.items()}


def money(usd: float) -> str:
    """USD with enough significant digits for small amounts: ``$0.0001``, ``$0.0398``, ``$12.50``."""
    if usd == 0 or abs(usd) >= 1:
        return f"${usd:,.2f}"
    return f"${usd:.3g}" if abs(usd) >= 1e-4 else f"${usd:.2e}"


def load_prices(path: Path | str | None = None) -> PriceTable:
    """Read a price file (default ``llm/prices.yaml``); a bad file is one error naming it and the field."""
    path = Path(path) if path is not None else DEFAULT_PRICES
    try:
        data = yaml.safe_load(path.read_text()) or {}
        return PriceTable.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise GenerationError(f"{path}: cannot read price table: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise GenerationError(f"{path}: bad price table at {where}: {first['msg']}") from exc
