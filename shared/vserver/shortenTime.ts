// vserver-stat's userTIME/sysTIME/UPTIME cell: milliseconds squeezed into 10 columns
// (util-vserver src/vserver-stat.c), including its truncation quirk.

const MS_PER_DAY = 24 * 60 * 60 * 1000;

/**
 * Zero-pads to two digits, and like the C helper keeps only the first two characters of a longer
 * number: 690 -> "69", 5 -> "05", 105 -> "10".
 */
function twoDigits(value: number): string {
  return String(value).padStart(2, '0').slice(0, 2);
}

/** The cell text without padding: 6690 -> "0m06s69", 8 757 000 -> "2h25m57", 1200 d 5 h -> "3y10d05". */
export function shortenTime(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`time must be a whole number of milliseconds, got ${ms}`);
  const millis = ms % 1000;
  let rest = Math.floor(ms / 1000);
  const seconds = rest % 60;
  rest = Math.floor(rest / 60);
  const minutes = rest % 60;
  rest = Math.floor(rest / 60);
  const hours = rest % 24;
  const days = Math.floor(rest / 24);

  if (days > 999 * 999) return 'INVALID';
  if (days > 999) return `${Math.floor(days / 365)}y${twoDigits(days % 365)}d${twoDigits(hours)}`;
  if (days > 0) return `${days}d${twoDigits(hours)}h${twoDigits(minutes)}`;
  if (hours > 0) return `${hours}h${twoDigits(minutes)}m${twoDigits(seconds)}`;
  return `${minutes}m${twoDigits(seconds)}s${twoDigits(millis)}`;
}

/** The values below 1000 whose twoDigits() text is `text`, smallest first. */
function candidatesForTwoDigits(text: string, below: number): number[] {
  const shown = Number(text);
  const candidates = [shown];
  // A leading zero means a one-digit value; otherwise a three-digit value may hide behind the two shown.
  if (!text.startsWith('0')) for (let digit = 0; digit <= 9; digit += 1) candidates.push(shown * 10 + digit);
  return candidates.filter((value) => value < below && twoDigits(value) === text);
}

/**
 * The smallest millisecond count that vserver-stat prints as `text` (the format is lossy), so
 * that shortenTime(expandShortTime(t)) === t for every text vserver-stat can print.
 */
export function expandShortTime(text: string): number {
  const invalid = (): SyntaxError => new SyntaxError(`'${text}' is not a vserver-stat time (like 0m06s69, 2h25m57, 4d01h03 or 3y10d05)`);
  let match = /^(\d+)m(\d\d)s(\d\d)$/.exec(text);
  if (match) {
    const [minutes, seconds] = [Number(match[1]), Number(match[2])];
    const millis = candidatesForTwoDigits(match[3] ?? '', 1000)[0];
    if (minutes > 59 || seconds > 59 || millis === undefined) throw invalid();
    return (minutes * 60 + seconds) * 1000 + millis;
  }
  match = /^(\d+)h(\d\d)m(\d\d)$/.exec(text);
  if (match) {
    const [hours, minutes, seconds] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (hours < 1 || hours > 23 || minutes > 59 || seconds > 59) throw invalid();
    return ((hours * 60 + minutes) * 60 + seconds) * 1000;
  }
  match = /^(\d+)d(\d\d)h(\d\d)$/.exec(text);
  if (match) {
    const [days, hours, minutes] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (days < 1 || days > 999 || hours > 23 || minutes > 59) throw invalid();
    return days * MS_PER_DAY + (hours * 60 + minutes) * 60 * 1000;
  }
  match = /^(\d+)y(\d\d)d(\d\d)$/.exec(text);
  if (match) {
    const [years, hours] = [Number(match[1]), Number(match[3])];
    const dayOfYear = candidatesForTwoDigits(match[2] ?? '', 365).find((day) => years * 365 + day > 999);
    if (dayOfYear === undefined || hours > 23 || years * 365 + dayOfYear > 999 * 999) throw invalid();
    return (years * 365 + dayOfYear) * MS_PER_DAY + hours * 60 * 60 * 1000;
  }
  throw invalid();
}
