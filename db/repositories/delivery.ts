import type { Knex } from 'knex';
import type { AgreementTerms } from '../../workflows/messages';

type Db = Knex | Knex.Transaction;

// Delivery (项目实施): the signed agreement, milestones, service records with the volunteers' hours, and spending.

export interface AgreementRow {
  project_id: string;
  amount_fen: string;
  tranches: AgreementTerms['tranches'];
  start_date: Date;
  end_date: Date;
  funding_sources: AgreementTerms['fundingSources'];
  signed_at: Date;
}

export interface MilestoneRow {
  seq: number;
  name: string;
  due: Date;
  done_at: Date | null;
  note: string | null;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export function agreementOf(db: Db, projectId: string): Promise<AgreementRow | undefined> {
  return db('agreements').where({ project_id: projectId }).first();
}

export function milestonesOf(db: Db, projectId: string): Promise<MilestoneRow[]> {
  return db('milestones').where({ project_id: projectId }).orderBy('seq');
}

export async function milestoneExists(db: Db, projectId: string, seq: number): Promise<boolean> {
  return Boolean(await db('milestones').where({ project_id: projectId, seq }).first('seq'));
}

export async function serviceTotals(db: Db, projectId: string): Promise<{ records: number; people: number; hours: number }> {
  return db('service_records')
    .where({ project_id: projectId })
    .first(db.raw('count(*)::int as records, coalesce(sum(people_served),0)::int as people, coalesce(sum(volunteer_hours),0)::float as hours'));
}

export async function spendingByBudgetItem(db: Db, projectId: string): Promise<{ budgetItem: string; amountFen: number }[]> {
  const rows: { budget_item: string; total: string }[] = await db('spending_entries').where({ project_id: projectId }).groupBy('budget_item').orderBy('budget_item').select('budget_item', db.raw('sum(amount_fen)::bigint as total'));
  return rows.map((s) => ({ budgetItem: s.budget_item, amountFen: Number(s.total) }));
}

/** The budget lines of the latest submitted proposal: what spending is recorded against. */
export async function budgetItems(db: Db, projectId: string): Promise<string[]> {
  const version = await db('design_versions').where({ project_id: projectId }).orderBy('version', 'desc').first('proposal');
  return ((version?.proposal?.budgetLines ?? []) as { item: string }[]).map((b) => b.item);
}

export async function knownVolunteerIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  return new Set((await db('volunteers').whereIn('id', ids).select('id')).map((v: { id: string }) => v.id));
}

/** Each volunteer's hours over every service record of one day, leaving out one record (the one being retried). */
export async function hoursOnDay(db: Db, heldOn: string, volunteerIds: string[], exceptRecordId: string | null): Promise<Map<string, number>> {
  if (!volunteerIds.length) return new Map();
  const q = db('time_bank_entries as t')
    .join('service_records as s', 's.id', 't.service_record_id')
    .where('s.held_on', heldOn)
    .whereIn('t.volunteer_id', volunteerIds)
    .groupBy('t.volunteer_id')
    .select('t.volunteer_id', db.raw('sum(t.hours)::float as hours'));
  if (exceptRecordId) q.whereNot('s.id', exceptRecordId);
  const rows: { volunteer_id: string; hours: number }[] = await q;
  return new Map(rows.map((r) => [r.volunteer_id, r.hours]));
}

export function toAgreement(a: AgreementRow) {
  return {
    amountFen: Number(a.amount_fen),
    startDate: day(a.start_date),
    endDate: day(a.end_date),
    tranches: a.tranches,
    fundingSources: a.funding_sources,
    signedAt: a.signed_at.toISOString(),
  };
}

export function toMilestone(m: MilestoneRow) {
  return { seq: m.seq, name: m.name, due: day(m.due), doneAt: m.done_at?.toISOString() ?? null, note: m.note };
}

// ---- volunteers' shifts: a service record's natural key ----------------------------------------------------------

/** Another record's shift a new one runs into: whose, and which record. */
export interface ShiftClash {
  volunteerId: string;
  serviceRecordId: string;
}

/** Records of this project already holding the same shift (volunteer, date, start time; an untimed one its day). */
export async function sameShifts(db: Db, projectId: string, heldOn: string, startTime: string | null, volunteerIds: string[], exceptRecordId: string): Promise<ShiftClash[]> {
  if (!volunteerIds.length) return [];
  const q = db('volunteer_shifts').where({ project_id: projectId, held_on: heldOn }).whereIn('volunteer_id', volunteerIds).whereNot('service_record_id', exceptRecordId);
  if (startTime === null) q.whereNull('start_time');
  else q.where('start_time', startTime);
  const rows: { volunteer_id: string; service_record_id: string }[] = await q.orderBy('volunteer_id').select('volunteer_id', 'service_record_id');
  return rows.map((r) => ({ volunteerId: r.volunteer_id, serviceRecordId: r.service_record_id }));
}

/** Timed shifts of the same volunteers, on any project, that the new shift (from its start, their hours) overlaps. */
export async function overlappingShifts(db: Db, heldOn: string, startTime: string, volunteers: { volunteerId: string; hours: number }[], exceptRecordId: string): Promise<ShiftClash[]> {
  const clashes: ShiftClash[] = [];
  for (const v of volunteers) {
    const row: { service_record_id: string } | undefined = await db('volunteer_shifts')
      .where('volunteer_id', v.volunteerId)
      .whereNot('service_record_id', exceptRecordId)
      .whereRaw(`shift && tsrange(?::date + ?::time, ?::date + ?::time + ?::float8 * interval '1 hour')`, [heldOn, startTime, heldOn, startTime, v.hours])
      .orderBy('held_on')
      .first('service_record_id');
    if (row) clashes.push({ volunteerId: v.volunteerId, serviceRecordId: row.service_record_id });
  }
  return clashes;
}

export async function insertShifts(
  trx: Knex.Transaction,
  r: { serviceRecordId: string; projectId: string; heldOn: string; startTime: string | null; volunteers: { volunteerId: string; hours: number }[] },
): Promise<void> {
  if (!r.volunteers.length) return;
  await trx('volunteer_shifts').insert(
    r.volunteers.map((v) => ({ service_record_id: r.serviceRecordId, volunteer_id: v.volunteerId, project_id: r.projectId, held_on: r.heldOn, start_time: r.startTime, hours: v.hours })),
  );
}
