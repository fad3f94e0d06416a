// The daemon's logger: pino, one JSON object per line on stdout (journald and
// log shippers take them as they are), or with -l human-readable lines on the
// console. Every event carries its subject as fields (instance, vs, rs), so
// a line can be found by what it is about, not by grepping prose.
//
// Lines go out asynchronously through a bounded buffer: a log reader that
// stops reading (a stuck journald, a full pipe) must not stop the process.
// pino's synchronous destination sleeps 100 ms per retry on a full pipe,
// long enough for a VRRP master to miss its adverts. When the buffer is full,
// lines are dropped and counted, and once it has drained a warning says how
// many were lost.
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
  /** Where lines go (tests); default the file descriptor `fd`. */
  destination?: DestinationStream;
  /** Default 1 (stdout). */
  fd?: number;
  /** Bytes waiting to be written before lines are dropped. Default 1 MiB. */
  maxBufferedBytes?: number;
}

const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

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
function humanStream(out: DestinationStream): DestinationStream {
  return { write: (line: string) => void out.write(`${humanLine(line)}\n`) };
}

export function createLog(options: LogOptions = {}): Log {
  const base: Record<string, unknown> = { pid: process.pid };
  if (options.process) base.process = options.process;
  if (options.facility !== undefined) base.facility = options.facility;
  const settings = { level: options.detail ? 'debug' : 'info', base, timestamp: pino.stdTimeFunctions.epochTime };
  if (options.destination) return pino(settings, options.destination);

  // pino flushes this buffer synchronously when the process exits.
  const sink = pino.destination({ dest: options.fd ?? 1, sync: false, maxLength: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES });
  const log = pino(settings, options.console ? humanStream(sink) : sink);
  let dropped = 0;
  sink.on('drop', () => dropped++);
  sink.on('drain', () => {
    if (dropped === 0) return;
    const lost = dropped;
    dropped = 0;
    log.warn({ dropped: lost }, 'log lines dropped: the log reader did not keep up');
  });
  return log;
}

/** A logger that drops everything (tests, and parts run without a daemon). */
export const silentLog: Log = pino({ level: 'silent' });
