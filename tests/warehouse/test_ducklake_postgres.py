"""DuckLake with its catalog in PostgreSQL (``--db 'ducklake:postgres:...'``), against a real, throwaway
PostgreSQL server this module starts itself (``initdb`` + ``pg_ctl`` on a free loopback port) and removes
at the end. Concurrent ``tacit synth`` processes and a reader share the catalog; nothing is lost or
duplicated, every run completes, and the password (given through ``PGPASSWORD``, or ``password=`` in the
spec) is stored nowhere: not in the lake, not in its catalog, not in Prefect's database, not in a report.

Needs PostgreSQL's server binaries (``initdb``): ``make test`` installs Debian's ``postgresql`` package
when they are missing and apt-get is there. The extensions come from pip packages; no network."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from warehouse import connect
from warehouse.connection import primary_keys
from warehouse.ducklake import lake_uri, postgres_spec, take_password, without_password
from warehouse.lineage import table_uri
from warehouse.versions import table_counts

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Tacit-pg-s3cret-9f2"
USER = "tacit"
TACIT = str(Path(sys.executable).with_name("tacit"))


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        pytest.fail(
            f"PostgreSQL's `{name}` was not found (on PATH or under /usr/lib/postgresql/*/bin): these tests start "
            "a throwaway PostgreSQL server. Install it (Debian/Ubuntu: `apt-get install postgresql`; `make test` "
            "does so when apt-get is available) and run them again.",
            pytrace=False,
        )
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str | None:
    """initdb refuses to run as root: as root, the unprivileged account the server runs as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "tacit-pg"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/bin/sh", "tacit-pg"], check=True)
    return "tacit-pg"


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL 15 server on 127.0.0.1 (password auth) with empty databases ``lake``, ``svc`` and
    ``race``: ``lake``'s connection string (no password), stopped (``-m immediate``) and deleted afterwards."""
    initdb, pg_ctl, createdb = _pg_bin("initdb"), _pg_bin("pg_ctl"), _pg_bin("createdb")
    user = _server_user()
    base = Path(tempfile.mkdtemp(prefix="tacit-pg-"))  # not under pytest's tmp root: that is 0700 to its owner
    data, log, port = base / "cluster", base / "server.log", _free_port()
    (base / "pw").write_text(PASSWORD + "\n")
    if user:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        os.chown(base / "pw", entry.pw_uid, entry.pw_gid)

    def as_server(*args: str) -> subprocess.CompletedProcess:
        cmd = list(args) if user is None else ["runuser", "-u", user, "--", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def check(done: subprocess.CompletedProcess) -> None:
        if done.returncode:
            pytest.fail(f"{done.args}: {done.stdout[-1500:]}{done.stderr[-1500:]}", pytrace=False)

    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        check(as_server(initdb, "-D", str(data), "-U", USER, f"--pwfile={base / 'pw'}", "-A", "scram-sha-256",
                        "--no-sync", "-E", "UTF8", "--locale=C"))  # fmt: skip
        check(as_server(pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start"))
        env = {**os.environ, "PGPASSWORD": PASSWORD}
        for name in ("lake", "svc", "race"):
            done = subprocess.run([createdb, "-h", "127.0.0.1", "-p", str(port), "-U", USER, name],
                                  env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
            check(done)
        yield f"dbname=lake host=127.0.0.1 port={port} user={USER}"
    finally:
        as_server(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def test_spec_parsing_and_redaction(tmp_path, monkeypatch):
    spec = f"ducklake:postgres:dbname=lake host=db.internal port=5433 user=u password='{PASSWORD}' data_path=/srv/x"
    conninfo, keys, data_path = postgres_spec(spec)
    assert data_path == "/srv/x" and "data_path" not in conninfo and keys["password"] == PASSWORD
    clean = without_password(spec)
    assert PASSWORD not in clean and clean.endswith("user=u data_path=/srv/x")
    assert table_uri(spec, "personas") == "ducklake://postgres@db.internal:5433/lake/personas"
    assert lake_uri("ducklake:postgres:service=team") == "ducklake://postgres@service=team/"
    monkeypatch.delenv("PGPASSWORD", raising=False)
    assert take_password(spec) == clean and os.environ["PGPASSWORD"] == PASSWORD
    with pytest.raises(ValueError, match="key=value") as info:
        postgres_spec(f"ducklake:postgres:dbname=lake oops password={PASSWORD}")
    assert PASSWORD not in str(info.value)


def test_service_file_supplies_the_connection(postgres, tmp_path, monkeypatch):
    """``service=NAME``: host, port, user and database come from a libpq service file, the password from
    the environment; nothing but the service name is on the command line."""
    keys = {**dict(item.split("=", 1) for item in postgres.split()), "dbname": "svc"}
    service_file = tmp_path / "pg_service.conf"
    service_file.write_text("[tacit-test]\n" + "".join(f"{k}={v}\n" for k, v in keys.items()))
    monkeypatch.setenv("PGSERVICEFILE", str(service_file))
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    con = connect(f"ducklake:postgres:service=tacit-test data_path={tmp_path / 'svc-data'}")
    try:
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] > 0
    finally:
        con.close()


def test_writers_racing_on_a_fresh_postgres_catalog_all_open_it(postgres, tmp_path):
    """Three processes open a new Postgres-catalog lake at once: each creates or finds the catalog, and
    every migration is applied exactly once."""
    lake = f"ducklake:postgres:{postgres.replace('dbname=lake', 'dbname=race')} data_path={tmp_path / 'race-data'}"
    code = f"from warehouse import connect; connect({lake!r}).close(); print('ok')"
    env = {**os.environ, "PGPASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    for w in writers:
        out, err = w.communicate(timeout=180)
        assert w.returncode == 0 and out.strip().endswith("ok"), err[-2000:]
    os.environ["PGPASSWORD"] = PASSWORD
    try:
        con = connect(lake, read_only=True)
    finally:
        del os.environ["PGPASSWORD"]
    counts = con.execute("SELECT name, count(*) FROM schema_migrations GROUP BY name").fetchall()
    con.close()
    assert counts and all(n == 1 for _, n in counts), counts


READER = """
    import time
    from pathlib import Path
    from warehouse import connect
    stop, end, ok, errors = Path({stop!r}), time.time() + 300, 0, []
    while not stop.exists() and time.time() < end:
        try:
            con = connect({lake!r}, read_only=True)
            con.execute("SELECT count(*) FROM personas").fetchone()
            con.execute("SELECT count(*) FROM turns").fetchone()
            con.close()
            ok += 1
        except Exception as exc:
            errors.append(f"{{type(exc).__name__}}: {{exc}}")
        time.sleep(0.05)
    print("RESULT", ok, len(errors))
    print("\\n".join(errors[:3]))
"""


def _tacit(*args: str, env: dict) -> subprocess.Popen:
    """``tacit ARGS`` with a Prefect home of its own: local Prefect servers that start at once on one fresh
    home race to create its database, which is not what this module tests."""
    env = {**env, "PREFECT_HOME": tempfile.mkdtemp(prefix=f"{args[0]}-", dir=env["PREFECT_HOME"])}
    return subprocess.Popen(
        [TACIT, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _finish(proc: subprocess.Popen, what: str) -> str:
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"{what} exited {proc.returncode}:\n{out[-3000:]}"
    return out


def test_concurrent_synth_reader_and_eval_on_a_postgres_catalog(postgres, tmp_path, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    lake = f"ducklake:postgres:{postgres} data_path={tmp_path / 'lake-data'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}  # each command: own local API
    env.update(PGPASSWORD=PASSWORD, PREFECT_HOME=str(tmp_path / "prefect"), PYTHONPATH=str(ROOT))
    (tmp_path / "prefect").mkdir()

    # the first version, alone (it also creates the catalog); a lone reference run of seed 11 into a file
    first = _tacit("synth", "--preset", "tiny", "--db", lake, env=env)
    reference = _tacit("synth", "--preset", "tiny", "--seed", "11", "--db", str(tmp_path / "ref.duckdb"), env=env)
    outputs = [_finish(first, "first synth"), _finish(reference, "reference synth")]
    con = connect(lake, read_only=True)
    (v0,) = con.execute("SELECT version_id FROM dataset_versions").fetchone()
    before = table_counts(con, v0)
    con.close()
    assert before["personas"] == 3

    # two writers with different seeds at once, while a reader queries repeatedly
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(READER.format(stop=str(stop), lake=lake))],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(1)
        writers = [_tacit("synth", "--preset", "tiny", "--seed", s, "--db", lake, env=env) for s in ("11", "12")]
        outputs += [_finish(w, f"synth seed {s}") for w, s in zip(writers, ("11", "12"), strict=True)]
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=300)
    assert reader.returncode == 0, err[-2000:]
    result = next((line.split() for line in out.splitlines() if line.startswith("RESULT")), None)
    assert result and int(result[1]) > 0 and int(result[2]) == 0, out[-2000:] + err[-2000:]

    # evaluation, with the password in the spec this time (and not in the environment): it is moved out
    no_env = {k: v for k, v in env.items() if k != "PGPASSWORD"}
    with_password = lake.replace(f"user={USER}", f"user={USER} password={PASSWORD}")
    evaluation = _tacit("eval", "--methods", "no_context,length_only", "--version", v0, "--db", with_password,
                        env=no_env)  # fmt: skip
    outputs.append(_finish(evaluation, "eval"))

    con = connect(lake, read_only=True)
    ref = connect(str(tmp_path / "ref.duckdb"), read_only=True)
    try:
        versions = dict(con.execute("SELECT seed, version_id FROM dataset_versions WHERE complete").fetchall())
        assert sorted(versions) == [0, 11, 12], versions
        assert con.execute("SELECT count(*) FROM dataset_versions WHERE NOT complete").fetchone() == (0,)
        # nothing lost or duplicated: the first version as it was, seed 11 as a lone run wrote it
        assert table_counts(con, v0) == before
        (ref_v11,) = ref.execute("SELECT version_id FROM dataset_versions WHERE seed = 11").fetchone()
        assert ref_v11 == versions[11]
        assert table_counts(con, versions[11]) == table_counts(ref, ref_v11)
        assert table_counts(con, versions[12])["personas"] == 3
        for table, cols in primary_keys().items():
            key = ", ".join(cols)
            dup = con.execute(
                f"SELECT {key}, count(*) FROM {table} GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
            ).fetchone()
            assert dup is None, f"{table}: key ({key}) held twice: {dup}"
        assert con.execute("SELECT DISTINCT status FROM runs").fetchall() == [("completed",)]
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (3,)
        assert con.execute("SELECT status FROM eval_runs").fetchall() == [("complete",)]

        # the password is nowhere Tacit wrote: lake tables, the catalog in Postgres, Prefect, reports, output
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'tacit'").fetchall():
            hits = con.execute(f"SELECT count(*) FROM {table} t WHERE t::VARCHAR LIKE ?", [f"%{PASSWORD}%"]).fetchone()
            assert hits == (0,), f"{table} stores the password"
    finally:
        con.close()
        ref.close()
    recorded = [p for d in ("prefect", "lake-data", "reports") for p in (tmp_path / d).rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in recorded), "the eval report was not written beside the lake data"
    leaks = [p for p in recorded if PASSWORD.encode() in p.read_bytes()]
    assert not leaks, leaks
    assert not [o for o in outputs if PASSWORD in o]
    keys = dict(item.split("=", 1) for item in postgres.split())
    dump = subprocess.run(
        [_pg_bin("pg_dump"), "-h", keys["host"], "-p", keys["port"], "-U", USER, "lake"],
        env={**os.environ, "PGPASSWORD": PASSWORD}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert dump.returncode == 0 and "ducklake_snapshot" in dump.stdout, dump.stderr[-2000:]
    assert PASSWORD not in dump.stdout, "the DuckLake catalog stores the password"
    prefect_db = b"".join(p.read_bytes() for p in (tmp_path / "prefect").rglob("*.db*"))
    assert table_uri(lake, "personas").encode() in prefect_db  # the asset keys are there, credential-free
