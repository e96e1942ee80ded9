import type { Knex } from 'knex';
import type { Message } from '../i18n/message';
import { computeColour, indicatorLagPct, plannedToDate, reasonTexts, spendingDeviationPct, type Colour, type ColourFacts, type SpendingPlanPoint } from '../workflows/rules/colour';
import type { ColourInput, WriteHandlers } from './project-event-types';
import { openEvaluationRound } from './evaluation';

// Monitoring: monthly reports, supervision visits, complaints, quarterly reviews, rectifications, and the
// four-colour grade they move.
export const monitoringWrites = {
  async monthlyReport(trx, ev, w) {
    await trx('monthly_reports').insert({ project_id: ev.projectId, period: w.period, summary: w.summary, indicator_progress: JSON.stringify(w.indicatorProgress), late: w.late, submitted_by: ev.actorId, submitted_at: new Date(ev.at) });
  },
  async supervisionVisit(trx, ev, w) {
    await trx('supervision_visits').insert({ id: w.visit.id, project_id: ev.projectId, supervisor_id: ev.actorId, visited_on: w.visit.visitedOn, scores: JSON.stringify(w.visit.scores), supervision_index: w.supervisionIndex, notes: w.visit.notes, created_at: new Date(ev.at) });
  },
  async complaint(trx, ev, w) {
    await trx('complaints').insert({ id: w.complaint.id, project_id: ev.projectId, received_on: w.complaint.receivedOn, description: w.complaint.description, recorded_by: ev.actorId, created_at: new Date(ev.at) });
  },
  async quarterlyReview(trx, ev, w) {
    await trx('quarterly_reviews').insert({ id: w.review.id, project_id: ev.projectId, quarter: w.review.quarter, held_on: w.review.heldOn, notes: w.review.notes, attendees: w.review.attendees, recorded_by: ev.actorId, created_at: new Date(ev.at) });
  },
  async rectificationOpen(trx, ev, w) {
    await trx('rectifications').insert({ id: w.id, project_id: ev.projectId, cause: w.cause, reason: w.reason, due_at: w.dueAt, status: 'open', created_at: new Date(ev.at) });
    // The failed final evaluation stays as it was; the evaluation after the rectification is the next round.
    if (w.reopenFinalEvaluation) await openEvaluationRound(trx, ev.projectId, 'final', null, new Date(ev.at));
  },
  async rectificationPlan(trx, _ev, w) {
    await trx('rectifications').where({ id: w.id }).update({
      plan: w.plan, status: 'planned',
      spending_plan: w.spendingPlan ? JSON.stringify(w.spendingPlan) : null, indicator_targets: w.indicatorTargets ? JSON.stringify(w.indicatorTargets) : null,
    });
  },
  async rectificationComplete(trx, ev, w) {
    await trx('rectifications').where({ id: w.id }).update({ status: 'completed', completed_at: new Date(ev.at) });
  },
} satisfies WriteHandlers;

export interface ColourResult {
  colour: Colour;
  reasons: string[];
  /** The reasons as catalogue messages (colour_changes.reasons keeps these; rows written before keep English texts). */
  messages?: Message[];
  changed: boolean;
  /** The facts graded (absent in results recorded before rectifications answered facts). */
  facts?: ColourFacts;
}

/**
 * Recomputes the four-colour grade from every fact: overdue reports and complaints (from the workflow),
 * spending against plan and indicator progress against elapsed time (from the records). Keyed: a repeat
 * answers what the first computed.
 */
export async function recolour(trx: Knex.Transaction, projectId: string, at: string, input: ColourInput): Promise<ColourResult> {
  // One round trip: a prior result under this key, the project's colour (locked) and every recorded fact.
  const row = await readColourFacts(trx, projectId, input.key);
  if (!row) throw new Error(`recolour: no project ${projectId}`);
  const prior = row.prior;
  if (prior) {
    const stored = prior.reasons as (string | Message)[];
    const messages = stored.every((r) => typeof r === 'object') ? (stored as Message[]) : undefined;
    return { colour: prior.to_colour as Colour, reasons: messages ? reasonTexts(messages) : (stored as string[]), ...(messages ? { messages } : {}), changed: true, facts: prior.facts as ColourFacts };
  }
  const facts = colourFacts(row, new Date(at));
  const known = { overdueReports: input.overdueReports, complaints: input.complaints, supervisionIndex: input.supervisionIndex };
  const result = computeColour(input.colourRules, { ...facts, ...known });
  const changed = result.colour !== row.colour;
  if (changed) {
    // The change and the read model's colour in one statement.
    await trx.raw(
      `with c as (
         insert into colour_changes (project_id, event_key, from_colour, to_colour, reasons, facts, at) values (?, ?, ?, ?, ?, ?, ?)
       )
       update projects set colour = ? where id = ?`,
      [projectId, input.key, row.colour, result.colour, JSON.stringify(result.messages ?? result.reasons), JSON.stringify({ ...facts, ...known }), at, result.colour, projectId],
    );
  }
  return { ...result, changed, facts: { ...facts, ...known } };
}

