// Puts the agent on a host: in a directory named by its content hash, uploaded only when missing,
// written under a temporary name, checked by the host's own Node and renamed into place, so two
// workstations deploying at once never see a half-written file. Older versions are pruned.
import { z } from 'zod';
import { runRemote } from '../ssh/remoteExec';
import type { SshConnection } from '../ssh/sshConnection';
import { HostError } from '../ssh/sshErrors';
import type { AgentBundle } from './agentBundle';

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

// Runs on the host's Node (argv[1] = hash): where the agent goes, and whether that file is intact.
const PROBE_SCRIPT = `
const fs=require('fs'),path=require('path'),os=require('os'),crypto=require('crypto');
const hash=process.argv[1];
const base=process.getuid&&process.getuid()===0?'/var/lib/vfleet/agent':path.join(os.homedir(),'.cache','vfleet','agent');
const file=path.join(base,hash,'vfleet-agent.js');
let present=false;
try{present=crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')===hash}catch(e){}
process.stdout.write(JSON.stringify({node:process.versions.node,nodePath:process.execPath,file,present}));
`;

// Runs on the host's Node with the bundle on stdin: temp file, re-read and hash, rename, prune.
const INSTALL_SCRIPT = `
const fs=require('fs'),path=require('path'),os=require('os'),crypto=require('crypto');
const hash=process.argv[1];
const base=process.getuid&&process.getuid()===0?'/var/lib/vfleet/agent':path.join(os.homedir(),'.cache','vfleet','agent');
const dir=path.join(base,hash),file=path.join(dir,'vfleet-agent.js');
const chunks=[];
process.stdin.on('data',c=>chunks.push(c));
process.stdin.on('end',()=>{
  fs.mkdirSync(dir,{recursive:true,mode:0o755});
  const tmp=path.join(dir,'.upload-'+process.pid+'-'+crypto.randomBytes(6).toString('hex'));
  fs.writeFileSync(tmp,Buffer.concat(chunks),{mode:0o755});
  const fd=fs.openSync(tmp,'r');fs.fsyncSync(fd);fs.closeSync(fd);
  const got=crypto.createHash('sha256').update(fs.readFileSync(tmp)).digest('hex');
  if(got!==hash){fs.rmSync(tmp,{force:true});process.stderr.write('the uploaded agent has sha256 '+got+', expected '+hash);process.exit(3);}
  fs.renameSync(tmp,file);
  const now=new Date();fs.utimesSync(dir,now,now);
  const others=fs.readdirSync(base).filter(n=>n!==hash&&/^[0-9a-f]{64}$/.test(n))
    .map(n=>({n,t:fs.statSync(path.join(base,n)).mtimeMs})).sort((a,b)=>b.t-a.t);
  const pruned=others.slice(1).map(o=>o.n);
  for(const n of pruned)fs.rmSync(path.join(base,n),{recursive:true,force:true});
  process.stdout.write(JSON.stringify({file,pruned}));
});
`;

const probeAnswerSchema = z.object({ node: z.string(), nodePath: z.string(), file: z.string(), present: z.boolean() });
const installAnswerSchema = z.object({ file: z.string(), pruned: z.array(z.string()) });

export async function deployAgent(connection: SshConnection, bundle: AgentBundle, signal?: AbortSignal): Promise<AgentLaunch> {
  const host = connection.name;
  const probe = await runRemote(connection, ['node', '-e', PROBE_SCRIPT, bundle.sha256], { timeoutMs: 30_000, ...(signal ? { signal } : {}) });
  const stderr = probe.stderr.toString('utf8').trim();
  if (probe.code === 127 || /node: (command )?not found|No such file or directory/.test(stderr)) {
    throw new HostError(host, `Host ${host} has no Node.js on the PATH of its SSH user: install Node.js ${MIN_NODE_MAJOR} or newer (e.g. 'apt install nodejs') so the vfleet agent can run`);
  }
  if (probe.code !== 0) {
    throw new HostError(host, `Host ${host}: checking for the vfleet agent failed (exit ${probe.code}): ${stderr || 'no message'}`);
  }
  const answer = parseAnswer(host, probe.stdout, 'agent check', probeAnswerSchema);
  const major = Number.parseInt(answer.node.split('.')[0] ?? '', 10);
  if (!(major >= MIN_NODE_MAJOR)) {
    throw new HostError(host, `Host ${host} has Node.js ${answer.node}, but the vfleet agent needs Node.js ${MIN_NODE_MAJOR} or newer: upgrade the 'nodejs' package on the host`);
  }
  if (answer.present) return { file: answer.file, nodeVersion: answer.node, nodePath: answer.nodePath, uploaded: false, pruned: [] };

  const install = await runRemote(connection, ['node', '-e', INSTALL_SCRIPT, bundle.sha256], {
    stdin: bundle.bytes, timeoutMs: 120_000, ...(signal ? { signal } : {}),
  });
  if (install.code !== 0) {
    throw new HostError(host, `Host ${host}: uploading the vfleet agent failed (exit ${install.code}): ${install.stderr.toString('utf8').trim() || 'no message'}`);
  }
  const installed = parseAnswer(host, install.stdout, 'agent upload', installAnswerSchema);
  return { file: installed.file, nodeVersion: answer.node, nodePath: answer.nodePath, uploaded: true, pruned: installed.pruned };
}

function parseAnswer<T>(host: string, bytes: Buffer, what: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new HostError(host, `Host ${host}: the ${what} printed something unexpected: ${bytes.toString('utf8').slice(0, 200)}`);
  return parsed.data;
}
