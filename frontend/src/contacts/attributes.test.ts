import { describe, expect, it } from 'vitest';
import { keyProblem, shownValue, sortedAttributes, valueProblem } from './attributes';

describe('contact attributes', () => {
  it('takes the keys the server takes', () => {
    for (const key of ['plan', 'customer_no', 'region.eu', 'Kundennummer', 'Größe', '2fa-enabled']) expect(keyProblem(key)).toBeNull();
    expect(keyProblem('')).toMatch(/name/);
    expect(keyProblem('two words')).toMatch(/no spaces/);
    expect(keyProblem('_hidden')).toMatch(/starting with a letter or digit/);
    expect(keyProblem('k'.repeat(65))).toMatch(/64/);
    expect(keyProblem('plan', ['plan'])).toMatch(/there already/);
    expect(keyProblem('one_more', Array.from({ length: 50 }, (_, i) => `k${i}`))).toMatch(/50/);
  });

  it('wants a value of at most 500 characters', () => {
    expect(valueProblem('gold')).toBeNull();
    expect(valueProblem('  ')).toMatch(/removes/);
    expect(valueProblem('x'.repeat(501))).toMatch(/500/);
  });

  it('shows values and lists them by name', () => {
    expect([shownValue('gold'), shownValue(3), shownValue(true), shownValue(false)]).toEqual(['gold', '3', 'yes', 'no']);
    expect(sortedAttributes({ vip: true, Plan: 'gold', orders: 3 }).map(([k]) => k)).toEqual(['orders', 'Plan', 'vip']);
  });
});
