import { Tag } from 'antd';
import { label, zh } from '../i18n';

const COLOURS: Record<string, string> = { green: 'green', blue: 'blue', yellow: 'gold', red: 'red' };

export function colourTag(colour: string | null) {
  return colour ? <Tag color={COLOURS[colour]}>{label(zh.colours, colour)}</Tag> : zh.common.none;
}
