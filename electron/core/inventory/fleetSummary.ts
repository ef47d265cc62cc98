// Derived numbers for the fleet header: hosts up and down, guests running and stopped, CPU and
// memory in use across every connected host.
import type { FleetSummary, HostView } from '../../../shared/api/fleetState';

const NEEDS_ADMIN = new Set(['pendingApproval', 'blocked', 'failed']);

export function summarizeFleet(hosts: readonly HostView[]): FleetSummary {
  const summary: FleetSummary = {
    hosts: { total: hosts.length, up: 0, down: 0, needAttention: 0 },
    guests: { total: 0, running: 0, stopped: 0 },
    cpu: { busyCpus: 0, totalCpus: 0, fraction: 0 },
    memory: { usedBytes: 0, totalBytes: 0, fraction: 0 },
  };
  for (const host of hosts) {
    if (host.connection === 'connected') summary.hosts.up += 1;
    else if (NEEDS_ADMIN.has(host.connection)) summary.hosts.needAttention += 1;
    else summary.hosts.down += 1;
    for (const guest of host.guests) {
      summary.guests.total += 1;
      if (guest.state === 'running') summary.guests.running += 1;
      else summary.guests.stopped += 1;
    }
    if (host.connection !== 'connected') continue;
    // Until the first health sample arrives, the agent's info at connect gives memory and CPU count.
    if (host.health) {
      summary.cpu.busyCpus += host.health.cpu * host.health.cpus;
      summary.cpu.totalCpus += host.health.cpus;
      summary.memory.usedBytes += host.health.memoryUsed;
      summary.memory.totalBytes += host.health.memoryTotal;
    } else if (host.info) {
      summary.cpu.totalCpus += host.info.cpus;
      summary.memory.usedBytes += Math.max(0, host.info.memoryTotal - host.info.memoryAvailable);
      summary.memory.totalBytes += host.info.memoryTotal;
    }
  }
  summary.cpu.fraction = summary.cpu.totalCpus > 0 ? summary.cpu.busyCpus / summary.cpu.totalCpus : 0;
  summary.memory.fraction = summary.memory.totalBytes > 0 ? summary.memory.usedBytes / summary.memory.totalBytes : 0;
  return summary;
}
