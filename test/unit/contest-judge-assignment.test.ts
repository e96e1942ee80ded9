import {
  assignJudges,
  reassignJudge,
  type AssignableEntry,
  type AssignableJudge,
  type Assignment,
} from '../../workflows/contest-rules/judge-assignment';

const judge = (judgeId: string, organisationIds: string[] = [], conflictOrganisationIds: string[] = []): AssignableJudge => ({
  judgeId,
  organisationIds,
  conflictOrganisationIds,
});
const entry = (entryId: string, organisationId: string): AssignableEntry => ({ entryId, organisationId });

const loadOf = (assignments: Assignment[]) => {
  const load: Record<string, number> = {};
  for (const a of assignments) load[a.judgeId] = (load[a.judgeId] ?? 0) + 1;
  return load;
};
const assignmentsOf = (r: ReturnType<typeof assignJudges>): Assignment[] => {
  if (!('assignments' in r)) throw new Error(`expected assignments, got ${JSON.stringify(r)}`);
  return r.assignments;
};

describe('assignJudges', () => {
  test('judges never score entries of their own or conflicted organisations', () => {
    const judges = [judge('j1', ['orgA']), judge('j2', [], ['orgB']), judge('j3'), judge('j4')];
    const entries = [entry('e1', 'orgA'), entry('e2', 'orgB'), entry('e3', 'orgC')];
    const assignments = assignmentsOf(assignJudges(entries, judges, 2));
    expect(assignments.filter((a) => a.entryId === 'e1').map((a) => a.judgeId)).not.toContain('j1');
    expect(assignments.filter((a) => a.entryId === 'e2').map((a) => a.judgeId)).not.toContain('j2');
    expect(assignments).toHaveLength(6);
  });

  test('each entry gets exactly judgesPerEntry distinct judges and load is balanced', () => {
    const judges = ['j1', 'j2', 'j3', 'j4', 'j5'].map((id) => judge(id));
    const entries = Array.from({ length: 10 }, (_, i) => entry(`e${i}`, `org${i}`));
    const assignments = assignmentsOf(assignJudges(entries, judges, 3));
    for (const e of entries) {
      const ids = assignments.filter((a) => a.entryId === e.entryId).map((a) => a.judgeId);
      expect(new Set(ids).size).toBe(3);
    }
    // 30 assignments over 5 judges: exactly 6 each.
    expect(Object.values(loadOf(assignments))).toEqual([6, 6, 6, 6, 6]);
  });

  test('constrained entries go first, so loads end balanced', () => {
    // b can only have j1 (j2 belongs to orgA). Processed first, b takes j1 and a then takes j2: loads 1/1.
    // In entryId order a would take j1 (tie by id) and b would need j1 too: loads 2/0.
    const result = assignJudges([entry('a', 'orgX'), entry('b', 'orgA')], [judge('j1'), judge('j2', ['orgA'])], 1);
    expect(assignmentsOf(result)).toEqual([
      { entryId: 'a', judgeId: 'j2' },
      { entryId: 'b', judgeId: 'j1' },
    ]);
  });

  test('existing load steers new work to less busy judges; ties go to the smaller judgeId', () => {
    const judges = [judge('j1'), judge('j2'), judge('j3')];
    const result = assignJudges([entry('e1', 'o')], judges, 2, { j1: 5, j2: 0, j3: 0 });
    expect(assignmentsOf(result)).toEqual([
      { entryId: 'e1', judgeId: 'j2' },
      { entryId: 'e1', judgeId: 'j3' },
    ]);
  });

  test('entries with too few eligible judges are all reported and nothing is assigned', () => {
    const judges = [judge('j1', ['orgA', 'orgD']), judge('j2', [], ['orgA', 'orgB', 'orgD']), judge('j3', ['orgD'])];
    // e1 (orgA): only j3; e2 (orgB): j1, j3 (enough); e3 (orgC): all three; e4 (orgD): nobody.
    const result = assignJudges([entry('e4', 'orgD'), entry('e3', 'orgC'), entry('e2', 'orgB'), entry('e1', 'orgA')], judges, 2);
    expect(result).toEqual({
      uncoverable: [
        { entryId: 'e1', eligibleJudges: 1 },
        { entryId: 'e4', eligibleJudges: 0 },
      ],
    });
  });

  test('no entries give no assignments', () => {
    expect(assignJudges([], [], 3)).toEqual({ assignments: [] });
  });

  test('the same input in any order gives the same assignments', () => {
    const judges = [judge('j1', ['o1']), judge('j2', [], ['o2']), judge('j3'), judge('j4', ['o3']), judge('j5')];
    const entries = Array.from({ length: 9 }, (_, i) => entry(`e${i}`, `o${i % 4}`));
    const expected = assignJudges(entries, judges, 2, { j5: 1 });
    expect(assignJudges([...entries].reverse(), [...judges].reverse(), 2, { j5: 1 })).toEqual(expected);
  });

  test('judgesPerEntry below 1 or duplicate ids throw RangeError', () => {
    expect(() => assignJudges([], [], 0)).toThrow(RangeError);
    expect(() => assignJudges([entry('e', 'o'), entry('e', 'p')], [judge('j')], 1)).toThrow(RangeError);
    expect(() => assignJudges([], [judge('j'), judge('j')], 1)).toThrow(RangeError);
  });
});

describe('reassignJudge', () => {
  const judges = [judge('j1'), judge('j2'), judge('j3', ['orgA']), judge('j4'), judge('j5')];
  const current: Assignment[] = [
    { entryId: 'e1', judgeId: 'j1' },
    { entryId: 'e1', judgeId: 'j2' },
    { entryId: 'e2', judgeId: 'j4' },
    { entryId: 'e3', judgeId: 'j4' },
    { entryId: 'e3', judgeId: 'j5' },
  ];

  test('picks the least-loaded eligible judge not already on the entry', () => {
    // j1, j2 on e1 (j1 leaving); j3 belongs to orgA; j4 has 2, j5 has 1 -> j5.
    expect(reassignJudge(entry('e1', 'orgA'), 'j1', judges, current)).toEqual({ entryId: 'e1', judgeId: 'j5' });
  });

  test('existing load counts too; equal loads go to the smaller judgeId', () => {
    expect(reassignJudge(entry('e1', 'orgA'), 'j1', judges, current, { j5: 1 })).toEqual({ entryId: 'e1', judgeId: 'j4' });
  });

  test('the leaving judge is never picked again, even when not in the assignments any more', () => {
    const without = current.filter((a) => a.judgeId !== 'j1');
    expect(reassignJudge(entry('e1', 'orgA'), 'j1', [judge('j1'), judge('j2')], without)).toBeNull();
  });

  test('returns null when every other judge is on the entry or conflicted', () => {
    expect(reassignJudge(entry('e1', 'orgA'), 'j1', [judge('j1'), judge('j2'), judge('j3', [], ['orgA'])], current)).toBeNull();
  });
});
