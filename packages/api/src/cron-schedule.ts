// A CronJob's schedule as Kubernetes reads it (robfig/cron's standard parser): five fields or a
// macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly), in spec.timeZone or
// the controller-manager's local zone. Times come from cron-parser.
import { CronExpressionParser } from 'cron-parser';

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Why a schedule cannot be used, or undefined. */
export function scheduleError(schedule: string, timeZone?: string): string | undefined {
  if (/^\s*(CRON_)?TZ=/.test(schedule) && timeZone !== undefined) return 'cannot use both timeZone field and TZ or CRON_TZ in schedule';
  if (/^\s*(CRON_)?TZ=/.test(schedule)) return 'CRON_TZ or TZ used in schedule "' + schedule + '" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details';
  const expr = MACROS[schedule.trim()] ?? schedule.trim();
  const fields = expr.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: ${schedule}`;
  try {
    CronExpressionParser.parse(expr, { tz: 'UTC' });
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

export function timeZoneError(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone ${tz}`;
  }
}

/** The schedule's times in (after, until], at most `limit` of them, oldest first. */
export function scheduleTimes(schedule: string, timeZone: string | undefined, after: number, until: number, limit: number): number[] {
  const expr = MACROS[schedule.trim()] ?? schedule.trim();
  const it = CronExpressionParser.parse(expr, { currentDate: new Date(after), ...(timeZone ? { tz: timeZone } : {}) });
  const out: number[] = [];
  while (out.length < limit) {
    const t = it.next().getTime();
    if (t > until) break;
    out.push(t);
  }
  return out;
}

/** The schedule's next time after `from`. */
export function nextScheduleTime(schedule: string, timeZone: string | undefined, from: number): number {
  const expr = MACROS[schedule.trim()] ?? schedule.trim();
  return CronExpressionParser.parse(expr, { currentDate: new Date(from), ...(timeZone ? { tz: timeZone } : {}) }).next().getTime();
}

/** The schedule's most recent time at or before `at`. */
export function lastScheduleTimeBefore(schedule: string, timeZone: string | undefined, at: number): number {
  const expr = MACROS[schedule.trim()] ?? schedule.trim();
  return CronExpressionParser.parse(expr, { currentDate: new Date(at + 1), ...(timeZone ? { tz: timeZone } : {}) }).prev().getTime();
}