interface ColourFactRow {
  colour: Colour;
  prior: { to_colour: string; reasons: unknown; facts: unknown } | null;
  amount_fen: string | null;
  start_date: Date | string | null;
  end_date: Date | string | null;
  spent: string | null;
  spending_plan: SpendingPlanPoint[] | null;
  proposal: { objectives?: { indicators: { name: string; target: number }[] }[] } | null;
  indicator_targets: { name: string; target: number }[] | null;
  has_report: boolean;
  indicator_progress: { name: string; achieved: number }[] | null;
}

/** The project's colour (locked for the change) with every fact the grade reads, in one query. */
async function readColourFacts(trx: Knex.Transaction, projectId: string, key: string): Promise<ColourFactRow | undefined> {
  const { rows } = await trx.raw<{ rows: ColourFactRow[] }>(
    `select p.colour,
       (select json_build_object('to_colour', c.to_colour, 'reasons', c.reasons, 'facts', c.facts) from colour_changes c where c.event_key = ? limit 1) as prior,
       a.amount_fen, a.start_date, a.end_date,
       (select sum(s.amount_fen) from spending_entries s where s.project_id = p.id) as spent,
       (select r.spending_plan from rectifications r where r.project_id = p.id and r.status = 'completed' and r.spending_plan is not null order by r.completed_at desc limit 1) as spending_plan,
       (select v.proposal from design_versions v where v.project_id = p.id order by v.version desc limit 1) as proposal,
       (select r.indicator_targets from rectifications r where r.project_id = p.id and r.status = 'completed' and r.indicator_targets is not null order by r.completed_at desc limit 1) as indicator_targets,
       m.project_id is not null as has_report, m.indicator_progress
     from projects p
     left join agreements a on a.project_id = p.id
     left join lateral (select project_id, indicator_progress from monthly_reports where project_id = p.id order by period desc limit 1) m on true
     where p.id = ?
     for update of p`,
    [key, projectId],
  );
  return rows[0];
}

/**
 * Spending against the plan to date and indicator progress against elapsed time. The plan spreads the budget evenly
 * over the agreement, and the targets are the proposal's, unless an accepted (completed) rectification re-planned them.
 */
function colourFacts(row: ColourFactRow, at: Date): { spendingDeviationPct: number; indicatorLagPct: number } {
  if (row.amount_fen === null || row.start_date === null || row.end_date === null) return { spendingDeviationPct: 0, indicatorLagPct: 0 };
  const start = new Date(row.start_date).getTime();
  const end = new Date(row.end_date).getTime() + 86_400_000;
  const elapsed = Math.min(1, Math.max(0, (at.getTime() - start) / (end - start)));
  const day = (d: Date | string) => new Date(d).toISOString().slice(0, 10);
  const planned = plannedToDate({ startDate: day(row.start_date), endDate: day(row.end_date), amountFen: Number(row.amount_fen) }, at.getTime(), row.spending_plan ?? []);
  const targets = new Map<string, number>();
  for (const o of row.proposal?.objectives ?? []) {
    for (const i of o.indicators) targets.set(i.name, i.target);
  }
  for (const t of row.indicator_targets ?? []) if (targets.has(t.name)) targets.set(t.name, t.target);
  const progress = row.indicator_progress ?? [];
  const shares = [...targets].map(([name, target]) => Math.min(1, (progress.find((p) => p.name === name)?.achieved ?? 0) / target));
  const achieved = shares.length ? shares.reduce((s, x) => s + x, 0) / shares.length : 1;
  // Too early to judge progress before a report is due: no lag until the first report exists.
  return {
    spendingDeviationPct: spendingDeviationPct(Number(row.spent ?? 0), planned, Number(row.amount_fen)),
    indicatorLagPct: row.has_report ? indicatorLagPct(elapsed, achieved) : 0,
  };
}
