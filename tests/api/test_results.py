"""Results through the API: pages of runs, filters, compare, report, series."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from basis.api.services import database_url
from basis.config.settings import Settings
from basis.store import ResultStore, run_json
from tests.api.stubs import login
from tests.store.test_results import make_result


@pytest.fixture
def stored(settings: Settings) -> list[str]:
    """Five hand-made runs: three eth_basis, two btc_basis."""
    ids = [f"run-{k}-{'e' if k < 3 else 'b'}" for k in range(5)]
    with ResultStore(database_url(settings)) as store:
        for k, run_id in enumerate(ids):
            store.save(make_result(run_id, mode="eth_basis" if k < 3 else "btc_basis"))
    return ids


def test_list_pages_through_every_run_once(client: TestClient, stored: list[str]) -> None:
    headers = login(client, "vera")
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get(f"/api/v1/results?limit=2&offset={offset}", headers=headers).json()
        seen += [row["run_id"] for row in page["runs"]]
        offset = page["next_offset"]
    assert sorted(seen) == sorted(stored)
    assert len(seen) == len(set(seen))


def test_list_filters_by_mode_and_dataset(client: TestClient, stored: list[str]) -> None:
    headers = login(client, "vera")
    btc = client.get("/api/v1/results?mode=btc_basis", headers=headers).json()["runs"]
    assert {row["run_id"] for row in btc} == set(stored[3:])
    none = client.get("/api/v1/results?dataset=real", headers=headers).json()
    assert none["runs"] == [] and none["next_offset"] is None


def test_show_is_run_json_and_compare_lists_each(
    client: TestClient, stored: list[str], settings: Settings
) -> None:
    headers = login(client, "vera")
    shown = client.get(f"/api/v1/results/{stored[0]}", headers=headers).json()
    with ResultStore(database_url(settings)) as store:
        assert shown == run_json(store.load(stored[0]))
    compared = client.get(
        f"/api/v1/results/compare?ids={stored[0]}&ids={stored[4]}", headers=headers
    ).json()
    assert [run["run_id"] for run in compared] == [stored[0], stored[4]]


def test_series_come_sampled_and_unknown_names_are_refused(
    client: TestClient, stored: list[str]
) -> None:
    headers = login(client, "vera")
    url = f"/api/v1/results/{stored[0]}/series"
    body = client.get(f"{url}?names=equity&names=attribution:funding", headers=headers).json()
    assert list(body["series"]) == ["equity", "attribution:funding"]
    assert body["series"]["attribution:funding"] == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    assert len(body["times"]) == 6
    wrong = client.get(f"{url}?names=nope", headers=headers)
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "names"


def test_report_is_the_html_report(client: TestClient, stored: list[str]) -> None:
    response = client.get(f"/api/v1/results/{stored[0]}/report", headers=login(client, "vera"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "basis report" in response.text


def test_unknown_run_is_a_404_with_the_cli_code(client: TestClient) -> None:
    response = client.get("/api/v1/results/ffffffffff", headers=login(client, "vera"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "RUN_NOT_FOUND"
    assert response.json()["error"]["field"] == "run_id"
