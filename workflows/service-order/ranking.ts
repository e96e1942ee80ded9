// Dispatch candidates, ranked: skill match, same community first, declared availability, current load.
// A pure function, so the rule is tested without a database and reads the same everywhere.

export interface Candidate {
  id: string;
  skills: string[];
  communityIds: string[];
  availability: { weekday: number; from: string; to: string }[];
  openOrders: number;
}

export interface RankedCandidate {
  id: string;
  skillMatch: number; // share of the needed skills the candidate has, 0-1
  sameCommunity: boolean;
  available: boolean;
  openOrders: number;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** Weekday (1 = Monday) and minutes after midnight of an instant, in Asia/Shanghai wall time. */
function wallTime(iso: string): { weekday: number; minutes: number } {
  const t = new Date(Date.parse(iso) + SHANGHAI_OFFSET_MS);
  return { weekday: ((t.getUTCDay() + 6) % 7) + 1, minutes: t.getUTCHours() * 60 + t.getUTCMinutes() };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when a declared weekly slot covers the start of the resident's window. */
export function availableAt(slots: Candidate['availability'], windowFrom: string): boolean {
  const { weekday, minutes } = wallTime(windowFrom);
  return slots.some((s) => s.weekday === weekday && minutesOf(s.from) <= minutes && minutes < minutesOf(s.to));
}

export function rankCandidates(candidates: Candidate[], need: { skills: string[]; communityId: string; windowFrom: string }): RankedCandidate[] {
  const needed = new Set(need.skills);
  const ranked = candidates.map((c) => ({
    id: c.id,
    skillMatch: needed.size === 0 ? 1 : c.skills.filter((s) => needed.has(s)).length / needed.size,
    sameCommunity: c.communityIds.includes(need.communityId),
    available: availableAt(c.availability, need.windowFrom),
    openOrders: c.openOrders,
  }));
  return ranked.sort((a, b) =>
    b.skillMatch - a.skillMatch
    || Number(b.sameCommunity) - Number(a.sameCommunity)
    || Number(b.available) - Number(a.available)
    || a.openOrders - b.openOrders
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
