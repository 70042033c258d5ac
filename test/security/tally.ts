import { expect } from "vitest";

/**
 * Attempts per class of issue 10, each recorded as held or not: a suite makes its attempts, then asserts that
 * every one was made and held, and prints the figures that test/security/README.md quotes.
 */
export class Tally {
  private readonly classes = new Map<string, { attempts: number; held: number; failures: string[] }>();

  record(cls: string, attempt: string, held: boolean): void {
    const t = this.classes.get(cls) ?? { attempts: 0, held: 0, failures: [] };
    t.attempts += 1;
    if (held) t.held += 1;
    else t.failures.push(attempt);
    this.classes.set(cls, t);
  }

  /** Every attempt of the class was made (exactly `attempts` of them) and held; a failure is listed by name. */
  expectHeld(cls: string, attempts: number): void {
    expect(this.classes.get(cls)).toEqual({ attempts, held: attempts, failures: [] });
  }

  /** The figures as the README's table rows. */
  print(): void {
    const rows = [...this.classes].map(([cls, t]) => `| ${cls} | ${t.attempts} | ${t.held} |`);
    console.log(["| class | attempts | held |", "|---|---:|---:|", ...rows].join("\n"));
  }
}
