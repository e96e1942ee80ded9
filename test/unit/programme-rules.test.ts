import { checkProgrammeRules, defaultProgrammeRules, type ProgrammeRules } from '../../workflows/rules/programme-rules';

/** Applies a change to fresh default rules and returns the rule ids it breaks. */
function rulesBrokenBy(change: (r: ProgrammeRules) => void) {
  const r = defaultProgrammeRules();
  change(r);
  return checkProgrammeRules(r);
}

describe('defaultProgrammeRules', () => {
  it('when unchanged, it passes every check', () => {
    expect(checkProgrammeRules(defaultProgrammeRules())).toEqual([]);
  });

  it('when read, it carries the Haining 3A and 6430 rules, a 200,000 yuan cap and monthly reports', () => {
    const r = defaultProgrammeRules();
    // 6430 is a rule on the proposal's team, not the organisation's headcount (which a programme may add apart).
    expect(r.eligibility).toEqual({ minGrade: '3A', team: { minFullTimeStaff: 6, minCertifiedSocialWorkers: 4, minVolunteers: 30 }, budgetCapFen: 20_000_000 });
    expect(r.monitoring.quarterlyReviewInterval).toBe('P3M');
    expect(r.review.criteria).toHaveLength(5);
    expect(r.monitoring).toMatchObject({ reportInterval: 'P1M', reportGrace: 'P5D' });
    expect(Object.fromEntries(r.evaluation.indicators.map((i) => [i.key, i.weight]))).toEqual({
      outputs: 20, outcomes: 20, satisfaction: 15, coverage: 10, funds: 15, professionalism: 10, sustainability: 10,
    });
    expect(r.evaluation).toMatchObject({ thresholds: { excellent: 90, good: 80, pass: 60 }, subsidy: { excellent: 100, good: 90, pass: 70, fail: 0 }, failAction: 'hold' });
  });

  it('when called twice, it returns independent copies', () => {
    const a = defaultProgrammeRules();
    a.review.criteria[0].weight = 0;
    expect(defaultProgrammeRules().review.criteria[0].weight).toBe(25);
  });
});

