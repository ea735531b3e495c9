"""The SQL behind SLA clocks: reading a ticket's clocks and writing them back."""

from domain.ticket_writes import RowWrite

CLOCK_COLUMNS = (
    "target text, period int, policy_id int, calendar_id int, state text, note text, "
    "target_seconds int, elapsed_seconds float8, running_since timestamptz, "
    "started_at timestamptz, due_at timestamptz, at_risk_percent float8, status text, "
    "fired_through float8, checkpoint_levels float8[], checkpoint_at timestamptz[], "
    "next_check_at timestamptz, breached_at timestamptz, met_at timestamptz"
)
_NAMES = [c.split()[0] for c in CLOCK_COLUMNS.split(", ")]

# Per ticket: its id, its clocks as a JSON array of objects, now (arrays of them:
# see ``RowWrite``). Every column is written, so a clock is whatever
# ``domain.sla_clock`` last computed, except the ``replan`` flag: only the sweep's
# re-plan pass (with fresh terms) clears it, so a command working from a cached
# snapshot never hides an admin's edit.
UPSERT_CLOCKS = RowWrite(f"""
INSERT INTO sla_clock (ticket_id, {", ".join(_NAMES)}, replan, updated_at)
SELECT u.ticket_id, {", ".join(f"r.{n}" for n in _NAMES)}, false, u.at
FROM unnest($1::int[], $2::jsonb[], $3::timestamptz[]) AS u(ticket_id, clocks, at),
     jsonb_to_recordset(u.clocks) AS r({CLOCK_COLUMNS})
ON CONFLICT (ticket_id, target) DO UPDATE SET
  {", ".join(f"{n} = EXCLUDED.{n}" for n in _NAMES if n != "target")},
  updated_at = EXCLUDED.updated_at
""")  # noqa: S608  (column names are the constants above)

CLOCKS_JSON = f"""
(SELECT coalesce(json_agg(json_build_object({
    ", ".join(f"'{n}', k.{n}" for n in _NAMES)
})), '[]') FROM sla_clock k WHERE k.ticket_id = t.id)
"""  # noqa: S608

# A ticket's clocks with the facts that choose its terms (the ticket row is locked).
TICKET_CLOCKS = f"""
SELECT c.tier, {CLOCKS_JSON} AS clocks FROM ticket t JOIN customer c ON c.id = t.customer_id
WHERE t.id = $1
"""  # noqa: S608

