import { execFile } from 'node:child_process';

const ASK_MS = 2_000;

function ask(command: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: ASK_MS, encoding: 'utf8' }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

/**
 * Whether the system keeps its clock synchronised, as systemd's `timedatectl show` or chrony's `chronyc tracking`
 * tells (seed function 6); a sentence for the start-up diagnostics. Where neither answers (a container, a system
 * without either) it says so: never an error.
 */
export async function timeSynchronisation(): Promise<string> {
  const timedatectl = await ask('timedatectl', ['show', '--property=NTPSynchronized', '--property=NTP']);
  if (timedatectl) {
    const props = Object.fromEntries(timedatectl.trim().split('\n').map((line) => line.split('=', 2)));
    if (props.NTPSynchronized === 'yes') return 'time synchronised (timedatectl: NTPSynchronized=yes)';
    return `time NOT synchronised (timedatectl: NTPSynchronized=${props.NTPSynchronized ?? '?'}, NTP=${props.NTP ?? '?'})`;
  }
  const chrony = await ask('chronyc', ['-n', 'tracking']);
  if (chrony) {
    const leap = /Leap status\s*:\s*(.+)/.exec(chrony)?.[1]?.trim();
    const offset = /System time\s*:\s*(.+)/.exec(chrony)?.[1]?.trim();
    return leap === 'Normal' ? `time synchronised (chrony: ${offset ?? 'offset unknown'})` : `time NOT synchronised (chrony: leap status ${leap ?? 'unknown'})`;
  }
  return 'time synchronisation unknown (neither timedatectl nor chronyc answered)';
}
