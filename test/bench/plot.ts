/**
 * A tiny SVG writer for horizontal bar charts, with no dependency: enough for a benchmark to leave a picture next to
 * its table. One chart is a stack of panels; each panel has its own scale (sources differ by orders of magnitude:
 * a PostgreSQL scan takes milliseconds, a Trino one a hundred) and an optional dashed reference line (a goal).
 */
export interface Bar {
  label: string;
  value: number;
}

export interface Panel {
  title: string;
  bars: Bar[];
  reference?: { value: number; label: string };
}

const WIDTH = 800;
const LABEL_W = 330; // the label column, right-aligned against the bars
const VALUE_W = 90; // room after the longest bar for its value
const BAR_H = 18;
const GAP = 6;
const TITLE_H = 26;

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

export function barChartSvg(title: string, unit: string, panels: Panel[]): string {
  const out: string[] = [];
  let y = 34;
  out.push(`<text x="10" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`);
  const x0 = LABEL_W + 10;
  const span = WIDTH - x0 - VALUE_W;
  for (const panel of panels) {
    out.push(`<text x="10" y="${y + 16}" font-size="13" font-weight="bold">${escape(panel.title)}</text>`);
    y += TITLE_H;
    const max = Math.max(...panel.bars.map((b) => b.value), panel.reference?.value ?? 0) || 1;
    const scale = (v: number) => (v / max) * span;
    const bottom = y + panel.bars.length * (BAR_H + GAP) - GAP;
    // The reference line first, so the bars and their values are drawn over it.
    if (panel.reference) {
      const x = (x0 + scale(panel.reference.value)).toFixed(1);
      out.push(`<line x1="${x}" y1="${y - 4}" x2="${x}" y2="${bottom + 4}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="5,3"/>`);
      out.push(`<text x="${x}" y="${y - 7}" font-size="11" fill="#c0392b" text-anchor="middle">${escape(panel.reference.label)}</text>`);
    }
    for (const bar of panel.bars) {
      out.push(`<text x="${LABEL_W}" y="${y + BAR_H - 5}" font-size="12" text-anchor="end">${escape(bar.label)}</text>`);
      out.push(`<rect x="${x0}" y="${y}" width="${scale(bar.value).toFixed(1)}" height="${BAR_H}" fill="#4a78b5"/>`);
      out.push(
        `<text x="${(x0 + scale(bar.value) + 4).toFixed(1)}" y="${y + BAR_H - 5}" font-size="12" paint-order="stroke" stroke="white" stroke-width="3">${fmt(bar.value)} ${escape(unit)}</text>`,
      );
      y += BAR_H + GAP;
    }
    y += 14;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...out,
    "</svg>",
    "",
  ].join("\n");
}

export interface Series {
  label: string;
  /** y values at x = 1, 2, … */
  points: number[];
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

/**
 * Line charts side by side, one per panel, on a shared 0-1 y scale (recall@k for k = 1…n): each series a line with
 * its points, a legend under the panels.
 */
export function lineChartSvg(title: string, xLabel: string, panels: { title: string; series: Series[] }[]): string {
  const panelW = 360;
  const plotH = 220;
  const left = 44;
  const top = 50;
  const width = left + panels.length * (panelW + 20);
  const series = panels[0]?.series ?? [];
  const height = top + plotH + 50 + series.length * 18;
  const out: string[] = [`<text x="10" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`];
  panels.forEach((panel, p) => {
    const x0 = left + p * (panelW + 20);
    const n = Math.max(...panel.series.map((s) => s.points.length));
    const x = (i: number) => x0 + (i / Math.max(1, n - 1)) * (panelW - 20);
    const y = (v: number) => top + plotH - v * plotH;
    out.push(`<text x="${x0}" y="${top - 10}" font-size="13" font-weight="bold">${escape(panel.title)}</text>`);
    for (const v of [0, 0.25, 0.5, 0.75, 1]) {
      out.push(`<line x1="${x0}" y1="${y(v)}" x2="${x0 + panelW - 20}" y2="${y(v)}" stroke="#ddd"/>`);
      out.push(`<text x="${x0 - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end">${(v * 100).toFixed(0)}%</text>`);
    }
    for (let i = 0; i < n; i++) out.push(`<text x="${x(i)}" y="${top + plotH + 14}" font-size="10" text-anchor="middle">${i + 1}</text>`);
    out.push(`<text x="${x0 + (panelW - 20) / 2}" y="${top + plotH + 30}" font-size="11" text-anchor="middle">${escape(xLabel)}</text>`);
    panel.series.forEach((s, k) => {
      const colour = COLOURS[k % COLOURS.length];
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${s.points.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ")}"/>`);
      for (const [i, v] of s.points.entries()) out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${colour}"/>`);
    });
  });
  series.forEach((s, k) => {
    const ly = top + plotH + 50 + k * 18;
    out.push(`<rect x="${left}" y="${ly - 9}" width="14" height="4" fill="${COLOURS[k % COLOURS.length]}"/>`);
    out.push(`<text x="${left + 20}" y="${ly - 4}" font-size="11">${escape(s.label)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${out.join("")}</svg>\n`;
}