# The sweep, in one statement: lock the clocks with a level due (and their tickets,
# skipping any a command holds: next sweep), move each past the levels it crossed,
# and write what crossing them means: timeline events, breach records, the ticket's
# sla_breached flag, and the escalation-chain steps still wanted (a lead's
# acknowledgement in this period stops them). $1 now, $2 batch size.
ADVANCE = """
WITH due AS (
  SELECT k.id, k.ticket_id, k.target, k.period, k.policy_id, k.started_at,
         k.checkpoint_levels AS levels, k.checkpoint_at AS ats,
         (SELECT count(*) FROM unnest(k.checkpoint_at) a WHERE a <= $1)::int AS n,
         (SELECT min(u.at) FROM unnest(k.checkpoint_levels, k.checkpoint_at) AS u(level, at)
          WHERE u.level >= 100 AND u.at <= $1) AS breach_at,
         t.sla_acknowledged_at AS acknowledged_at
  FROM sla_clock k JOIN ticket t ON t.id = k.ticket_id
  WHERE k.next_check_at <= $1 AND NOT k.replan
  ORDER BY k.next_check_at
  LIMIT $2
  FOR UPDATE OF k, t SKIP LOCKED
),
crossed AS (
  SELECT d.id, d.ticket_id, d.target, d.period, d.policy_id, u.level, u.at,
         (d.acknowledged_at IS NULL OR d.acknowledged_at < d.started_at) AS chain_on
  FROM due d, unnest(d.levels[1:d.n], d.ats[1:d.n]) AS u(level, at)
),
moved AS (
  UPDATE sla_clock k SET
    fired_through = d.levels[d.n],
    checkpoint_levels = d.levels[d.n + 1:],
    checkpoint_at = d.ats[d.n + 1:],
    next_check_at = d.ats[d.n + 1],
    status = CASE WHEN d.levels[d.n] >= 100 THEN 'BREACHED'
                  WHEN d.levels[d.n] >= k.at_risk_percent AND k.status = 'WITHIN' THEN 'AT_RISK'
                  ELSE k.status END,
    breached_at = coalesce(k.breached_at, d.breach_at),
    updated_at = $1
  FROM due d WHERE k.id = d.id AND d.n > 0
  RETURNING k.id
),
events AS (
  INSERT INTO ticket_event (ticket_id, kind, actor_role, data, created_at)
  SELECT c.ticket_id,
         CASE WHEN c.level = 100 THEN 'sla.breached'
              WHEN c.level > 100 THEN 'sla.severe_breach'
              WHEN c.level = p.at_risk_percent THEN 'sla.at_risk'
              ELSE 'sla.warning' END,
         'SYSTEM',
         jsonb_build_object('target', c.target, 'period', c.period, 'percent', c.level,
                            'at', c.at, 'cause', 'sweep'),
         $1
  FROM crossed c LEFT JOIN sla_policy p ON p.id = c.policy_id
  WHERE c.level = 100
     OR c.level = p.severe_percent
     OR c.level = p.at_risk_percent
     OR c.level IN (SELECT w::float8 FROM jsonb_array_elements_text(p.warning_percents) w)
  ORDER BY c.ticket_id, c.at
  RETURNING id
),
breaches AS (
  INSERT INTO sla_breach (ticket_id, target, period, policy_id, priority, customer_tier,
                          team_id, assignee_id, due_at, breached_at)
  SELECT c.ticket_id, c.target, c.period, c.policy_id, t.priority, cu.tier, t.team_id,
         t.assignee_id, c.at, c.at
  FROM crossed c JOIN ticket t ON t.id = c.ticket_id JOIN customer cu ON cu.id = t.customer_id
  WHERE c.level = 100
  ON CONFLICT DO NOTHING
  RETURNING ticket_id
),
flagged AS (
  UPDATE ticket t SET sla_breached = true
  FROM (SELECT DISTINCT ticket_id FROM breaches) b
  WHERE t.id = b.ticket_id AND NOT t.sla_breached
  RETURNING t.id
),
actions AS (
  INSERT INTO sla_action (ticket_id, target, period, percent, action, reason, created_at)
  SELECT c.ticket_id, c.target, c.period, c.level, s.action,
         CASE WHEN c.level >= 100 THEN 'AUTO_SLA_BREACH' ELSE 'AUTO_SLA_RISK' END, $1
  FROM crossed c JOIN sla_policy p ON p.id = c.policy_id
  CROSS JOIN LATERAL (
    SELECT e->>'action' AS action FROM jsonb_array_elements(p.escalation_steps) e
    WHERE (e->>'percent')::float8 = c.level
    UNION ALL
    SELECT 'REASSIGN' WHERE p.escalate_at_risk AND c.level = p.at_risk_percent
  ) s
  WHERE c.chain_on
  ORDER BY c.ticket_id, c.level  -- steps run in id order: the 75% notice before the 100% move
  ON CONFLICT DO NOTHING
  RETURNING id
)
SELECT (SELECT count(*) FROM due) AS due,
       (SELECT count(*) FROM moved) AS moved,
       (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM flagged) AS breached,
       (SELECT count(*) FROM actions) AS actions
"""

# Clocks an admin's edit (or the migration) asked to re-plan, with their tickets
# (locked, skipping held ones); $1 batch size.
REPLAN_DUE = f"""
SELECT t.id, t.priority, t.status, t.created_at, t.first_response_at, c.tier,
       {CLOCKS_JSON} AS clocks
FROM ticket t JOIN customer c ON c.id = t.customer_id
WHERE t.id IN (SELECT ticket_id FROM sla_clock WHERE replan LIMIT $1)
FOR UPDATE OF t SKIP LOCKED
"""  # noqa: S608
REPLANNED = "UPDATE sla_clock SET replan = false WHERE ticket_id = $1 AND replan"

# Pending reassignment steps after id $2, oldest first (each is done in its own
# transaction, through routing; a run passes each row once, so a failing one cannot
# block the rest).
PENDING_REASSIGNS = """
SELECT id, ticket_id, target, period, percent, action, reason FROM sla_action
WHERE done_at IS NULL AND action = 'REASSIGN' AND id > $2 ORDER BY id LIMIT $1
"""

