import { maskAddress, maskName, maskPhone } from '../../api/masking';

test('when a mobile number is masked, the middle four digits are hidden as 138****5678', () => {
  expect(maskPhone('13812345678')).toBe('138****5678');
  expect(maskPhone('123')).toBe('***');
});

test('when an address or a name is masked, only its beginning stays', () => {
  expect(maskAddress('幸福小区3号楼2单元501')).toBe('幸福小区3号****');
  expect(maskAddress('短地址')).toBe('****');
  expect(maskName('张伟')).toBe('张*');
  expect(maskName('𠮷野家')).toBe('𠮷**');
});
