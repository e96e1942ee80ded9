import type { Knex } from 'knex';

// The funding desk as one database function: a batch of subscriptions to one contest decided in one call with bound
// parameters, so the locks are taken and released inside the server in one round trip, and the lock order lives
// here only: the contest FOR SHARE (phase moves take it FOR NO KEY UPDATE), then the batch's pledges, then its
// entries, each FOR UPDATE in id order. Batches of several API processes queue and never deadlock.
//
// Each request is decided in arrival order against the totals the requests before it left, by the same rules as
// `checkSubscription` (api/funding/desk.ts), which stays the reference: a property test holds the two together.
// Each accepted request is written in a subtransaction of its own (the subscription, both running totals, the audit
// row and, when the caller sent an Idempotency-Key, the key's answer), so a request that cannot be written fails
// alone and the rest of the batch stands. A malformed id decides as an unknown object; it never reaches a cast.
//
// p_requests: [{pledgeId, entryId, amountFen, funderOrganisationId, userId, requestId, keyUserId?, key?}, ...]
// returns, in request order: {decision: 'accepted', body} | {decision: <refusal>, look} | {decision: 'failed', sqlstate, message}
const CREATE = `
create or replace function contest_subscribe(p_contest_id uuid, p_requests jsonb) returns jsonb
language plpgsql as $fn$
declare
  uuid_re constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  v_contest contests%rowtype;
  v_at timestamptz := date_trunc('milliseconds', now());
  v_out jsonb := '[]'::jsonb;
  v_req jsonb;
  v_pledge contest_pledges%rowtype;
  v_entry contest_entries%rowtype;
  v_rank integer;
  v_amount bigint;
  v_org uuid;
  v_look jsonb;
  v_decision text;
  v_id uuid;
  v_sub jsonb;
  v_body jsonb;
  v_state text;
  v_message text;
begin
  select c.* into v_contest from contests c where c.id = p_contest_id for share;

  perform 1 from contest_pledges p
    where p.contest_id = p_contest_id
      and p.id in (select (x->>'pledgeId')::uuid from jsonb_array_elements(p_requests) x where x->>'pledgeId' ~ uuid_re)
    order by p.id for update;
  perform 1 from contest_entries e
    where e.contest_id = p_contest_id
      and e.id in (select (x->>'entryId')::uuid from jsonb_array_elements(p_requests) x where x->>'entryId' ~ uuid_re)
    order by e.id for update;

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

    -- The order of checkSubscription: contest, phase, pledge, entry, ranking, then the amounts.
    v_decision := case
      when v_contest.phase is null or v_contest.phase = 'draft' then 'contest-not-found'
      when v_contest.phase <> 'funding' then 'phase'
      when v_pledge.funder_organisation_id is distinct from v_org then 'pledge-not-found'
      when v_entry.status is null then 'entry-not-found'
      when v_entry.status <> 'entered' or v_rank is null then 'entry-ranked'
      when v_amount > v_pledge.value_fen - v_pledge.allocated_fen then 'pledge-remaining'
      when v_amount > v_entry.amount_asked_fen - v_entry.subscribed_fen - v_entry.matching_fen then 'entry-need'
      else 'accepted'
    end;

    if v_decision <> 'accepted' then
      v_look := case when v_contest.phase is null then null else jsonb_build_object(
        'phase', v_contest.phase,
        'funderOrganisationId', v_pledge.funder_organisation_id,
        'pledgeLeftFen', v_pledge.value_fen - v_pledge.allocated_fen,
        'entryStatus', v_entry.status,
        'entryLeftFen', v_entry.amount_asked_fen - v_entry.subscribed_fen - v_entry.matching_fen,
        'rank', v_rank) end;
      v_out := v_out || jsonb_build_array(jsonb_build_object('decision', v_decision, 'look', v_look));
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
      -- What the funder is told is left: the pledge and the entry right after its own subscription.
      v_body := v_sub || jsonb_build_object(
        'pledgeRemainingFen', v_pledge.value_fen - v_pledge.allocated_fen - v_amount,
        'entrySubscribedFen', v_entry.subscribed_fen + v_amount,
        'entryRemainingFen', v_entry.amount_asked_fen - v_entry.subscribed_fen - v_amount - v_entry.matching_fen);
      -- The Idempotency-Key's answer commits with the subscription: a crash after the commit leaves the answer.
      if v_req->>'key' is not null then
        update idempotency_keys set status = 201, response = jsonb_build_object('status', 201, 'body', v_body)
          where user_id = (v_req->>'keyUserId')::uuid and key = v_req->>'key';
      end if;
      v_out := v_out || jsonb_build_array(jsonb_build_object('decision', 'accepted', 'body', v_body));
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
      v_out := v_out || jsonb_build_array(jsonb_build_object('decision', 'failed', 'sqlstate', v_state, 'message', v_message));
    end;
  end loop;
  return v_out;
end
$fn$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(CREATE);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS contest_subscribe(uuid, jsonb)');
}
