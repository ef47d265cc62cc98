// The one way the agent writes inside a guest root. What a guest root holds is the guest's (a
// template, a copied server, a running guest's own changes): any component may be a symbolic
// link to a host path, or be swapped for one while the agent works. So every path is resolved
// from the open root directory one component at a time, each opened with O_NOFOLLOW|O_DIRECTORY
// through /proc/self/fd/<fd>/<name> (Node has no *at() calls), and the final entry is made
// relative to its open parent; modes are set on open descriptors. Nothing is ever followed.
import { constants, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { runTool } from '../process/runTool';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } = constants;
const OPEN_DIRECTORY = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
const CREATE_FILE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

/** A guest root path the agent refuses to use: it names the path as the guest sees it. */
export class GuestRootError extends Error {
  constructor(
    /** The guest root on the host. */
    readonly root: string,
    /** The refused path inside the guest, e.g. "/etc/hostname". */
    readonly guestPath: string,
    problem: string,
  ) {
    super(`the guest's ${guestPath} ${problem}`);
    this.name = 'GuestRootError';
  }
}

/**
 * What to do with a symbolic link found at the final name. `refuse` (the default) is for paths
 * whose content is the guest's; `replace` is for paths the agent owns: the link itself is
 * removed (its target is never touched) and the agent's entry made in its place.
 */
export type LinkPolicy = 'refuse' | 'replace';

export interface DirectoryOptions {
  /** Mode of the final directory when this call creates it (missing parents get 0755). */
  mode: number;
  link?: LinkPolicy;
  /** Also set `mode` on the final directory when it already exists. */
  resetMode?: boolean;
}

export interface FileOptions {
  mode?: number;
  link?: LinkPolicy;
  /** Leave whatever already sits at the name (a link included, unfollowed) and report false. */
  ifMissing?: boolean;
}

export interface DeviceOptions {
  /** c: character device (the default), b: block device, p: fifo (no numbers). */
  type?: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  mode: number;
  link?: LinkPolicy;
  /** Numeric owner of the new node (a copied tree's); default the agent's (root). */
  owner?: { uid: number; gid: number };
  /** Modification time of the new node, nanoseconds since the epoch as digits (a copied tree's). */
  mtimeNs?: string;
}

/** A node for makeNodes: its name in the directory, and how to make it. */
export type NamedNode = DeviceOptions & { name: string };

/**
 * Makes nodes in the directory that is its fd 3, one process for them all (a spawn from the agent
 * costs far more than mknod itself). Arguments per node: mode, name, type, major, minor, touch's
 * time or ''; then, after '--', the directory's own time or ''. A failure names its entry on stderr.
 */
const MAKE_NODES_SCRIPT = `while [ "$1" != -- ]; do
  path=/proc/self/fd/3/$2
  if [ "$3" = p ]; then mknod -m "$1" "$path" p; else mknod -m "$1" "$path" "$3" "$4" "$5"; fi || { echo "$2" >&2; exit 1; }
  [ -z "$6" ] || touch -h -d "$6" "$path" || { echo "$2" >&2; exit 1; }
  shift 6
done
[ -z "$2" ] || touch -h -d "$2" /proc/self/fd/3/. || { echo . >&2; exit 1; }`;

/** "1796122096604244522" -> "@1796122096.604244522", touch's form of a time to the nanosecond. */
function touchTime(nanoseconds: string): string {
  const digits = nanoseconds.padStart(10, '0');
  return `@${digits.slice(0, -9)}.${digits.slice(-9)}`;
}

/** Numbers the temporary files of writeFile, unique within this process. */
let writeSerial = 0;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function isExisting(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EEXIST';
}

/** Splits "etc/hostname" (or "/etc/hostname") into components; ".." is never a component. */
function components(relative: string): string[] {
  const parts = relative.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new Error(`'${relative}' is not a path below a guest root`);
  return parts;
}

/** An open directory inside the guest root and the guest's name for it. */
interface OpenDirectory {
  handle: FileHandle;
  guestPath: string;
}

/** A directory this call created, to remove again if the call fails. */
interface MadeDirectory {
  parent: OpenDirectory;
  name: string;
}

function entryPath(directory: OpenDirectory, name: string): string {
  return `/proc/self/fd/${directory.handle.fd}/${name}`;
}

function guestPathOf(directory: OpenDirectory, name: string): string {
  return `${directory.guestPath === '/' ? '' : directory.guestPath}/${name}`;
}

/** A guest root opened once; every method resolves its path below it without following links. */
export class GuestRoot {
  private constructor(
    /** The root's path on the host, for messages and for tools that copy into the root. */
    readonly path: string,
    private readonly root: OpenDirectory,
  ) {}

