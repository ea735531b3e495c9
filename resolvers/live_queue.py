"""queueUpdates: a queue as a list a dashboard keeps, sent as changes to apply.

The server keeps a mirror of the subscriber's list (``domain.queue_view``). The
first update is a reset that lists the whole queue. After that, events are
gathered for a short window once the first one of a burst arrives. The keys of
every ticket they touch are then read again in one query, and one update carries
the resulting changes together with the events.

An event concerns the list when it matches the queue's filter, or when its
ticket is in the list, whatever its scope says. A ticket moved to another team
carries that team's scope, and it must still leave this list.

With ``clientId``, the client's own changes are not echoed back to it. Events it
caused are left out of ``events``. A change caused only by such events is left
out of ``changes``, but the mirror still applies it first, because the client
already did. The other changes are then computed against the list the client
holds. So subscriptions with a ``clientId`` cannot share execution with those
without one (or with another). Groups are keyed by the variables, so they do not.

In a shared execution (``gql.subscription_groups``), a member who joins later is
sent a fresh reset: the list as the diffs so far left it, marked as a greeting
so that only the members waiting for one get it.
"""

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass

import strawberry

from domain import live, queues, ticket_reads
from domain.access import Principal, audience
from domain.errors import DomainError
from domain.ports import Delivered
from domain.queue_view import QueueChange, QueueChangeKind, QueueView
from gql.context import Info, Loaders
from gql.errors import query_error
from gql.types.live import update
from gql.types.live_queue import QueueUpdate, queue_change
from resolvers.live import category_by_key, followed_team, following, principal, still
from resolvers.live_bursts import pumped
from resolvers.live_reads import SHARED

COALESCE_SECONDS = 0.02
"""How long a burst is gathered after its first event (``Context.queue_coalesce_seconds``
overrides it). One change's several events are published in one relay batch and
arrive together, so the window only has to span a batch's arrival and the next few
commits of a bulk action; every update waits this long, so it is kept short."""


async def _message(
    info: Info,
    p: Principal,
    position: str | None,
    changes: Sequence[QueueChange],
    events: Sequence[Delivered],
    *,
    reset: bool = False,
) -> QueueUpdate:
    """The update, with every ticket read afresh in one query (and fresh loaders)."""
    info.context.loaders = Loaders(include_internal=p.sees_internal_notes, clock=info.context.clock)
    placed = [c.ticket_id for c in changes if c.kind != QueueChangeKind.REMOVED]
    about = [(d, d.event.ticket_id) for d in events if d.event.ticket_id is not None]
    wanted = dict.fromkeys([*placed, *(t for _, t in about)])
    ids = list(wanted)
    if position is None:  # a first listing: nothing to share it with
        tickets = await ticket_reads.visible_tickets(p, ids)
    else:
        tickets = await SHARED.read(
            ("tickets", position, audience(p), tuple(ids)),
            lambda: ticket_reads.visible_tickets(p, ids),
        )
    return QueueUpdate(
        position=position,
        reset=reset,
        changes=[
            queue_change(c, tickets.get(c.ticket_id) if c.index is not None else None)
            for c in changes
        ],
        events=[update(d, tickets.get(t), with_data=p.is_staff) for d, t in about],
    )


@dataclass
class _Following:
    """One subscriber's queue: what it follows, its mirror, and who it is."""

    scope: live.QueueFilter
    view: QueueView
    client_id: str | None

    def own(self, delivered: Delivered) -> bool:
        return self.client_id is not None and delivered.event.client_id == self.client_id


async def _update(
    info: Info, p: Principal, queue: _Following, burst: list[Delivered]
) -> QueueUpdate | None:
    """One update for a burst; None when it changes nothing this subscriber sees."""
    concerned: list[Delivered] = []
    only_own: dict[int, bool] = {}  # each ticket touched: were all its events the client's?
    for delivered in burst:
        ticket_id = delivered.event.ticket_id
        if ticket_id is None:
            continue
        held = ticket_id in queue.view or ticket_id in only_own
        if not queue.scope.concerns(delivered.event, held):
            continue
        concerned.append(delivered)
        only_own[ticket_id] = only_own.get(ticket_id, True) and queue.own(delivered)
    if not concerned:
        return None
    touched = sorted(only_own)
    fresh = await SHARED.read(  # the same for every subscription on this queue
        ("keys", burst[-1].position, queue.scope, tuple(touched)),
        lambda: queues.refreshed_keys(queue.scope, touched),
    )
    queue.view.apply({t: key for t, key in fresh.items() if only_own[t]})  # the client did these
    changes = queue.view.apply({t: key for t, key in fresh.items() if not only_own[t]})
    shown = [d for d in concerned if not queue.own(d) and live.may_see(p, d.event)]
    if not changes and not shown:
        return None
    return await _message(info, p, burst[-1].position, changes, shown)


async def queue_updates(
    info: Info,
    team_id: strawberry.ID | None = None,
    category_key: str | None = None,
    after: str | None = None,
    client_id: str | None = None,
) -> AsyncGenerator[QueueUpdate, None]:
    """A queue (a team's, or every team's for leads and admins; optionally one
    category's) as a list: first all of it, then what changes (staff)."""
    p = principal(info)
    try:
        scope = live.QueueFilter(
            followed_team(p, team_id, "queues"), await category_by_key(category_key)
        )
        given = info.context.queue_coalesce_seconds
        window = COALESCE_SECONDS if given is None else given
        greetings = info.context.greetings
        async with pumped(following(info, after)) as incoming:
            queue = _Following(scope, QueueView(await queues.queue_keys(scope)), client_id)
            incoming.raise_early_failure()
            position = after
            if greetings is not None:
                greetings.mark()
            yield await _message(info, p, position, queue.view.snapshot(), [], reset=True)
            if greetings is not None:
                greetings.listen(incoming.want_listing)
            while True:
                burst, ended = await incoming.burst(window)
                if burst:
                    p = await still(info, p)
                    followed_team(p, team_id, "queues")  # moved to another team: it ends
                    sent = await _update(info, p, queue, burst)
                    position = burst[-1].position
                    if sent is not None:
                        yield sent
                if greetings is not None and incoming.listing_wanted():
                    greetings.mark()  # for those who joined: the list as the diffs left it
                    yield await _message(info, p, position, queue.view.snapshot(), [], reset=True)
                if ended:
                    return
    except DomainError as exc:
        raise query_error(exc) from None
