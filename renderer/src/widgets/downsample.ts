// Min/max bucket downsampling: a series of any length becomes at most 2 points per bucket (the
// lowest and the highest, in time order), so a chart draws a few hundred points whatever the
// window and every peak stays visible.

export function downsampleMinMax<P extends { time: number }>(points: readonly P[], buckets: number, value: (point: P) => number): P[] {
  if (points.length <= buckets * 2) return [...points];
  const result: P[] = [];
  const size = points.length / buckets;
  for (let bucket = 0; bucket < buckets; bucket += 1) {
    const start = Math.floor(bucket * size);
    const end = Math.min(points.length, Math.floor((bucket + 1) * size));
    let low: P | undefined;
    let high: P | undefined;
    for (let index = start; index < end; index += 1) {
      const point = points[index] as P;
      if (!low || value(point) < value(low)) low = point;
      if (!high || value(point) > value(high)) high = point;
    }
    if (!low || !high) continue;
    if (low === high) result.push(low);
    else if (low.time <= high.time) result.push(low, high);
    else result.push(high, low);
  }
  return result;
}
