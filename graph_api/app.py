"""The composition root of the HTTP service: ``create_app(settings)`` and ``serve(settings)``.

Routes: ``/graphql`` (GraphiQL when enabled), ``/healthz`` (the process is up), ``/readyz``
(the store answers), ``/metrics`` (Prometheus text). Nothing is built at import.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import inspect
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import BackgroundTasks, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from strawberry.fastapi import GraphQLRouter

from graph_api.analytics import service_for
from graph_api.config import Role, Settings, hash_api_key
from graph_api.errors import ConfigError, StoreError, StoreUnavailable
from graph_api.store import GraphStore, create_store
from schema.build import build_schema
from schema.context import GraphContext, Principal
from schema.metrics import Metrics

__all__ = ["authenticate", "create_app", "serve"]

log = logging.getLogger("graph_api.app")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})
_MISSING_KEY = "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"


def authenticate(settings: Settings, headers: MutableMapping[str, str] | Any) -> Principal:
    """The caller's role from its API key (sha256 compared in constant time)."""
    if not settings.api_keys:
        # Settings.check() refuses this unless bound to loopback: local use, open as admin.
        return Principal(Role.ADMIN, open_access=True)
    key: str | None = None
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            key = value.strip()
    if key is None:
        key = (headers.get("x-api-key") or "").strip() or None
    if key is None:
        return Principal(None, _MISSING_KEY)
    digest = hash_api_key(key)
    role: Role | None = None
    for known, known_role in settings.api_keys.items():  # compare with every key: no early exit
        if hmac.compare_digest(known, digest):
            role = known_role
    if role is None:
        return Principal(None, "unknown API key")
    return Principal(role)


class _HttpMetrics:
    """Pure ASGI middleware: counts and times requests per known route."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            path = str(scope.get("path", ""))
            route = path if path in _ROUTES else "other"
            seconds = time.perf_counter() - start
            self.metrics.observe_http(str(scope.get("method", "")), route, status, seconds)


Endpoint = Callable[..., Awaitable[Response]]
_ENDPOINT_PARAMETERS = frozenset({"request", "response", "context", "root_value"})


def _post_endpoint(router: GraphQLRouter[GraphContext, None]) -> Endpoint | None:
    """The GraphQLRouter's own POST endpoint, if it takes what :class:`_GraphQLPost` passes."""
    for route in router.routes:
        if (
            isinstance(route, APIRoute)
            and route.methods == {"POST"}
            and set(inspect.signature(route.endpoint).parameters) == _ENDPOINT_PARAMETERS
        ):
            endpoint: Endpoint = route.endpoint
            return endpoint
    return None


