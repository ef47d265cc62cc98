// The clock for "since 3 min ago" and uptimes, ticking at the given period while a view shows it
// (a clock, not a poll: nothing is fetched).
import { useEffect, useState } from 'react';

export function useNow(periodMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(timer);
  }, [periodMs]);
  return now;
}
