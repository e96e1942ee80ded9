/** Lifecycle of a venture-funding contest: entries open, are screened, judged round by round, ranked, funded. */
export type ContestPhase = 'draft' | 'open' | 'screening' | 'judging' | 'results' | 'funding' | 'awarded' | 'closed';

export type ContestMove =
  | 'openEntries'
  | 'closeEntries'
  | 'startJudging'
  | 'closeRound'
  | 'publishRanking'
  | 'award'
  | 'close'
  | 'cancel';

export interface PhaseContext {
  /** Whether the round being closed is the contest's last; only `closeRound` reads it. */
  isLastRound: boolean;
}

export const CONTEST_PHASES: readonly ContestPhase[] = ['draft', 'open', 'screening', 'judging', 'results', 'funding', 'awarded', 'closed'];

export const CONTEST_MOVES: readonly ContestMove[] = [
  'openEntries',
  'closeEntries',
  'startJudging',
  'closeRound',
  'publishRanking',
  'award',
  'close',
  'cancel',
];

// Cancelling is allowed only before judging starts: after that judges' work and funders' pledges exist.
const MOVES: Record<ContestPhase, readonly ContestMove[]> = {
  draft: ['openEntries', 'cancel'],
  open: ['closeEntries', 'cancel'],
  screening: ['startJudging', 'cancel'],
  judging: ['closeRound'],
  results: ['publishRanking'],
  funding: ['award'],
  awarded: ['close'],
  closed: [],
};

export function allowedMoves(phase: ContestPhase): ContestMove[] {
  return [...(MOVES[phase] ?? [])];
}

/** The phase after `move`, or null when the move is illegal in `phase`. */
export function nextPhase(phase: ContestPhase, move: ContestMove, ctx: PhaseContext): ContestPhase | null {
  if (!allowedMoves(phase).includes(move)) return null;
  switch (move) {
    case 'openEntries': return 'open';
    case 'closeEntries': return 'screening';
    case 'startJudging': return 'judging';
    // Judging stays in its phase between rounds; the round counter lives with the contest, not here.
    case 'closeRound': return ctx.isLastRound ? 'results' : 'judging';
    case 'publishRanking': return 'funding';
    case 'award': return 'awarded';
    case 'close': return 'closed';
    case 'cancel': return 'closed';
    default: return null;
  }
}
