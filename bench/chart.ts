/** A small SVG line chart: latency (ms) against concurrency, one line per series. */
export interface Series {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

export function lineChart(title: string, series: Series[], xLabel: string, yLabel: string): string {
  const width = 720;
  const height = 400;
  const pad = { left: 64, right: 180, top: 40, bottom: 48 };
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  // Concurrency grows in powers: a log scale keeps the small values readable.
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(...ys) * 1.1 || 1;
  const x = (v: number) => pad.left + ((Math.log2(v) - Math.log2(xMin)) / (Math.log2(xMax) - Math.log2(xMin) || 1)) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / yMax) * (height - pad.top - pad.bottom);
  const ticks = [...new Set(xs)].sort((a, b) => a - b);
  const yTicks = Array.from({ length: 6 }, (_, i) => (yMax * i) / 5);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad.left}" y="24" font-size="14" font-weight="bold">${title}</text>`,
    ...ticks.map((t) => `<line x1="${x(t)}" y1="${pad.top}" x2="${x(t)}" y2="${height - pad.bottom}" stroke="#eee"/><text x="${x(t)}" y="${height - pad.bottom + 16}" text-anchor="middle">${t}</text>`),
    ...yTicks.map((t) => `<line x1="${pad.left}" y1="${y(t)}" x2="${width - pad.right}" y2="${y(t)}" stroke="#eee"/><text x="${pad.left - 6}" y="${y(t) + 4}" text-anchor="end">${Math.round(t)}</text>`),
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" text-anchor="middle">${xLabel}</text>`,
    `<text x="16" y="${(pad.top + height - pad.bottom) / 2}" transform="rotate(-90 16 ${(pad.top + height - pad.bottom) / 2})" text-anchor="middle">${yLabel}</text>`,
    ...series.map((s, i) => {
      const path = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
      const ly = pad.top + 10 + i * 20;
      return `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>${s.points.map((p) => `<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`).join('')}<line x1="${width - pad.right + 16}" y1="${ly}" x2="${width - pad.right + 36}" y2="${ly}" stroke="${s.color}" stroke-width="2"/><text x="${width - pad.right + 42}" y="${ly + 4}">${s.name}</text>`;
    }),
    '</svg>',
  ];
  return parts.join('\n');
}
