/** Internal consistency of a proposal, independent of any programme's eligibility rules. */
import { isIsoDate } from './duration';
import type { TargetGroup } from './programme-rules';
import { isNonNegativeInteger, jsonPointer, violation, type RuleViolation } from './violations';

export interface ProposalIndicator { name: string; unit: string; target: number }
export interface ProposalObjective { description: string; indicators: ProposalIndicator[] }
export interface ProposalMilestone { name: string; /** YYYY-MM-DD */ due: string }
/** A named member of the team that runs the service. */
export interface TeamMember { name: string; fullTime: boolean; certified: boolean }
/** The team that runs the service: its counts, and (what the team rule counts) its named staff. */
export interface ProposalTeam { staff: number; certifiedSocialWorkers: number; volunteers: number; lead: string; members?: TeamMember[] }
export interface BudgetLine { item: string; amountFen: number }

export interface Proposal {
  targetGroups: TargetGroup[];
  objectives: ProposalObjective[];
  milestones: ProposalMilestone[];
  team: ProposalTeam;
  budgetLines: BudgetLine[];
  amountAskedFen: number;
  coFundingFen: number;
}

export function checkProposal(p: Proposal): RuleViolation[] {
  const out: RuleViolation[] = [];
  if (p.targetGroups.length === 0) out.push(violation('/targetGroups', 'target-groups-required', 'rule.proposal.target-groups-required'));

  p.objectives.forEach((o, i) => o.indicators.forEach((ind, j) => {
    if (!Number.isFinite(ind.target) || ind.target < 0) {
      out.push(violation(jsonPointer('objectives', i, 'indicators', j, 'target'), 'indicator-target', 'rule.proposal.indicator-target', { name: ind.name, target: ind.target }));
    }
  }));
  // Reviewers need something measurable to hold the project to.
  if (!p.objectives.some((o) => o.indicators.some((ind) => ind.target > 0))) {
    out.push(violation('/objectives', 'measurable-objective', 'rule.proposal.measurable-objective'));
  }

  p.milestones.forEach((m, i) => {
    if (!isIsoDate(m.due)) out.push(violation(jsonPointer('milestones', i, 'due'), 'milestone-date', 'rule.proposal.milestone-date', { name: m.name, due: String(m.due) }));
  });

  for (const k of ['staff', 'certifiedSocialWorkers', 'volunteers'] as const) {
    if (!isNonNegativeInteger(p.team[k])) out.push(violation(jsonPointer('team', k), 'team-count', 'rule.proposal.team-count', { what: k, value: p.team[k] }));
  }
  // Certified social workers are counted among the staff (6430: 6 staff, of whom 4 certified).
  if (p.team.certifiedSocialWorkers > p.team.staff) {
    out.push(violation('/team/certifiedSocialWorkers', 'certified-within-staff', 'rule.proposal.certified-within-staff', { certified: p.team.certifiedSocialWorkers, staff: p.team.staff }));
  }
  // Named staff and counts must tell the same story.
  const members = p.team.members;
  if (members) {
    const certified = members.filter((m) => m.certified).length;
    if (members.length !== p.team.staff || certified !== p.team.certifiedSocialWorkers) {
      out.push(violation('/team/members', 'team-members-count', 'rule.proposal.team-members-count', { named: members.length, namedCertified: certified, staff: p.team.staff, certified: p.team.certifiedSocialWorkers }));
    }
  }
  if (!p.team.lead.trim()) out.push(violation('/team/lead', 'team-lead-required', 'rule.proposal.team-lead-required'));

  const money: [string, number][] = [
    ['/amountAskedFen', p.amountAskedFen],
    ['/coFundingFen', p.coFundingFen],
    ...p.budgetLines.map((l, i): [string, number] => [jsonPointer('budgetLines', i, 'amountFen'), l.amountFen]),
  ];
  const badMoney = money.filter(([, v]) => !isNonNegativeInteger(v));
  for (const [field, v] of badMoney) out.push(violation(field, 'money-non-negative-integer', 'rule.money-non-negative-integer', { value: v }));
  if (p.budgetLines.length === 0) {
    out.push(violation('/budgetLines', 'budget-lines-required', 'rule.proposal.budget-lines-required'));
  } else if (badMoney.length === 0) {
    // Sums are only meaningful once every figure is valid fen.
    const lines = p.budgetLines.reduce((s, l) => s + l.amountFen, 0);
    const total = p.amountAskedFen + p.coFundingFen;
    if (lines !== total) {
      out.push(violation('/budgetLines', 'budget-lines-sum', 'rule.proposal.budget-lines-sum', { lines, total }));
    }
  }
  return out;
}
