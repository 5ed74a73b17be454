"""A few CPU steps of each trainer on the tiny offline model: loss logged, parameters changed; the memory
agent's turn rows carry their trajectory's advantage and its memories stay within the cap."""

from __future__ import annotations

import pytest

from training.config import TrainConfig
from training.data import DataConfig
from training.rewards import completion_text
from training.trainers import fit, make_trainer, prepare_training

pytestmark = pytest.mark.slow
TRL_CPU = dict(learning_rate=1e-2, logging_steps=1, save_strategy="no", use_cpu=True, report_to="none")
GRPO_CPU = dict(TRL_CPU, per_device_train_batch_size=4, num_generations=4, max_completion_length=8, beta=0.0)


def varied_reward(completions, **kwargs) -> list[float]:
    """Differs between sampled completions, so group advantages are non-zero even for a random model."""
    return [float(len(set(completion_text(c)))) for c in completions]


def _snapshot(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def _changed(before, model) -> bool:
    import torch

    return any(not torch.equal(before[n], p.detach()) for n, p in model.named_parameters())


def _trainer(kind, con, vid, tiny_model, tmp_path, cfg, reward_funcs=None, steps=2):
    model_path, tok, ds = prepare_training(kind, con, vid, str(tiny_model), cfg, tiny_model)
    return make_trainer(kind, model_path, tok, ds, cfg, tmp_path, max_steps=steps, reward_funcs=reward_funcs), tok, ds


def test_sft_logs_loss_and_changes_parameters(con, train_db, tiny_model, tmp_path):
    cfg = TrainConfig(data=DataConfig(chunk_tokens=600, max_chunks=1, max_queries=4, memory_cap_tokens=64),
                      trl=dict(TRL_CPU, per_device_train_batch_size=2, max_length=1024))  # fmt: skip
    trainer, tok, ds = _trainer("sft", con, train_db[1], tiny_model, tmp_path, cfg)
    before = _snapshot(trainer.model)
    result = fit(trainer, "sft", tok, len(ds), tmp_path)
    losses = [e["loss"] for e in result.log_history if "loss" in e]
    assert len(losses) == 2 and all(loss > 0 for loss in losses)
    assert _changed(before, trainer.model)
    assert (result.final_dir / "config.json").exists() and result.global_step == 2


def test_sft_refuses_rows_longer_than_max_length(con, train_db, tiny_model, tmp_path):
    """TRL would cut such a row's end, the assistant text being taught: refused, naming the setting."""
    from training.config import TrainConfigError

    cfg = TrainConfig(data=DataConfig(chunk_tokens=600, max_chunks=1, max_queries=4, memory_cap_tokens=64),
                      trl=dict(TRL_CPU, per_device_train_batch_size=2, max_length=64))  # fmt: skip
    with pytest.raises(TrainConfigError, match=r"trl.max_length=64: \d+ of \d+ SFT rows are longer"):
        _trainer("sft", con, train_db[1], tiny_model, tmp_path, cfg)


def test_grpo_scores_and_changes_parameters(con, train_db, tiny_model, tmp_path):
    cfg = TrainConfig(data=DataConfig(chunk_tokens=400, max_chunks=1, max_queries=4), trl=GRPO_CPU)
    trainer, tok, ds = _trainer("grpo", con, train_db[1], tiny_model, tmp_path, cfg, [varied_reward])
    before = _snapshot(trainer.model)
    result = fit(trainer, "grpo", tok, len(ds), tmp_path)
    assert all("loss" in e and "reward" in e for e in result.log_history if "step_time" in e)
    assert _changed(before, trainer.model)


def test_grpo_default_rewards_are_the_80_20_mix(con, train_db, tiny_model, tmp_path):
    cfg = TrainConfig(data=DataConfig(chunk_tokens=400, max_chunks=1, max_queries=4), trl=GRPO_CPU)
    trainer, _, _ = _trainer("grpo", con, train_db[1], tiny_model, tmp_path, cfg)
    assert [f.__name__ for f in trainer.reward_funcs] == ["mcq_reward", "judge_reward"]
    assert trainer.reward_weights.tolist() == pytest.approx([0.8, 0.2])


def test_memory_turn_rows_carry_their_trajectory_advantage(con, train_db, tiny_model, tmp_path):
    cap = 6
    cfg = TrainConfig(data=DataConfig(chunk_tokens=200, max_chunks=2, max_queries=4, memory_cap_tokens=cap),
                      trl=dict(GRPO_CPU, max_completion_length=10))  # fmt: skip
    trainer, tok, ds = _trainer("memory", con, train_db[1], tiny_model, tmp_path, cfg, [varied_reward])
    trainer.model.train()
    batch = [dict(ds[i]) for i in (0, 1) for _ in range(cfg.trl["num_generations"])]  # 2 groups of 4
    out = trainer._generate_and_score_completions(batch)
    traj = trainer.last_row_trajectory
    n_turns = sum(len(x["chunks"]) for x in batch)
    assert out["advantages"].shape[0] == len(batch) + n_turns == traj.shape[0]
    adv = out["advantages"]
    assert adv[: len(batch)].abs().sum() > 0
    for row in range(len(batch), traj.shape[0]):
        assert adv[row] == adv[traj[row]]
    for memories, x in zip(trainer.last_memories, batch, strict=True):
        assert len(memories) == len(x["chunks"])
        assert all(trainer.count_tokens(m) <= cap for m in memories)
    passed_on = sorted(m for ms in trainer.last_memories for m in ms)
    rows = out["completion_ids"][len(batch) :][traj[len(batch) :] >= 0]
    masks = out["completion_mask"][len(batch) :][traj[len(batch) :] >= 0].bool()
    trained = sorted(tok.decode(r[m], skip_special_tokens=True).strip() for r, m in zip(rows, masks, strict=True))
    assert trained == passed_on  # each memory-turn row trains on exactly the (capped) memory passed on
    assert out["num_items_in_batch"] == out["completion_mask"].sum()


def test_memory_training_logs_and_changes_parameters(con, train_db, tiny_model, tmp_path):
    cfg = TrainConfig(data=DataConfig(chunk_tokens=200, max_chunks=2, max_queries=4, memory_cap_tokens=8),
                      trl=GRPO_CPU)  # fmt: skip
    trainer, tok, ds = _trainer("memory", con, train_db[1], tiny_model, tmp_path, cfg, [varied_reward], steps=1)
    assert trainer.args.vllm_importance_sampling_correction is True  # TRL's default, kept (used with vLLM)
    before = _snapshot(trainer.model)
    result = fit(trainer, "memory", tok, len(ds), tmp_path)
    logged = [e for e in result.log_history if "loss" in e and "memory/turn_rows" in e]
    assert logged and all(e["memory/turn_rows"] > 0 for e in logged)
    assert _changed(before, trainer.model)


def test_a_run_resumes_from_its_last_checkpoint(con, train_db, tiny_model, tmp_path):
    cfg = TrainConfig(data=DataConfig(chunk_tokens=600, max_chunks=1, max_queries=4, memory_cap_tokens=64),
                      trl=dict(TRL_CPU, per_device_train_batch_size=2, max_length=1024, save_strategy="steps",
                               save_steps=1))  # fmt: skip
    trainer, tok, ds = _trainer("sft", con, train_db[1], tiny_model, tmp_path, cfg, steps=2)
    first = fit(trainer, "sft", tok, len(ds), tmp_path)
    assert [step for _, step in first.checkpoints] == [1, 2, 2]  # checkpoint-1, checkpoint-2, final
    again, _, _ = _trainer("sft", con, train_db[1], tiny_model, tmp_path, cfg, steps=3)
    resumed = fit(again, "sft", tok, len(ds), tmp_path, resume="last")
    assert resumed.global_step == 3
    assert [e["step"] for e in resumed.log_history if "loss" in e] == [1, 2, 3]  # steps 1-2 restored, 3 trained


@pytest.mark.parametrize("kind", ["grpo", "memory"])
def test_grpo_and_memory_runs_resume_from_their_last_checkpoint(kind, con, train_db, tiny_model, tmp_path):
    """Like SFT's: a second run asked to resume restores the saved steps and trains only the next one."""
    data = DataConfig(chunk_tokens=200 if kind == "memory" else 400, max_chunks=2 if kind == "memory" else 1,
                      max_queries=4, memory_cap_tokens=8)  # fmt: skip
    cfg = TrainConfig(data=data, trl=dict(GRPO_CPU, save_strategy="steps", save_steps=1))
    trainer, tok, ds = _trainer(kind, con, train_db[1], tiny_model, tmp_path, cfg, [varied_reward], steps=1)
    first = fit(trainer, kind, tok, len(ds), tmp_path)
    assert [step for _, step in first.checkpoints] == [1, 1]  # checkpoint-1, final
    again, _, _ = _trainer(kind, con, train_db[1], tiny_model, tmp_path, cfg, [varied_reward], steps=2)
    resumed = fit(again, kind, tok, len(ds), tmp_path, resume="last")
    assert resumed.global_step == 2
    assert [e["step"] for e in resumed.log_history if "loss" in e] == [1, 2]  # step 1 restored, 2 trained


def test_memory_rows_get_the_importance_sampling_ratio_of_their_sampling_logprobs(con, train_db, tiny_model, tmp_path):
    """With vLLM the correction covers memory rows: a stand-in generator (every other completion a short
    word, the rest the CPU model's samples; a sampling log-prob of -1 per token) gives each memory row the
    ratio exp(old - (-1)), clipped as the parent clips; a row cut to the memory cap and re-encoded was not
    sampled as written and gets 1."""
    import torch

    cfg = TrainConfig(data=DataConfig(chunk_tokens=200, max_chunks=2, max_queries=4, memory_cap_tokens=4),
                      trl=GRPO_CPU)  # fmt: skip
    trainer, tok, ds = _trainer("memory", con, train_db[1], tiny_model, tmp_path, cfg, [varied_reward], steps=1)
    generate = trainer._generate_single_turn

    def vllm_stand_in(prompt_ids, images, fields, num_generations, **kw):
        trainer.use_vllm = False  # sample with the CPU model ...
        try:
            ids, _ = generate(prompt_ids, images, fields, num_generations, **kw)
        finally:
            trainer.use_vllm = True
        short = [*tok("ok", add_special_tokens=False)["input_ids"], trainer.eos_token_ids[0]]
        ids = [short if k % 2 == 0 else c for k, c in enumerate(ids)]  # kept whole / cut to the cap
        return ids, [[-1.0] * len(c) for c in ids]  # ... and report what vLLM would: a log-prob per token

    trainer._generate_single_turn = vllm_stand_in
    trainer.use_vllm = trainer.vllm_importance_sampling_correction = True
    trainer.vllm_importance_sampling_mode, trainer.vllm_importance_sampling_clip_max = "token_truncate", 1e9
    trainer.vllm_importance_sampling_clip_min = 0.0
    seen = {}
    append = trainer._append_memory_rows

    def spy(out, rows, n_answers):
        seen.update(rows=rows, n=n_answers, new=append(out, rows, n_answers))
        return seen["new"]

    trainer._append_memory_rows = spy
    fit(trainer, "memory", tok, len(ds), tmp_path)
    new, rows, n = seen["new"], seen["rows"], seen["n"]
    ratio, old = new["importance_sampling_ratio"][n:], new["old_per_token_logps"][n:]
    mask = new["completion_mask"][n:].bool()
    sampled = [k for k, r in enumerate(rows) if r[0] >= 0 and r[3] is not None]
    cut = [k for k, r in enumerate(rows) if r[0] >= 0 and r[3] is None]
    assert sampled and cut  # a cap of 4 tokens cuts some memories and leaves some short ones whole
    for k in sampled:
        want = torch.exp(old[k] + 1.0)
        assert torch.allclose(ratio[k][mask[k]], want[mask[k]], rtol=1e-4)
    for k in cut:
        assert torch.equal(ratio[k][mask[k]], torch.ones_like(ratio[k][mask[k]]))
    assert new["importance_sampling_ratio"].size(0) == new["completion_ids"].size(0)


@pytest.mark.parametrize("loss_type", ["dapo", "grpo", "bnpo"])
def test_the_memory_loss_in_slices_equals_the_whole_micro_step(loss_type, con, train_db, tiny_model, tmp_path):
    """A micro-step of 11 rows (answers and memory turns, unevenly padded) with a batch size of 4: the loss
    computed in three trimmed slices, two of them backpropagated inside, gives the same value and the same
    gradients as TRL's one forward over all rows."""
    import torch
    from trl import GRPOTrainer

    cfg = TrainConfig(data=DataConfig(chunk_tokens=200, max_chunks=2, max_queries=4, memory_cap_tokens=8),
                      trl=dict(GRPO_CPU, loss_type=loss_type))  # fmt: skip
    trainer, _, _ = _trainer("memory", con, train_db[1], tiny_model, tmp_path, cfg, [varied_reward], steps=1)
    model = trainer.model.double()  # float64: float32 sums in another order differ by ~1e-3 on this model
    model.train()
    trainer.current_gradient_accumulation_steps = 1  # set by the training loop; one micro-step per step here
    gen = torch.Generator().manual_seed(0)
    rows, p_len, c_len = 11, 40, 12
    p_used = torch.randint(5, p_len, (rows,), generator=gen)
    c_used = torch.randint(1, c_len - 3, (rows,), generator=gen)  # the last columns are padding everywhere
    p_mask = (torch.arange(p_len) >= p_len - p_used[:, None]).long()
    c_mask = (torch.arange(c_len) < c_used[:, None]).long()
    inputs = {
        "prompt_ids": torch.randint(3, model.config.vocab_size, (rows, p_len), generator=gen) * p_mask,
        "prompt_mask": p_mask,
        "completion_ids": torch.randint(3, model.config.vocab_size, (rows, c_len), generator=gen) * c_mask,
        "completion_mask": c_mask,
        "advantages": torch.randn(rows, generator=gen, dtype=torch.float64),
        "num_items_in_batch": c_mask.sum(),
    }

    def grads_of(loss):
        model.zero_grad()
        loss.backward()
        return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}

    model.zero_grad()
    whole = GRPOTrainer._compute_loss(trainer, model, inputs)
    want = grads_of(whole)
    model.zero_grad()
    sliced = trainer.compute_loss(model, inputs, num_items_in_batch=inputs["num_items_in_batch"])
    sliced.backward()  # the last slice; the others were backpropagated inside
    got = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    assert torch.allclose(sliced.detach(), whole.detach(), rtol=1e-6, atol=1e-9)
    assert want.keys() == got.keys()
    flat_want = torch.cat([want[n].flatten() for n in want])
    flat_got = torch.cat([got[n].flatten() for n in want])
    error = ((flat_got - flat_want).norm() / flat_want.norm()).item()
    # ~2e-7: rotary angles are computed in float32 at positions shifted by the trimmed columns; a wrong slice
    # weight or a lost slice is off by 0.1 or more
    assert error < 1e-5, error
