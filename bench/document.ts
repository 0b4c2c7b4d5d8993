/**
 * docs/BENCHMARKS.md is written whole by `npm run bench`; a scenario run alone (BENCH_ONLY)
 * replaces only its own section, so the rest keeps the figures of the run that made it.
 */

/**
 * `document` with `section` in place of the section of the same heading (up to the next `## `
 * heading), or added at the end. A heading is named by what comes before its first ': ' ("## Live: ",
 * "## Live across three instances: "), so a section keeps its place whatever figures its title gives.
 */
export function replaceSection(document: string, section: string) {
  const heading = `\n${section.slice(0, section.indexOf(': ') + 2)}`;
  const start = document.indexOf(heading);
  if (start === -1) return `${document.endsWith('\n') ? document : `${document}\n`}\n${section}`;
  const next = document.indexOf('\n## ', start + heading.length);
  return `${document.slice(0, start)}\n${section}${next === -1 ? '' : document.slice(next)}`;
}
