// From the live table to the desired one: the fewest ipvsadm operations, in
// an order ipvsadm accepts in one -R batch. An entry that already exists and
// matches is adopted as it is (no "Service already exists", no flap); one
// that differs only in what ipvsadm can edit is edited, never deleted and
// added again; only entries we own are ever removed. Pure.
import {
  destinationId,
  destinationKeyText,
  destinationOptions,
  serviceKeyText,
  serviceOptions,
  serviceSpec,
  type IpvsDestination,
  type IpvsService,
  type IpvsTable,
  type ServiceKey,
  type TableKeys,
  type Tunnel,
} from './table.js';

export type DestinationKey = Pick<IpvsDestination, 'family' | 'address' | 'port'>;

export type IpvsOperation =
  | { kind: 'add-service'; service: IpvsService }
  | { kind: 'edit-service'; service: IpvsService }
  | { kind: 'delete-service'; service: ServiceKey }
  | { kind: 'add-destination'; service: ServiceKey; destination: IpvsDestination }
  | { kind: 'edit-destination'; service: ServiceKey; destination: IpvsDestination }
  | { kind: 'delete-destination'; service: ServiceKey; destination: DestinationKey };

export interface DiffResult {
  operations: IpvsOperation[];
  /** What we own once the operations are applied: the desired entries. */
  owned: TableKeys;
}

function sameService(a: IpvsService, b: IpvsService): boolean {
  return (
    a.scheduler === b.scheduler &&
    a.schedFlags === b.schedFlags &&
    a.onePacket === b.onePacket &&
    a.persistence?.timeout === b.persistence?.timeout &&
    a.persistence?.netmask === b.persistence?.netmask &&
    (a.persistenceEngine ?? '') === (b.persistenceEngine ?? '')
  );
}

function tunnelText(d: IpvsDestination): string {
  if (d.forwarding !== 'tun') return '';
  const t: Tunnel = d.tunnel ?? { type: 'ipip' };
  if (t.type === 'ipip') return 'ipip';
  return `${t.type} ${t.type === 'gue' ? (t.port ?? 0) : ''} ${t.checksum ?? 'nocsum'}`;
}

/** Connection limits count only when the live table knows them (ipvsadm -S does not save them). */
function sameDestination(live: IpvsDestination, wanted: IpvsDestination): boolean {
  const limitsKnown = live.upperThreshold !== undefined && live.lowerThreshold !== undefined;
  return (
    live.forwarding === wanted.forwarding &&
    live.weight === wanted.weight &&
    tunnelText(live) === tunnelText(wanted) &&
    (!limitsKnown || (live.upperThreshold === (wanted.upperThreshold ?? 0) && live.lowerThreshold === (wanted.lowerThreshold ?? 0)))
  );
}

/**
 * Operations that turn `live` into `desired`. `owned` says what may be
 * removed: live entries that are neither desired nor owned (someone else's)
 * are left alone. Order: services are added (and edited) before their
 * destinations; destinations are added before others are removed, so a pool
 * is never empty in between; destinations are removed before services.
 */
export function diffTables(live: IpvsTable, desired: IpvsTable, owned: TableKeys): DiffResult {
  const liveServices = new Map(live.services.map((s) => [serviceKeyText(s.key), s]));
  const desiredServices = new Set(desired.services.map((s) => serviceKeyText(s.key)));
  const addServices: IpvsOperation[] = [];
  const editServices: IpvsOperation[] = [];
  const addDestinations: IpvsOperation[] = [];
  const editDestinations: IpvsOperation[] = [];
  const deleteDestinations: IpvsOperation[] = [];
  const deleteServices: IpvsOperation[] = [];

  for (const wanted of desired.services) {
    const current = liveServices.get(serviceKeyText(wanted.key));
    if (!current) addServices.push({ kind: 'add-service', service: wanted });
    else if (!sameService(current, wanted)) editServices.push({ kind: 'edit-service', service: wanted });
    // The very destinations wanted, in order (a table programmed from the same desired
    // entries, as the reconciler remembers it): nothing to add, edit or remove in it.
    if (current && sameObjects(current.destinations, wanted.destinations)) continue;

    const currentDestinations = new Map((current?.destinations ?? []).map((d) => [destinationKeyText(d), d]));
    const wantedKeys = new Set<string>();
    for (const d of wanted.destinations) {
      const dKey = destinationKeyText(d);
      wantedKeys.add(dKey);
      const present = currentDestinations.get(dKey);
      if (!present) addDestinations.push({ kind: 'add-destination', service: wanted.key, destination: d });
      else if (present !== d && !sameDestination(present, d)) editDestinations.push({ kind: 'edit-destination', service: wanted.key, destination: d });
    }
    for (const [dKey, d] of currentDestinations) {
      if (!wantedKeys.has(dKey) && owned.destinations.has(destinationId(wanted.key, d))) {
        deleteDestinations.push({ kind: 'delete-destination', service: wanted.key, destination: d });
      }
    }
  }

  for (const [keyText, current] of liveServices) {
    if (desiredServices.has(keyText)) continue;
    // Deleting a service takes its destinations with it.
    if (owned.services.has(keyText)) {
      deleteServices.push({ kind: 'delete-service', service: current.key });
      continue;
    }
    for (const d of current.destinations) {
      if (owned.destinations.has(destinationId(current.key, d))) deleteDestinations.push({ kind: 'delete-destination', service: current.key, destination: d });
    }
  }

  return {
    operations: [...addServices, ...editServices, ...addDestinations, ...editDestinations, ...deleteDestinations, ...deleteServices],
    // Made when asked for: a pass at 10,000 destinations need not build it.
    get owned() {
      return keysOf(desired);
    },
  };
}

