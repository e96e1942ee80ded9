/** The rules of a programme (call for proposals), kept as data so officers can tune them per round. */
import { addDuration, isZeroDuration, parseDuration } from './duration';
import { isNonNegativeInteger, jsonPointer, violation, type RuleViolation, type ScoredNoun } from './violations';
import { DEFAULT_TIME_ZONE, isTimeZone } from './zone';

export type Grade = '1A' | '2A' | '3A' | '4A' | '5A';
export type TargetGroup =
  | 'elderly'
  | 'children'
  | 'new_employment_workers'
  | 'migrants'
  | 'people_with_disabilities'
  | 'women_and_families'
  | 'others';

/** The team that runs the service, as the proposal names it (Haining's "6430"). */
export interface TeamRules {
  minFullTimeStaff?: number;
  /** Certified social workers among the full-time staff. */
  minCertifiedSocialWorkers?: number;
  minVolunteers?: number;
}

export interface EligibilityRules {
  minGrade?: Grade;
  /** Organisation-level minimums (its headcount), a separate rule from the team's. */
  minStaff?: number;
  minCertifiedSocialWorkers?: number;
  minVolunteers?: number;
  budgetCapFen?: number;
  team?: TeamRules;
  /** The proposal must serve at least one of these groups. */
  requiredTargetGroups?: TargetGroup[];
}

export interface Criterion { key: string; name: string; weight: number; minScore: number; maxScore: number }

export interface ReviewRules {
  criteria: Criterion[];
  panelSize: number;
  /** ISO 8601 duration after assignment by which a reviewer must score. */
  reviewerDeadline: string;
  /** ISO 8601 duration after assignment at which a reviewer who has not scored is reminded; shorter than the deadline. */
  reviewerReminder: string;
  /** ISO 8601 duration an applicant has to resubmit a proposal sent back for revision. */
  revisionDeadline: string;
}

/** A fact at or beyond the threshold triggers that colour. */
export interface ColourThresholds { blue: number; yellow: number; red: number }

export interface ColourRules {
  overdueReports: ColourThresholds;
  spendingDeviationPct: ColourThresholds;
  indicatorLagPct: ColourThresholds;
  complaints: ColourThresholds;
  /** Lower is worse: an index strictly below `blue` triggers blue, and so on; so blue > yellow > red. */
  supervisionIndexBelow: ColourThresholds;
  rectificationDeadline: string;
}

export interface Dimension { key: string; name: string; weight: number }

export interface MonitoringRules {
  /** 'P1M' in production, 'PT2S' in tests. */
  reportInterval: string;
  reportGrace: string;
  /** How often the officer holds a quarterly review (季度评审) during delivery: 'P3M' (the default when absent). */
  quarterlyReviewInterval?: string;
  colour: ColourRules;
  supervisionDimensions: Dimension[];
}

/** outputs, outcomes, satisfaction, coverage, funds, professionalism, sustainability */
/** A drawn figure of the service loop an indicator may be scored from (issue #11): its share × 100 is the drawn score. */
export type DrawnFigure = 'satisfaction' | 'coverage';
export interface Indicator {
  key: string;
  name: string;
  weight: number;
  /** Scored from this drawn figure when the project has one; the evaluator overrides it only with a reason. */
  drawnFrom?: DrawnFigure;
}
/** 优秀 >= excellent > 良好 >= good > 合格 >= pass > 不合格 */
export interface GradeThresholds { excellent: number; good: number; pass: number }
/** Share (0..100 percent) of the final tranche released for each grade. */
export interface SubsidyRule { excellent: number; good: number; pass: number; fail: number }
export interface EvaluationRules { indicators: Indicator[]; thresholds: GradeThresholds; subsidy: SubsidyRule; failAction: 'hold' | 'clawback' }

/**
 * Terms of residents' service orders (点单-派单-接单-评单) under the programme's projects, frozen into each order
 * when it is placed. Optional in stored rules: a programme without the section runs on the defaults.
 */
export interface ServiceOrderRules {
  /** How long an assignee has to accept or decline (ISO 8601 duration). */
  acceptWithin: string;
  /** Failed dispatches (declined or timed out) after which the order escalates to the street's officer. */
  maxFailedDispatches: number;
  /** How long the resident has to rate after check-out. */
  ratingWindow: string;
  /** Time-bank points per hour of service. */
  pointsPerHour: number;
}

export const DEFAULT_SERVICE_ORDER_RULES: Readonly<ServiceOrderRules> = Object.freeze({ acceptWithin: 'PT2H', maxFailedDispatches: 3, ratingWindow: 'P3D', pointsPerHour: 10 });

