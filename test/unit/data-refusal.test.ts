import { ApplicationFailure } from '@temporalio/common';
import { asDataError } from '../../activities/data-errors';
import { dataRefusal } from '../../api/updates';
import { t } from '../../i18n';

/** The details an activity's data error carries to the API, as `asDataError` builds them from a pg error. */
function detailsOf(pgError: Record<string, unknown>) {
  const failure = asDataError(Object.assign(new Error('duplicate key value violates unique constraint "x"'), pgError));
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return (failure as ApplicationFailure).details?.[0] as { sqlstate: string; constraint: string | null; column: string | null };
}

describe('what the database refused, said in the reader language', () => {
  test('a duplicate (23505) is said in Chinese with the constraint named, and none of the database English', () => {
    const r = dataRefusal(detailsOf({ code: '23505', constraint: 'service_records_natural_key' }));
    expect(r.key).toBe('problem.data-refused.unique');
    const zh = t('zh-CN', r.key, r.params);
    expect(zh).toBe('与已有记录重复（service_records_natural_key），未作任何更改');
    expect(zh).not.toMatch(/duplicate key/);
    expect(r.message).toBe('It duplicates an existing record (service_records_natural_key); nothing was changed');
  });

  test('each SQLSTATE gets its own message: a missing reference, an overlap, a check, a missing value, a malformed value', () => {
    const keyOf = (code: string, extra: Record<string, unknown> = {}) => dataRefusal(detailsOf({ code, ...extra })).key;
    expect(keyOf('23503', { constraint: 'fk' })).toBe('problem.data-refused.foreign-key');
    expect(keyOf('23P01', { constraint: 'no_overlap' })).toBe('problem.data-refused.exclusion');
    expect(keyOf('23514', { constraint: 'positive' })).toBe('problem.data-refused.check');
    expect(keyOf('23502', { column: 'title' })).toBe('problem.data-refused.not-null');
    expect(t('zh-CN', 'problem.data-refused.not-null', { column: 'title' })).toBe('缺少必需的数据（title），未作任何更改');
    expect(keyOf('22P05')).toBe('problem.data-refused.value');
    expect(keyOf('22003')).toBe('problem.data-refused.value');
  });

  test('an error that is not a data error (a lost connection) stays retryable and is not turned into a refusal', () => {
    const err = Object.assign(new Error('Connection terminated'), { code: '08006' });
    expect(asDataError(err)).toBe(err);
  });
});

describe('a row an activity looked for and did not find', () => {
  test('answers 404 naming what is missing (the contest), not a 500', async () => {
    const { runWorkflowUpdate } = await import('../../api/updates');
    const { NotFoundError } = await import('../../api/errors');
    // Only the error mapping is under test: the client runs the call as given.
    const deps = { temporal: { client: { withAbortSignal: (_s: AbortSignal, fn: () => Promise<unknown>) => fn() } } } as unknown as Parameters<typeof runWorkflowUpdate>[0];
    const failure = ApplicationFailure.create({ type: 'NotFound', message: 'no contest x', details: [{ what: 'contest' }], nonRetryable: true });
    const refused = runWorkflowUpdate(deps, { move: 'award', currentStage: async () => 'funding' }, () => Promise.reject(failure));
    await expect(refused).rejects.toBeInstanceOf(NotFoundError);
    await expect(refused).rejects.toMatchObject({ status: 404 });
  });
});
