// Small helpers for summarising and printing results.

export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const m = v.length >> 1
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2
}

/** Nearest-rank percentile of an ascending-sorted array (p in 0..1). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]
}

/** (max - min) / median, as a percentage: how much the rounds disagree. */
export function spread(xs) {
  const v = xs.filter((x) => Number.isFinite(x))
  if (v.length < 2) return NaN
  const m = median(v)
  return m === 0 ? NaN : ((Math.max(...v) - Math.min(...v)) / Math.abs(m)) * 100
}

export function fmt(x, digits = 1) {
  if (x === undefined || x === null || Number.isNaN(x)) return '-'
  if (!Number.isFinite(x)) return String(x)
  const abs = Math.abs(x)
  const d = abs >= 1000 ? 0 : abs >= 100 ? Math.min(digits, 1) : digits
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })
}

export function fmtBytes(n) {
  const GiB = 1024 ** 3
  const MiB = 1024 ** 2
  if (n >= GiB && n % GiB === 0) return `${n / GiB} GiB`
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`
  return `${n} B`
}

/** Renders rows of cells as an aligned text table (first column left-aligned). */
export function table(rows, indent = '  ') {
  const widths = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, String(c).length)))
  return rows
    .map((r) => indent + r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('   ').trimEnd())
    .join('\n')
}
