import type { ItemStatus, ReportStatus } from '../../jobs/report.js';

const emoji: Record<ItemStatus | ReportStatus, string> = {
  pending: ':hourglass_flowing_sand:',
  running: ':arrows_counterclockwise:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  ok: ':large_green_circle:',
  warn: ':large_yellow_circle:',
  fail: ':red_circle:',
  error: ':warning:',
  skipped: ':white_circle:',
};

/** The emoji shortcode that shows a status at a glance. */
export function statusEmoji(status: ItemStatus | ReportStatus): string {
  return emoji[status];
}
