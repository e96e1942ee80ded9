/** Eligibility is checked before any reviewer sees a proposal (e.g. Haining: 3A or better, the "6430" team). */
import type { EligibilityRules, Grade, TargetGroup } from './programme-rules';
import type { ProposalTeam } from './proposal';
import { violation, type RuleViolation } from './violations';

export interface EligibilityOrganisation {
  /** null for an organisation not (yet) graded; it fails any minGrade rule. */
  grade: Grade | null;
  staffCount: number;
  certifiedSocialWorkerCount: number;
  volunteerCount: number;
}

export interface EligibilityProposal { amountAskedFen: number; targetGroups: TargetGroup[]; team?: ProposalTeam }

/**
 * The team that runs the service as the proposal names it: its full-time staff, the certified social workers among
 * them, and its volunteers. Without named members, the team's own counts stand for them.
 */
export function teamCounts(team: ProposalTeam | undefined): { fullTime: number; certified: number; volunteers: number } {
  if (!team) return { fullTime: 0, certified: 0, volunteers: 0 };
  if (!team.members) return { fullTime: team.staff, certified: team.certifiedSocialWorkers, volunteers: team.volunteers };
  const fullTime = team.members.filter((m) => m.fullTime);
  return { fullTime: fullTime.length, certified: fullTime.filter((m) => m.certified).length, volunteers: team.volunteers };
}

const GRADE_ORDER: Grade[] = ['1A', '2A', '3A', '4A', '5A'];

export function gradeAtLeast(grade: Grade | null, min: Grade): boolean {
  return grade !== null && GRADE_ORDER.indexOf(grade) >= GRADE_ORDER.indexOf(min);
}

/** One violation per failed rule; an unset rule is not checked. */
export function checkEligibility(rules: EligibilityRules, org: EligibilityOrganisation, proposal: EligibilityProposal): RuleViolation[] {
  const out: RuleViolation[] = [];
  if (rules.minGrade && !gradeAtLeast(org.grade, rules.minGrade)) {
    out.push(org.grade === null
      ? violation('/organisation/grade', 'min-grade', 'rule.eligibility.min-grade-none', { min: rules.minGrade })
      : violation('/organisation/grade', 'min-grade', 'rule.eligibility.min-grade', { grade: org.grade, min: rules.minGrade }));
  }
  const counts = [
    ['staffCount', 'min-staff', rules.minStaff, org.staffCount, 'staff'],
    ['certifiedSocialWorkerCount', 'min-certified-social-workers', rules.minCertifiedSocialWorkers, org.certifiedSocialWorkerCount, 'certified-social-workers'],
    ['volunteerCount', 'min-volunteers', rules.minVolunteers, org.volunteerCount, 'volunteers'],
  ] as const;
  for (const [field, rule, min, actual, noun] of counts) {
    if (min !== undefined && actual < min) {
      out.push(violation(`/organisation/${field}`, rule, 'rule.eligibility.min-count', { actual, what: noun, min }));
    }
  }
  // Haining's 6430 is a rule on the team that runs the service, checked against the proposal's named team.
  if (rules.team) {
    const t = teamCounts(proposal.team);
    const { minFullTimeStaff, minCertifiedSocialWorkers, minVolunteers } = rules.team;
    if (minFullTimeStaff !== undefined && t.fullTime < minFullTimeStaff) {
      out.push(violation('/proposal/team/members', 'team-full-time-staff', 'rule.eligibility.team-full-time-staff', { actual: t.fullTime, min: minFullTimeStaff }));
    }
    if (minCertifiedSocialWorkers !== undefined && t.certified < minCertifiedSocialWorkers) {
      out.push(violation('/proposal/team/members', 'team-certified-social-workers', 'rule.eligibility.team-certified-social-workers', { actual: t.certified, min: minCertifiedSocialWorkers }));
    }
    if (minVolunteers !== undefined && t.volunteers < minVolunteers) {
      out.push(violation('/proposal/team/volunteers', 'team-volunteers', 'rule.eligibility.team-volunteers', { actual: t.volunteers, min: minVolunteers }));
    }
  }
  if (rules.budgetCapFen !== undefined && proposal.amountAskedFen > rules.budgetCapFen) {
    out.push(violation('/proposal/amountAskedFen', 'budget-cap', 'rule.eligibility.budget-cap', { asked: proposal.amountAskedFen, cap: rules.budgetCapFen }));
  }
  const required = rules.requiredTargetGroups ?? [];
  if (required.length > 0 && !proposal.targetGroups.some((g) => required.includes(g))) {
    out.push(proposal.targetGroups.length
      ? violation('/proposal/targetGroups', 'required-target-groups', 'rule.eligibility.required-target-groups', { serves: proposal.targetGroups.join(', '), required: required.join(', ') })
      : violation('/proposal/targetGroups', 'required-target-groups', 'rule.eligibility.required-target-groups-none', { required: required.join(', ') }));
  }
  return out;
}
