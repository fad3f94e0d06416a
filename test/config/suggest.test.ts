import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/config/suggest.js';

describe('suggest', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('prority', 'priority')).toBe(1);
    expect(editDistance('virtual_rotuer_id', 'virtual_router_id')).toBe(1);
  });

  it('finds the intended keyword, and nothing for unrelated words', () => {
    const keywords = ['priority', 'interface', 'state', 'advert_int', 'virtual_router_id'];
    expect(closest('prority', keywords)).toBe('priority');
    expect(closest('Priority', keywords)).toBe('priority');
    expect(closest('interfce', keywords)).toBe('interface');
    expect(closest('zebra', keywords)).toBeUndefined();
  });
});
