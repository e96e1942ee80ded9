import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/common';
import { asActivityFailure, NON_RETRYABLE } from '../../workflows/activity-options';

// A local activity's failure reaches the workflow bare; it is wrapped as a scheduled activity's would be, so the
// alert (past the bound) and the API (a refusal as 4xx, past the bound as 503) read one shape.

test('a refusal (flagged non-retryable, or of a type the retry policy names) reads as not retried, its failure kept as the cause', () => {
  const flagged = ApplicationFailure.create({ type: 'DataError', message: 'invalid byte sequence', nonRetryable: true });
  const named = ApplicationFailure.create({ type: 'BusinessRule', message: 'rating: 1 to 5' });
  for (const err of [flagged, named]) {
    const wrapped = asActivityFailure('applyOrderEvent', NON_RETRYABLE, err);
    expect(wrapped).toBeInstanceOf(ActivityFailure);
    expect(wrapped).toMatchObject({ activityType: 'applyOrderEvent', retryState: 'NON_RETRYABLE_FAILURE', cause: err, message: err.message });
  }
});

test('any other failure ran out of its retries; a timeout is a timeout', () => {
  const away = ApplicationFailure.create({ type: 'Error', message: 'connection terminated' });
  expect(asActivityFailure('applyProjectEvent', NON_RETRYABLE, away)).toMatchObject({ retryState: 'MAXIMUM_ATTEMPTS_REACHED', cause: away });
  // Not in this policy's list: the same type the project policy refuses is retried by one that does not name it.
  expect(asActivityFailure('applyOrderEvent', ['BusinessRule'], ApplicationFailure.create({ type: 'Conflict', message: 'x' }))).toMatchObject({ retryState: 'MAXIMUM_ATTEMPTS_REACHED' });
  const late = new TimeoutFailure('activity ScheduleToClose timeout', undefined, 'SCHEDULE_TO_CLOSE');
  expect(asActivityFailure('applyProjectEvent', NON_RETRYABLE, late)).toMatchObject({ retryState: 'TIMEOUT', cause: late });
});

test('an activity failure already wrapped, a cancellation and anything else pass through as they are', () => {
  const scheduled = new ActivityFailure('failed', 'applyProjectEvent', '3', 'MAXIMUM_ATTEMPTS_REACHED', undefined);
  const cancelled = new CancelledFailure('cancelled');
  const plain = new Error('not a failure');
  for (const err of [scheduled, cancelled, plain]) expect(asActivityFailure('applyProjectEvent', NON_RETRYABLE, err)).toBe(err);
});
