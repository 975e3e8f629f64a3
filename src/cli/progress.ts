import cliProgress from "cli-progress";

/**
 * A progress bar over `total` episodes. On a terminal it redraws in place; in a non-TTY log
 * (CI) it prints one line every 5 s instead of nothing (cli-progress `noTTYOutput`).
 */
export function episodeProgressBar(
  total: number,
  label: string,
  unit = "episodes",
): { add(n: number): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted} elapsed | eta {eta_formatted}`,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    add: (n) => bar.increment(n),
    stop: () => bar.stop(),
  };
}
