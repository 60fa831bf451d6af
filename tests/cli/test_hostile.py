"""Hostile environments through the CLI: a full disk, a read-only BASIS_HOME, a file where the
catalog should be, an unwritable report, a database basis cannot use. Each exits non-zero
with one line naming the path and the cause, writes nothing half-way and leaves no orphan."""

from __future__ import annotations

from pathlib import Path

import pytest

from basis.config.market import load_market
from basis.data.catalog import MANIFEST, Catalog
from basis.data.scenario import load_scenario, write_scenario
from tests.cli.runner import Result, run
from tests.conftest import CONFIGS
from tests.data.source_files import small_folder
from tests.mounts import fill, read_only, tmpfs


def one_error_line(result: Result, code: str) -> str:
    """The single stderr line of a refused command, checked to carry `code`."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error [{code}] "), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def scenario_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A BASIS_HOME with a short scenario:default and one stored run."""
    home = tmp_path / "home"
    write_scenario(
        Catalog(home / "catalog"),
        load_scenario("default", CONFIGS),
        load_market(CONFIGS),
        years=0.02,
    )
    monkeypatch.setenv("BASIS_HOME", str(home))
    assert run(monkeypatch, "backtest", "--mode", "btc_basis", "--json").exit_code == 0
    return home


def test_data_generate_full_disk_io_error_and_no_orphans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tmpfs(tmp_path / "small", "128k") as home:
        monkeypatch.setenv("BASIS_HOME", str(home))
        result = run(monkeypatch, "data", "generate", "default", "--years", "0.2")
        line = one_error_line(result, "IO_ERROR")
        assert f"cannot write {home}/catalog/objects/" in line
        assert "No space left on device (ENOSPC)" in line
        assert files_under(home / "catalog") == [".lock"]  # no object, no temporary


def test_data_import_full_disk_keeps_the_previous_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = small_folder(tmp_path / "src")
    with tmpfs(tmp_path / "small", "64k") as root:
        catalog = root / "catalog"
        imported = run(monkeypatch, "data", "import", str(source), "--catalog", str(catalog))
        assert imported.exit_code == 0, imported.stderr
        before = {name: (catalog / name).read_bytes() for name in files_under(catalog)}
        fill(root / "filler")
        spot = (source / "cex/binance/BTCUSDT_spot_1h.csv").read_text()
        (source / "cex/binance/ETHUSDT_spot_1h.csv").write_text(spot.replace("BTC/", "ETH/"))
        result = run(monkeypatch, "data", "import", str(source), "--catalog", str(catalog))
        line = one_error_line(result, "IO_ERROR")
        assert "No space left on device (ENOSPC)" in line
        after = {name: (catalog / name).read_bytes() for name in files_under(catalog)}
        assert after == before


def test_read_only_home_without_database_io_error_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tmpfs(tmp_path / "ro", "64k", read_only=True) as home:
        monkeypatch.setenv("BASIS_HOME", str(home))
        line = one_error_line(run(monkeypatch, "results", "list"), "IO_ERROR")
        assert f"cannot write {home}/results.sqlite: Read-only file system (EROFS)" in line
        line = one_error_line(run(monkeypatch, "data", "generate", "default"), "IO_ERROR")
        assert f"{home}/catalog: Read-only file system (EROFS)" in line
        assert files_under(home) == []


