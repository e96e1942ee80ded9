import { checkEligibility, gradeAtLeast, type EligibilityOrganisation, type EligibilityProposal } from '../../workflows/rules/eligibility';
import { defaultProgrammeRules } from '../../workflows/rules/programme-rules';

// The Haining defaults (6430 on the proposal's team) plus organisation-level minimums, the separate rule a
// programme may also ask for.
const rules = { ...defaultProgrammeRules().eligibility, minStaff: 6, minCertifiedSocialWorkers: 4, minVolunteers: 30 };
const org: EligibilityOrganisation = { grade: '4A', staffCount: 6, certifiedSocialWorkerCount: 4, volunteerCount: 30 };
const members = (fullTime: number, certified: number, partTime = 0) => [
  ...Array.from({ length: fullTime }, (_, i) => ({ name: `Full ${i}`, fullTime: true, certified: i < certified })),
  ...Array.from({ length: partTime }, (_, i) => ({ name: `Part ${i}`, fullTime: false, certified: true })),
];
const team = (fullTime: number, certified: number, volunteers: number, partTime = 0) => ({
  staff: fullTime + partTime, certifiedSocialWorkers: certified + partTime, volunteers, lead: 'Li Hua', members: members(fullTime, certified, partTime),
});
const proposal: EligibilityProposal = { amountAskedFen: 20_000_000, targetGroups: ['elderly'], team: team(6, 4, 30) };

describe('checkEligibility', () => {
  it('when the organisation meets 6430 exactly and asks for the cap, it passes', () => {
    expect(checkEligibility(rules, org, proposal)).toEqual([]);
  });

  it('when the grade is 2A under a 3A rule, it names both grades', () => {
    expect(checkEligibility(rules, { ...org, grade: '2A' }, proposal)).toMatchObject([
      { field: '/organisation/grade', rule: 'min-grade', message: "the organisation's grade is 2A; this programme requires 3A or better" },
    ]);
  });

  it('when the organisation is ungraded, it fails the grade rule', () => {
    const v = checkEligibility(rules, { ...org, grade: null }, proposal);
    expect(v).toEqual([expect.objectContaining({ rule: 'min-grade', message: 'the organisation has no grade; this programme requires 3A or better' })]);
  });

  it('when no grade rule is set, an ungraded organisation passes', () => {
    expect(checkEligibility({}, { ...org, grade: null }, proposal)).toEqual([]);
  });

  it('when the team is short on every count, it gives one violation per count naming required and actual', () => {
    const v = checkEligibility(rules, { ...org, staffCount: 5, certifiedSocialWorkerCount: 3, volunteerCount: 12 }, proposal);
    expect(v).toMatchObject([
      { field: '/organisation/staffCount', rule: 'min-staff', message: 'the organisation has 5 staff; this programme requires at least 6' },
      { field: '/organisation/certifiedSocialWorkerCount', rule: 'min-certified-social-workers', message: 'the organisation has 3 certified social workers; this programme requires at least 4' },
      { field: '/organisation/volunteerCount', rule: 'min-volunteers', message: 'the organisation has 12 volunteers; this programme requires at least 30' },
    ]);
  });

  it('when the amount asked is 1 fen over the cap, it reports budget-cap in yuan', () => {
    expect(checkEligibility(rules, org, { ...proposal, amountAskedFen: 20_000_001 })).toMatchObject([
      { field: '/proposal/amountAskedFen', rule: 'budget-cap', message: 'the proposal asks for 200,000.01 yuan; this programme funds at most 200,000.00 yuan' },
    ]);
  });

  it('when the proposal serves none of the required groups, it reports required-target-groups', () => {
    const v = checkEligibility({ requiredTargetGroups: ['elderly', 'children'] }, org, { ...proposal, targetGroups: ['migrants'] });
    expect(v).toEqual([expect.objectContaining({
      field: '/proposal/targetGroups', rule: 'required-target-groups',
      message: 'the proposal serves migrants; this programme requires at least one of elderly, children',
    })]);
  });

  it('when the proposal serves one of the required groups, it passes', () => {
    expect(checkEligibility({ requiredTargetGroups: ['elderly', 'children'] }, org, { ...proposal, targetGroups: ['children', 'migrants'] })).toEqual([]);
  });

  it('when every rule fails at once, it reports all nine', () => {
    const v = checkEligibility({ ...rules, requiredTargetGroups: ['children'] },
      { grade: '1A', staffCount: 0, certifiedSocialWorkerCount: 0, volunteerCount: 0 }, { amountAskedFen: 30_000_000, targetGroups: [], team: team(0, 0, 0) });
    expect(v.map((x) => x.rule)).toMatchObject([
      'min-grade', 'min-staff', 'min-certified-social-workers', 'min-volunteers',
      'team-full-time-staff', 'team-certified-social-workers', 'team-volunteers', 'budget-cap', 'required-target-groups',
    ]);
  });
});

describe('the 6430 team rule', () => {
  const haining = defaultProgrammeRules().eligibility;

  it("when the proposal's team lacks certified staff, it is refused by the team rule, although the organisation's headcount satisfies 6430", () => {
    const big: EligibilityOrganisation = { grade: '5A', staffCount: 40, certifiedSocialWorkerCount: 20, volunteerCount: 300 };
    expect(checkEligibility({ ...haining, minStaff: 6, minCertifiedSocialWorkers: 4, minVolunteers: 30 }, big, { ...proposal, team: team(6, 2, 30) })).toMatchObject([
      { field: '/proposal/team/members', rule: 'team-certified-social-workers', message: "the proposal's team has 2 certified social workers among its full-time staff; this programme's team rule requires at least 4" },
    ]);
  });

  it('when certified social workers work part-time, they do not count towards the 4 (nor the 6)', () => {
    const v = checkEligibility(haining, org, { ...proposal, team: team(5, 3, 30, 4) });
    expect(v.map((x) => [x.rule, x.message])).toMatchObject([
      ['team-full-time-staff', "the proposal's team has 5 full-time staff; this programme's team rule requires at least 6"],
      ['team-certified-social-workers', "the proposal's team has 3 certified social workers among its full-time staff; this programme's team rule requires at least 4"],
    ]);
  });

  it('when the team has 29 volunteers, it names the volunteers; a small organisation with a full team passes', () => {
    const small: EligibilityOrganisation = { grade: '3A', staffCount: 2, certifiedSocialWorkerCount: 1, volunteerCount: 5 };
    expect(checkEligibility(haining, small, { ...proposal, team: team(6, 4, 29) })).toMatchObject([
      { field: '/proposal/team/volunteers', rule: 'team-volunteers', message: "the proposal's team has 29 volunteers; this programme's team rule requires at least 30" },
    ]);
    expect(checkEligibility(haining, small, proposal)).toEqual([]);
  });

  it('when the proposal names no members, its team counts stand for them', () => {
    const counted = { staff: 6, certifiedSocialWorkers: 3, volunteers: 30, lead: 'Li Hua' };
    expect(checkEligibility(haining, org, { ...proposal, team: counted }).map((x) => x.rule)).toEqual(['team-certified-social-workers']);
  });
});

describe('gradeAtLeast', () => {
  it('when comparing grades, 5A is at least 3A and 3A is at least 3A but 2A is not', () => {
    expect(gradeAtLeast('5A', '3A')).toBe(true);
    expect(gradeAtLeast('3A', '3A')).toBe(true);
    expect(gradeAtLeast('2A', '3A')).toBe(false);
    expect(gradeAtLeast(null, '1A')).toBe(false);
  });
});