SOONEST_CHECK = "SELECT min(next_check_at) AS at FROM sla_clock WHERE next_check_at IS NOT NULL"

# Breaches found when a clock stopped past a deadline no sweep had fired (the sweep
# records the others in ADVANCE). $1 ticket id, $2 JSON [{target, period, policy_id, due_at}].
RECORD_BREACHES = """
WITH found AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb)
    AS r(target text, period int, policy_id int, due_at timestamptz)
), recorded AS (
  INSERT INTO sla_breach (ticket_id, target, period, policy_id, priority, customer_tier,
                          team_id, assignee_id, due_at, breached_at)
  SELECT t.id, f.target, f.period, f.policy_id, t.priority, c.tier, t.team_id, t.assignee_id,
         f.due_at, f.due_at
  FROM found f, ticket t JOIN customer c ON c.id = t.customer_id
  WHERE t.id = $1
  ON CONFLICT DO NOTHING
)
UPDATE ticket SET sla_breached = true WHERE id = $1 AND NOT sla_breached
"""

# Notify steps, set-based: lock a batch of pending NOTIFY_* steps, draft their messages
# into the notification outbox (email to the assignee, the team lead or the management
# list; Slack for leads and management) and mark the steps done. A step whose ticket
# was resolved or closed meanwhile is done without a message.
# $1 batch, $2 Slack webhook URL or null, $3 email on, $4 management emails, $5 now.
NOTIFY_STEPS = """
WITH steps AS (
  SELECT a.id, a.ticket_id, a.target, a.period, a.percent, a.action FROM sla_action a
  WHERE a.done_at IS NULL AND a.action <> 'REASSIGN'
  ORDER BY a.id LIMIT $1
  FOR UPDATE SKIP LOCKED
),
about AS (
  SELECT s.*,
         format('[#%s %s] SLA %s %s (%s%%): %s', t.number, t.priority,
                lower(replace(s.target, '_', ' ')),
                CASE WHEN s.percent >= 100 THEN 'breached' ELSE 'at risk' END,
                s.percent, t.subject) AS subject,
         format(E'The %s target of this ticket is %s%% used.\\nTeam: %s\\nTicket #%s',
                lower(replace(s.target, '_', ' ')), s.percent, coalesce(tm.name, 'none'),
                t.number) AS body,
         format('sla:%s:%s:%s:%s:%s', s.ticket_id, s.target, s.period, s.percent, s.action)
           AS dedupe,
         ag.email AS assignee_email, lead.email AS lead_email
  FROM steps s JOIN ticket t ON t.id = s.ticket_id
  LEFT JOIN agent ag ON ag.id = t.assignee_id
  LEFT JOIN team tm ON tm.id = t.team_id
  LEFT JOIN agent lead ON lead.id = tm.lead_id
  WHERE t.status IN ('OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER')
),
drafts AS (
  SELECT a.ticket_id, a.subject, a.body, 'EMAIL' AS channel, r.recipient::text,
         a.dedupe || ':email:' || r.recipient AS dedupe_key
  FROM about a CROSS JOIN LATERAL (
    SELECT a.assignee_email WHERE a.action = 'NOTIFY_ASSIGNEE'
    UNION ALL SELECT a.lead_email WHERE a.action = 'NOTIFY_LEAD'
    UNION ALL SELECT m FROM unnest($4::text[]) m WHERE a.action = 'NOTIFY_MANAGEMENT'
  ) AS r(recipient)
  WHERE $3::boolean AND r.recipient IS NOT NULL
  UNION ALL
  SELECT a.ticket_id, a.subject, a.body, 'SLACK', $2::text, a.dedupe || ':slack'
  FROM about a WHERE $2::text IS NOT NULL AND a.action <> 'NOTIFY_ASSIGNEE'
),
written AS (
  INSERT INTO notification (channel, recipient, subject, body, kind, ticket_id, dedupe_key,
                            state, attempts, next_attempt_at, last_error, created_at)
  SELECT channel, recipient, left(subject, 300), body, 'sla.alert', ticket_id, dedupe_key,
         'PENDING', 0, $5::timestamptz, '', $5::timestamptz
  FROM drafts
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id
),
done AS (
  UPDATE sla_action a SET done_at = $5 FROM steps s WHERE a.id = s.id RETURNING a.id
)
SELECT (SELECT count(*) FROM done) AS steps, (SELECT count(*) FROM written) AS messages
"""