def test_read_only_home_with_database_reads_but_refuses_to_write(
    scenario_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = files_under(scenario_home)
    with read_only(scenario_home):
        listed = run(monkeypatch, "results", "list")
        assert listed.exit_code == 0, listed.stderr
        assert "btc_basis" in listed.stdout
        assert run(monkeypatch, "data", "check").exit_code == 0
        refused = run(monkeypatch, "backtest", "--mode", "btc_basis", "--json")
        line = one_error_line(refused, "IO_ERROR")
        assert f"cannot write {scenario_home}/results.sqlite: Read-only file system" in line
        line = one_error_line(run(monkeypatch, "data", "gc"), "IO_ERROR")
        assert "Read-only file system (EROFS)" in line
    assert files_under(scenario_home) == before


def test_catalog_option_pointing_at_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a_file = tmp_path / "catalog.txt"
    a_file.write_text("not a catalog")
    for args in (
        ("data", "check"),
        ("data", "show", "binance:spot:BTCUSDT"),
        ("data", "import", str(small_folder(tmp_path / "src"))),
        ("data", "generate", "default", "--years", "0.01"),
        ("backtest", "--mode", "btc_basis"),
    ):
        line = one_error_line(run(monkeypatch, *args, "--catalog", str(a_file)), "IO_ERROR")
        assert f"the catalog folder {a_file}" in line or f"the catalog {a_file}" in line, line
        assert "a file stands where a folder is expected" in line
    assert a_file.read_text() == "not a catalog"


@pytest.mark.parametrize(
    ("target", "cause"),
    [
        ("a_file/report.html", "Not a directory (ENOTDIR)"),
        (".", "Is a directory (EISDIR)"),
    ],
)
def test_backtest_unwritable_report_refused_before_the_run(
    scenario_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, cause: str
) -> None:
    (tmp_path / "a_file").write_text("x")
    path = tmp_path / target
    listed = run(monkeypatch, "results", "list", "--json").stdout
    line = one_error_line(
        run(monkeypatch, "backtest", "--mode", "btc_basis", "--report", str(path)), "IO_ERROR"
    )
    assert f"cannot write {path}: {cause}" in line
    assert run(monkeypatch, "results", "list", "--json").stdout == listed  # no run stored


def test_backtest_report_on_read_only_file_system(
    scenario_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tmpfs(tmp_path / "ro", "64k", read_only=True) as folder:
        report = folder / "sub" / "r.html"
        refused = run(monkeypatch, "backtest", "--mode", "btc_basis", "--report", str(report))
        line = one_error_line(refused, "IO_ERROR")
        assert f"cannot write {report}: Read-only file system (EROFS)" in line


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo://host/db", "database URL 'foo://host/db': scheme 'foo' is not supported"),
        ("mysql://me:hunter2@host/db", "database URL 'mysql://me:***@host/db': scheme 'mysql'"),
        ("postgresql+psycopg2://host/db", "scheme 'postgresql+psycopg2' is not supported"),
        ("not a url", "database URL 'not a url' is not a URL like sqlite:///"),
    ],
)
def test_results_unsupported_database_url_names_what_is(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("BASIS_DB_URL", url)
    line = one_error_line(run(monkeypatch, "results", "list"), "CONFIG_INVALID")
    assert expected in line
    assert "hunter2" not in line
    assert "postgresql://USER@HOST:5432/DB" in line


def test_catalog_manifest_unchanged_by_refused_commands(
    scenario_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = (scenario_home / "catalog" / MANIFEST).read_bytes()
    monkeypatch.setenv("BASIS_DB_URL", "foo://x")
    assert run(monkeypatch, "backtest", "--mode", "btc_basis").exit_code == 2
    assert (scenario_home / "catalog" / MANIFEST).read_bytes() == manifest


@pytest.mark.parametrize(
    "command",
    [
        ("stress", "--mode", "btc_basis", "--scenario", "default", "--paths", "2"),
        ("sweep", "--mode", "btc_basis", "--grid", "grid.yaml"),
    ],
)
def test_research_output_folder_unwritable_refused_before_any_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "grid.yaml").write_text("parameters:\n  delta_tolerance: [0.01]\n")
    (tmp_path / "a_file").write_text("x")
    out = tmp_path / "a_file" / "out"
    line = one_error_line(run(monkeypatch, *command, "--out", str(out)), "IO_ERROR")
    assert f"cannot write {out}: Not a directory (ENOTDIR)" in line


def test_full_disk_for_a_new_database_leaves_no_half_made_file(
    scenario_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_CATALOG", str(scenario_home / "catalog"))
    with tmpfs(tmp_path / "tiny", "48k") as home:
        monkeypatch.setenv("BASIS_HOME", str(home))
        refused = run(monkeypatch, "backtest", "--mode", "btc_basis", "--json")
        line = one_error_line(refused, "IO_ERROR")
        assert f"cannot open results database sqlite:///{home}/results.sqlite" in line
        assert "database or disk is full" in line
        assert files_under(home) == []


def test_full_disk_when_saving_keeps_the_database_as_it_was(
    scenario_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_CATALOG", str(scenario_home / "catalog"))
    with tmpfs(tmp_path / "small", "1m") as home:
        monkeypatch.setenv("BASIS_HOME", str(home))
        assert run(monkeypatch, "results", "list").exit_code == 0  # creates the database
        fill(home / "filler")
        refused = run(monkeypatch, "backtest", "--mode", "btc_basis", "--json")
        line = one_error_line(refused, "IO_ERROR")
        assert "cannot save run" in line and "database or disk is full" in line
        (home / "filler").unlink()
        listed = run(monkeypatch, "results", "list", "--json")
        assert listed.exit_code == 0 and listed.stdout.strip() == "[]"
