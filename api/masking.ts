// Personal information shown to those without a need to know: enough to recognise, not to reach.

/** 13812345678 → 138****5678; any other length keeps its first three and last four at most. */
export function maskPhone(phone: string): string {
  const digits = [...phone];
  if (digits.length <= 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3).join('')}****${digits.slice(-4).join('')}`;
}

/** The first six characters (the estate or street), then ****: 幸福小区3号楼2单元501 → 幸福小区3号****. */
export function maskAddress(address: string): string {
  const chars = [...address];
  return chars.length <= 6 ? '****' : `${chars.slice(0, 6).join('')}****`;
}

/** 张伟 → 张*; 欧阳娜娜 → 欧***; Li Hua → L*****. */
export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(chars.length - 1)}`;
}
