export interface AssignableEntry {
  entryId: string;
  /** The applicant organisation running the entry. */
  organisationId: string;
}

export interface AssignableJudge {
  judgeId: string;
  /** Organisations the judge belongs to. */
  organisationIds: string[];
  /** Organisations the judge declared a conflict of interest with. */
  conflictOrganisationIds: string[];
}

export interface Assignment {
  entryId: string;
  judgeId: string;
}

export interface UncoverableEntry {
  entryId: string;
  eligibleJudges: number;
}

export type AssignmentResult = { assignments: Assignment[] } | { uncoverable: UncoverableEntry[] };

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A judge may never score an entry of an organisation they belong to or declared a conflict with. */
export function isEligible(judge: AssignableJudge, entry: AssignableEntry): boolean {
  return !judge.organisationIds.includes(entry.organisationId) && !judge.conflictOrganisationIds.includes(entry.organisationId);
}

/** Picks `count` judges with the lowest load, ties by judgeId, so the choice is reproducible. */
function pickLeastLoaded(candidates: AssignableJudge[], load: Map<string, number>, count: number): AssignableJudge[] {
  return [...candidates]
    .sort((a, b) => (load.get(a.judgeId) ?? 0) - (load.get(b.judgeId) ?? 0) || cmp(a.judgeId, b.judgeId))
    .slice(0, count);
}

function assertUnique(ids: string[], what: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new RangeError(`${what} "${id}" appears twice.`);
    seen.add(id);
  }
}

/**
 * Assigns exactly `judgesPerEntry` distinct eligible judges to every entry, balancing load greedily:
 * entries with the fewest eligible judges go first (they have the least room to manoeuvre), and each takes the
 * least-loaded eligible judges. `existingLoad` counts work judges already have (e.g. other rounds).
 * All or nothing: if any entry cannot be covered, every such entry is reported and nothing is assigned.
 * Assignments come back sorted by entryId, then judgeId.
 */
export function assignJudges(
  entries: AssignableEntry[],
  judges: AssignableJudge[],
  judgesPerEntry: number,
  existingLoad: Record<string, number> = {},
): AssignmentResult {
  if (!Number.isInteger(judgesPerEntry) || judgesPerEntry < 1) {
    throw new RangeError(`judgesPerEntry must be a whole number of at least 1, got ${judgesPerEntry}.`);
  }
  assertUnique(entries.map((e) => e.entryId), 'Entry');
  assertUnique(judges.map((j) => j.judgeId), 'Judge');

  const withEligible = entries
    .map((entry) => ({ entry, eligible: judges.filter((j) => isEligible(j, entry)) }))
    .sort((a, b) => a.eligible.length - b.eligible.length || cmp(a.entry.entryId, b.entry.entryId));

  const uncoverable = withEligible
    .filter((x) => x.eligible.length < judgesPerEntry)
    .map((x) => ({ entryId: x.entry.entryId, eligibleJudges: x.eligible.length }))
    .sort((a, b) => cmp(a.entryId, b.entryId));
  if (uncoverable.length > 0) return { uncoverable };

  const load = new Map(judges.map((j) => [j.judgeId, existingLoad[j.judgeId] ?? 0]));
  const assignments: Assignment[] = [];
  for (const { entry, eligible } of withEligible) {
    for (const judge of pickLeastLoaded(eligible, load, judgesPerEntry)) {
      load.set(judge.judgeId, (load.get(judge.judgeId) ?? 0) + 1);
      assignments.push({ entryId: entry.entryId, judgeId: judge.judgeId });
    }
  }
  assignments.sort((a, b) => cmp(a.entryId, b.entryId) || cmp(a.judgeId, b.judgeId));
  return { assignments };
}

/**
 * Replacement for `leavingJudgeId` on `entry` (withdrawn, late conflict, unavailable): the least-loaded eligible
 * judge not already on the entry, ties by judgeId. Load is `existingLoad` plus each judge's count in `assignments`
 * (the round's current assignments). Returns null when no judge qualifies.
 */
export function reassignJudge(
  entry: AssignableEntry,
  leavingJudgeId: string,
  judges: AssignableJudge[],
  assignments: Assignment[],
  existingLoad: Record<string, number> = {},
): Assignment | null {
  const load = new Map(judges.map((j) => [j.judgeId, existingLoad[j.judgeId] ?? 0]));
  const onEntry = new Set([leavingJudgeId]);
  for (const a of assignments) {
    load.set(a.judgeId, (load.get(a.judgeId) ?? 0) + 1);
    if (a.entryId === entry.entryId) onEntry.add(a.judgeId);
  }
  const candidates = judges.filter((j) => !onEntry.has(j.judgeId) && isEligible(j, entry));
  const [pick] = pickLeastLoaded(candidates, load, 1);
  return pick ? { entryId: entry.entryId, judgeId: pick.judgeId } : null;
}