function sameObjects<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Every service and destination of a table. */
function keysOf(table: IpvsTable): TableKeys {
  const services = new Set<string>();
  const destinations = new Set<string>();
  for (const s of table.services) {
    services.add(serviceKeyText(s.key));
    for (const d of s.destinations) destinations.add(destinationId(s.key, d));
  }
  return { services, destinations };
}

/** What to remove at stop: every owned entry still in the live table. */
export function teardownOperations(live: IpvsTable, owned: TableKeys): IpvsOperation[] {
  return diffTables(live, { services: [] }, owned).operations;
}

/** One operation as an ipvsadm rule (the syntax of -S, read by -R). */
export function formatOperation(op: IpvsOperation): string {
  switch (op.kind) {
    case 'add-service':
      return `-A ${serviceSpec(op.service.key)} ${serviceOptions(op.service)}`;
    case 'edit-service':
      return `-E ${serviceSpec(op.service.key)} ${serviceOptions(op.service)}`;
    case 'delete-service':
      return `-D ${serviceSpec(op.service)}`;
    case 'add-destination':
      return `-a ${serviceSpec(op.service)} -r ${destinationKeyText(op.destination)} ${destinationOptions(op.destination)}`;
    case 'edit-destination':
      return `-e ${serviceSpec(op.service)} -r ${destinationKeyText(op.destination)} ${destinationOptions(op.destination)}`;
    case 'delete-destination':
      return `-d ${serviceSpec(op.service)} -r ${destinationKeyText(op.destination)}`;
  }
}

/** The stdin of one `ipvsadm -R`: one rule per line (no comments: -R does not skip them). */
export function formatBatch(operations: readonly IpvsOperation[]): string {
  return operations.map((op) => `${formatOperation(op)}\n`).join('');
}

/**
 * The table after `operations` have been applied to `table` (as ipvsadm -R
 * applies them): what the reconciler believes the kernel holds after a batch
 * that succeeded, so the next change needs no `ipvsadm -Sn` first. Pure.
 */
export function applyOperations(table: IpvsTable, operations: readonly IpvsOperation[]): IpvsTable {
  const services = new Map(table.services.map((s) => [serviceKeyText(s.key), { ...s, destinations: [...s.destinations] }]));
  for (const op of operations) {
    const key = serviceKeyText(op.kind === 'add-service' || op.kind === 'edit-service' ? op.service.key : op.service);
    const current = services.get(key);
    switch (op.kind) {
      case 'add-service':
        services.set(key, { ...op.service, destinations: [] });
        break;
      case 'edit-service':
        if (current) services.set(key, { ...op.service, destinations: current.destinations });
        break;
      case 'delete-service':
        services.delete(key);
        break;
      case 'add-destination':
      case 'edit-destination': {
        if (!current) break;
        const dKey = destinationKeyText(op.destination);
        const at = current.destinations.findIndex((d) => destinationKeyText(d) === dKey);
        if (at >= 0) current.destinations[at] = op.destination;
        else current.destinations.push(op.destination);
        break;
      }
      case 'delete-destination': {
        if (!current) break;
        const dKey = destinationKeyText(op.destination);
        current.destinations = current.destinations.filter((d) => destinationKeyText(d) !== dKey);
        break;
      }
    }
  }
  return { services: [...services.values()] };
}
