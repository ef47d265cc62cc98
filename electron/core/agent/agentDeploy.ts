// Puts the agent on a host: in a directory named by its content hash, uploaded only when missing.
// The installer reads the bundle from stdin once, checks its hash and this workstation's signature
// on the bytes it holds, writes them under a temporary name and renames them into place, so two
// workstations deploying at once never see a half-written file. Where the agent runs as root (root
// login or sudo) the installer runs as root too and the copy lives in root-owned
// /var/lib/vfleet/agent/<sha256>/: the SSH user never owns a file or folder root runs.
import { z } from 'zod';
import { runRemote } from '../ssh/remoteExec';
import type { SshConnection } from '../ssh/sshConnection';
import { HostError } from '../ssh/sshErrors';
import { AdminActionError } from './adminActionError';
import type { AgentBundle } from './agentBundle';
import { AGENT_FILE_NAME, AGENT_NODE_FLAGS, installScript, ROOT_AGENT_BASE } from './agentInstallScript';
import type { AgentSigningKey } from './agentSigningKey';
import { sudoPasswordRefusal } from './sudoersRule';

export const MIN_NODE_MAJOR = 18;

export interface AgentDeployment {
  /** Absolute path of the agent on the host. */
  file: string;
  nodeVersion: string;
  /** False when the host already had this exact bundle. */
  uploaded: boolean;
  /** Hash directories removed from the host. */
  pruned: string[];
}

/** A deployment plus how to start it. */
export interface AgentLaunch extends AgentDeployment {
  /** Absolute path of the Node that passed the version check; the agent runs with exactly this one. */
  nodePath: string;
}

export interface DeployOptions {
  signingKey: AgentSigningKey;
  /** The SSH user; with `sudo` (and not root) the agent is installed and run through `sudo -n`. */
  login: { user: string; sudo: boolean };
  signal?: AbortSignal;
}

// Runs as the SSH user (argv[1] = hash, argv[2] = 'root' when the agent runs as root): where the
// agent is, and whether that file is intact and, for root, writable by root alone up to its base.
// A present copy's folder gets a fresh mtime where the user may set it (root logins, the user's
// own copy): an installer prunes only versions unused for a day (agentInstallScript.ts), so one
// about to be started again is not removed between this check and its start.
const PROBE_SCRIPT = `
const fs=require('fs'),path=require('path'),os=require('os'),crypto=require('crypto');
const hash=process.argv[1],asRoot=process.argv[2]==='root';
const base=asRoot?'${ROOT_AGENT_BASE}':path.join(os.homedir(),'.cache','vfleet','agent');
const file=path.join(base,hash,'${AGENT_FILE_NAME}');
const rootOnly=p=>{const s=fs.statSync(p);return s.uid===0&&(s.mode&0o022)===0};
let present=false;
try{present=(!asRoot||[file,path.dirname(file),base].every(rootOnly))&&crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')===hash}catch(e){}
if(present)try{const now=new Date();fs.utimesSync(path.dirname(file),now,now)}catch(e){}
process.stdout.write(JSON.stringify({node:process.versions.node,nodePath:process.execPath,file,present}));
`;

/** How the quick start says the host holds no intact copy of this bundle (the core then checks and uploads). */
export const QUICK_START_MISS = 111;

// The quick start (argv: hash, root|user, sudo|direct, then the agent's Node flags), run by the SSH
// user's shell: the same checks as PROBE_SCRIPT (the copy's hash, and for root a file and folders
// owned by root and writable by no one else), made with sh, find and sha256sum, then the agent
// itself by exec; a host without an intact copy exits QUICK_START_MISS. So a warm connect starts
// one Node, not two, in one channel. The Node is the PATH's, resolved as process.execPath is (the
// path a sudoers rule names); any failure here falls back to deployAgent and agentCommand.
const QUICK_START_SCRIPT = `h=$1 owner=$2 via=$3; shift 3
if [ "$owner" = root ]; then base=${ROOT_AGENT_BASE}; else base=$HOME/.cache/vfleet/agent; fi
f=$base/$h/${AGENT_FILE_NAME}
node=$(command -v node) && node=$(readlink -f "$node") || exit ${QUICK_START_MISS}
if [ "$owner" = root ]; then
  ok=$(find "$f" "$base/$h" "$base" -maxdepth 0 -user 0 ! -perm /022 2>/dev/null)
  [ "$ok" = "$f
$base/$h
$base" ] || exit ${QUICK_START_MISS}
fi
printf '%s  %s\\n' "$h" "$f" | sha256sum -c --status 2>/dev/null || exit ${QUICK_START_MISS}
touch -c "$base/$h" 2>/dev/null
if [ "$via" = sudo ]; then exec sudo -n -- "$node" "$@" "$f" serve --stdio; fi
exec "$node" "$@" "$f" serve --stdio`;

