import { creditCodeCheckChar, isValidCreditCode } from '../../db/repositories/organisations';

test('published unified social credit codes pass the GB 32100-2015 check', () => {
  expect(isValidCreditCode('91350100M000100Y43')).toBe(true);
  expect(isValidCreditCode('91110000600037341L')).toBe(true);
});

test('a wrong check character, a letter outside the alphabet (I, O, S, V, Z) or a wrong length fails', () => {
  expect(isValidCreditCode('91350100M000100Y44')).toBe(false);
  expect(isValidCreditCode('91350100M000100I43')).toBe(false);
  expect(isValidCreditCode('91350100M000100Y4')).toBe(false);
  expect(creditCodeCheckChar('91350100M000100O4')).toBeNull();
});
