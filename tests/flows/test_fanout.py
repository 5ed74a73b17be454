"""Shards on Dask (``flows.fanout``): the same rows at any worker count, clear refusals, a task run per shard."""

from __future__ import annotations

import asyncio

import duckdb
import pytest
from typer.testing import CliRunner

from flows.fanout_check import FanoutError, check_fanout
from tests.flows.test_synth import _content_hashes


@pytest.mark.parametrize(
    ("workers", "address", "backend", "message"),
    [
        (0, None, "offline", "at least 1"),
        (2, "tcp://127.0.0.1:8786", "offline", "not both"),
        (2, None, "openai", "offline backend only"),
        (1, "127.0.0.1:8786", "offline", "tcp://HOST:8786"),
    ],
)
def test_settings_it_cannot_honour_are_refused(workers, address, backend, message):
    with pytest.raises(FanoutError, match=message):
        check_fanout(workers, address, backend)
    assert check_fanout(1, None, "openai") is False and check_fanout(3, None, "offline") is True


def test_the_cli_refuses_before_starting_anything(tmp_path):
    from flows.cli import app

    db = tmp_path / "never.duckdb"
    result = CliRunner().invoke(app, ["synth", "--preset", "tiny", "--workers", "2", "--backend", "openai",
                                      "--model", "m", "--db", str(db)])  # fmt: skip
    assert result.exit_code != 0
    assert "offline backend only" in result.output
    assert not db.exists()


@pytest.mark.slow
def test_two_dask_workers_write_the_same_rows_as_one_process(tiny_run, prefect_harness, tmp_path):
    """tiny cut into three one-persona shards, run on a local cluster of two processes: the version id and
    every core table equal the sequential run's; each shard is a Prefect task run and carries its marker."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.synth import synth

    db, first = tiny_run
    shards = tmp_path / "shard1.yaml"
    shards.write_text("shard_size: 1\n")
    fanned = synth(preset="tiny", db=str(tmp_path / "dask.duckdb"), config_file=str(shards), workers=2)
    assert fanned.version_id == first.version_id and fanned.failed_checks == first.failed_checks
    assert _content_hashes(tmp_path / "dask.duckdb", fanned.version_id) == _content_hashes(db, first.version_id)
    con = duckdb.connect(str(tmp_path / "dask.duckdb"), read_only=True)
    marked = con.execute("SELECT unit FROM stage_progress WHERE unit LIKE 'shard:%' ORDER BY 1").fetchall()
    units = [r[0] for r in marked]
    assert units == ["shard:0000", "shard:0001", "shard:0002"]
    flow_run_id = con.execute("SELECT run_id FROM runs WHERE flow = 'synth'").fetchone()[0]  # the flow run's id
    con.close()

    async def shard_task_runs():
        async with get_client() as client:
            runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        return sorted(r.name.split("-")[0] for r in runs if r.name.startswith("shard"))

    assert asyncio.run(shard_task_runs()) == ["shard", "shard", "shard"]


@pytest.mark.slow
def test_an_existing_cluster_is_used_by_its_address(tiny_run, prefect_harness, tmp_path):
    from distributed import LocalCluster

    from flows.synth import synth

    db, first = tiny_run
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        other = synth(preset="tiny", db=str(tmp_path / "remote.duckdb"), dask_address=cluster.scheduler_address)
    assert other.version_id == first.version_id
    assert _content_hashes(tmp_path / "remote.duckdb", other.version_id) == _content_hashes(db, first.version_id)


@pytest.mark.slow
def test_a_local_cluster_starts_warm_and_without_the_sampling_profiler():
    """Dask's stack sampler cost a tenth of a shard, so local workers run without it; and each worker has
    loaded its taxonomy and generator before the first shard reaches it (the flow builds its pool meanwhile)."""
    from flows.fanout import dask_runner

    def probe():  # defined here, so it travels by value
        import dask

        from flows.fanout import _inputs

        return dask.config.get("distributed.worker.profile.enabled"), _inputs.cache_info().currsize

    with dask_runner(1, None, "offline", 0) as runner:  # one single-threaded worker: the warm-up runs first
        assert runner.client.submit(probe, pure=False).result() == (False, 1)
