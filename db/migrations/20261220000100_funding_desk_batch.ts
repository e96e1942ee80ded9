import type { Knex } from 'knex';
import { up as createPerRequestDesk } from './20261202000300_funding_desk';

// The funding desk decides a batch in a few statements, and isolates a request only when the batch cannot be written.
//
// contest_subscribe (same signature, same answers as 20261202000300) takes the same locks in the same order (the
// contest FOR SHARE, the batch's pledges, then its entries, each FOR UPDATE in id order), then tries the batch whole
// in ONE subtransaction: contest_subscribe_batch reads the batch's pledges, entries and ranks in one query, decides
// each request in arrival order against running totals kept in arrays, and writes every accepted request with
// five set-based statements (the subscriptions, both running totals, the audit rows, the Idempotency-Key answers).
// Only when that raises does it roll the batch back and run it again in the isolating form,
// contest_subscribe_each: a subtransaction per request, so the request that cannot be written fails alone and the
// rest of the batch stands. Deadlocks and serialisation failures are raised to the caller, which reruns the batch.
//
// Why: a subtransaction per request costs a savepoint and a subtransaction id for each (past 64 in one transaction
// every other backend's snapshot overflows into pg_subtrans), eight statements per request, and the answer was
// built by jsonb concatenation in the loop (quadratic in the batch). checkSubscription (api/funding/desk.ts) stays
// the reference both forms are tested against.
// The rules both forms decide by, in one place: the order of checkSubscription (contest, phase, pledge, entry,
// ranking, then the amounts), and what a refused funder is shown. A missing pledge or entry arrives as nulls.
const RULES = `
create or replace function contest_subscription_decision(p_phase text, p_pledge_org uuid, p_org uuid, p_entry_status text, p_rank integer, p_amount bigint, p_pledge_left bigint, p_entry_left bigint)
returns text language sql immutable as $fn$
  select case
    when p_phase is null or p_phase = 'draft' then 'contest-not-found'
    when p_phase <> 'funding' then 'phase'
    when p_pledge_org is distinct from p_org then 'pledge-not-found'
    when p_entry_status is null then 'entry-not-found'
    when p_entry_status <> 'entered' or p_rank is null then 'entry-ranked'
    when p_amount > p_pledge_left then 'pledge-remaining'
    when p_amount > p_entry_left then 'entry-need'
    else 'accepted'
  end
$fn$;
create or replace function contest_subscription_look(p_phase text, p_pledge_org uuid, p_pledge_left bigint, p_entry_status text, p_entry_left bigint, p_rank integer)
returns jsonb language sql immutable as $fn$
  select case when p_phase is null then null else jsonb_build_object(
    'phase', p_phase, 'funderOrganisationId', p_pledge_org, 'pledgeLeftFen', p_pledge_left,
    'entryStatus', p_entry_status, 'entryLeftFen', p_entry_left, 'rank', p_rank) end
$fn$`;

