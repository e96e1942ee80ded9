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
  const prior = await trx('colour_changes').where({ event_key: input.key }).first();
  if (prior) {
    const stored = prior.reasons as (string | Message)[];
    const messages = stored.every((r) => typeof r === 'object') ? (stored as Message[]) : undefined;
    return { colour: prior.to_colour as Colour, reasons: messages ? reasonTexts(messages) : (stored as string[]), ...(messages ? { messages } : {}), changed: true, facts: prior.facts as ColourFacts };
  }
  const project = await trx('projects').where({ id: projectId }).forUpdate().first('colour');
  const facts = await colourFacts(trx, projectId, new Date(at));
  const known = { overdueReports: input.overdueReports, complaints: input.complaints, supervisionIndex: input.supervisionIndex };
  const result = computeColour(input.colourRules, { ...facts, ...known });
  const changed = result.colour !== project.colour;
  if (changed) {
    await trx('colour_changes').insert({
      project_id: projectId, event_key: input.key, from_colour: project.colour, to_colour: result.colour,
      reasons: JSON.stringify(result.messages ?? result.reasons), facts: JSON.stringify({ ...facts, ...known }), at,
    });
    await trx('projects').where({ id: projectId }).update({ colour: result.colour });
  }
  return { ...result, changed, facts: { ...facts, ...known } };
}

/**
 * Spending against the plan to date and indicator progress against elapsed time. The plan spreads the budget evenly
 * over the agreement, and the targets are the proposal's, unless an accepted (completed) rectification re-planned them.
 */
async function colourFacts(trx: Knex.Transaction, projectId: string, at: Date): Promise<{ spendingDeviationPct: number; indicatorLagPct: number }> {
  const agreement = await trx('agreements').where({ project_id: projectId }).first('amount_fen', 'start_date', 'end_date');
  if (!agreement) return { spendingDeviationPct: 0, indicatorLagPct: 0 };
  const start = new Date(agreement.start_date).getTime();
  const end = new Date(agreement.end_date).getTime() + 86_400_000;
  const elapsed = Math.min(1, Math.max(0, (at.getTime() - start) / (end - start)));
  const spent = await trx('spending_entries').where({ project_id: projectId }).sum({ total: 'amount_fen' }).first();
  const replanned = await trx('rectifications').where({ project_id: projectId, status: 'completed' }).whereNotNull('spending_plan').orderBy('completed_at', 'desc').first('spending_plan');
  const day = (d: Date | string) => new Date(d).toISOString().slice(0, 10);
  const planned = plannedToDate({ startDate: day(agreement.start_date), endDate: day(agreement.end_date), amountFen: Number(agreement.amount_fen) }, at.getTime(), (replanned?.spending_plan as SpendingPlanPoint[] | undefined) ?? []);
  const version = await trx('design_versions').where({ project_id: projectId }).orderBy('version', 'desc').first('proposal');
  const targets = new Map<string, number>();
  for (const o of (version?.proposal as { objectives?: { indicators: { name: string; target: number }[] }[] })?.objectives ?? []) {
    for (const i of o.indicators) targets.set(i.name, i.target);
  }
  const retargeted = await trx('rectifications').where({ project_id: projectId, status: 'completed' }).whereNotNull('indicator_targets').orderBy('completed_at', 'desc').first('indicator_targets');
  for (const t of (retargeted?.indicator_targets as { name: string; target: number }[] | undefined) ?? []) if (targets.has(t.name)) targets.set(t.name, t.target);
  const latest = await trx('monthly_reports').where({ project_id: projectId }).orderBy('period', 'desc').first('indicator_progress');
  const progress = (latest?.indicator_progress as { name: string; achieved: number }[] | undefined) ?? [];
  const shares = [...targets].map(([name, target]) => Math.min(1, (progress.find((p) => p.name === name)?.achieved ?? 0) / target));
  const achieved = shares.length ? shares.reduce((s, x) => s + x, 0) / shares.length : 1;
  // Too early to judge progress before a report is due: no lag until the first report exists.
  return {
    spendingDeviationPct: spendingDeviationPct(Number(spent?.total ?? 0), planned, Number(agreement.amount_fen)),
    indicatorLagPct: latest ? indicatorLagPct(elapsed, achieved) : 0,
  };
}
