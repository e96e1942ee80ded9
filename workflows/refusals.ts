import { ApplicationFailure } from '@temporalio/common';
import { msg, type Message } from '../i18n/message';
import type { RuleViolation } from './rules/violations';

// The refusals both workflows (and the activities that re-check under a lock) answer with. The API maps each
// type onto HTTP in one place (api/updates.ts): IllegalMove → 409 naming the current stage or phase,
// BusinessRule → 422 with its fields, Conflict → 409, DataError → 422. All are non-retryable.
// The text a person reads travels as a catalogue message in the details (workflows never render); the failure's own
// message is the key, for logs.

/** What a refusal's details carry. */
export interface Refusal {
  currentStage?: string;
  move?: string;
  errors?: RuleViolation[];
  message?: Message;
}

/** Whose state an illegal move is judged against: it only changes the wording of the message. */
export type Subject = 'project' | 'contest';

export function illegal(current: string, move: string, detail?: Message, subject: Subject = 'project'): ApplicationFailure {
  const message = detail ?? msg(subject === 'project' ? 'problem.illegal-move.detail' : 'problem.illegal-move.contest', { move, current });
  return ApplicationFailure.create({
    type: 'IllegalMove',
    message: `${move} refused in ${current}: ${message.key}`,
    details: [{ currentStage: current, move, message } satisfies Refusal],
    nonRetryable: true,
  });
}

export function businessRule(errors: RuleViolation[], extensions: Record<string, unknown> = {}, message?: Message): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'BusinessRule',
    message: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    details: [{ errors, ...extensions, ...(message ? { message } : {}) }],
    nonRetryable: true,
  });
}

/** `currentStage` is attached when the caller knows it (the contest's phase); otherwise the API reads it. */
export function conflict(message: Message, currentStage?: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'Conflict',
    message: message.key,
    details: [{ message, ...(currentStage === undefined ? {} : { currentStage }) } satisfies Refusal],
    nonRetryable: true,
  });
}
