import { agreementFor, fundingSourcesOf, MATCHING_SOURCE_NAME } from '../../activities/contest-awards';

describe('fundingSourcesOf', () => {
  test('one line per funder and kind, summed; cash, goods, services in that order; the matching pool last as government', () => {
    const sources = fundingSourcesOf(
      [
        { funderOrganisationId: 'b', name: 'Foundation B', kind: 'goods', amountFen: 30_000 },
        { funderOrganisationId: 'a', name: 'Company A', kind: 'cash', amountFen: 100_000 },
        { funderOrganisationId: 'a', name: 'Company A', kind: 'cash', amountFen: 50_000 },
        { funderOrganisationId: 'a', name: 'Company A', kind: 'services', amountFen: 20_000 },
      ],
      70_000,
    );
    expect(sources).toEqual([
      { funderOrganisationId: 'a', name: 'Company A', kind: 'cash', valueFen: 150_000 },
      { funderOrganisationId: 'b', name: 'Foundation B', kind: 'goods', valueFen: 30_000 },
      { funderOrganisationId: 'a', name: 'Company A', kind: 'services', valueFen: 20_000 },
      { funderOrganisationId: null, name: MATCHING_SOURCE_NAME, kind: 'government', valueFen: 70_000 },
    ]);
  });

  test('no matching line when the pool gave nothing', () => {
    expect(fundingSourcesOf([{ funderOrganisationId: 'a', name: 'A', kind: 'cash', amountFen: 1 }], 0)).toHaveLength(1);
  });
});

describe('agreementFor', () => {
  const terms = { startDate: '2027-01-01', endDate: '2027-12-31', finalTranchePercent: 30 };

  test('holds back the final tranche, rounded down to the fen, and the tranches add up to the award exactly', () => {
    const a = agreementFor(100_001, [], terms);
    expect(a.tranches.map((t) => [t.amountFen, t.releaseOn])).toEqual([[70_001, '2027-01-01'], [30_000, '2027-12-31']]);
    expect(a.tranches.reduce((s, t) => s + t.amountFen, 0)).toBe(a.amountFen);
  });

  test('with nothing held back there is a single tranche; with everything held back, only the final one', () => {
    expect(agreementFor(50_000, [], { ...terms, finalTranchePercent: 0 }).tranches).toHaveLength(1);
    expect(agreementFor(50_000, [], { ...terms, finalTranchePercent: 100 }).tranches.map((t) => t.amountFen)).toEqual([50_000]);
  });
});
