// Which driver this host needs: `vserver` on a Linux-VServer kernel with util-vserver installed
// (/proc/virtual and the `vserver` command), `namespaces` everywhere else.
import { existsSync } from 'node:fs';
import type { DriverName } from '../../../shared/domain/guest';
import type { Driver, DriverContext } from '../driver';
import { createDriver as createNamespacesDriver } from '../drivers/namespaces';
import { createDriver as createVserverDriver } from '../drivers/vserver';
import { findExecutable } from '../process/runTool';

export function detectDriverName(): DriverName {
  return existsSync('/proc/virtual') && findExecutable('vserver') ? 'vserver' : 'namespaces';
}

export async function createHostDriver(context: DriverContext, name: DriverName = detectDriverName()): Promise<Driver> {
  return name === 'vserver' ? createVserverDriver(context) : createNamespacesDriver(context);
}
