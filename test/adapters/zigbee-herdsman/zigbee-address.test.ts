import assert from 'node:assert/strict';
import { parseZigbeeAddress } from '../../../adapters/zigbee-herdsman';

describe('zigbee-herdsman adapter: binding addresses', () => {
  it('reads an IEEE address, lower-cased, with or without an endpoint', () => {
    assert.deepEqual(parseZigbeeAddress('0x00124B0012345678'), { ieeeAddr: '0x00124b0012345678' });
    assert.deepEqual(parseZigbeeAddress('0x00124b0012345678/2'), { ieeeAddr: '0x00124b0012345678', endpoint: 2 });
  });

  it('says what is wrong with anything else', () => {
    assert.match(parseZigbeeAddress('00:12:4b:00:12:34:56:78') as string, /not an IEEE address/);
    assert.match(parseZigbeeAddress('0x00124b00123456') as string, /not an IEEE address/);
    assert.match(parseZigbeeAddress('0x00124b0012345678/0') as string, /outside 1-240/);
    assert.match(parseZigbeeAddress('0x00124b0012345678/242') as string, /outside 1-240/);
  });
});
