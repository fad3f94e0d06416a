// Delayed belief of an up/down value (track_process fork/terminate delay, interface up/down delays).
import { describe, expect, it } from 'vitest';
import { createDebounced, observe, settle } from '../../../src/vrrp/trackers/debounce.js';

const delays = { riseMs: 1000, fallMs: 3000 };

describe('debounced value', () => {
  it('without delays a change is believed at once', () => {
    const d = observe(createDebounced(true), false, 0, { riseMs: 0, fallMs: 0 });
    expect(d).toEqual({ value: false, observed: false, until: null });
  });

  it('a fall is believed after the fall delay, a rise after the rise delay', () => {
    let d = observe(createDebounced(true), false, 100, delays);
    expect(d.value).toBe(true);
    expect(d.until).toBe(3100);
    expect(settle(d, 3099).value).toBe(true);
    d = settle(d, 3100);
    expect(d).toEqual({ value: false, observed: false, until: null });
    d = observe(d, true, 5000, delays);
    expect(d.until).toBe(6000);
    expect(settle(d, 6000).value).toBe(true);
  });

  it('a change back before the delay cancels it (nothing is reported)', () => {
    let d = observe(createDebounced(true), false, 0, delays);
    d = observe(d, true, 1000, delays);
    expect(d).toEqual({ value: true, observed: true, until: null });
  });

  it('repeated observations of the pending value do not restart the delay', () => {
    let d = observe(createDebounced(true), false, 0, delays);
    d = observe(d, false, 2000, delays);
    expect(d.until).toBe(3000);
  });
});