export interface ProgrammeRules {
  eligibility: EligibilityRules;
  review: ReviewRules;
  monitoring: MonitoringRules;
  evaluation: EvaluationRules;
  /** Terms left out (in rows stored before the API filled them in) take their defaults: read it with serviceOrderRulesOf. */
  serviceOrders?: Partial<ServiceOrderRules>;
  /**
   * The programme's time zone (IANA name): dates shown to people are in it, and a monthly report's month is its
   * calendar month. Absent in rules stored before it existed: read it with timeZoneOf (Asia/Shanghai).
   */
  timeZone?: string;
}

/** The programme's time zone, Asia/Shanghai when its rules name none. */
export function timeZoneOf(rules: Pick<ProgrammeRules, 'timeZone'> | null | undefined): string {
  return rules?.timeZone ?? DEFAULT_TIME_ZONE;
}

/** Any fixed instant will do for comparing two durations; the 31st makes month clamping visible. */
const REFERENCE_INSTANT = '2001-01-31T00:00:00Z';

function checkWeighted(items: { key: string; weight: number }[], path: string[], noun: ScoredNoun): RuleViolation[] {
  const out: RuleViolation[] = [];
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (!it.key) out.push(violation(jsonPointer(...path, i, 'key'), 'key-required', 'rule.programme.key-required', { noun, n: i + 1 }));
    else if (seen.has(it.key)) out.push(violation(jsonPointer(...path, i, 'key'), 'duplicate-key', 'rule.programme.duplicate-key', { noun, key: it.key }));
    seen.add(it.key);
    if (!Number.isFinite(it.weight) || it.weight < 0) {
      out.push(violation(jsonPointer(...path, i, 'weight'), 'weight-non-negative', 'rule.programme.weight-non-negative', { noun, key: it.key, weight: it.weight }));
    }
  });
  const sum = items.reduce((s, it) => s + it.weight, 0);
  // A tolerance lets 33.33 + 33.33 + 33.34 through despite float rounding.
  if (!(Math.abs(sum - 100) < 1e-6)) {
    out.push(violation(jsonPointer(...path), 'weights-sum-100', 'rule.programme.weights-sum-100', { noun, sum }));
  }
  return out;
}

function checkDuration(value: string, path: string[]): RuleViolation[] {
  const d = parseDuration(value);
  if (!d) return [violation(jsonPointer(...path), 'duration-invalid', 'rule.programme.duration-invalid', { value: String(value) })];
  if (isZeroDuration(d)) return [violation(jsonPointer(...path), 'duration-zero', 'rule.programme.duration-zero', { value })];
  return [];
}

function checkEligibilityRules(e: EligibilityRules): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const k of ['minStaff', 'minCertifiedSocialWorkers', 'minVolunteers'] as const) {
    const v = e[k];
    if (v !== undefined && !isNonNegativeInteger(v)) {
      out.push(violation(jsonPointer('eligibility', k), 'non-negative-count', 'rule.programme.non-negative-count', { what: k, value: v }));
    }
  }
  for (const k of ['minFullTimeStaff', 'minCertifiedSocialWorkers', 'minVolunteers'] as const) {
    const v = e.team?.[k];
    if (v !== undefined && !isNonNegativeInteger(v)) out.push(violation(jsonPointer('eligibility', 'team', k), 'non-negative-count', 'rule.programme.non-negative-count', { what: `team ${k}`, value: v }));
  }
  const t = e.team;
  if (t?.minCertifiedSocialWorkers !== undefined && t.minFullTimeStaff !== undefined && t.minCertifiedSocialWorkers > t.minFullTimeStaff) {
    out.push(violation('/eligibility/team/minCertifiedSocialWorkers', 'certified-within-staff', 'rule.programme.certified-within-staff', { certified: t.minCertifiedSocialWorkers, staff: t.minFullTimeStaff }));
  }
  if (e.budgetCapFen !== undefined && !isNonNegativeInteger(e.budgetCapFen)) {
    out.push(violation('/eligibility/budgetCapFen', 'non-negative-fen', 'rule.programme.non-negative-fen', { value: e.budgetCapFen }));
  }
  return out;
}

function checkReviewRules(r: ReviewRules): RuleViolation[] {
  const out = checkWeighted(r.criteria, ['review', 'criteria'], 'criterion');
  r.criteria.forEach((c, i) => {
    if (!(Number.isFinite(c.minScore) && Number.isFinite(c.maxScore) && c.minScore < c.maxScore)) {
      out.push(violation(jsonPointer('review', 'criteria', i), 'score-range', 'rule.programme.score-range', { key: c.key, min: c.minScore, max: c.maxScore }));
    }
  });
  if (!Number.isSafeInteger(r.panelSize) || r.panelSize < 1) {
    out.push(violation('/review/panelSize', 'panel-size', 'rule.programme.panel-size', { value: r.panelSize }));
  }
  const durations = (['reviewerDeadline', 'reviewerReminder', 'revisionDeadline'] as const).flatMap((k) => checkDuration(r[k], ['review', k]));
  out.push(...durations);
  const valid = (s: string) => parseDuration(s) !== null;
  if (valid(r.reviewerDeadline) && valid(r.reviewerReminder)
    && addDuration(REFERENCE_INSTANT, r.reviewerReminder) >= addDuration(REFERENCE_INSTANT, r.reviewerDeadline)) {
    out.push(violation('/review/reviewerReminder', 'reminder-before-deadline', 'rule.programme.reminder-before-deadline', { reminder: r.reviewerReminder, deadline: r.reviewerDeadline }));
  }
  return out;
}

