/** Eligibility is checked before any reviewer sees a proposal (e.g. Haining: 3A or better, the "6430" team). */
import type { EligibilityRules, Grade, TargetGroup } from './programme-rules';
import { formatYuan, violation, type RuleViolation } from './violations';

export interface EligibilityOrganisation {
  /** null for an organisation not (yet) graded; it fails any minGrade rule. */
  grade: Grade | null;
  staffCount: number;
  certifiedSocialWorkerCount: number;
  volunteerCount: number;
}

export interface EligibilityProposal { amountAskedFen: number; targetGroups: TargetGroup[] }

const GRADE_ORDER: Grade[] = ['1A', '2A', '3A', '4A', '5A'];

export function gradeAtLeast(grade: Grade | null, min: Grade): boolean {
  return grade !== null && GRADE_ORDER.indexOf(grade) >= GRADE_ORDER.indexOf(min);
}

/** One violation per failed rule; an unset rule is not checked. */
export function checkEligibility(rules: EligibilityRules, org: EligibilityOrganisation, proposal: EligibilityProposal): RuleViolation[] {
  const out: RuleViolation[] = [];
  if (rules.minGrade && !gradeAtLeast(org.grade, rules.minGrade)) {
    const has = org.grade === null ? 'the organisation has no grade' : `the organisation's grade is ${org.grade}`;
    out.push(violation('/organisation/grade', 'min-grade', `${has}; this programme requires ${rules.minGrade} or better`));
  }
  const counts = [
    ['staffCount', 'min-staff', rules.minStaff, org.staffCount, 'staff'],
    ['certifiedSocialWorkerCount', 'min-certified-social-workers', rules.minCertifiedSocialWorkers, org.certifiedSocialWorkerCount, 'certified social workers'],
    ['volunteerCount', 'min-volunteers', rules.minVolunteers, org.volunteerCount, 'volunteers'],
  ] as const;
  for (const [field, rule, min, actual, noun] of counts) {
    if (min !== undefined && actual < min) {
      out.push(violation(`/organisation/${field}`, rule, `the organisation has ${actual} ${noun}; this programme requires at least ${min}`));
    }
  }
  if (rules.budgetCapFen !== undefined && proposal.amountAskedFen > rules.budgetCapFen) {
    out.push(violation('/proposal/amountAskedFen', 'budget-cap',
      `the proposal asks for ${formatYuan(proposal.amountAskedFen)}; this programme funds at most ${formatYuan(rules.budgetCapFen)}`));
  }
  const required = rules.requiredTargetGroups ?? [];
  if (required.length > 0 && !proposal.targetGroups.some((g) => required.includes(g))) {
    const serves = proposal.targetGroups.length ? proposal.targetGroups.join(', ') : 'no target group';
    out.push(violation('/proposal/targetGroups', 'required-target-groups',
      `the proposal serves ${serves}; this programme requires at least one of ${required.join(', ')}`));
  }
  return out;
}
