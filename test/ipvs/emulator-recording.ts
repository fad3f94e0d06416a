// What the real ipvsadm 1.31 did on a real IPVS kernel (emulator/fixtures/,
// made with emulator/record-oracle.mjs), for the tests that replay it
// against the emulator, in-process or through its executables.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(new URL('.', import.meta.url).pathname, 'emulator', 'fixtures');

export interface RecordedStep {
  args: string[];
  stdin?: string;
  stdout: string;
  stderr: string;
  status: number | null;
  signal?: string;
}

export interface Recording {
  ipvsadm: string;
  kernel: string;
  cases: { name: string; steps: RecordedStep[] }[];
}

export const recording = JSON.parse(readFileSync(join(FIXTURES, 'ipvsadm-1.31-linux-6.1.json'), 'utf8')) as Recording;

/**
 * Where the emulator cannot match: the kernel lists services unsorted in
 * hash-table order, and its hash mixes in a kernel pointer (two recordings,
 * two boots, gave two orders). Same lines, any order.
 */
const KNOWN_DIFFERENCES = [{ case: 'sorting of services and destinations', args: ['-Ln', '--nosort'] }];

export const isKnownDifference = (name: string, step: RecordedStep): boolean =>
  KNOWN_DIFFERENCES.some((k) => k.case === name && JSON.stringify(k.args) === JSON.stringify(step.args));

/** An output's lines in sorted order, to compare where only the order may differ. */
export const sortedLines = (text: string): string[] => text.split('\n').sort();
