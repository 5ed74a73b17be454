"""The ``hf`` backend: a local transformers model by path, prompted through its own chat template.

Greedy decoding (deterministic), left padding, a few chats per forward pass. A prompt longer than the
model's context (less the tokens to generate) is never truncated: it comes back as ``Overflowed`` and is
recorded as an overflow. The model is loaded from a
local directory only (``local_files_only``): no hub downloads at run time. Works for any causal LM whose
tokenizer has a chat template, including a checkpoint written by ``tacit train`` and the tiny model of
``tacit train tiny-model``.

    model = HFModel("runs/sft/checkpoint-20")
    model.complete([[{"role": "user", "content": "Hi"}]], max_new_tokens=32)

Needs the ``train`` extra (torch, transformers); imported only when ``--backend hf`` is used.
"""

from __future__ import annotations

from pathlib import Path

from llm.chat import Overflowed


class HFModel:
    name = "hf"

    def __init__(self, path: str | Path, *, batch_size: int = 4, max_input_tokens: int | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = Path(path)
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"--model {path}: no config.json there; give a local model or checkpoint directory")
        self.torch = torch
        self.model = str(path)
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        if self.tokenizer.chat_template is None:
            raise ValueError(f"--model {path}: its tokenizer has no chat template")
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.lm = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
        self.lm.eval()
        self.batch_size = batch_size
        limit = getattr(self.lm.config, "max_position_embeddings", None)
        self.max_input_tokens = max_input_tokens or limit

    def _prompt(self, messages: list[dict[str, str]]) -> str:
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def complete(self, requests: list[list[dict[str, str]]], max_new_tokens: int = 256) -> list[str]:
        room = self.max_input_tokens - max_new_tokens if self.max_input_tokens else None
        ids = self.tokenizer([self._prompt(m) for m in requests], add_special_tokens=False)["input_ids"]
        replies: list[str] = [
            Overflowed(f"context overflow: a {len(i)}-token prompt, room for {room}")
            if room is not None and len(i) > room
            else ""
            for i in ids
        ]
        todo = [i for i, r in enumerate(replies) if not isinstance(r, Overflowed)]
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            enc = self.tokenizer.pad({"input_ids": [ids[i] for i in batch]}, return_tensors="pt")  # tokenized once
            with self.torch.no_grad():
                out = self.lm.generate(
                    **enc,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    pad_token_id=self.tokenizer.pad_token_id,
                )
            new = out[:, enc["input_ids"].shape[1] :]
            for i, text in zip(batch, self.tokenizer.batch_decode(new, skip_special_tokens=True), strict=True):
                replies[i] = text
        return replies
