// One definition of a broken rule for every rule module: the contest's rules use the programme rules' own.
export { jsonPointer, type RuleViolation } from '../rules/violations';
