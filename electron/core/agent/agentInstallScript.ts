// The installer that runs on a host with the bundle on stdin (see agentDeploy.ts), where it puts the
// agent, and the Node flags a serving agent runs with.

export const ROOT_AGENT_BASE = '/var/lib/vfleet/agent';
export const AGENT_FILE_NAME = 'vfleet-agent.js';

/**
 * V8 flags of `serve --stdio` (Node >= 18 takes both), chosen with the sampling-overhead bench
 * (test/bench/agent/samplingOverhead.ts: 50 guests sampled at 1 Hz): a 1 MiB semi-space instead
 * of 16 MiB (the agent's young objects are small and short-lived), and lite mode (the interpreter
 * only: no optimising compiler, no feedback for it). RSS 61 -> 48 MiB; CPU no higher (1.5-1.6 %
 * of a core against 1.7-1.8 %), since the agent's time goes to kernel reads, not hot JavaScript.
 * The sudoers rule names them too.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--lite-mode'];

// Runs as the user the agent runs as, stdin = "<sha256>\\n<signature>\\n<bundle>". It is also the
// command a sudoers rule names, so it is one line without '#', a backslash, tabs or double spaces (see
// sudoersRule.ts) and embeds the workstation's public key. Old versions are pruned only when unused
// for a day (their folder's mtime: set at install and by each connect's check, agentDeploy.ts) and
// not running, so a deploy never removes a version another workstation just installed or is about
// to start, or the file of an agent still running (issue 13: a file gone under a running agent).
export function installScript(publicKeyDer: string): string {
  return [
    "const fs=require('fs'),path=require('path'),os=require('os'),c=require('crypto');",
    `const key=c.createPublicKey({key:Buffer.from('${publicKeyDer}','base64'),format:'der',type:'spki'});`,
    `const base=process.getuid()===0?'${ROOT_AGENT_BASE}':path.join(os.homedir(),'.cache','vfleet','agent');`,
    'const fail=m=>{process.stderr.write(m);process.exit(3)};',
    'const chunks=Array.of();',
    'process.stdin.on(\'data\',d=>chunks.push(d));',
    'process.stdin.on(\'end\',()=>{',
    'const all=Buffer.concat(chunks),a=all.indexOf(10),b=all.indexOf(10,a+1);',
    'const hash=all.subarray(0,a).toString(),sig=Buffer.from(all.subarray(a+1,b).toString(),\'base64\'),bytes=all.subarray(b+1);',
    "if(a!==64||!/^[0-9a-f]{64}$/.test(hash))fail('the upload does not start with a sha256');",
    "const got=c.createHash('sha256').update(bytes).digest('hex');",
    "if(got!==hash)fail('the uploaded agent has sha256 '+got+', expected '+hash);",
    "if(!c.verify(null,Buffer.from(hash),key,sig))fail('the agent '+hash+' is not signed with the key of this workstation');",
    // Modes set explicitly, whatever the umask: the SSH user must read the copy to check its hash.
    'fs.mkdirSync(base,{recursive:true,mode:0o755});fs.chmodSync(path.dirname(base),0o755);fs.chmodSync(base,0o755);',
    `const dir=path.join(base,hash),file=path.join(dir,'${AGENT_FILE_NAME}');`,
    'fs.mkdirSync(dir,{recursive:true,mode:0o755});fs.chmodSync(dir,0o755);',
    "const tmp=path.join(dir,'.upload-'+process.pid+'-'+c.randomBytes(6).toString('hex'));",
    "const fd=fs.openSync(tmp,'wx',0o644);fs.fchmodSync(fd,0o644);fs.writeFileSync(fd,bytes);fs.fsyncSync(fd);fs.closeSync(fd);",
    'fs.renameSync(tmp,file);',
    "const dfd=fs.openSync(dir,'r');fs.fsyncSync(dfd);fs.closeSync(dfd);",
    'const now=new Date();fs.utimesSync(dir,now,now);',
    "const running=fs.readdirSync('/proc').filter(p=>/^[0-9]+$/.test(p)).map(p=>{try{return fs.readFileSync('/proc/'+p+'/cmdline','latin1')}catch(e){return ''}});",
    'const others=fs.readdirSync(base).filter(n=>n!==hash&&/^[0-9a-f]{64}$/.test(n))',
    '.map(n=>{try{return {n,t:fs.statSync(path.join(base,n)).mtimeMs}}catch(e){return {n,t:Infinity}}}).sort((x,y)=>y.t-x.t);',
    'const pruned=others.slice(1).filter(o=>o.t<Date.now()-86400000&&!running.some(l=>l.includes(o.n))).map(o=>o.n);',
    'for(const n of pruned)fs.rmSync(path.join(base,n),{recursive:true,force:true});',
    'process.stdout.write(JSON.stringify({file,pruned}));',
    '});',
  ].join('');
}