function checkColourRules(c: ColourRules): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const k of ['overdueReports', 'spendingDeviationPct', 'indicatorLagPct', 'complaints'] as const) {
    const { blue, yellow, red } = c[k];
    // A threshold of 0 would colour every project, so each must be above 0.
    if (![blue, yellow, red].every((v) => Number.isFinite(v) && v > 0)) {
      out.push(violation(jsonPointer('monitoring', 'colour', k), 'threshold-positive', 'rule.programme.threshold-positive', { what: k, blue, yellow, red }));
    }
    if (!(blue <= yellow && yellow <= red)) {
      out.push(violation(jsonPointer('monitoring', 'colour', k), 'colour-thresholds-order', 'rule.programme.colour-thresholds-order', { what: k, blue, yellow, red }));
    }
  }
  const { blue, yellow, red } = c.supervisionIndexBelow;
  if (![blue, yellow, red].every((v) => Number.isFinite(v) && v >= 0 && v <= 100)) {
    out.push(violation('/monitoring/colour/supervisionIndexBelow', 'threshold-range', 'rule.programme.threshold-range', { blue, yellow, red }));
  }
  if (!(blue >= yellow && yellow >= red)) {
    out.push(violation('/monitoring/colour/supervisionIndexBelow', 'colour-thresholds-order', 'rule.programme.supervision-thresholds-order', { blue, yellow, red }));
  }
  out.push(...checkDuration(c.rectificationDeadline, ['monitoring', 'colour', 'rectificationDeadline']));
  return out;
}

function checkMonitoringRules(m: MonitoringRules): RuleViolation[] {
  return [
    ...checkDuration(m.reportInterval, ['monitoring', 'reportInterval']),
    ...checkDuration(m.reportGrace, ['monitoring', 'reportGrace']),
    ...(m.quarterlyReviewInterval === undefined ? [] : checkDuration(m.quarterlyReviewInterval, ['monitoring', 'quarterlyReviewInterval'])),
    ...checkColourRules(m.colour),
    ...checkWeighted(m.supervisionDimensions, ['monitoring', 'supervisionDimensions'], 'supervision-dimension'),
  ];
}

function checkEvaluationRules(e: EvaluationRules): RuleViolation[] {
  const out = checkWeighted(e.indicators, ['evaluation', 'indicators'], 'indicator');
  const { excellent, good, pass } = e.thresholds;
  if (![excellent, good, pass].every((v) => Number.isFinite(v) && v >= 0 && v <= 100)) {
    out.push(violation('/evaluation/thresholds', 'grade-thresholds-range', 'rule.programme.grade-thresholds-range', { excellent, good, pass }));
  }
  if (!(excellent > good && good > pass)) {
    out.push(violation('/evaluation/thresholds', 'grade-thresholds-order', 'rule.programme.grade-thresholds-order', { excellent, good, pass }));
  }
  const s = e.subsidy;
  const shares = [s.excellent, s.good, s.pass, s.fail];
  if (!shares.every((v) => Number.isFinite(v) && v >= 0 && v <= 100)) {
    out.push(violation('/evaluation/subsidy', 'subsidy-share-range', 'rule.programme.subsidy-share-range', { shares: shares.join('/') }));
  }
  if (!(s.excellent >= s.good && s.good >= s.pass && s.pass >= s.fail)) {
    out.push(violation('/evaluation/subsidy', 'subsidy-share-order', 'rule.programme.subsidy-share-order', { shares: shares.join('/') }));
  }
  // With clawback a failed project gets nothing; a non-zero fail share would contradict that.
  if (e.failAction === 'clawback' && s.fail !== 0) {
    out.push(violation('/evaluation/subsidy/fail', 'clawback-fail-share', 'rule.programme.clawback-fail-share', { fail: s.fail }));
  }
  return out;
}

