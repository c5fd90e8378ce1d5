/**
 * Timestamps as sops (Go) writes them. sops encrypts and hashes a time.Time with `MarshalText`,
 * i.e. RFC 3339 with nanoseconds: fraction trimmed of trailing zeros (dropped when zero), `Z` for a
 * zero offset, otherwise the original `±hh:mm` offset (Go keeps the zone it parsed).
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export interface GoTime {
  readonly date: string;
  readonly clock: string;
  /** Fraction digits, at most 9 (Go keeps nanoseconds), without trailing zeros. */
  readonly fraction: string;
  /** Offset in minutes east of UTC. */
  readonly offsetMinutes: number;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Parse RFC 3339 text the way Go's time.Parse(time.RFC3339Nano) does; undefined when invalid. */
export function parseRfc3339(text: string): GoTime | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = (m[7] ?? '').slice(0, 9).replace(/0+$/, '');
  return {
    date: `${m[1]}-${m[2]}-${m[3]}`,
    clock: `${m[4]}:${m[5]}:${m[6]}`,
    fraction,
    offsetMinutes,
  };
}

/** Go's `time.Time.MarshalText` of a parsed time. */
export function formatGoTime(t: GoTime): string {
  const frac = t.fraction === '' ? '' : '.' + t.fraction;
  let zone = 'Z';
  if (t.offsetMinutes !== 0) {
    const abs = Math.abs(t.offsetMinutes);
    const hh = String(Math.floor(abs / 60)).padStart(2, '0');
    const mm = String(abs % 60).padStart(2, '0');
    zone = `${t.offsetMinutes < 0 ? '-' : '+'}${hh}:${mm}`;
  }
  return `${t.date}T${t.clock}${frac}${zone}`;
}

/** Whether Go would accept this exact spelling when sops decrypts a `time` value. */
export function isGoTimeSpelling(text: string): boolean {
  return parseRfc3339(text) !== undefined && !/[tz]/.test(text);
}