class _GraphQLPost:
    """POST /graphql handed straight to the GraphQLRouter's own endpoint.

    FastAPI's routing and dependency injection cost about 0.15 ms per request, a tenth of what
    a customer card costs in-process (``bench/bench_api.py --in-process``). This passes the
    endpoint what the injection would (the sub-response that carries status and headers, the
    context with the request, that sub-response and background tasks) and runs the background
    tasks after the response, as FastAPI does. The endpoint is strawberry's: same view, same
    responses, same HTTP errors. Every other request (GET and GraphiQL, websockets, the other
    routes, /graphql/ and its redirect) goes through FastAPI.
    """

    def __init__(
        self,
        app: ASGIApp,
        endpoint: Endpoint,
        context_getter: Callable[[Request], Awaitable[GraphContext]],
    ) -> None:
        self.app = app
        self.endpoint = endpoint
        self.context_getter = context_getter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or _route_path(scope) != "/graphql":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        sub_response = Response()  # as FastAPI makes it for a `response: Response` parameter
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]
        background = BackgroundTasks()
        context = await self.context_getter(request)
        context.request = request
        context.response = sub_response
        context.background_tasks = background
        response = await self.endpoint(
            request=request, response=sub_response, context=context, root_value=None
        )
        if response.background is None:
            response.background = background
        await response(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path routes match, as Starlette computes it (without the root path)."""
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root) else path


def _auth_line(settings: Settings) -> tuple[int, str]:
    if settings.api_keys:
        return logging.INFO, f"auth: on ({len(settings.api_keys)} API keys configured)"
    return (
        logging.WARNING,
        f"auth: OFF - no API keys configured; serving OPEN (every caller is admin) for local "
        f"use on {settings.host}:{settings.port}",
    )


_YOUNG_THRESHOLD = 10_000  # net allocations between young collections (CPython: 700)


def _freeze_startup_heap() -> tuple[int, int, int]:
    """What is alive once the app has started (modules, schema, settings, store) lives as long
    as the process: frozen, it is no longer walked by every full collection of the cyclic GC.
    Those walks were the longest pauses behind the p99 latency (``bench/bench_api.py``).

    Also raises the young generation's threshold. Requests leave no reference cycles (see
    ``schema.build``), so young collections find little garbage and mostly walk the objects
    of the requests in flight, then promote them; at CPython's 700 they ran every few
    requests, at 10,000 every few hundred (a pause of 2-3 ms). Returns the thresholds that
    were in force, for the lifespan to restore."""
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(_YOUNG_THRESHOLD, *previous[1:])
    return previous


class _LongLivedHeap:
    """Keeps the cyclic GC from walking state that lives long but was built after startup.

    The analytics' in-memory social graph and path index (built in the background by every
    process, again for every analytics run) and cached documents end up in the oldest
    generation, which every full collection walks: 100-200 ms each on the medium data set, and
    under load (with CPython's thresholds and the reference cycles requests used to leave) about
    one a second. That was the p99 latency of the customer card.

    A callback notes how much survives each full collection (live objects only). When that is
    over ``limit``, :meth:`refreeze` does one collection that also sees the frozen objects (so
    that garbage among them, such as a graph replaced by a newer run, is reclaimed) and freezes
    what is left: one pause of a few hundred milliseconds per analytics run, after which full
    collections only walk what requests in flight hold (a few milliseconds).
    """

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self.survivors = 0

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        # any thread, inside the collector: only counts (no collection can start from here)
        if phase == "stop" and info["generation"] == 2:
            self.survivors = len(gc.get_objects(generation=2))

    def refreeze(self) -> bool:
        """Collect and freeze when the last full collection left more than ``limit`` objects."""
        if self.survivors <= self.limit:
            return False
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.survivors = 0
        return True

    async def watch(self, interval_s: float = 2.0) -> None:
        gc.callbacks.append(self.on_gc)
        try:
            while True:
                await asyncio.sleep(interval_s)
                if self.refreeze():
                    log.info("froze the long-lived heap again: %d objects", gc.get_freeze_count())
        finally:
            gc.callbacks.remove(self.on_gc)


def create_app(settings: Settings, store: GraphStore | None = None) -> FastAPI:
    """The service. A store passed in belongs to the caller (opened and closed by it);
    otherwise the lifespan creates the configured store, opens it and closes it."""
    settings.check()
    metrics = Metrics()
    schema = build_schema(settings, metrics=metrics)
    holder: dict[str, GraphStore] = {}
    if store is not None:
        holder["store"] = store

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        current = holder.get("store") or create_store(settings)
        if owned:
            await current.open()
        holder["store"] = current
        level, line = _auth_line(settings)
        log.log(level, line)
        analytics = service_for(current)
        if settings.auto_refresh:
            # refresh analytics whenever the data version moved (after loads, mutations)
            analytics.start_background()
        thresholds = _freeze_startup_heap()
        freezer = asyncio.create_task(_LongLivedHeap().watch(), name="gc-refreeze")
        try:
            yield
        finally:
            freezer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await freezer
            gc.set_threshold(*thresholds)
            await analytics.stop()
            if owned:
                await current.close()
                holder.pop("store", None)

    def current_store() -> GraphStore:
        found = holder.get("store")
        if found is None:
            raise StoreUnavailable("the store is not open (the app's lifespan has not run)")
        return found

    async def context_getter(request: Request) -> GraphContext:
        return GraphContext(current_store(), settings, authenticate(settings, request.headers))

    router: GraphQLRouter[GraphContext, None] = GraphQLRouter(
        schema,
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.graphiql else None,
    )
    app = FastAPI(
        title="Social CRM graph API",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(router, prefix="/graphql")
    app.state.metrics = metrics
    app.state.settings = settings

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        try:
            await current_store().ping()
        except StoreError as exc:
            return JSONResponse({"status": "unavailable", "reason": exc.message}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics")
    async def metrics_route() -> PlainTextResponse:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    endpoint = _post_endpoint(router)
    if endpoint is not None:  # else a strawberry whose endpoint differs: FastAPI serves it all
        app.add_middleware(_GraphQLPost, endpoint=endpoint, context_getter=context_getter)
    app.add_middleware(_HttpMetrics, metrics=metrics)  # outermost: it counts every request
    return app


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


async def _serve(settings: Settings) -> None:
    import uvicorn

    store = create_store(settings)
    await store.open()
    try:
        app = create_app(settings, store)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            lifespan="on",
            access_log=settings.debug,
        )
        server = uvicorn.Server(config)
        try:
            await server.serve()
        except SystemExit as exc:  # uvicorn exits when it cannot bind; say how to fix it
            if server.started:
                raise
            raise ConfigError(
                f"cannot listen on {settings.host}:{settings.port} (see the error above); "
                "choose another port with --port or GRAPH_API_PORT"
            ) from exc
    finally:
        await store.close()


def serve(settings: Settings) -> None:
    """Run the service with uvicorn until interrupted. A configuration that cannot work or a
    store that cannot be reached at start is one line on stderr and exit code 2."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(levelname)s: %(name)s: %(message)s"
        )
    try:
        settings.check()
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(_serve(settings))
    except (ConfigError, StoreUnavailable) as exc:
        print(f"graph-api: {exc.code.lower()}: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass
