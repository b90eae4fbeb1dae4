"""The analytics GraphQL fields on the toy graph: shapes, roles, freshness, the refresh mutation."""

from __future__ import annotations

from typing import Any

import pytest

from graph_api.analytics import AnalyticsService
from graph_api.config import Role, Settings
from graph_api.store.sqlite import SqliteGraphStore
from schema.analytics import AnalyticsMutations, AnalyticsQueries
from schema.build import MUTATION_AREAS, QUERY_AREAS, build_schema
from schema.context import GraphContext, Principal
from schema.ids import encode_global_id


def _schema(settings: Settings) -> Any:
    queries = [*QUERY_AREAS, *([] if AnalyticsQueries in QUERY_AREAS else [AnalyticsQueries])]
    mutations = [
        *MUTATION_AREAS,
        *([] if AnalyticsMutations in MUTATION_AREAS else [AnalyticsMutations]),
    ]
    return build_schema(settings, query_areas=queries, mutation_areas=mutations)


async def _run(
    store: SqliteGraphStore, query: str, role: Role = Role.ANALYST, **variables: Any
) -> Any:
    settings = Settings(sqlite_path=":memory:", auto_refresh=False)
    context = GraphContext(store, settings, Principal(role))
    return await _schema(settings).execute(query, variable_values=variables, context_value=context)


STATUS = """{ analyticsStatus {
  runId stale dataVersion storeVersion computedAt refreshing steps { step seconds } } }"""


async def test_status_and_refresh_mutation(toy_store: SqliteGraphStore) -> None:
    result = await _run(toy_store, STATUS, Role.READER)
    assert result.errors is None
    assert result.data["analyticsStatus"]["stale"] is True
    assert result.data["analyticsStatus"]["runId"] is None

    mutation = "mutation { refreshAnalytics(wait: true) { started status { stale runId } } }"
    denied = await _run(toy_store, mutation, Role.MARKETER)
    assert denied.errors and "admin" in denied.errors[0].message
    done = await _run(toy_store, mutation, Role.ADMIN)
    assert done.errors is None, done.errors
    assert done.data["refreshAnalytics"]["status"]["stale"] is False

    status = await _run(toy_store, STATUS, Role.READER)
    steps = {s["step"] for s in status.data["analyticsStatus"]["steps"]}
    assert {"projection", "pagerank", "communities", "write"} <= steps


async def test_rankings_paths_seeds_communities_alerts(toy_store: SqliteGraphStore) -> None:
    await AnalyticsService(toy_store).refresh()
    query = """
    query($target: ID!) {
      influencers(first: 3, excludeInflated: true) { rank score profile { externalId } }
      byProduct: influencers(product: "d1") { profile { externalId } }
      advocates(first: 5) { rank score customer { externalId } }
      advocacyPaths(target: $target, k: 2, maxHops: 4) {
        strength
        advocate { externalId }
        profiles { externalId }
        hops { from { externalId } to { externalId } relationship direction strength }
      }
      campaignSeeds(k: 2) { seeds { externalId } expectedSpread method }
      detectedCommunities(first: 2) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          id size cohesion density
          topInfluencers { externalId }
          bridges { profile { externalId } externalEdges }
          dominantProducts { product { externalId } weight }
          declaredOverlap { community { externalId } jaccard }
          members(first: 2) { totalCount nodes { externalId } }
        }
      }
      alerts(first: 5) { id kind at severity message interaction { externalId } }
    }
    """
    result = await _run(toy_store, query, target=encode_global_id("Customer", "c3"))
    assert result.errors is None, result.errors
    data = result.data
    assert data["influencers"][0]["profile"]["externalId"] == "p1"
    assert data["byProduct"][0]["profile"]["externalId"] == "p1"
    assert {a["customer"]["externalId"] for a in data["advocates"]} == {"c1", "c5"}
    path = data["advocacyPaths"][0]
    assert path["advocate"]["externalId"] in {"c1", "c5"}
    assert path["profiles"][-1]["externalId"] == "p3"
    assert path["hops"][0]["from"]["externalId"] == path["profiles"][0]["externalId"]
    assert data["campaignSeeds"]["seeds"][0]["externalId"] == "p1"
    assert data["detectedCommunities"]["totalCount"] >= 1
    first = data["detectedCommunities"]["nodes"][0]
    assert first["members"]["totalCount"] == first["size"]


async def test_analytics_queries_need_the_analyst_role(toy_store: SqliteGraphStore) -> None:
    await AnalyticsService(toy_store).refresh()
    result = await _run(toy_store, "{ influencers { rank } }", Role.READER)
    assert result.errors and "analyst" in result.errors[0].message


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("{ influencers(first: 1000) { rank } }", "limit"),
        ('{ influencers(topic: "a", product: "d1") { rank } }', "at most one"),
        ('{ advocacyPaths(target: "Q3VzdG9tZXI6YzM=", maxHops: 9) { strength } }', "maxHops"),
        ('{ advocacyPaths(target: "nope") { strength } }', "global id"),
        ("{ campaignSeeds(k: 0) { expectedSpread } }", "k must be"),
    ],
)
async def test_input_errors_are_clear(
    toy_store: SqliteGraphStore, query: str, fragment: str
) -> None:
    await AnalyticsService(toy_store).refresh()
    result = await _run(toy_store, query)
    assert result.errors and fragment in result.errors[0].message


async def test_node_field_resolvers(toy_store: SqliteGraphStore) -> None:
    """influence_of / advocacy_of / community_of, the fields Profile and Customer expose."""
    from graph_api.model import NodeLabel
    from schema.analytics import AdvocacyClass, advocacy_of, community_of, influence_of

    before = (await toy_store.get_nodes(NodeLabel.CUSTOMER, ["c1"]))["c1"]
    assert influence_of(before) is None and advocacy_of(before) is None
    await AnalyticsService(toy_store).refresh()
    c1 = (await toy_store.get_nodes(NodeLabel.CUSTOMER, ["c1"]))["c1"]
    p1 = (await toy_store.get_nodes(NodeLabel.PROFILE, ["p1"]))["p1"]
    influence = influence_of(p1)
    assert influence is not None and influence.rank == 1 and influence.reach == 500
    advocacy = advocacy_of(c1)
    assert advocacy is not None and advocacy.category is AdvocacyClass.PROMOTER
    assert advocacy.counts.converted_referrals == 1 and advocacy.counts.praise == 2

    class _Info:
        context = GraphContext(
            toy_store, Settings(sqlite_path=":memory:", auto_refresh=False), Principal(Role.READER)
        )

    community = await community_of(p1, _Info())  # type: ignore[arg-type]
    assert community is not None and community.id == p1.scores["community"]
    assert "p1" in community.top_influencer_ids
    evidence = await advocacy.interactions(_Info(), first=10)  # type: ignore[arg-type]
    assert {i.external_id for i in evidence} == {"i1", "i4", "i11"}  # praise x2 + review
    referrals = await advocacy.referrals(_Info())  # type: ignore[arg-type]
    assert [(r.customer.external_id, r.converted) for r in referrals] == [("c4", True)]