describe('checkProgrammeRules', () => {
  it('when criterion weights sum to 90, it names the rule and the sum', () => {
    const v = rulesBrokenBy((r) => { r.review.criteria[0].weight = 15; });
    expect(v).toMatchObject([{ field: '/review/criteria', rule: 'weights-sum-100', message: 'criterion weights sum to 90; they must sum to 100' }]);
  });

  it('when weights are fractions summing to 100 within float error, it accepts them', () => {
    expect(rulesBrokenBy((r) => {
      r.monitoring.supervisionDimensions = [
        { key: 'a', name: 'A', weight: 33.33 }, { key: 'b', name: 'B', weight: 33.33 }, { key: 'c', name: 'C', weight: 33.34 },
      ];
    })).toEqual([]);
  });

  it('when dimension or indicator weights are off, it points at their list', () => {
    const v = rulesBrokenBy((r) => { r.monitoring.supervisionDimensions[0].weight = 30; r.evaluation.indicators.pop(); });
    expect(v.map((x) => [x.field, x.rule])).toMatchObject([
      ['/monitoring/supervisionDimensions', 'weights-sum-100'],
      ['/evaluation/indicators', 'weights-sum-100'],
    ]);
  });

  it('when a key repeats or is empty, it reports duplicate-key and key-required at the item', () => {
    const v = rulesBrokenBy((r) => { r.review.criteria[1].key = 'needFit'; r.evaluation.indicators[2].key = ''; });
    expect(v.map((x) => [x.field, x.rule])).toMatchObject([
      ['/review/criteria/1/key', 'duplicate-key'],
      ['/evaluation/indicators/2/key', 'key-required'],
    ]);
  });

  it('when a weight is negative, it reports weight-non-negative', () => {
    const v = rulesBrokenBy((r) => { r.review.criteria[0].weight = -5; r.review.criteria[1].weight = 55; });
    expect(v.map((x) => x.rule)).toEqual(['weight-non-negative']);
  });

  it('when minScore is not below maxScore, it reports score-range', () => {
    const v = rulesBrokenBy((r) => { r.review.criteria[2].minScore = 10; });
    expect(v).toEqual([expect.objectContaining({ field: '/review/criteria/2', rule: 'score-range' })]);
  });

  it('when grade thresholds are not strictly falling, it reports grade-thresholds-order', () => {
    const v = rulesBrokenBy((r) => { r.evaluation.thresholds = { excellent: 80, good: 80, pass: 60 }; });
    expect(v.map((x) => x.rule)).toEqual(['grade-thresholds-order']);
  });

  it('when a grade threshold is above 100, it reports grade-thresholds-range', () => {
    const v = rulesBrokenBy((r) => { r.evaluation.thresholds.excellent = 101; });
    expect(v.map((x) => x.rule)).toEqual(['grade-thresholds-range']);
  });

  it('when count thresholds fall from blue to red, it reports colour-thresholds-order', () => {
    const v = rulesBrokenBy((r) => { r.monitoring.colour.complaints = { blue: 3, yellow: 2, red: 1 }; });
    expect(v).toEqual([expect.objectContaining({ field: '/monitoring/colour/complaints', rule: 'colour-thresholds-order' })]);
  });

  it('when equal count thresholds are given, it accepts them', () => {
    expect(rulesBrokenBy((r) => { r.monitoring.colour.overdueReports = { blue: 1, yellow: 1, red: 2 }; })).toEqual([]);
  });

  it('when supervision thresholds rise from blue to red, it reports colour-thresholds-order since lower is worse', () => {
    const v = rulesBrokenBy((r) => { r.monitoring.colour.supervisionIndexBelow = { blue: 60, yellow: 70, red: 80 }; });
    expect(v).toEqual([expect.objectContaining({ field: '/monitoring/colour/supervisionIndexBelow', rule: 'colour-thresholds-order' })]);
  });

  it('when a count threshold is 0 or negative, it reports threshold-positive', () => {
    const v = rulesBrokenBy((r) => { r.monitoring.colour.spendingDeviationPct.blue = 0; r.monitoring.colour.overdueReports.blue = -1; });
    expect(v.map((x) => [x.field, x.rule])).toMatchObject([
      ['/monitoring/colour/overdueReports', 'threshold-positive'],
      ['/monitoring/colour/spendingDeviationPct', 'threshold-positive'],
    ]);
  });

  it('when a supervision threshold is beyond 100, it reports threshold-range', () => {
    const v = rulesBrokenBy((r) => { r.monitoring.colour.supervisionIndexBelow.blue = 120; });
    expect(v.map((x) => x.rule)).toEqual(['threshold-range']);
  });

  it('when a duration is not ISO 8601 or is zero, it reports duration-invalid or duration-zero at its field', () => {
    const v = rulesBrokenBy((r) => { r.monitoring.reportInterval = '1 month'; r.monitoring.reportGrace = 'P0D'; r.monitoring.colour.rectificationDeadline = 'PT0S'; });
    expect(v.map((x) => [x.field, x.rule])).toMatchObject([
      ['/monitoring/reportInterval', 'duration-invalid'],
      ['/monitoring/reportGrace', 'duration-zero'],
      ['/monitoring/colour/rectificationDeadline', 'duration-zero'],
    ]);
  });

  it('when the reviewer reminder is not before the deadline, it reports reminder-before-deadline', () => {
    expect(rulesBrokenBy((r) => { r.review.reviewerReminder = 'P7D'; }).map((x) => x.rule)).toEqual(['reminder-before-deadline']);
    expect(rulesBrokenBy((r) => { r.review.reviewerReminder = 'P1M'; }).map((x) => x.rule)).toEqual(['reminder-before-deadline']);
    expect(rulesBrokenBy((r) => { r.review.reviewerReminder = 'PT2S'; r.review.reviewerDeadline = 'PT4S'; })).toEqual([]);
  });

  it('when caps or counts are negative or fractional, it reports them', () => {
    const v = rulesBrokenBy((r) => { r.eligibility.minStaff = -1; r.eligibility.minVolunteers = 2.5; r.eligibility.budgetCapFen = -100; });
    expect(v.map((x) => [x.field, x.rule])).toMatchObject([
      ['/eligibility/minStaff', 'non-negative-count'],
      ['/eligibility/minVolunteers', 'non-negative-count'],
      ['/eligibility/budgetCapFen', 'non-negative-fen'],
    ]);
  });

  it('when optional eligibility rules are absent, it accepts that', () => {
    expect(rulesBrokenBy((r) => { r.eligibility = {}; })).toEqual([]);
  });

  it('when a subsidy share is outside 0..100, it reports subsidy-share-range', () => {
    const v = rulesBrokenBy((r) => { r.evaluation.subsidy.excellent = 120; });
    expect(v.map((x) => x.rule)).toEqual(['subsidy-share-range']);
  });

  it('when a worse grade gets a bigger share, it reports subsidy-share-order', () => {
    const v = rulesBrokenBy((r) => { r.evaluation.subsidy.pass = 95; });
    expect(v).toEqual([expect.objectContaining({ field: '/evaluation/subsidy', rule: 'subsidy-share-order' })]);
  });

  it('when failAction is clawback but the fail share is not 0, it reports clawback-fail-share', () => {
    const v = rulesBrokenBy((r) => { r.evaluation.failAction = 'clawback'; r.evaluation.subsidy.fail = 10; });
    expect(v.map((x) => x.rule)).toEqual(['clawback-fail-share']);
    expect(rulesBrokenBy((r) => { r.evaluation.failAction = 'clawback'; })).toEqual([]);
  });

  it('when panelSize is 0 or fractional, it reports panel-size', () => {
    expect(rulesBrokenBy((r) => { r.review.panelSize = 0; }).map((x) => x.rule)).toEqual(['panel-size']);
    expect(rulesBrokenBy((r) => { r.review.panelSize = 2.5; }).map((x) => x.rule)).toEqual(['panel-size']);
  });

  it('when there are no criteria at all, it reports that the weights do not sum to 100', () => {
    expect(rulesBrokenBy((r) => { r.review.criteria = []; }).map((x) => x.rule)).toEqual(['weights-sum-100']);
  });
});
