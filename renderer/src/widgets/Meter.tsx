// Usage against a limit or a capacity: a bar with the figures written beside it (the bar is
// decoration; the text and the meter role carry the value).
export function Meter({ label, fraction, text }: { label: string; fraction: number | undefined; text: string }) {
  const clamped = fraction === undefined || !Number.isFinite(fraction) ? undefined : Math.max(0, Math.min(1, fraction));
  const tone = clamped === undefined ? '' : clamped >= 0.9 ? 'bad' : clamped >= 0.75 ? 'warn' : 'ok';
  return (
    <span className="meter-cell">
      <span
        className="meter" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100}
        aria-valuenow={clamped === undefined ? undefined : Math.round(clamped * 100)} aria-valuetext={text}
      >
        <span className={`meter-fill tone-${tone}`} style={{ width: `${(clamped ?? 0) * 100}%` }} />
      </span>
      <span className="meter-text">{text}</span>
    </span>
  );
}