  /** Opens the root directory itself (which must not be a link). Close it with close(). */
  static async open(path: string): Promise<GuestRoot> {
    const handle = await fs.open(path, OPEN_DIRECTORY).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`the guest root ${path} cannot be opened as a directory (${error.code ?? error.message})`);
    });
    return new GuestRoot(path, { handle, guestPath: '/' });
  }

  /** Opens the root, runs `action` on it and closes it, whatever the outcome. */
  static async using<T>(path: string, action: (root: GuestRoot) => Promise<T>): Promise<T> {
    const root = await GuestRoot.open(path);
    try {
      return await action(root);
    } finally {
      await root.close();
    }
  }

  async close(): Promise<void> {
    await this.root.handle.close();
  }

  /** lstat of the entry (a link is described, not followed); undefined when it does not exist. */
  async entry(relative: string): Promise<Stats | undefined> {
    return this.atFinal(relative, undefined, (parent, name) => fs.lstat(entryPath(parent, name)).catch((error) => {
      if (isMissing(error)) return undefined;
      throw error;
    }));
  }

  /** mkdir -p: creates what is missing; an existing directory is kept (with its mode unless resetMode). */
  async makeDirectory(relative: string, options: DirectoryOptions): Promise<void> {
    await this.atFinal(relative, 0o755, async (parent, name, made) => {
      await this.clearLink(parent, name, options.link);
      const directory = await this.enterDirectory(parent, name, options.mode, made);
      try {
        if (options.resetMode) await directory.handle.chmod(options.mode);
      } finally {
        await directory.handle.close();
      }
    });
  }

  /**
   * Writes a regular file, whole, beside the name and then puts it in place in one step, so a
   * failure never leaves half a file. An existing file is replaced by renaming over it (a rename
   * never follows a link and never writes into a file hard-linked elsewhere); with ifMissing, an
   * existing entry is kept. Returns whether the file was written.
   */
  async writeFile(relative: string, content: string | Buffer, options: FileOptions = {}): Promise<boolean> {
    const mode = options.mode ?? 0o644;
    return this.atFinal(relative, undefined, async (parent, name) => {
      const existing = options.ifMissing ? undefined : await this.clearLink(parent, name, options.link);
      if (existing && !existing.isFile()) throw new GuestRootError(this.path, guestPathOf(parent, name), 'is not a regular file, so it cannot be written');
      writeSerial += 1;
      const temporary = `.vfleet-write-${process.pid}-${writeSerial}-${name}`.slice(0, 255);
      let renamed = false;
      try {
        await this.createFile(parent, temporary, content, mode);
        if (!options.ifMissing) {
          await fs.rename(entryPath(parent, temporary), entryPath(parent, name));
          renamed = true;
          return true;
        }
        // link(2) fails on any existing entry, a symbolic link included, and never follows one.
        return await fs.link(entryPath(parent, temporary), entryPath(parent, name)).then(() => true, (error) => {
          if (isExisting(error)) return false;
          throw error;
        });
      } finally {
        if (!renamed) await fs.unlink(entryPath(parent, temporary)).catch(() => undefined);
      }
    });
  }

  /** Creates a symbolic link (its target is only stored, never resolved) unless the name exists. */
  async symlink(target: string, relative: string): Promise<boolean> {
    return this.atFinal(relative, undefined, (parent, name) => fs.symlink(target, entryPath(parent, name)).then(() => true, (error) => {
      if (isExisting(error)) return false;
      throw error;
    }));
  }

  /** Creates a device node or fifo unless something other than a link already sits there; returns whether it did. */
  async makeNode(relative: string, options: DeviceOptions): Promise<boolean> {
    const parts = components(relative);
    const name = parts.pop() as string;
    return (await this.makeNodes(parts.join('/'), [{ ...options, name }])).length > 0;
  }

  /**
   * Creates device nodes and fifos in one directory (`directory` below the root, '' for the root
   * itself), each unless something other than a link already sits at its name, then sets the
   * directory's modification time when given (nanoseconds as digits: a copied tree's, put back
   * after its nodes were made). One mknod and touch process for all of them. Returns the names made.
   */
  async makeNodes(directory: string, nodes: NamedNode[], directoryMtimeNs?: string): Promise<string[]> {
    if (directory === '' || directory === '.') return this.makeNodesIn(this.root, nodes, directoryMtimeNs);
    return this.atFinal(directory, undefined, async (parent, name) => {
      const opened = await this.openDirectory(parent, name);
      try {
        return await this.makeNodesIn(opened, nodes, directoryMtimeNs);
      } finally {
        await opened.handle.close();
      }
    });
  }

  /** Sets a directory's modification time (nanoseconds as digits), e.g. back to a copied tree's after nodes were made in it. */
  async setDirectoryTime(relative: string, mtimeNs: string): Promise<void> {
    await this.makeNodes(relative, [], mtimeNs);
  }

  private async makeNodesIn(directory: OpenDirectory, nodes: NamedNode[], directoryMtimeNs: string | undefined): Promise<string[]> {
    const made: NamedNode[] = [];
    for (const node of nodes) {
      if (node.name.includes('/') || components(node.name).length !== 1) throw new Error(`'${node.name}' is not a name in a directory`);
      if (!(await this.clearLink(directory, node.name, node.link))) made.push(node);
    }
    if (made.length === 0 && directoryMtimeNs === undefined) return [];
    const args = made.flatMap((node) => {
      const type = node.type ?? 'c';
      return [node.mode.toString(8), node.name, type, String(node.major), String(node.minor), node.mtimeNs ? touchTime(node.mtimeNs) : ''];
    });
    const failed = (name: string, problem: string): GuestRootError => (name === '.'
      ? new GuestRootError(this.path, directory.guestPath, `cannot have its time set: ${problem}`)
      : new GuestRootError(this.path, guestPathOf(directory, name), `cannot be made: ${problem}`));
    const result = await runTool('sh', ['-c', MAKE_NODES_SCRIPT, 'vfleet-nodes', ...args, '--', directoryMtimeNs ? touchTime(directoryMtimeNs) : ''], {
      fds: [directory.handle.fd], allowCodes: [1],
    });
    if (result.code !== 0) {
      // The script's last line names the entry; the tool's own message is before it.
      const lines = result.stderr.trim().split('\n');
      const name = lines.pop() ?? '.';
      throw failed(name, lines.join(' / ') || 'failed');
    }
    // Each node was just made here, so lchown meets no link; an owner changes no time.
    for (const node of made) {
      if (node.owner) await fs.lchown(entryPath(directory, node.name), node.owner.uid, node.owner.gid).catch((error: Error) => { throw failed(node.name, error.message); });
    }
    return made.map((node) => node.name);
  }

  /**
   * Opens every parent of `relative` in turn, creating missing ones with `createMode` (when
   * given), and runs `action` with the open parent and the final name. A failed call leaves no
   * directory it made: they are removed, deepest first (rmdir removes only what is still empty).
   */
  private async atFinal<T>(
    relative: string,
    createMode: number | undefined,
    action: (parent: OpenDirectory, name: string, made: MadeDirectory[]) => Promise<T>,
  ): Promise<T> {
    const parts = components(relative);
    const name = parts.pop() as string;
    const opened: OpenDirectory[] = [];
    const made: MadeDirectory[] = [];
    try {
      let current = this.root;
      for (const part of parts) {
        current = await this.enterDirectory(current, part, createMode, made);
        opened.push(current);
      }
      return await action(current, name, made);
    } catch (error) {
      for (const directory of made.reverse()) await fs.rmdir(entryPath(directory.parent, directory.name)).catch(() => undefined);
      throw error;
    } finally {
      for (const directory of opened) await directory.handle.close();
    }
  }

  /** Opens parent/name as a directory; when `mode` is given, first makes it if it is missing (noted in `made`). */
  private async enterDirectory(parent: OpenDirectory, name: string, mode: number | undefined, made: MadeDirectory[]): Promise<OpenDirectory> {
    const created = mode !== undefined && await fs.mkdir(entryPath(parent, name), { mode }).then(() => true, (error) => {
      if (isExisting(error)) return false;
      throw error;
    });
    if (created) made.push({ parent, name });
    const directory = await this.openDirectory(parent, name);
    if (!created) return directory;
    // mkdir's mode passes through the umask; the descriptor gets the exact one.
    await directory.handle.chmod(mode).catch(async (error: unknown) => {
      await directory.handle.close();
      throw error;
    });
    return directory;
  }

  private async openDirectory(parent: OpenDirectory, name: string): Promise<OpenDirectory> {
    const guestPath = guestPathOf(parent, name);
    try {
      return { handle: await fs.open(entryPath(parent, name), OPEN_DIRECTORY), guestPath };
    } catch (error) {
      const stats = await fs.lstat(entryPath(parent, name)).catch(() => undefined);
      if (stats?.isSymbolicLink()) throw await this.linkError(parent, name);
      if (stats && !stats.isDirectory()) throw new GuestRootError(this.path, guestPath, 'is not a directory');
      if (!stats) throw new GuestRootError(this.path, guestPath, 'does not exist');
      throw new GuestRootError(this.path, guestPath, `cannot be opened (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  /** lstat of the final name; a link there is refused or removed, as the policy says. */
  private async clearLink(parent: OpenDirectory, name: string, policy: LinkPolicy = 'refuse'): Promise<Stats | undefined> {
    const stats = await fs.lstat(entryPath(parent, name)).catch((error) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (!stats?.isSymbolicLink()) return stats;
    if (policy === 'refuse') throw await this.linkError(parent, name);
    await fs.unlink(entryPath(parent, name));
    return undefined;
  }

  private async linkError(parent: OpenDirectory, name: string): Promise<GuestRootError> {
    const target = await fs.readlink(entryPath(parent, name)).catch(() => '?');
    return new GuestRootError(this.path, guestPathOf(parent, name), `is a symbolic link (to ${target}); vfleet does not follow links inside a guest root`);
  }

  private async createFile(parent: OpenDirectory, name: string, content: string | Buffer, mode: number): Promise<void> {
    const handle = await fs.open(entryPath(parent, name), CREATE_FILE, mode);
    try {
      await handle.writeFile(content);
      await handle.chmod(mode);
    } finally {
      await handle.close();
    }
  }
}
