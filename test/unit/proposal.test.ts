import { checkProposal, type Proposal } from '../../workflows/rules/proposal';

function proposal(change: (p: Proposal) => void = () => {}): Proposal {
  const p: Proposal = {
    targetGroups: ['elderly'],
    objectives: [{ description: 'Reduce isolation of elders living alone', indicators: [{ name: 'home visits', unit: 'visits', target: 240 }] }],
    milestones: [{ name: 'needs assessment done', due: '2025-03-31' }, { name: 'final report', due: '2025-12-31' }],
    team: { staff: 6, certifiedSocialWorkers: 4, volunteers: 30, lead: 'Wang Li' },
    budgetLines: [{ item: 'staff', amountFen: 12_000_000 }, { item: 'activities', amountFen: 6_000_000 }, { item: 'materials', amountFen: 2_000_050 }],
    amountAskedFen: 18_000_050,
    coFundingFen: 2_000_000,
  };
  change(p);
  return p;
}

describe('checkProposal', () => {
  it('when the proposal is complete and its budget balances, it passes', () => {
    expect(checkProposal(proposal())).toEqual([]);
  });

  it('when budget lines fall short of amount asked plus co-funding, it reports budget-lines-sum with both figures in yuan', () => {
    expect(checkProposal(proposal((p) => { p.coFundingFen = 2_500_000; }))).toMatchObject([{
      field: '/budgetLines', rule: 'budget-lines-sum',
      message: 'budget lines add up to 200,000.50 yuan; they must equal the total project budget of 205,000.50 yuan (amount asked plus co-funding)',
    }]);
  });

  it('when budget lines equal the amount asked alone but co-funding exists, it still reports budget-lines-sum', () => {
    const v = checkProposal(proposal((p) => { p.amountAskedFen = 20_000_050; }));
    expect(v.map((x) => x.rule)).toEqual(['budget-lines-sum']);
  });

  it('when money is fractional or negative, it reports each figure and skips the sum', () => {
    const v = checkProposal(proposal((p) => { p.budgetLines[1].amountFen = 10.5; p.coFundingFen = -1; }));
    expect(v.map((x) => [x.field, x.rule])).toMatchObject([
      ['/coFundingFen', 'money-non-negative-integer'],
      ['/budgetLines/1/amountFen', 'money-non-negative-integer'],
    ]);
  });

  it('when there are no budget lines, it reports budget-lines-required', () => {
    const v = checkProposal(proposal((p) => { p.budgetLines = []; }));
    expect(v.map((x) => x.rule)).toEqual(['budget-lines-required']);
  });

  it('when a milestone date is not a real calendar date, it reports milestone-date at that milestone', () => {
    const v = checkProposal(proposal((p) => { p.milestones[1].due = '2025-02-30'; p.milestones.push({ name: 'x', due: '31/12/2025' }); }));
    expect(v.map((x) => [x.field, x.rule])).toEqual([['/milestones/1/due', 'milestone-date'], ['/milestones/2/due', 'milestone-date']]);
  });

  it('when no objective has an indicator with a target above 0, it reports measurable-objective', () => {
    expect(checkProposal(proposal((p) => { p.objectives[0].indicators[0].target = 0; })).map((x) => x.rule)).toEqual(['measurable-objective']);
    expect(checkProposal(proposal((p) => { p.objectives = [{ description: 'x', indicators: [] }]; })).map((x) => x.rule)).toEqual(['measurable-objective']);
    expect(checkProposal(proposal((p) => { p.objectives = []; })).map((x) => x.rule)).toEqual(['measurable-objective']);
  });

  it('when an indicator target is negative, it reports indicator-target at that indicator', () => {
    const v = checkProposal(proposal((p) => { p.objectives[0].indicators.push({ name: 'bad', unit: 'x', target: -3 }); }));
    expect(v.map((x) => [x.field, x.rule])).toEqual([['/objectives/0/indicators/1/target', 'indicator-target']]);
  });

  it('when no target group is named, it reports target-groups-required', () => {
    expect(checkProposal(proposal((p) => { p.targetGroups = []; })).map((x) => x.rule)).toEqual(['target-groups-required']);
  });

  it('when team counts are invalid, there are more certified workers than staff, and no lead, it reports each', () => {
    const v = checkProposal(proposal((p) => { p.team = { staff: 3, certifiedSocialWorkers: 4, volunteers: -2, lead: '  ' }; }));
    expect(v.map((x) => [x.field, x.rule])).toMatchObject([
      ['/team/volunteers', 'team-count'],
      ['/team/certifiedSocialWorkers', 'certified-within-staff'],
      ['/team/lead', 'team-lead-required'],
    ]);
  });

  it('when the named members and the team counts disagree, it reports team-members-count; when they agree, it passes', () => {
    const members = [{ name: 'Wang Li', fullTime: true, certified: true }, { name: 'Zhao Min', fullTime: false, certified: false }];
    const v = checkProposal(proposal((p) => { p.team = { staff: 6, certifiedSocialWorkers: 4, volunteers: 30, lead: 'Wang Li', members }; }));
    expect(v).toEqual([expect.objectContaining({ field: '/team/members', rule: 'team-members-count', message: 'the team names 2 staff of whom 1 certified social workers, but counts 6 staff and 4 certified' })]);
    expect(checkProposal(proposal((p) => { p.team = { staff: 2, certifiedSocialWorkers: 1, volunteers: 30, lead: 'Wang Li', members }; }))).toEqual([]);
  });
});
