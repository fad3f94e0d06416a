// The daemon's logger: pino, one JSON object per line on stdout (journald and
// log shippers take them as they are), or with -l human-readable lines on the
// console. Every event carries its subject as fields (instance, vs, rs), so
// a line can be found by what it is about, not by grepping prose.
import { pino, type DestinationStream, type Logger } from 'pino';

export type Log = Logger;

export interface LogOptions {
  /** -l / --log-console: human-readable lines instead of JSON. */
  console?: boolean;
  /** -D / --log-detail: debug events too. */
  detail?: boolean;
  /** The process role, on every line (parent, vrrp, checker). */
  process?: string;
  /** -S / --log-facility: kept as a field, as keepalived names it in syslog. */
  facility?: number;
  /** Where lines go (tests); default stdout. */
  destination?: DestinationStream;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'process', 'facility']);
const SUBJECTS = ['instance', 'group', 'vs', 'rs'] as const;

function scalar(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** One JSON log line as a console line: `time LEVEL process[pid] (subject) message key=value ...`. */
export function humanLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString().slice(11, 23) : '';
  const level = LEVEL_NAMES[rec.level as number] ?? String(rec.level);
  const who = `${typeof rec.process === 'string' ? rec.process : 'keepalived-ts'}[${String(rec.pid ?? '')}]`;
  const subject = SUBJECTS.filter((k) => rec[k] !== undefined).map((k) => `${k}=${scalar(rec[k])}`);
  const rest = Object.entries(rec)
    .filter(([k]) => !HIDDEN.has(k) && !(SUBJECTS as readonly string[]).includes(k))
    .map(([k, v]) => `${k}=${scalar(v)}`);
  return [time, level.padEnd(5), who, subject.length > 0 ? `(${subject.join(' ')})` : '', String(rec.msg ?? ''), ...rest]
    .filter((s) => s !== '')
    .join(' ');
}

/** A stream that writes pino's lines as human-readable ones to `out`. */
function humanStream(out: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => void out.write(`${humanLine(line)}\n`) };
}

export function createLog(options: LogOptions = {}): Log {
  const base: Record<string, unknown> = { pid: process.pid };
  if (options.process) base.process = options.process;
  if (options.facility !== undefined) base.facility = options.facility;
  const destination = options.destination ?? (options.console ? humanStream(process.stdout) : pino.destination({ dest: 1, sync: true }));
  return pino({ level: options.detail ? 'debug' : 'info', base, timestamp: pino.stdTimeFunctions.epochTime }, destination);
}

/** A logger that drops everything (tests, and parts run without a daemon). */
export const silentLog: Log = pino({ level: 'silent' });
