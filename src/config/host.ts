// What validation needs to know about the machine it runs on. Passes see only
// this interface; host-node.ts reads the real machine, tests pass a fake.

export interface FileInfo {
  uid: number;
  gid: number;
  /** Permission bits (st_mode & 0o7777) plus the file type bits. */
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface UserInfo {
  uid: number;
  gid: number;
}

export interface HostInfo {
  /** Names of the network interfaces that exist; undefined means "do not check". */
  interfaces?: ReadonlySet<string>;
  /** stat(2) of a path (following links), or undefined when it does not exist. */
  fileInfo(path: string): FileInfo | undefined;
  /** lstat(2): like fileInfo, but does not follow a final symbolic link. */
  linkInfo?(path: string): (FileInfo & { isSymlink: boolean }) | undefined;
  /** Looks a user up by name (passwd), or undefined. */
  user(name: string): UserInfo | undefined;
  /** Looks a group up by name, or undefined. */
  group(name: string): number | undefined;
  /** Directories of $PATH, to resolve a script given without a slash. */
  path: readonly string[];
}
