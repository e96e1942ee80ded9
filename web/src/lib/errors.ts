import type { FormInstance } from 'antd';
import { ApiError } from '../api/client';
import { fmt, label, zh } from '../i18n';

/** "/body/proposal/budgetLines/0/amountFen" -> ['proposal', 'budgetLines', 0, 'amountFen'] (a form field path). */
export function fieldPath(pointer: string, prefix = '/body/'): (string | number)[] | null {
  if (!pointer.startsWith(prefix)) return null;
  return pointer
    .slice(prefix.length)
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

const ruleText = (rule: string): string => zh.rules[rule] ?? zh.ruleFallback;

/** The sentence for a failed call, in Chinese. */
export function problemText(err: unknown): string {
  if (!(err instanceof ApiError)) return zh.errors.server;
  const p = err.problem;
  switch (p.status) {
    case 0:
      return zh.errors.network;
    case 401:
      return zh.errors.unauthorized;
    case 403:
      return zh.errors.forbidden;
    case 404:
      return zh.errors.notFound;
    case 409:
      return fmt(zh.errors.conflict, { stage: label(zh.stages, p.currentStage) });
    case 400:
      return zh.errors.invalid;
    case 422:
      return p.errors?.length ? p.errors.map((e) => ruleText(e.rule)).join('；') : zh.errors.rule;
    default:
      return zh.errors.server;
  }
}

/**
 * Puts each `errors[].field` of a problem next to its form field (mapped through `toField`); what names no field of
 * the form is returned as one sentence for the form's banner.
 */
export function showProblem(form: FormInstance, err: unknown, toField: (pointer: string) => (string | number)[] | null = (p) => fieldPath(p)): string | null {
  if (!(err instanceof ApiError) || !err.problem.errors?.length) return problemText(err);
  const byField = new Map<string, { name: (string | number)[]; errors: string[] }>();
  const rest: string[] = [];
  for (const e of err.problem.errors) {
    const name = toField(e.field);
    if (name && name.length) {
      const key = JSON.stringify(name);
      const entry = byField.get(key) ?? { name, errors: [] };
      entry.errors.push(ruleText(e.rule));
      byField.set(key, entry);
    } else rest.push(ruleText(e.rule));
  }
  form.setFields([...byField.values()]);
  return rest.length ? rest.join('；') : null;
}
