import type { Criterion } from '../api/types';

const CRITERIA: Record<string, string> = { needFit: '需求契合度', design: '项目设计', team: '团队专业性', budget: '预算合理性', sustainability: '可持续性' };

/**
 * A criterion's Chinese name (a rubric criterion, a supervision dimension or an evaluation indicator): the catalogue's,
 * or the Chinese the programme wrote in brackets, or its key.
 */
export function criterionName(c: Pick<Criterion, 'key' | 'name'>): string {
  const bracketed = c.name.match(/[（(]([^）)]*[\u4e00-\u9fff][^）)]*)[）)]/);
  return CRITERIA[c.key] ?? bracketed?.[1] ?? (/[\u4e00-\u9fff]/.test(c.name) ? c.name : c.key);
}
