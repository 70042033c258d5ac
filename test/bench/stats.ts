/** Latency summary helpers for the benchmarks: nothing clever, sorted samples and ratios. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function timeEach(n: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples;
}

export interface Row {
  case: string;
  p50: number;
  p99: number;
  baseline?: { p50: number; p99: number };
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log("| case | p50 ms | p99 ms | p50 ratio | p99 ratio |");
  console.log("|---|---:|---:|---:|---:|");
  for (const r of rows) {
    const ratio = (a: number, b?: number) => (b ? (a / b).toFixed(2) : "1.00 (baseline)");
    console.log(`| ${r.case} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${ratio(r.p50, r.baseline?.p50)} | ${ratio(r.p99, r.baseline?.p99)} |`);
  }
}

/** The worst gap between 5 ms ticks of this thread's event loop while `work` runs. */
export async function worstLag(work: () => Promise<unknown>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  await work().catch(() => undefined);
  clearInterval(ticker);
  // A loop blocked until the work ended never ticked at all: the gap since the last tick counts too.
  return Math.max(worst, performance.now() - last - 5);
}
