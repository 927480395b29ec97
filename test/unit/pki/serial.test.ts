import { describe, expect, it } from 'vitest';
import { serialSchema } from '../../../src-shared/contract/pki';

describe('serial input as openssl prints it', () => {
  it('accepts serial=…, colon-separated and odd-length hex (left-padded)', () => {
    expect(serialSchema.parse('serial=4F3A01')).toBe('4f3a01');
    expect(serialSchema.parse('4F:3A:01')).toBe('4f3a01');
    expect(serialSchema.parse('F3A01')).toBe('0f3a01');
    expect(serialSchema.parse(' SERIAL=abc ')).toBe('0abc');
    expect(serialSchema.parse('ab'.repeat(20))).toBe('ab'.repeat(20));
  });

  it('refuses non-hex, empty, stray colons and more than 20 bytes', () => {
    for (const bad of ['', 'serial=', 'xyz', '4f::3a', ':4f', '4f:', 'ab'.repeat(20) + 'a', 'serial=serial=4f', '0x4f']) {
      expect([bad, serialSchema.safeParse(bad).success]).toEqual([bad, false]);
    }
  });
});
