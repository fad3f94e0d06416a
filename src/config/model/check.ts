// The checker side of the model: virtual servers, real servers, checkers.
// (Filled in by the checker part.)

export interface CheckConfig {
  virtualServers: unknown[];
}

export function createCheckConfig(): CheckConfig {
  return { virtualServers: [] };
}
