// VRRP timers as RFC 3768 / RFC 5798 define them (and keepalived computes
// them), written out independently of src/vrrp/timing.ts so the lab and the
// failover benchmark check our daemon against the RFC, not against itself.

/** Skew_Time = (256 - Priority) x Advertisement_Interval / 256, in ms. */
export const skewMs = (priority, advertS) => ((256 - priority) * advertS * 1000) / 256;

/** Master_Down_Interval = 3 x Advertisement_Interval + Skew_Time, in ms. */
export const masterDownMs = (priority, advertS) => 3 * advertS * 1000 + skewMs(priority, advertS);

/** The VIP lease keepalived-ts gives a master (issue 3): max(2 s, 2 x its Master_Down_Interval), whole seconds, in ms. */
export const vipLeaseMs = (priority, advertS) => Math.max(2, Math.floor((2 * masterDownMs(priority, advertS)) / 1000)) * 1000;
