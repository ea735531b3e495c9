"""Relay pages read forward: cursors, page info, no row twice or missed."""

import httpx

from domain.enums import Role
from tests.factories import ManualClock, create_customer, create_ticket, gql, token_for

PAGE = """query($after: String) { tickets(first: 2, after: $after) {
  edges { cursor node { subject } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
} }"""


async def test_walking_the_pages_sees_every_ticket_once(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    customer = await create_customer()
    for n in range(5):
        await create_ticket(customer, clock, subject=f"ticket {n}")
    token = await token_for(Role.ADMIN)

    seen, after, infos = [], None, []
    while True:
        page = (await gql(client, PAGE, {"after": after}, token=token))["data"]["tickets"]
        seen += [e["node"]["subject"] for e in page["edges"]]
        info = page["pageInfo"]
        infos.append(info)
        assert info["startCursor"] == page["edges"][0]["cursor"]
        assert info["endCursor"] == page["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]

    assert seen == [f"ticket {n}" for n in (4, 3, 2, 1, 0)]
    assert [i["hasPreviousPage"] for i in infos] == [False, True, True]
    assert [i["hasNextPage"] for i in infos] == [True, True, False]
