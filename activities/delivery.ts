import type { Knex } from 'knex';
import { insertShifts, overlappingShifts, sameShifts } from '../db/repositories/delivery';
import { businessRule, conflict } from '../workflows/refusals';
import { shiftOverlap, shiftTakenMessage } from '../workflows/rules/shifts';
import { violation } from '../workflows/rules/violations';
import type { ServiceRecordInput } from '../workflows/messages';
import type { WriteHandlers } from './project-event-types';

/** Time-bank points per volunteer hour (积分): ten a hour, so tenths of an hour count. */
export const POINTS_PER_HOUR = 10;

// Delivery: the signed agreement with its milestones, service records with the time bank, spending, milestones done.
export const deliveryWrites = {
  async agreement(trx, ev, w) {
    const t = w.terms;
    await trx('agreements').insert({
      project_id: ev.projectId, amount_fen: t.amountFen, tranches: JSON.stringify(t.tranches), start_date: t.startDate, end_date: t.endDate,
      funding_sources: JSON.stringify(t.fundingSources), signed_by: ev.actorId, signed_at: new Date(ev.at),
    });
    const version = await trx('design_versions').where({ project_id: ev.projectId }).orderBy('version', 'desc').first('proposal');
    const milestones = ((version?.proposal as { milestones?: { name: string; due: string }[] })?.milestones ?? []).map((ms, i) => ({ project_id: ev.projectId, seq: i + 1, name: ms.name, due: ms.due }));
    if (milestones.length) await trx('milestones').insert(milestones);
  },
  async serviceRecord(trx, ev, w) {
    const r = w.record;
    const at = new Date(ev.at);
    const hours = r.volunteers.reduce((s, v) => s + v.hours, 0);
    await trx('service_records').insert({
      id: r.id, project_id: ev.projectId, activity: r.activity, held_on: r.heldOn, start_time: r.startTime ?? null, place: r.place, people_served: r.peopleServed, volunteer_hours: hours,
      recorded_by: ev.actorId, created_at: at,
    });
    if (r.volunteers.length) {
      await checkDailyHours(trx, r);
      await checkShifts(trx, ev.projectId, r);
      await insertShifts(trx, { serviceRecordId: r.id, projectId: ev.projectId, heldOn: r.heldOn, startTime: r.startTime ?? null, volunteers: r.volunteers });
      await trx('time_bank_entries').insert(r.volunteers.map((v) => ({ volunteer_id: v.volunteerId, service_record_id: r.id, hours: v.hours, points: Math.round(v.hours * POINTS_PER_HOUR), created_at: at })));
    }
  },
  async spending(trx, ev, w) {
    await trx('spending_entries').insert({ id: w.entry.id, project_id: ev.projectId, budget_item: w.entry.budgetItem, amount_fen: w.entry.amountFen, spent_on: w.entry.spentOn, note: w.entry.note, recorded_by: ev.actorId, created_at: new Date(ev.at) });
  },
  async milestoneDone(trx, ev, w) {
    await trx('milestones').where({ project_id: ev.projectId, seq: w.seq }).update({ done_at: new Date(ev.at), note: w.note });
  },
} satisfies WriteHandlers;

/**
 * The API refuses more than 24 hours a day for a volunteer before it asks the workflow; this repeats the
 * check under a lock on the volunteers, so two records racing for the same day cannot both pass.
 */
async function checkDailyHours(trx: Knex.Transaction, r: ServiceRecordInput): Promise<void> {
  const ids = r.volunteers.map((v) => v.volunteerId);
  await trx('volunteers').whereIn('id', ids).orderBy('id').forUpdate().select('id');
  const sameDay = await trx('time_bank_entries as t')
    .join('service_records as s', 's.id', 't.service_record_id')
    .where('s.held_on', r.heldOn)
    .whereIn('t.volunteer_id', ids)
    .groupBy('t.volunteer_id')
    .select('t.volunteer_id', trx.raw('sum(t.hours)::float as hours'));
  const errors = r.volunteers.flatMap((v, i) => {
    const total = (sameDay.find((d) => d.volunteer_id === v.volunteerId)?.hours ?? 0) + v.hours;
    return total > 24 ? [violation(`/body/volunteers/${i}/hours`, 'hours-per-day', 'rule.delivery.hours-per-day', { total, heldOn: r.heldOn })] : [];
  });
  if (errors.length) throw businessRule(errors);
}

/**
 * The record's natural key and the volunteers' other shifts, checked under the same volunteer locks: the same shift
 * recorded twice is a conflict naming the first record; a timed shift overlapping another of the volunteer's (on any
 * project) breaks a rule naming the other. The table's unique index and exclusion constraint hold it in any case.
 */
async function checkShifts(trx: Knex.Transaction, projectId: string, r: ServiceRecordInput): Promise<void> {
  const startTime = r.startTime ?? null;
  const [same] = await sameShifts(trx, projectId, r.heldOn, startTime, r.volunteers.map((v) => v.volunteerId), r.id);
  if (same) throw conflict(shiftTakenMessage(same, r.heldOn, startTime));
  if (startTime === null) return;
  const overlaps = await overlappingShifts(trx, r.heldOn, startTime, r.volunteers, r.id);
  if (overlaps.length) throw businessRule(overlaps.map((o) => shiftOverlap(o, r)));
}
