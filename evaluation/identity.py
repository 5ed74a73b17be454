"""What an evaluation run id stands for: the settings, the prompts, the code and the model that answered.

What: ``code_fingerprint()`` hashes every file that shapes an evaluation's numbers (the ``evaluation``
package, the open-ended judge prompt, the memory-agent prompt helpers); ``model_fingerprint(backend,
model, base_url)`` names the model: for a local directory (``hf``), a hash of its config, tokenizer and
weight files (names, sizes and contents); for a served model (``openai``), its name and endpoint; for
``offline``, the name. ``EvalSettings.run_id`` hashes these with the settings and ``PROMPT_VERSION``.

Why: a run id is the resume key ("already complete: nothing to do"). If it ignored the model or the
code, retraining into the same folder and evaluating again would return the old results as current.

How: ``python -c "from evaluation.identity import code_fingerprint; print(code_fingerprint())"``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from llm.transport import endpoint

ROOT = Path(__file__).resolve().parent.parent
CODE_FILES = (
    *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "evaluation").glob("*.py")),
    "prompts/open_judge.jinja",
    "llm/prompts.py",
    "llm/tokens.py",
    "llm/chat.py",
)
"""Every source file whose change can change an evaluation's results (the tests check it stays complete)."""
_MODEL_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "chat_template")
_WEIGHTS = ("*.safetensors", "*.bin", "*.pt", "*.gguf")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the contents of ``CODE_FILES`` (path and bytes of each)."""
    digest = hashlib.sha256()
    for rel in CODE_FILES:
        digest.update(rel.encode() + b"\0" + (ROOT / rel).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_fingerprint(backend: str, model: str, base_url: str | None = None) -> str:
    """Which model answered: weights and config for a local directory, name and endpoint for a served one."""
    path = Path(model)
    if backend == "hf" and path.is_dir():
        files = sorted({p for pattern in _WEIGHTS for p in path.glob(pattern)} | {
            path / name for name in _MODEL_FILES if (path / name).exists()
        })  # fmt: skip
        digest = hashlib.sha256()
        for f in files:
            digest.update(f"{f.name}:{f.stat().st_size}:{_file_digest(f)}\n".encode())
        return f"hf:{digest.hexdigest()[:16]}"
    if backend == "openai":
        return f"openai:{model}@{endpoint(base_url)}"
    return f"{backend}:{model}"
