// The project's stages and which move may be made from which stage: the one table every check reads.
export const STAGES = ['design', 'review', 'revision', 'approved', 'in_contest', 'rescoping', 'delivery', 'rectification', 'evaluation', 'closed', 'rejected', 'withdrawn', 'terminated'] as const;
export type Stage = (typeof STAGES)[number];

export const TERMINAL_STAGES: readonly Stage[] = ['closed', 'rejected', 'withdrawn', 'terminated'];

/** Stages in which the project delivers services and is monitored (rectification of a red grade keeps delivering). */
export const DELIVERING: readonly Stage[] = ['delivery', 'rectification'];

export const MOVES = {
  submitDesign: ['design', 'revision'],
  assignPanel: ['review'],
  reassignReviewer: ['review'],
  submitReviewScore: ['review'],
  decideReview: ['review'],
  withdrawProject: ['design', 'review', 'revision', 'approved'],
  enterContest: ['approved'],
  leaveContest: ['in_contest'],
  awardContest: ['in_contest'],
  /** A partial award waits for the applicant: a budget re-scoped to the award, or the award declined. */
  acceptRescoping: ['rescoping'],
  declineRescoping: ['rescoping'],
  fundDirectly: ['approved'],
  recordServiceRecord: DELIVERING,
  recordSpending: DELIVERING,
  completeMilestone: DELIVERING,
  submitMonthlyReport: DELIVERING,
  recordSupervisionVisit: DELIVERING,
  recordComplaint: DELIVERING,
  recordQuarterlyReview: DELIVERING,
  submitRectificationPlan: ['rectification'],
  completeRectification: ['rectification'],
  assignEvaluator: ['delivery', 'rectification'],
  submitEvaluation: ['delivery', 'rectification', 'evaluation'],
  closeProject: ['evaluation'],
  orderRectification: ['evaluation'],
  /** An officer ends a project (终止) from any stage that has not ended. */
  terminateProject: ['design', 'review', 'revision', 'approved', 'in_contest', 'rescoping', 'delivery', 'rectification', 'evaluation'],
} as const satisfies Record<string, readonly Stage[]>;

export type Move = keyof typeof MOVES;

export function moveAllowed(stage: Stage, move: Move): boolean {
  return (MOVES[move] as readonly Stage[]).includes(stage);
}

export function isTerminal(stage: Stage): boolean {
  return TERMINAL_STAGES.includes(stage);
}
