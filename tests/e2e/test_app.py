"""The HTTP service itself: health, readiness, metrics, lifespan, a real socket, serve()."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from graph_api.app import _YOUNG_THRESHOLD, _LongLivedHeap, create_app, serve
from graph_api.config import Settings
from graph_api.store.sqlite import SqliteGraphStore


async def test_healthz_and_readyz(
    client: httpx.AsyncClient, sample_store: SqliteGraphStore
) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    await sample_store.close()
    down = await client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["status"] == "unavailable" and down.json()["reason"]
    assert (await client.get("/healthz")).status_code == 200  # the process is still up


async def test_metrics_count_operations(client: httpx.AsyncClient, gql: Any) -> None:
    await gql(client, "query CardList { customers { totalCount } }")
    await gql(client, "query CardList { customers { totalCount } }")
    await gql(client, 'query Broken { customer(id: "nope") { name } }')
    text = (await client.get("/metrics")).text
    assert 'graphql_operations_total{operation="CardList",outcome="ok"} 2' in text
    assert 'graphql_operations_total{operation="Broken",outcome="error"} 1' in text
    assert 'graphql_operation_duration_seconds_count{operation="CardList"} 2' in text
    assert 'http_requests_total{method="POST",route="/graphql",status="200"} 3' in text
    assert "# TYPE graphql_operations_total counter" in text


async def test_lifespan_opens_and_closes_the_configured_store(
    tmp_path: Path, gql: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(sqlite_path=str(tmp_path / "own.db"), api_keys={})
    app = create_app(settings)  # nothing opened yet
    caplog.set_level(logging.INFO, logger="graph_api.app")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        assert (await c.get("/readyz")).status_code == 200
        body = await gql(c, "{ customers { totalCount } }")
        assert body["data"] == {"customers": {"totalCount": 0}}
    assert "OPEN" in caplog.text and "local use" in caplog.text
    assert (tmp_path / "own.db").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_real_uvicorn_over_a_socket(
    settings: Settings, sample_store: SqliteGraphStore, api_keys: Any
) -> None:
    port = _free_port()
    app = create_app(settings.model_copy(update={"port": port}), sample_store)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.02)
        assert server.started
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            r = await c.post(
                "/graphql",
                json={"query": '{ customer(id: "c2") { name } }'},
                headers={"X-API-Key": api_keys["reader"]},
            )
            assert r.json() == {"data": {"customer": {"name": "Bob Stone"}}}
            assert (await c.get("/healthz")).status_code == 200
            page = await c.get("/graphql", headers={"Accept": "text/html"})
            assert "graphiql" in page.text.lower()
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"store": "neo4j", "neo4j_uri": None}, "GRAPH_API_NEO4J_URI"),
        ({"host": "0.0.0.0", "api_keys": {}}, "without API keys"),
    ],
)
def test_serve_turns_start_errors_into_one_line_and_exit_2(
    overrides: dict[str, Any], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings.model_construct(**{**Settings().model_dump(), **overrides})
    with pytest.raises(SystemExit) as exc:
        serve(settings)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_serve_unopenable_store_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    settings = Settings(sqlite_path=str(blocker / "graph.db"), api_keys={})
    with pytest.raises(SystemExit) as exc:
        serve(settings)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "graph-api:" in err and len(err.strip().splitlines()) == 1


async def test_lifespan_tunes_the_gc_and_restores_it(tmp_path: Path) -> None:
    before = gc.get_threshold()
    app = create_app(Settings(sqlite_path=str(tmp_path / "gc.db"), api_keys={}))
    async with app.router.lifespan_context(app):
        assert gc.get_threshold()[0] == _YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0  # the startup heap
    assert gc.get_threshold() == before
    gc.unfreeze()


def test_long_lived_heap_is_frozen_again_once_it_has_grown() -> None:
    heap = _LongLivedHeap(limit=1_000)
    gc.unfreeze()
    try:
        kept = [{"n": n} for n in range(5_000)]  # state built after startup
        gc.collect()
        heap.on_gc("stop", {"generation": 2, "collected": 0, "uncollectable": 0})
        assert heap.survivors > 1_000
        assert heap.refreeze()
        assert gc.get_freeze_count() >= len(kept)
        assert heap.survivors == 0 and not heap.refreeze()  # nothing new since
    finally:
        gc.unfreeze()
