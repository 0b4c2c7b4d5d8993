import { describe, expect, it } from 'vitest';
import { replaceSection } from '../../bench/document.js';

const live = (title: string, body: string) => `## Live: ${title}\n\n${body}\n`;
const cluster = (title: string, body: string) => `## Live across three instances: ${title}\n\n${body}\n`;

describe('a scenario run alone rewrites only its section of docs/BENCHMARKS.md', () => {
  const document = `# Benchmarks\n\n## Targets\n\n| a | b |\n\n${live('10,000 subscribers', 'old live')}\n${cluster('1,000 subscribers', 'old cluster')}`;

  it('replaces a section followed by another whose heading starts alike, whatever its title says now', () => {
    expect(replaceSection(document, live('400 subscribers', 'new live'))).toBe(`# Benchmarks\n\n## Targets\n\n| a | b |\n\n${live('400 subscribers', 'new live')}\n${cluster('1,000 subscribers', 'old cluster')}`);
  });

  it('replaces the last section', () => {
    expect(replaceSection(document, cluster('not measured', 'no redis-server'))).toBe(`# Benchmarks\n\n## Targets\n\n| a | b |\n\n${live('10,000 subscribers', 'old live')}\n${cluster('not measured', 'no redis-server')}`);
  });

  it('adds a section the document does not have at its end', () => {
    const without = `# Benchmarks\n\n${live('10,000 subscribers', 'old live')}`;
    expect(replaceSection(without, cluster('1,000 subscribers', 'new'))).toBe(`${without}\n${cluster('1,000 subscribers', 'new')}`);
  });
});