const BATCH = `
create or replace function contest_subscribe_batch(p_contest_id uuid, p_requests jsonb) returns jsonb
language plpgsql as $fn$
declare
  uuid_re constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  v_contest contests%rowtype;
  v_at timestamptz := date_trunc('milliseconds', now());
  v_at_text text;
  r record;
  v_out jsonb[] := '{}';
  -- Running totals, by the pledge's and the entry's place among the batch's distinct pledges and entries.
  v_alloc bigint[];
  v_subd bigint[];
  v_org uuid;
  v_amount bigint;
  v_pleft bigint;
  v_eleft bigint;
  v_esub bigint;
  v_decision text;
  v_id uuid;
  v_sub jsonb;
  v_body jsonb;
  -- The accepted requests, column by column, for the set-based writes.
  a_id uuid[] := '{}';
  a_pledge uuid[] := '{}';
  a_entry uuid[] := '{}';
  a_entry_text text[] := '{}';
  a_org uuid[] := '{}';
  a_kind text[] := '{}';
  a_amount bigint[] := '{}';
  a_user uuid[] := '{}';
  a_request text[] := '{}';
  a_sub jsonb[] := '{}';
  a_body jsonb[] := '{}';
  a_key_user uuid[] := '{}';
  a_key text[] := '{}';
begin
  select c.* into v_contest from contests c where c.id = p_contest_id;
  v_alloc := array_fill(null::bigint, array[jsonb_array_length(p_requests)]);
  v_subd := v_alloc;
  v_at_text := to_char(v_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

  for r in
    with req as (
      select x.n, x.v,
        case when x.v->>'pledgeId' ~ uuid_re then (x.v->>'pledgeId')::uuid end as pid,
        case when x.v->>'entryId' ~ uuid_re then (x.v->>'entryId')::uuid end as eid
      from jsonb_array_elements(p_requests) with ordinality as x(v, n)
    )
    select req.n, req.v,
      p.id as p_id, p.funder_organisation_id as p_org, p.kind as p_kind, p.value_fen as p_value, p.allocated_fen as p_alloc,
      e.id as e_id, e.status as e_status, e.amount_asked_fen as e_asked, e.subscribed_fen as e_sub, e.matching_fen as e_matching,
      rk.rank,
      dense_rank() over (order by p.id)::int as pi,
      dense_rank() over (order by e.id)::int as ei
    from req
    left join contest_pledges p on p.id = req.pid and p.contest_id = p_contest_id
    left join contest_entries e on e.id = req.eid and e.contest_id = p_contest_id
    left join contest_ranking_entries rk on rk.ranking_id = v_contest.final_ranking_id and rk.entry_id = e.id
    order by req.n
  loop
    v_amount := (r.v->>'amountFen')::bigint;
    v_org := (r.v->>'funderOrganisationId')::uuid;
    v_pleft := null;
    v_eleft := null;
    v_esub := null;
    if r.p_id is not null then
      if v_alloc[r.pi] is null then v_alloc[r.pi] := r.p_alloc; end if;
      v_pleft := r.p_value - v_alloc[r.pi];
    end if;
    if r.e_id is not null then
      if v_subd[r.ei] is null then v_subd[r.ei] := r.e_sub; end if;
      v_esub := v_subd[r.ei];
      v_eleft := r.e_asked - v_esub - r.e_matching;
    end if;

    -- The rules and the look: contest_subscription_decision and contest_subscription_look above.
    v_decision := contest_subscription_decision(v_contest.phase, r.p_org, v_org, r.e_status, r.rank, v_amount, v_pleft, v_eleft);
    if v_decision <> 'accepted' then
      v_out := array_append(v_out, jsonb_build_object('decision', v_decision, 'look', contest_subscription_look(v_contest.phase, r.p_org, v_pleft, r.e_status, v_eleft, r.rank)));
      continue;
    end if;

    v_id := gen_random_uuid();
    v_sub := jsonb_build_object(
      'id', v_id, 'contestId', p_contest_id, 'pledgeId', r.v->>'pledgeId', 'entryId', r.v->>'entryId',
      'funderOrganisationId', v_org, 'kind', r.p_kind, 'amountFen', v_amount, 'createdBy', r.v->>'userId',
      'createdAt', v_at_text);
    -- What the funder is told is left: the pledge and the entry right after its own subscription.
    v_body := v_sub || jsonb_build_object(
      'pledgeRemainingFen', v_pleft - v_amount,
      'entrySubscribedFen', v_esub + v_amount,
      'entryRemainingFen', v_eleft - v_amount);
    v_alloc[r.pi] := v_alloc[r.pi] + v_amount;
    v_subd[r.ei] := v_subd[r.ei] + v_amount;
    a_id := array_append(a_id, v_id);
    a_pledge := array_append(a_pledge, r.p_id);
    a_entry := array_append(a_entry, r.e_id);
    a_entry_text := array_append(a_entry_text, r.v->>'entryId');
    a_org := array_append(a_org, v_org);
    a_kind := array_append(a_kind, r.p_kind);
    a_amount := array_append(a_amount, v_amount);
    a_user := array_append(a_user, (r.v->>'userId')::uuid);
    a_request := array_append(a_request, r.v->>'requestId');
    a_sub := array_append(a_sub, v_sub);
    a_body := array_append(a_body, v_body);
    a_key_user := array_append(a_key_user, case when r.v->>'key' is not null then (r.v->>'keyUserId')::uuid end);
    a_key := array_append(a_key, r.v->>'key');
    v_out := array_append(v_out, jsonb_build_object('decision', 'accepted', 'body', v_body));
  end loop;

  if cardinality(a_id) > 0 then
    insert into contest_subscriptions (id, contest_id, pledge_id, entry_id, funder_organisation_id, kind, amount_fen, created_by, created_at)
      select u.id, p_contest_id, u.pledge, u.entry, u.org, u.kind, u.amount, u.usr, v_at
      from unnest(a_id, a_pledge, a_entry, a_org, a_kind, a_amount, a_user) with ordinality as u(id, pledge, entry, org, kind, amount, usr, n)
      order by u.n;
    update contest_pledges p set allocated_fen = p.allocated_fen + t.amount
      from (select u.pledge, sum(u.amount) as amount from unnest(a_pledge, a_amount) as u(pledge, amount) group by u.pledge) t
      where p.id = t.pledge;
    update contest_entries e set subscribed_fen = e.subscribed_fen + t.amount
      from (select u.entry, sum(u.amount) as amount from unnest(a_entry, a_amount) as u(entry, amount) group by u.entry) t
      where e.id = t.entry;
    insert into audit_log (actor_id, action, object_type, object_id, after, request_id)
      select u.usr, 'subscribe', 'contest_entry', u.entry_text, u.sub, u.request
      from unnest(a_user, a_entry_text, a_sub, a_request) with ordinality as u(usr, entry_text, sub, request, n)
      order by u.n;
    -- The Idempotency-Key's answer commits with the subscription: a crash after the commit leaves the answer.
    update idempotency_keys k set status = 201, response = jsonb_build_object('status', 201, 'body', u.body)
      from unnest(a_key_user, a_key, a_body) as u(key_user, key, body)
      where u.key is not null and k.user_id = u.key_user and k.key = u.key;
  end if;
  return to_jsonb(v_out);
end
$fn$`;

