// The real machine behind HostInfo: interfaces from /sys/class/net, files by
// stat, users and groups from /etc/passwd and /etc/group.
import fs from 'node:fs';
import type { FileInfo, HostInfo } from './host.js';

function toInfo(st: fs.Stats): FileInfo {
  return { uid: st.uid, gid: st.gid, mode: st.mode, isFile: st.isFile(), isDirectory: st.isDirectory() };
}

function readColonFile(path: string): string[][] {
  try {
    return fs.readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

function listInterfaces(): ReadonlySet<string> | undefined {
  try {
    return new Set(fs.readdirSync('/sys/class/net'));
  } catch {
    return undefined;
  }
}

export function nodeHostInfo(): HostInfo {
  let passwd: string[][] | undefined;
  let groups: string[][] | undefined;
  return {
    interfaces: listInterfaces(),
    fileInfo(path) {
      try {
        return toInfo(fs.statSync(path));
      } catch {
        return undefined;
      }
    },
    linkInfo(path) {
      try {
        const st = fs.lstatSync(path);
        return { ...toInfo(st), isSymlink: st.isSymbolicLink() };
      } catch {
        return undefined;
      }
    },
    user(name) {
      passwd ??= readColonFile('/etc/passwd');
      const row = passwd.find((r) => r[0] === name);
      return row ? { uid: Number(row[2]), gid: Number(row[3]) } : undefined;
    },
    group(name) {
      groups ??= readColonFile('/etc/group');
      const row = groups.find((r) => r[0] === name);
      return row ? Number(row[2]) : undefined;
    },
    path: (process.env.PATH ?? '/usr/bin:/bin').split(':').filter(Boolean),
  };
}
