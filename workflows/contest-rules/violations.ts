// One definition of a broken rule for every rule module: the contest's rules use the programme rules' own.
export { jsonPointer, violation, type RuleViolation } from '../rules/violations';