// The isolating form: 20261202000300's function under another name, its answer built in an array (not by
// concatenation). Called by contest_subscribe with the locks held, after the whole batch failed to write.
const EACH = `
create or replace function contest_subscribe_each(p_contest_id uuid, p_requests jsonb) returns jsonb
language plpgsql as $fn$
declare
  uuid_re constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  v_contest contests%rowtype;
  v_at timestamptz := date_trunc('milliseconds', now());
  v_out jsonb[] := '{}';
  v_req jsonb;
  v_pledge contest_pledges%rowtype;
  v_entry contest_entries%rowtype;
  v_rank integer;
  v_amount bigint;
  v_org uuid;
  v_pleft bigint;
  v_eleft bigint;
  v_decision text;
  v_id uuid;
  v_sub jsonb;
  v_body jsonb;
  v_state text;
  v_message text;
begin
  select c.* into v_contest from contests c where c.id = p_contest_id;

  for v_req in select value from jsonb_array_elements(p_requests) loop
    v_amount := (v_req->>'amountFen')::bigint;
    v_org := (v_req->>'funderOrganisationId')::uuid;
    v_pledge := null;
    v_entry := null;
    v_rank := null;
    if v_req->>'pledgeId' ~ uuid_re then
      select p.* into v_pledge
        from contest_pledges p where p.id = (v_req->>'pledgeId')::uuid and p.contest_id = p_contest_id;
    end if;
    if v_req->>'entryId' ~ uuid_re then
      select e.* into v_entry
        from contest_entries e where e.id = (v_req->>'entryId')::uuid and e.contest_id = p_contest_id;
      if v_entry.id is not null and v_contest.final_ranking_id is not null then
        select r.rank into v_rank from contest_ranking_entries r where r.ranking_id = v_contest.final_ranking_id and r.entry_id = (v_req->>'entryId')::uuid;
      end if;
    end if;

    v_pleft := v_pledge.value_fen - v_pledge.allocated_fen;
    v_eleft := v_entry.amount_asked_fen - v_entry.subscribed_fen - v_entry.matching_fen;
    v_decision := contest_subscription_decision(v_contest.phase, v_pledge.funder_organisation_id, v_org, v_entry.status, v_rank, v_amount, v_pleft, v_eleft);
    if v_decision <> 'accepted' then
      v_out := array_append(v_out, jsonb_build_object('decision', v_decision, 'look', contest_subscription_look(v_contest.phase, v_pledge.funder_organisation_id, v_pleft, v_entry.status, v_eleft, v_rank)));
      continue;
    end if;

    begin
      v_id := gen_random_uuid();
      insert into contest_subscriptions (id, contest_id, pledge_id, entry_id, funder_organisation_id, kind, amount_fen, created_by, created_at)
        values (v_id, p_contest_id, (v_req->>'pledgeId')::uuid, (v_req->>'entryId')::uuid, v_org, v_pledge.kind, v_amount, (v_req->>'userId')::uuid, v_at);
      update contest_pledges set allocated_fen = allocated_fen + v_amount where id = (v_req->>'pledgeId')::uuid;
      update contest_entries set subscribed_fen = subscribed_fen + v_amount where id = (v_req->>'entryId')::uuid;
      v_sub := jsonb_build_object(
        'id', v_id, 'contestId', p_contest_id, 'pledgeId', v_req->>'pledgeId', 'entryId', v_req->>'entryId',
        'funderOrganisationId', v_org, 'kind', v_pledge.kind, 'amountFen', v_amount, 'createdBy', v_req->>'userId',
        'createdAt', to_char(v_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
      insert into audit_log (actor_id, action, object_type, object_id, after, request_id)
        values ((v_req->>'userId')::uuid, 'subscribe', 'contest_entry', v_req->>'entryId', v_sub, v_req->>'requestId');
      v_body := v_sub || jsonb_build_object(
        'pledgeRemainingFen', v_pleft - v_amount,
        'entrySubscribedFen', v_entry.subscribed_fen + v_amount,
        'entryRemainingFen', v_eleft - v_amount);
      if v_req->>'key' is not null then
        update idempotency_keys set status = 201, response = jsonb_build_object('status', 201, 'body', v_body)
          where user_id = (v_req->>'keyUserId')::uuid and key = v_req->>'key';
      end if;
      v_out := array_append(v_out, jsonb_build_object('decision', 'accepted', 'body', v_body));
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
      v_out := array_append(v_out, jsonb_build_object('decision', 'failed', 'sqlstate', v_state, 'message', v_message));
    end;
  end loop;
  return to_jsonb(v_out);
end
$fn$`;

