import type { Knex } from 'knex';
import { msg, type Message } from '../../i18n/message';
import { supervisorAssignmentKey, titleColumns } from './tasks';
import type { Colour } from '../../workflows/rules/colour';

type Db = Knex | Knex.Transaction;

// Monitoring (项目监测): monthly reports, supervision visits, complaints, quarterly reviews, rectifications and the
// colour changes they caused; and the supervisor assigned to a project.

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Everything monitoring recorded about one project, oldest first. A colour change's reasons are catalogue messages (texts in rows written before). */
export async function monitoringRecord(db: Db, projectId: string) {
  const id = projectId;
  const [reports, visits, complaints, quarterly, rectifications, colours] = await Promise.all([
    db('monthly_reports').where({ project_id: id }).orderBy('period'),
    db('supervision_visits').where({ project_id: id }).orderBy('visited_on'),
    db('complaints').where({ project_id: id }).orderBy('received_on'),
    db('quarterly_reviews').where({ project_id: id }).orderBy('held_on'),
    db('rectifications').where({ project_id: id }).orderBy('created_at'),
    db('colour_changes').where({ project_id: id }).orderBy('id'),
  ]);
  return {
    reports: reports.map((r) => ({ period: r.period as number, summary: r.summary as string, indicatorProgress: r.indicator_progress as { name: string; achieved: number }[], late: r.late as boolean, submittedAt: (r.submitted_at as Date).toISOString() })),
    supervisionVisits: visits.map((v) => ({ id: v.id as string, supervisorId: v.supervisor_id as string | null, visitedOn: day(v.visited_on), scores: v.scores as Record<string, number>, supervisionIndex: Number(v.supervision_index), notes: v.notes as string | null })),
    complaints: complaints.map((c) => ({ id: c.id as string, receivedOn: day(c.received_on), description: c.description as string })),
    quarterlyReviews: quarterly.map((q) => ({ id: q.id as string, quarter: q.quarter as string, heldOn: day(q.held_on), notes: q.notes as string, attendees: q.attendees as string[] })),
    rectifications: rectifications.map((r) => ({
      id: r.id as string, cause: r.cause as string, reason: r.reason as string, plan: r.plan as string | null, dueAt: (r.due_at as Date).toISOString(), status: r.status as string,
      completedAt: (r.completed_at as Date | null)?.toISOString() ?? null,
    })),
    colourChanges: colours.map((c) => ({ from: c.from_colour as Colour, to: c.to_colour as Colour, reasons: c.reasons as (Message | string)[], facts: c.facts as Record<string, unknown>, at: (c.at as Date).toISOString() })),
  };
}

/** The quarterly review a project recorded for a quarter, if any. */
export function quarterlyReviewOf(db: Db, projectId: string, quarter: string): Promise<{ id: string } | undefined> {
  return db('quarterly_reviews').where({ project_id: projectId, quarter }).first('id');
}

/**
 * Names the project's supervisor and puts the visits in their inbox (keyed: assigning the same person twice opens one
 * task). A supervisor replaced by another no longer has the project in their inbox: their open task closes.
 */
export async function assignSupervisor(trx: Knex.Transaction, projectId: string, supervisorId: string): Promise<void> {
  await trx('projects').where({ id: projectId }).update({ supervisor_id: supervisorId });
  await trx('tasks')
    .where({ project_id: projectId, kind: 'supervise', status: 'open' })
    .whereNot({ user_id: supervisorId })
    .update({ status: 'done', completed_at: trx.fn.now() });
  await trx('tasks').where({ key: supervisorAssignmentKey(projectId), status: 'open' }).update({ status: 'done', completed_at: trx.fn.now() });
  await trx('tasks')
    .insert({ key: `${projectId}:supervise:${supervisorId}`, user_id: supervisorId, project_id: projectId, kind: 'supervise', ...titleColumns(msg('task.supervise')), status: 'open' })
    .onConflict('key')
    .ignore();
}

/** The indicator names of the latest submitted proposal: what a rectification plan may set new targets for. */
export async function proposalIndicatorNames(db: Db, projectId: string): Promise<string[]> {
  const version = await db('design_versions').where({ project_id: projectId }).orderBy('version', 'desc').first('proposal');
  const objectives = ((version?.proposal as { objectives?: { indicators: { name: string }[] }[] } | undefined)?.objectives ?? []);
  return objectives.flatMap((o) => o.indicators.map((i) => i.name));
}
