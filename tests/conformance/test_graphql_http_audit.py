"""graphql-http's own audit of the GraphQL-over-HTTP spec, run against the live server."""

from tests.api.live_server import LiveServer
from tests.conformance.conftest import run_node


async def test_every_graphql_over_http_audit_passes(node_clients: str, server: LiveServer) -> None:
    http_url = server.url.replace("ws://", "http://", 1)
    async with run_node(node_clients, "audit_http.mjs", http_url) as audit:
        results = await audit.lines()
        code = await audit.exit_code()
    assert code == 0, await audit.stderr()
    assert len(results) > 60  # the whole suite ran (graphql-http 1.23.1 has 71 audits)
    not_ok = [
        f"{r['id']} {r['status']}: {r['name']}: {r['reason']} (got HTTP {r['httpStatus']})"
        for r in results
        if r["status"] != "ok"
    ]
    assert not not_ok, "\n".join(not_ok)
