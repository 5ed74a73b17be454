"""A tiny Qwen3 and a tokenizer trained on warehouse text: the offline base model (``--base-model tiny``).

    tacit train tiny-model --out models/tiny [--db data/tacit.duckdb]

No hub, no download: a byte-level BPE tokenizer is trained with the ``tokenizers`` library on the newest
version's turns, queries and options, wrapped as a transformers tokenizer with Qwen3-Instruct's chat
template (the one TRL ships, so TRL's assistant-only-loss template swap applies to it as to the real
model), and a 2-layer Qwen3 with random weights is built from a config. The result loads with
``AutoModelForCausalLM.from_pretrained(DIR)`` like any checkpoint and trains on a laptop CPU in seconds.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from pydantic import BaseModel, ConfigDict, Field

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"]
TEXT_SQL = """
SELECT content FROM turns WHERE version_id = $v
UNION ALL SELECT text FROM queries WHERE version_id = $v
UNION ALL SELECT text FROM options WHERE version_id = $v
UNION ALL SELECT statement FROM preferences WHERE version_id = $v
"""


class TinyModelConfig(BaseModel):
    """Shape of the tiny model; small enough that a GRPO step on CPU takes well under a second."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    vocab_size: int = Field(2048, ge=300, description="BPE vocabulary size, special tokens included")
    hidden_size: int = 64
    intermediate_size: int = 128
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    max_position_embeddings: int = 32768
    seed: int = 0


def warehouse_texts(con: duckdb.DuckDBPyConnection, version_id: str, limit: int = 50_000) -> list[str]:
    rows = con.execute(TEXT_SQL + f" LIMIT {int(limit)}", {"v": version_id}).fetchall()
    if not rows:
        raise ValueError(f"no text in dataset version {version_id}; run `tacit synth` first")
    return [r[0] for r in rows]


def chat_template() -> str:
    from trl.chat_template_utils import qwen3_instruct_2507_chat_template

    return qwen3_instruct_2507_chat_template


def train_tokenizer(texts: list[str], vocab_size: int):
    """A byte-level BPE (every byte is in the alphabet, so no text is ever unknown)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", padding_side="left"
    )
    fast.chat_template = chat_template()
    return fast


def build_tiny_model(tokenizer, cfg: TinyModelConfig):
    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    torch.manual_seed(cfg.seed)
    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_hidden_layers,
        num_attention_heads=cfg.num_attention_heads,
        num_key_value_heads=cfg.num_key_value_heads,
        head_dim=cfg.hidden_size // cfg.num_attention_heads,
        max_position_embeddings=cfg.max_position_embeddings,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    model = Qwen3ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, do_sample=True
    )
    return model


def make_tiny_model(con: duckdb.DuckDBPyConnection, version_id: str, out: Path, cfg: TinyModelConfig) -> Path:
    """Train the tokenizer, build the model, save both under ``out``; returns ``out``."""
    tokenizer = train_tokenizer(warehouse_texts(con, version_id), cfg.vocab_size)
    model = build_tiny_model(tokenizer, cfg)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "tacit_tiny.json").write_text(cfg.model_dump_json(indent=2) + "\n")
    return out
