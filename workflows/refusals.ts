import { ApplicationFailure } from '@temporalio/common';
import type { RuleViolation } from './rules/violations';

// The refusals both workflows (and the activities that re-check under a lock) answer with. The API maps each
// type onto HTTP in one place (api/updates.ts): IllegalMove → 409 naming the current stage or phase,
// BusinessRule → 422 with its fields, Conflict → 409, DataError → 422. All are non-retryable.

/** Whose state an illegal move is judged against: it only changes the wording of the message. */
export type Subject = 'project' | 'contest';

const WHERE: Record<Subject, string> = { project: 'the current stage', contest: "the contest's phase" };

export function illegal(current: string, move: string, detail?: string, subject: Subject = 'project'): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'IllegalMove',
    message: detail ?? `"${move}" is not allowed while ${WHERE[subject]} is "${current}"`,
    details: [{ currentStage: current, move }],
    nonRetryable: true,
  });
}

export function businessRule(errors: RuleViolation[], extensions: Record<string, unknown> = {}, message?: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'BusinessRule',
    message: message ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    details: [{ errors, ...extensions }],
    nonRetryable: true,
  });
}

/** `currentStage` is attached when the caller knows it (the contest's phase); otherwise the API reads it. */
export function conflict(message: string, currentStage?: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'Conflict', message, ...(currentStage === undefined ? {} : { details: [{ currentStage }] }), nonRetryable: true });
}
