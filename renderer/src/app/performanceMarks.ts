// User-timing marks of the renderer's first full render, read by the UI benchmark
// (test/bench/ui/): when browser mode's bridge first opened, when the first snapshot of the fleet
// was applied, and when the guest list first painted its visible rows. One of each per page load.
export const PERFORMANCE_MARKS = {
  bridgeOpen: 'vfleet:bridge-open',
  snapshot: 'vfleet:snapshot',
  guestRowsPainted: 'vfleet:guest-rows-painted',
} as const;

function markOnce(name: string): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}

/** Marks the bridge's WebSocket open (browser mode). */
export function markBridgeOpen(): void {
  markOnce(PERFORMANCE_MARKS.bridgeOpen);
}

/** Marks the first snapshot applied. */
export function markSnapshot(): void {
  markOnce(PERFORMANCE_MARKS.snapshot);
}

/** Marks once the frame now being rendered has been painted: a task queued from the frame's animation callback runs after its paint. */
export function markGuestRowsPainted(): void {
  requestAnimationFrame(() => setTimeout(() => markOnce(PERFORMANCE_MARKS.guestRowsPainted), 0));
}
