// A real Debian root for the tests, built once per machine and kept in a fixed cache folder shared
// by every test file and every run (CI runs on this machine in a fresh clone, so it reuses it).
//
// /var/cache/vfleet-test/debian/<name>-<key>/ holds
//   debs.tgz   debootstrap --make-tarball: every .deb the tree needs, so a real `debootstrap
//              --unpack-tarball` (e.g. the agent's build -m debootstrap) runs offline
//   tree/      the installed root (debootstrap --unpack-tarball of debs.tgz), for build -m template
//   complete   written last: without it the folder is a half-built leftover and is built again
// The key is a hash of suite, variant, architecture, mirror and package list, so a changed package
// list gets a new folder (older folders of the same name are removed then). `flock` on the name's
// lock file keeps two test files from building at once; the second one waits and then uses the
// first one's result. Guests copied from tree/ share its sshd host keys; a debootstrap build from
// debs.tgz makes its own.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEBIAN_CACHE_BASE = process.env.VFLEET_TEST_DEBIAN_CACHE ?? '/var/cache/vfleet-test/debian';

export interface DebianRootSpec {
  /** Folder name prefix, e.g. bookworm-sysv. */
  name: string;
  suite: string;
  variant: 'minbase';
  /** debootstrap --include, on top of the variant's packages. */
  include: string[];
}

/** bookworm with sysvinit as init, sshd as a service with rc scripts, and ps/ip for the checks. */
export const BOOKWORM_SYSV: DebianRootSpec = {
  name: 'bookworm-sysv',
  suite: 'bookworm',
  variant: 'minbase',
  include: ['sysvinit-core', 'openssh-server', 'procps', 'iproute2'],
};

export interface DebianRoot {
  spec: DebianRootSpec;
  key: string;
  mirror: string;
  /** The installed root: a template source. */
  tree: string;
  /** The .debs of the tree as debootstrap --make-tarball wrote them: a --unpack-tarball source. */
  tarball: string;
  /** debootstrap's own options that rebuild this tree from the tarball. */
  debootstrapOptions: string[];
  /** Seconds the first build of this cache took (on whichever run made it). */
  buildSeconds: number;
  /** false when a complete cache was there at the call; true when this call built it or waited for another process building it. */
  builtNow: boolean;
}

const BUILD_FORMAT = 1;

/** The Debian mirror this machine's apt uses (deb822 sources), else deb.debian.org. */
export function debianMirror(suite: string, file = '/etc/apt/sources.list.d/debian.sources'): string {
  if (existsSync(file)) {
    for (const stanza of readFileSync(file, 'utf8').split(/\n\s*\n/)) {
      const field = (key: string): string[] => (new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(stanza)?.[1] ?? '').split(/\s+/).filter(Boolean);
      const uri = field('URIs')[0];
      if (uri && field('Suites').includes(suite) && field('Types').includes('deb')) return uri;
    }
  }
  return 'http://deb.debian.org/debian';
}

function architecture(): string {
  return execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
}

export function debianRootKey(spec: DebianRootSpec, mirror: string): string {
  const material = JSON.stringify({ format: BUILD_FORMAT, suite: spec.suite, variant: spec.variant, include: [...spec.include].sort(), mirror, arch: architecture() });
  return createHash('sha256').update(material).digest('hex').slice(0, 12);
}

/** The completion marker of a cache folder; undefined for a half-built or missing one. */
export function readMarker(directory: string): { buildSeconds: number } | undefined {
  try {
    return JSON.parse(readFileSync(join(directory, 'complete'), 'utf8')) as { buildSeconds: number };
  } catch {
    return undefined;
  }
}

// Runs under the lock. $1 cache folder, $2 suite, $3 variant, $4 includes, $5 mirror, $6 name prefix,
// $7 folder name. Other keys of the same name are removed: only the current package list is kept.
const BUILD_SCRIPT = `set -eu
dir=$1; suite=$2; variant=$3; include=$4; mirror=$5; prefix=$6; own=$7
[ -f "$dir/complete" ] && exit 0
start=$(date +%s)
rm -rf "$dir"; mkdir -p "$dir/work"
for old in "$(dirname "$dir")/$prefix"-*; do [ "$old" != "$dir" ] && [ -d "$old" ] && rm -rf "$old"; done
debootstrap --variant="$variant" --include="$include" --make-tarball="$dir/work/debs.tgz" "$suite" "$dir/work/download" "$mirror" > "$dir/work/make-tarball.log" 2>&1 \\
  || { tail -n 20 "$dir/work/make-tarball.log" >&2; exit 1; }
rm -rf "$dir/work/download"
debootstrap --variant="$variant" --include="$include" --unpack-tarball="$dir/work/debs.tgz" "$suite" "$dir/work/tree" > "$dir/work/unpack-tarball.log" 2>&1 \\
  || { tail -n 20 "$dir/work/unpack-tarball.log" >&2; exit 1; }
rm -f "$dir/work/tree/var/cache/apt/archives/"*.deb
mv "$dir/work/debs.tgz" "$dir/debs.tgz"; mv "$dir/work/tree" "$dir/tree"; mv "$dir/work/"*.log "$dir/"; rmdir "$dir/work"
printf '{"name":"%s","buildSeconds":%s}\\n' "$own" "$(( $(date +%s) - start ))" > "$dir/complete.tmp"
sync -f "$dir/complete.tmp"; mv "$dir/complete.tmp" "$dir/complete"
`;

function runBuild(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] ?? 'false', argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`building the Debian root cache failed (${signal ?? `exit ${code}`}); see the lines above`))));
  });
}

/**
 * The cached Debian root of `spec`, building it first when no complete one exists (under a minute
 * to a few minutes with the mirror reachable; needs root and debootstrap). Safe to call from
 * parallel test files: one builds, the others wait for its lock and then use the result.
 */
export async function debianRoot(spec: DebianRootSpec = BOOKWORM_SYSV): Promise<DebianRoot> {
  const mirror = debianMirror(spec.suite);
  const key = debianRootKey(spec, mirror);
  const folder = `${spec.name}-${key}`;
  const directory = join(DEBIAN_CACHE_BASE, folder);
  let marker = readMarker(directory);
  const builtNow = marker === undefined;
  if (!marker) {
    mkdirSync(DEBIAN_CACHE_BASE, { recursive: true });
    const lock = join(DEBIAN_CACHE_BASE, `.${spec.name}.lock`);
    await runBuild(['flock', '-w', '1800', lock, 'sh', '-c', BUILD_SCRIPT, 'build', directory, spec.suite, spec.variant, spec.include.join(','), mirror, spec.name, folder]);
    marker = readMarker(directory);
    if (!marker) throw new Error(`the Debian root cache ${directory} has no completion marker after its build`);
  }
  return {
    spec,
    key,
    mirror,
    tree: join(directory, 'tree'),
    tarball: join(directory, 'debs.tgz'),
    debootstrapOptions: [`--include=${spec.include.join(',')}`, `--unpack-tarball=${join(directory, 'debs.tgz')}`],
    buildSeconds: marker.buildSeconds,
    builtNow,
  };
}

/** Cache folders present for a spec's name (for tests of the cache itself). */
export function debianRootFolders(spec: DebianRootSpec = BOOKWORM_SYSV): string[] {
  return existsSync(DEBIAN_CACHE_BASE) ? readdirSync(DEBIAN_CACHE_BASE).filter((entry) => entry.startsWith(`${spec.name}-`)) : [];
}
