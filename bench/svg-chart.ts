/**
 * A small grouped bar chart as standalone SVG text: groups along the x axis, one bar per
 * series in each group, a linear y axis from zero with round ticks, values printed on
 * the bars and a legend; a missing value (null) leaves no bar. Used by `docs-report.ts` to draw `docs/charts/*.svg`.
 */

/** One series of a grouped bar chart: a value (or null for "not measured") per group. */
export interface ChartSeries {
  readonly name: string;
  readonly values: readonly (number | null)[];
}

/** Everything a grouped bar chart shows. */
export interface GroupedBarChart {
  readonly title: string;
  /** The y axis label, with its unit, e.g. `connections per second`. */
  readonly yLabel: string;
  /** The x axis label, e.g. `backend`. */
  readonly xLabel: string;
  /** Group names along the x axis. */
  readonly groups: readonly string[];
  readonly series: readonly ChartSeries[];
  /** Overall width in pixels (default 800). */
  readonly width?: number;
  /** Overall height in pixels (default 420). */
  readonly height?: number;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];

/** Escapes text for use inside an SVG element or attribute. */
function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A value in the compact form printed on a bar: 12 345, 1 234, 12.3, 0.42. */
export function formatChartValue(value: number): string {
  if (Number.isInteger(value) || value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toPrecision(2);
}

/** Round tick step covering `max` in about `count` steps (1, 2 or 5 times a power of ten). */
function tickStep(max: number, count: number): number {
  if (max <= 0) return 1;
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Renders a grouped bar chart as a complete SVG document. */
export function renderGroupedBarChart(chart: GroupedBarChart): string {
  const width = chart.width ?? 800;
  const height = chart.height ?? 420;
  const margin = { top: 56, right: 20, bottom: 64, left: 84 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;

  const values = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const maxValue = Math.max(0, ...values);
  const step = tickStep(maxValue * 1.1, 5);
  const axisMax = Math.max(step, Math.ceil((maxValue * 1.1) / step) * step);
  const y = (v: number): number => margin.top + plotHeight - (v / axisMax) * plotHeight;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(chart.title)}</text>`,
  );

  // Legend, centred under the title.
  const legendItemWidth = (name: string): number => 22 + name.length * 7 + 14;
  const legendWidth = chart.series.reduce((sum, s) => sum + legendItemWidth(s.name), 0);
  let legendX = Math.max(margin.left, (width - legendWidth) / 2);
  chart.series.forEach((series, index) => {
    const colour = PALETTE[index % PALETTE.length]!;
    out.push(
      `<rect x="${legendX}" y="33" width="12" height="12" fill="${colour}"/>`,
      `<text x="${legendX + 16}" y="43" font-size="12">${escapeXml(series.name)}</text>`,
    );
    legendX += legendItemWidth(series.name);
  });

  // Y axis: grid lines, tick labels, axis label.
  for (let tick = 0; tick <= axisMax + step / 2; tick += step) {
    const ty = y(tick).toFixed(1);
    out.push(
      `<line x1="${margin.left}" y1="${ty}" x2="${margin.left + plotWidth}" y2="${ty}" stroke="#e0e0e0"/>`,
      `<text x="${margin.left - 6}" y="${ty}" dy="4" text-anchor="end" font-size="11">${escapeXml(formatChartValue(tick))}</text>`,
    );
  }
  const yLabelX = 18;
  const yLabelY = margin.top + plotHeight / 2;
  out.push(
    `<text x="${yLabelX}" y="${yLabelY}" transform="rotate(-90 ${yLabelX} ${yLabelY})" text-anchor="middle" font-size="12">${escapeXml(chart.yLabel)}</text>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotHeight}" stroke="#333"/>`,
    `<line x1="${margin.left}" y1="${margin.top + plotHeight}" x2="${margin.left + plotWidth}" y2="${margin.top + plotHeight}" stroke="#333"/>`,
  );

  // Bars, group by group; a group shows only the series that have a value there, centred.
  const groupWidth = plotWidth / Math.max(1, chart.groups.length);
  const seriesCount = Math.max(1, chart.series.length);
  const barWidth = Math.min(56, (groupWidth * 0.8) / seriesCount);
  const present = (value: number | null | undefined): value is number => value !== null && value !== undefined && Number.isFinite(value);
  chart.groups.forEach((group, groupIndex) => {
    const groupX = margin.left + groupIndex * groupWidth;
    const shown = chart.series.map((series, seriesIndex) => ({ series, seriesIndex, value: series.values[groupIndex] }));
    const bars = shown.filter((bar): bar is typeof bar & { value: number } => present(bar.value));
    const barsX = groupX + (groupWidth - barWidth * bars.length) / 2;
    bars.forEach(({ series, seriesIndex, value }, slot) => {
      const x = barsX + slot * barWidth;
      const labelX = (x + barWidth / 2).toFixed(1);
      const top = y(value);
      const barHeight = margin.top + plotHeight - top;
      const colour = PALETTE[seriesIndex % PALETTE.length]!;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${colour}"><title>${escapeXml(`${group} / ${series.name}: ${formatChartValue(value)}`)}</title></rect>`,
        `<text x="${labelX}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10">${escapeXml(formatChartValue(value))}</text>`,
      );
    });
    out.push(
      `<text x="${(groupX + groupWidth / 2).toFixed(1)}" y="${margin.top + plotHeight + 18}" text-anchor="middle" font-size="12">${escapeXml(group)}</text>`,
    );
  });
  out.push(
    `<text x="${margin.left + plotWidth / 2}" y="${height - 16}" text-anchor="middle" font-size="12">${escapeXml(chart.xLabel)}</text>`,
    '</svg>',
    '',
  );
  return out.join('\n');
}