/** The quick start of this bundle (QUICK_START_SCRIPT): the agent's own process once the checks pass. */
export function quickStartCommand(login: { user: string; sudo: boolean }, bundle: AgentBundle): string[] {
  const asRoot = usesSudo(login) || login.user === 'root';
  return ['sh', '-c', QUICK_START_SCRIPT, 'vfleet-agent', bundle.sha256, asRoot ? 'root' : 'user', usesSudo(login) ? 'sudo' : 'direct', ...AGENT_NODE_FLAGS];
}

const probeAnswerSchema = z.object({ node: z.string(), nodePath: z.string(), file: z.string(), present: z.boolean() });
const installAnswerSchema = z.object({ file: z.string(), pruned: z.array(z.string()) });

export async function deployAgent(connection: SshConnection, bundle: AgentBundle, options: DeployOptions): Promise<AgentLaunch> {
  const host = connection.name;
  const signal = options.signal ? { signal: options.signal } : {};
  const sudoUser = usesSudo(options.login) ? options.login.user : undefined;
  const asRoot = sudoUser !== undefined || options.login.user === 'root';
  const probe = await runRemote(connection, ['node', '-e', PROBE_SCRIPT, bundle.sha256, asRoot ? 'root' : 'user'], { timeoutMs: 30_000, ...signal });
  const stderr = probe.stderr.toString('utf8').trim();
  if (probeFoundNoNode(probe.code, stderr)) {
    throw new AdminActionError(host, `has no Node.js on the PATH of its SSH user (it said: ${stderr.split('\n')[0] || `exit ${probe.code}`}): install Node.js ${MIN_NODE_MAJOR} or newer (e.g. 'apt install nodejs') so the vfleet agent can run`, 'readsOn');
  }
  if (probe.code !== 0) {
    throw new HostError(host, `checking for the vfleet agent failed (exit ${probe.code}): ${stderr || 'no message'}`);
  }
  const answer = parseAnswer(host, probe.stdout, 'agent check', probeAnswerSchema);
  const major = Number.parseInt(answer.node.split('.')[0] ?? '', 10);
  if (!(major >= MIN_NODE_MAJOR)) {
    throw new AdminActionError(host, `has Node.js ${answer.node}, but the vfleet agent needs Node.js ${MIN_NODE_MAJOR} or newer: upgrade the 'nodejs' package on the host`, 'readsOn');
  }
  if (answer.present) return { file: answer.file, nodeVersion: answer.node, nodePath: answer.nodePath, uploaded: false, pruned: [] };

  // The checked Node by its path: sudo's secure_path may find another one, and the sudoers rule names a path.
  const installer = [answer.nodePath, '-e', installScript(options.signingKey.publicKeyDer)];
  const upload = Buffer.concat([Buffer.from(`${bundle.sha256}\n${options.signingKey.signHash(bundle.sha256)}\n`), bundle.bytes]);
  const install = await runRemote(connection, sudoUser !== undefined ? ['sudo', '-n', '--', ...installer] : installer, {
    stdin: upload, timeoutMs: 120_000, ...signal,
  });
  if (install.code !== 0) {
    const message = install.stderr.toString('utf8').trim();
    if (sudoUser !== undefined) {
      const refusal = sudoPasswordRefusal(host, sudoUser, message, answer.nodePath, options.signingKey);
      if (refusal) throw refusal;
    }
    throw new HostError(host, `uploading the vfleet agent failed (exit ${install.code}): ${message || 'no message'}`);
  }
  const installed = parseAnswer(host, install.stdout, 'agent upload', installAnswerSchema);
  return { file: installed.file, nodeVersion: answer.node, nodePath: answer.nodePath, uploaded: true, pruned: installed.pruned };
}

/**
 * Whether the check's answer means the SSH user's shell has no `node`: exit 127, or a failure whose
 * message says node is missing. A zero exit never is, whatever the user's shell start-up files
 * print on stderr (a lab host's shared ~/.bashrc printed an unrelated "No such file or directory").
 */
export function probeFoundNoNode(code: number | null, stderr: string): boolean {
  return code === 127 || (code !== 0 && /\bnode\b[^\n]*(not found|No such file or directory)/.test(stderr));
}

export function usesSudo(login: { user: string; sudo: boolean }): boolean {
  return login.sudo && login.user !== 'root';
}

/** The installed agent with these arguments, as root runs it: the Node that passed the check, the agent's flags, its file. */
export function agentArgv(launch: AgentLaunch, args: readonly string[]): string[] {
  return [launch.nodePath, ...AGENT_NODE_FLAGS, launch.file, ...args];
}

/** The installed agent with these arguments (default: its serve --stdio), through `sudo -n` where the login needs it. */
export function agentCommand(login: { user: string; sudo: boolean }, launch: AgentLaunch, args: readonly string[] = ['serve', '--stdio']): string[] {
  return [...(usesSudo(login) ? ['sudo', '-n', '--'] : []), ...agentArgv(launch, args)];
}

function parseAnswer<T>(host: string, bytes: Buffer, what: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new HostError(host, `the ${what} printed something unexpected: ${bytes.toString('utf8').slice(0, 200)}`);
  return parsed.data;
}