const DESK = `
create or replace function contest_subscribe(p_contest_id uuid, p_requests jsonb) returns jsonb
language plpgsql as $fn$
declare
  uuid_re constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  v_state text;
begin
  perform 1 from contests c where c.id = p_contest_id for share;
  perform 1 from contest_pledges p
    where p.contest_id = p_contest_id
      and p.id in (select (x->>'pledgeId')::uuid from jsonb_array_elements(p_requests) x where x->>'pledgeId' ~ uuid_re)
    order by p.id for update;
  perform 1 from contest_entries e
    where e.contest_id = p_contest_id
      and e.id in (select (x->>'entryId')::uuid from jsonb_array_elements(p_requests) x where x->>'entryId' ~ uuid_re)
    order by e.id for update;

  -- The whole batch in one subtransaction; the locks above are the transaction's and outlive its rollback.
  begin
    return contest_subscribe_batch(p_contest_id, p_requests);
  exception when others then
    get stacked diagnostics v_state = returned_sqlstate;
    if v_state in ('40P01', '40001') then
      raise;
    end if;
  end;
  return contest_subscribe_each(p_contest_id, p_requests);
end
$fn$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(RULES);
  await knex.raw(BATCH);
  await knex.raw(EACH);
  await knex.raw(DESK);
}

export async function down(knex: Knex): Promise<void> {
  await createPerRequestDesk(knex);
  await knex.raw('DROP FUNCTION IF EXISTS contest_subscribe_each(uuid, jsonb)');
  await knex.raw('DROP FUNCTION IF EXISTS contest_subscribe_batch(uuid, jsonb)');
  await knex.raw('DROP FUNCTION IF EXISTS contest_subscription_look(text, uuid, bigint, text, bigint, integer)');
  await knex.raw('DROP FUNCTION IF EXISTS contest_subscription_decision(text, uuid, uuid, text, integer, bigint, bigint, bigint)');
}
