"""Forecast an LLM run without calling anything: calls, tokens and cost per call site.

``ForecastGenerator`` stands in for the openai backend: it renders every request's real prompt (so input
tokens are those of the actual prompt files) and lets the offline generator write a stand-in answer of
realistic size (output tokens). Running the synth stages with it gives the number of calls a real run
would make. Used by ``tacit synth --dry-run``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from llm.callsites import CallSite
from llm.offline import OfflineGenerator
from llm.openai_backend import OpenAIGenerator
from llm.tokens import MESSAGE_OVERHEAD, count_tokens


@dataclass
class SiteForecast:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0


@dataclass
class ForecastGenerator:
    """A ``Generator`` that counts instead of calling: outputs come from the offline backend."""

    model: str
    seed: int = 0
    sites: dict[str, SiteForecast] = field(default_factory=dict)
    name: str = "forecast"
    version: str = "forecast-1"

    def __post_init__(self) -> None:
        self._offline = OfflineGenerator(seed=self.seed)
        self._renderer = OpenAIGenerator(self.model, taxonomy=self._offline.tax)

    def generate(self, site: CallSite, requests: Sequence[BaseModel]) -> list[BaseModel]:
        outputs = self._offline.generate(site, requests)
        prompts = [self._renderer.render(site, r) for r in requests]
        texts_in = [m["content"] for p in prompts for m in p.messages]
        stats = self.sites.setdefault(site.name, SiteForecast())
        stats.calls += len(requests)
        stats.tokens_in += sum(count_tokens(texts_in)) + MESSAGE_OVERHEAD * len(texts_in)
        stats.tokens_out += sum(count_tokens([o.model_dump_json() for o in outputs]))
        return outputs

    def cost(self, price_in: float, price_out: float) -> float:
        """USD at the given prices per million input / output tokens."""
        return sum(s.tokens_in * price_in + s.tokens_out * price_out for s in self.sites.values()) / 1e6