function checkServiceOrderRules(o: Partial<ServiceOrderRules> | undefined): RuleViolation[] {
  if (!o) return [];
  const out: RuleViolation[] = [];
  for (const k of ['acceptWithin', 'ratingWindow'] as const) if (o[k] !== undefined) out.push(...checkDuration(o[k], ['serviceOrders', k]));
  if (o.maxFailedDispatches !== undefined && !(Number.isSafeInteger(o.maxFailedDispatches) && o.maxFailedDispatches >= 1)) {
    out.push(violation('/serviceOrders/maxFailedDispatches', 'max-failed-dispatches', 'rule.programme.max-failed-dispatches', { value: o.maxFailedDispatches }));
  }
  if (o.pointsPerHour !== undefined && !isNonNegativeInteger(o.pointsPerHour)) {
    out.push(violation('/serviceOrders/pointsPerHour', 'non-negative-count', 'rule.programme.non-negative-count', { what: 'pointsPerHour', value: o.pointsPerHour }));
  }
  return out;
}

/** The cross-field checks a JSON Schema cannot express. Empty means the rules are consistent. */
export function checkProgrammeRules(rules: ProgrammeRules): RuleViolation[] {
  return [
    ...checkEligibilityRules(rules.eligibility),
    ...checkReviewRules(rules.review),
    ...checkMonitoringRules(rules.monitoring),
    ...checkEvaluationRules(rules.evaluation),
    ...checkServiceOrderRules(rules.serviceOrders),
    ...(rules.timeZone === undefined || isTimeZone(rules.timeZone) ? [] : [violation('/timeZone', 'time-zone', 'rule.programme.time-zone', { value: String(rules.timeZone) })]),
  ];
}

/** The service-order terms of a programme's rules: its `serviceOrders` section over the defaults. */
export function serviceOrderRulesOf(rules: Pick<ProgrammeRules, 'serviceOrders'> | null | undefined): ServiceOrderRules {
  return { ...DEFAULT_SERVICE_ORDER_RULES, ...(rules?.serviceOrders ?? {}) };
}

/**
 * Realistic Haining values: 3A or better, the "6430" rule on the proposal's team (not the organisation's
 * headcount), a 200,000 yuan cap, monthly reports. The rubric, indicator and dimension names are data the programme
 * stores and shows as they are, so they are in Chinese (the programme's language); an officer may rename them.
 */
export function defaultProgrammeRules(): ProgrammeRules {
  return {
    eligibility: { minGrade: '3A', team: { minFullTimeStaff: 6, minCertifiedSocialWorkers: 4, minVolunteers: 30 }, budgetCapFen: 20_000_000 },
    review: {
      criteria: [
        { key: 'needFit', name: '需求契合度', weight: 25, minScore: 0, maxScore: 10 },
        { key: 'design', name: '项目设计', weight: 25, minScore: 0, maxScore: 10 },
        { key: 'team', name: '团队专业性', weight: 20, minScore: 0, maxScore: 10 },
        { key: 'budget', name: '预算合理性', weight: 15, minScore: 0, maxScore: 10 },
        { key: 'sustainability', name: '可持续性', weight: 15, minScore: 0, maxScore: 10 },
      ],
      panelSize: 5,
      reviewerDeadline: 'P7D',
      reviewerReminder: 'P5D',
      revisionDeadline: 'P14D',
    },
    monitoring: {
      reportInterval: 'P1M',
      reportGrace: 'P5D',
      quarterlyReviewInterval: 'P3M',
      colour: {
        overdueReports: { blue: 1, yellow: 2, red: 3 },
        spendingDeviationPct: { blue: 10, yellow: 20, red: 30 },
        indicatorLagPct: { blue: 10, yellow: 20, red: 30 },
        complaints: { blue: 1, yellow: 2, red: 3 },
        supervisionIndexBelow: { blue: 80, yellow: 70, red: 60 },
        rectificationDeadline: 'P30D',
      },
      supervisionDimensions: [
        { key: 'serviceQuality', name: '服务质量', weight: 25 },
        { key: 'professionalMethod', name: '专业方法', weight: 20 },
        { key: 'records', name: '档案记录', weight: 15 },
        { key: 'volunteerEngagement', name: '志愿者参与', weight: 20 },
        { key: 'teamDevelopment', name: '团队建设', weight: 20 },
      ],
    },
    evaluation: {
      indicators: [
        { key: 'outputs', name: '服务产出', weight: 20 },
        { key: 'outcomes', name: '服务成效', weight: 20 },
        { key: 'satisfaction', name: '满意度', weight: 15, drawnFrom: 'satisfaction' },
        { key: 'coverage', name: '服务覆盖面', weight: 10, drawnFrom: 'coverage' },
        { key: 'funds', name: '资金使用', weight: 15 },
        { key: 'professionalism', name: '专业性', weight: 10 },
        { key: 'sustainability', name: '可持续性', weight: 10 },
      ],
      thresholds: { excellent: 90, good: 80, pass: 60 },
      subsidy: { excellent: 100, good: 90, pass: 70, fail: 0 },
      failAction: 'hold',
    },
    serviceOrders: { ...DEFAULT_SERVICE_ORDER_RULES },
    timeZone: DEFAULT_TIME_ZONE,
  };
}
