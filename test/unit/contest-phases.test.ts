import { allowedMoves, CONTEST_MOVES, CONTEST_PHASES, nextPhase, type ContestPhase } from '../../workflows/contest-rules/phases';

const notLast = { isLastRound: false };
const last = { isLastRound: true };

describe('contest phases', () => {
  test('happy path from draft to closed with two judging rounds', () => {
    let phase: ContestPhase | null = 'draft';
    const steps: [Parameters<typeof nextPhase>[1], boolean, ContestPhase][] = [
      ['openEntries', false, 'open'],
      ['closeEntries', false, 'screening'],
      ['startJudging', false, 'judging'],
      ['closeRound', false, 'judging'],
      ['closeRound', true, 'results'],
      ['publishRanking', false, 'funding'],
      ['award', false, 'awarded'],
      ['close', false, 'closed'],
    ];
    for (const [move, isLastRound, expected] of steps) {
      phase = nextPhase(phase!, move, { isLastRound });
      expect(phase).toBe(expected);
    }
  });

  test('cancel closes a contest from draft, open or screening only', () => {
    for (const p of ['draft', 'open', 'screening'] as const) expect(nextPhase(p, 'cancel', notLast)).toBe('closed');
    for (const p of ['judging', 'results', 'funding', 'awarded', 'closed'] as const) expect(nextPhase(p, 'cancel', notLast)).toBeNull();
  });

  test('illegal moves return null', () => {
    expect(nextPhase('draft', 'startJudging', notLast)).toBeNull();
    expect(nextPhase('results', 'closeRound', last)).toBeNull();
    expect(nextPhase('funding', 'close', notLast)).toBeNull();
  });

  test('closed is terminal', () => {
    expect(allowedMoves('closed')).toEqual([]);
    for (const m of CONTEST_MOVES) expect(nextPhase('closed', m, last)).toBeNull();
  });

  test('allowedMoves agrees with nextPhase for every phase and move', () => {
    for (const p of CONTEST_PHASES) {
      const legal = CONTEST_MOVES.filter((m) => nextPhase(p, m, notLast) !== null);
      expect(allowedMoves(p)).toEqual(legal);
    }
  });

  test('allowedMoves returns a copy callers cannot use to change the rules', () => {
    allowedMoves('draft').push('award');
    expect(nextPhase('draft', 'award', notLast)).toBeNull();
  });
});
